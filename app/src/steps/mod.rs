//! Steps shared by the use-case services and the process managers: running
//! one command with the executor while keeping track of the log position
//! reached, dry-running a decision, and the cross-aggregate steps both sides
//! need (releasing what an order held, invoicing, planning shipments).
//!
//! Every step here is safe to repeat: it checks the state it finds and
//! turns "already done" into success, so a use case retried after a crash,
//! or a process manager fed the same event twice, never acts twice.

pub(crate) mod invoicing;
pub(crate) mod release;
pub(crate) mod shipments;

use domain::streams::Aggregate;
use domain::{Context, Decider, DomainEvent};
use store::{Metadata, Position, StreamId};

use crate::rejection::{lift, Rejection, ServiceError};
use crate::{codec, CommandError, Executed, Executor};

/// The highest log position a use case appended at, for read-your-writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Progress(Option<Position>);

impl Progress {
    /// Notes the position a command reached (`None`: it appended nothing).
    pub(crate) fn note(&mut self, position: Option<Position>) {
        self.0 = self.0.max(position);
    }

    /// The position to hand back to the caller: the last event appended, or
    /// when nothing was appended (a retry that found everything done), the
    /// head of the log, which covers whatever the earlier attempt appended.
    pub(crate) async fn reached(self, exec: &Executor) -> Result<Position, ServiceError> {
        match self.0 {
            Some(position) => Ok(position),
            None => Ok(exec.store().head().await?),
        }
    }
}

/// Runs one command (see [`Executor::execute`]) and notes its position.
pub(crate) async fn run<A>(
    exec: &Executor,
    stream: &str,
    metadata: &Metadata,
    progress: &mut Progress,
    command: impl Fn(&A::State) -> A::Command,
) -> Result<Executed<A>, ServiceError>
where
    A: Aggregate,
    A::State: Send + 'static,
    A::Error: Into<Rejection>,
{
    let done = exec
        .execute::<A>(stream, metadata, command)
        .await
        .map_err(lift)?;
    progress.note(done.position);
    Ok(done)
}

/// The current state of an aggregate and its stream version.
pub(crate) async fn load_versioned<A>(
    exec: &Executor,
    stream: &str,
) -> Result<(A::State, Option<u64>), ServiceError>
where
    A: Aggregate,
    A::State: Send + 'static,
    A::Error: Into<Rejection>,
{
    let stream = StreamId::parse(stream)?;
    exec.load::<A>(&stream).await.map_err(lift)
}

/// The current state of an aggregate.
pub(crate) async fn load<A>(exec: &Executor, stream: &str) -> Result<A::State, ServiceError>
where
    A: Aggregate,
    A::State: Send + 'static,
    A::Error: Into<Rejection>,
{
    Ok(load_versioned::<A>(exec, stream).await?.0)
}

/// Decides `command` against `state` without appending anything: a use case
/// checks the step that could still refuse before it takes an irreversible
/// one.
pub(crate) fn check<A>(
    exec: &Executor,
    state: &A::State,
    command: A::Command,
) -> Result<(), Rejection>
where
    A: Decider,
    A::Error: Into<Rejection>,
{
    let ctx = Context::new(exec.clock().now(), exec.catalog());
    A::decide(state, command, &ctx)
        .map(|_| ())
        .map_err(Into::into)
}

/// Every event of a stream, in order (for what a state does not keep, e.g.
/// the day an order arrived).
pub(crate) async fn events_of<E: DomainEvent>(
    exec: &Executor,
    stream: &str,
) -> Result<Vec<E>, ServiceError> {
    const PAGE: usize = 256;
    let stream = StreamId::parse(stream)?;
    let mut events = Vec::new();
    loop {
        let records = exec
            .store()
            .read_stream(&stream, events.len() as u64, PAGE)
            .await?;
        for record in &records {
            events.push(codec::decode(record).map_err(|e| CommandError::Corrupt {
                stream: stream.to_string(),
                reason: e.to_string(),
            })?);
        }
        if records.len() < PAGE {
            return Ok(events);
        }
    }
}

/// Whether an error is the aggregate saying no (as opposed to the store
/// failing or a conflict that outlived the retries).
pub(crate) fn is_rejection(error: &ServiceError) -> bool {
    matches!(error, CommandError::Rejected(_))
}
