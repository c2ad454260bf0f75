//! Steps shared by the use-case services and the process managers: running
//! one command with the executor, how far in the log a step got
//! ([`Reached`]), and the cross-aggregate steps both sides need (releasing
//! what an order held, invoicing, planning shipments). Each step returns
//! what it did and how far it got; a use case takes the maximum.
//!
//! Every step here is safe to repeat: it checks the state it finds and
//! turns "already done" into success, so a use case retried after a crash,
//! or a process manager fed the same event twice, never acts twice.

pub(crate) mod invoicing;
pub(crate) mod release;
pub(crate) mod shipments;

use domain::streams::{stream_name, Aggregate};
use domain::{Context, Decider};
use store::{Metadata, Position, StreamId};

use crate::rejection::{lift, Rejection, ServiceError};
use crate::{codec, CommandError, Executed, Executor};

/// How far a step got in the log, for read-your-writes: a use case takes
/// the maximum over its steps and answers with [`Reached::position`].
///
/// Ordered so that the maximum covers every step: nothing below an append,
/// a later append above an earlier one, and a step that found its effect
/// already done (by an earlier attempt, a racing request or a process
/// manager) above all, since only the head of the log covers an effect
/// someone else wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reached {
    /// No step has run a command yet.
    #[default]
    Nothing,
    /// The last event appended so far.
    Appended(Position),
    /// A step found its effect already in the log.
    FoundDone,
}

impl Reached {
    /// What a command reached: its last event, or, when it appended nothing
    /// (its effect was already there), [`Reached::FoundDone`].
    pub(crate) fn of<A: Decider>(done: &Executed<A>) -> Reached {
        done.position.map_or(Reached::FoundDone, Reached::Appended)
    }

    /// The position to hand back to the caller: the last event appended;
    /// otherwise the head of the log read now, which covers whatever wrote
    /// the effect found done (the store's positions are gapless: the head
    /// covers every event already read).
    pub(crate) async fn position(self, exec: &Executor) -> Result<Position, ServiceError> {
        match self {
            Reached::Appended(position) => Ok(position),
            Reached::Nothing | Reached::FoundDone => Ok(exec.store().head().await?),
        }
    }
}

/// Runs one command (see [`Executor::execute`]).
pub(crate) async fn run<A>(
    exec: &Executor,
    id: &A::Id,
    metadata: &Metadata,
    command: impl Fn(&A::State) -> A::Command,
) -> Result<Executed<A>, ServiceError>
where
    A: Aggregate + 'static,
    A::State: Send + 'static,
    A::Error: Into<Rejection>,
{
    exec.execute::<A>(id, metadata, command).await.map_err(lift)
}

/// Runs one command with the use case's own say on the state it is decided
/// on (see [`Executor::execute_guarded`]).
pub(crate) async fn run_guarded<A>(
    exec: &Executor,
    id: &A::Id,
    metadata: &Metadata,
    command: impl Fn(&A::State) -> Result<A::Command, ServiceError>,
    approve: impl Fn(&A::State, &[A::Event]) -> Result<(), ServiceError>,
) -> Result<Executed<A>, ServiceError>
where
    A: Aggregate + 'static,
    A::State: Send + 'static,
    A::Error: Into<Rejection>,
{
    exec.execute_guarded::<A, Rejection>(id, metadata, command, approve)
        .await
        .map_err(lift)
}

/// The current state of an aggregate and its stream version.
pub(crate) async fn load_versioned<A>(
    exec: &Executor,
    id: &A::Id,
) -> Result<(A::State, Option<u64>), ServiceError>
where
    A: Aggregate + 'static,
    A::State: Send + 'static,
    A::Error: Into<Rejection>,
{
    exec.load::<A>(id).await.map_err(lift)
}

/// The current state of an aggregate.
pub(crate) async fn load<A>(exec: &Executor, id: &A::Id) -> Result<A::State, ServiceError>
where
    A: Aggregate + 'static,
    A::State: Send + 'static,
    A::Error: Into<Rejection>,
{
    Ok(load_versioned::<A>(exec, id).await?.0)
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

/// Where an aggregate's stream began in the log (`None` for a stream with no events).
pub(crate) async fn began_at<A: Aggregate>(
    exec: &Executor,
    id: &A::Id,
) -> Result<Option<Position>, ServiceError> {
    let stream = StreamId::parse(stream_name::<A>(id))?;
    let first = exec.store().read_stream(&stream, 0, 1).await?;
    Ok(first.first().map(|record| record.position))
}

/// Every event of an aggregate's stream, in order (for what a state does
/// not keep, e.g. the day an order arrived).
pub(crate) async fn events_of<A: Aggregate>(
    exec: &Executor,
    id: &A::Id,
) -> Result<Vec<A::Event>, ServiceError> {
    const PAGE: usize = 256;
    let stream = StreamId::parse(stream_name::<A>(id))?;
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
