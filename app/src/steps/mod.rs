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

/// The log position a use case's answer covers, for read-your-writes: the
/// highest position it appended at, and, once it found an effect it reports
/// already done (by an earlier attempt, a racing request or a process
/// manager), the head of the log, which covers that effect too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Progress {
    appended: Option<Position>,
    found_done: bool,
}

impl Progress {
    /// Notes the position a command reached (`None`: it appended nothing,
    /// its effect was already there).
    pub(crate) fn note(&mut self, position: Option<Position>) {
        match position {
            Some(_) => self.appended = self.appended.max(position),
            None => self.found_done = true,
        }
    }

    /// Notes that a step found its effect already in the log and skipped it.
    pub(crate) fn found_done(&mut self) {
        self.found_done = true;
    }

    /// The position to hand back to the caller: the last event appended;
    /// when a step found its effect already done (or nothing was appended at
    /// all), the head of the log read now, which covers whatever wrote that
    /// effect (the store's positions are gapless: the head covers every
    /// event already read).
    pub(crate) async fn reached(self, exec: &Executor) -> Result<Position, ServiceError> {
        match self.appended {
            Some(position) if !self.found_done => Ok(position),
            appended => Ok(appended
                .max(Some(exec.store().head().await?))
                .unwrap_or_default()),
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
