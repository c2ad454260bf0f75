//! Process managers: they follow the log and send the commands that make the
//! business run by itself.
//!
//! - [`FulfilmentManager`]: an order finds its vehicle or slot when it is
//!   placed, when capacity opens and when stock appears.
//! - [`LogisticsManager`]: a finished build, or a stock car reserved
//!   elsewhere, gets its move to the order's dealer planned (never
//!   dispatched: a planner records that).
//! - [`InvoicingManager`]: an order at its dealer is invoiced with a gapless
//!   number; an invoiced order that is cancelled is credited.
//! - [`CommissionManager`]: a handover accrues the dealer's commission once.
//! - [`SoldManager`]: an order placed for a lead's customer at its dealer makes the lead S.
//! - [`SlaWatcher`]: not fed by the runner but by the business clock: it records the breach
//!   of every lead not answered within 2 hours, once.
//!
//! The [`ProcessRunner`] feeds them the log from their checkpoints, event by
//! event, on the log consumer ([`crate::consume`]). Delivery is at
//! least once (a crash between a reaction and its checkpoint delivers the
//! event again), so every reaction is idempotent in effect: ids are
//! derived from what the event names, commands carry expected versions,
//! and each reaction looks at the current state and does only what is
//! still missing.

mod commission;
mod fulfilment;
mod invoicing;
mod lane;
mod logistics;
mod partition;
mod reactions;
mod runner;
mod sla;
mod sold;

use std::sync::Arc;

use async_trait::async_trait;
use domain::streams::{AnyEvent, AnyId};
use domain::values::OrderId;
use store::{Metadata, RecordedEvent, StoreError};

use crate::rejection::ServiceError;
use crate::{CommandError, Executor, LeadsView, SupplyView, ViewError};

pub use commission::CommissionManager;
pub use fulfilment::{
    estimate_fulfilment, EstimateError, FulfilmentManager, FulfilmentOutcome,
    MAX_FULFILMENT_ATTEMPTS,
};
pub use invoicing::InvoicingManager;
pub use lane::Lane;
pub use logistics::LogisticsManager;
pub use partition::{Partition, Route, DEFAULT_PARTITIONS, MAX_PARTITIONS};
pub use runner::{ProcessHandle, ProcessRunner, ProcessWaitError, Skipped, FLUSH_EVERY};
pub use sla::{SlaHandle, SlaWatcher, SLA_TICK};
pub use sold::SoldManager;

/// An event as a process manager receives it: a [`LogEvent`](crate::consume::LogEvent) that decoded to a
/// domain event, taken apart into the stored record and the event.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The event as stored (position, stream, metadata).
    pub record: RecordedEvent,
    /// The typed id of its stream, read once when it was decoded.
    pub id: AnyId,
    /// The domain event it holds.
    pub event: AnyEvent,
    /// The partition of the work it is handed to ([`Partition::WHOLE`] when the work is
    /// not split).
    pub partition: Partition,
}

impl Incoming {
    /// The order whose stream holds the event (`order-{id}`), for order
    /// events, which do not repeat their order's id.
    pub fn order(&self) -> Option<OrderId> {
        self.id.order()
    }

    /// The metadata of the commands a manager sends in reaction: caused by
    /// this event, in its correlation, acted by `actor`.
    pub fn caused(&self, actor: &str) -> Metadata {
        Metadata {
            causation_id: Some(self.record.event_id),
            correlation_id: self
                .record
                .metadata
                .correlation_id
                .or(Some(self.record.event_id)),
            actor: Some(actor.to_owned()),
            occurred_at: None,
        }
    }
}

/// Why a reaction failed.
#[derive(Debug, thiserror::Error)]
pub enum ReactionError {
    /// A command failed (see [`ReactionError::is_transient`]).
    #[error(transparent)]
    Command(#[from] ServiceError),
    /// The read side could not answer.
    #[error(transparent)]
    View(#[from] ViewError),
}

impl ReactionError {
    /// Whether retrying the same reaction later can succeed.
    ///
    /// **Retried** (with backoff, until it succeeds or the runner stops):
    /// the store failing or unreachable (`Unavailable`, `Locked`,
    /// `DiskFull`, `Backend`), a version conflict that outlived the
    /// executor's retries, and the read models not answering.
    ///
    /// **Logged and skipped** (retrying the same event cannot change the
    /// outcome): a domain rejection, a thing that does not exist, events
    /// that cannot be read back, and malformed requests to the store.
    pub fn is_transient(&self) -> bool {
        match self {
            ReactionError::View(_) => true,
            ReactionError::Command(e) => match e {
                CommandError::Conflict { .. } => true,
                CommandError::Store(s) => matches!(
                    s,
                    StoreError::WrongExpectedVersion { .. }
                        | StoreError::Unavailable(_)
                        | StoreError::Locked(_)
                        | StoreError::DiskFull(_)
                        | StoreError::Backend(_)
                ),
                CommandError::Rejected(_)
                | CommandError::NotFound(_)
                | CommandError::NotYours(_)
                | CommandError::Corrupt { .. } => false,
            },
        }
    }
}

/// A process manager: reacts to events of the log by sending commands.
#[async_trait]
pub trait ProcessManager: Send + Sync + 'static {
    /// Its name, under which its checkpoint is kept (e.g.
    /// `process:fulfilment`).
    fn name(&self) -> &'static str;

    /// Which partitions the event is handed to when the work is split
    /// ([`ProcessRunner::with_partitions`]): by default an event of an order's stream to
    /// that order's partition, any other to the first partition only.
    fn route(&self, incoming: &Incoming) -> Route {
        incoming.order().map_or(Route::First, Route::Order)
    }

    /// Whether the manager follows the log on a consumer of its own (per partition), so
    /// that the other managers' reactions never hold it back: fulfilment does, since the
    /// car or week it finds is what the customer waits to see. No by default: every
    /// consumer reads and decodes the whole log.
    fn follows_alone(&self) -> bool {
        false
    }

    /// Which of the batch's reactions may run side by side with this one ([`Lane`]): by
    /// default none ([`Lane::Serial`]), every event after the one before it. A manager whose
    /// reactions to different streams are independent of each other names a lane per
    /// stream (or per customer, …), and the runner hands different lanes over at once.
    fn lane(&self, incoming: &Incoming) -> Lane {
        let _ = incoming;
        Lane::Serial
    }

    /// Gets ahead of a batch of consecutive events (those after the manager's
    /// checkpoint) before they are handed to [`react`](Self::react) one by one: a
    /// manager may do the work of many events together here (e.g. fulfil many placed
    /// orders with one read of supply and one append per plant-week) and remember
    /// which events it finished, so that their reaction has nothing left to do.
    /// Best effort: what fails or is left undone here is done by `react`, which is
    /// called afterwards for every event of the batch [`route`](Self::route)d to this
    /// partition. `batch` holds every event of the stretch: a manager takes only those its
    /// partition takes (`incoming.partition.takes(self.route(incoming))`). Does nothing by
    /// default.
    async fn prepare(&self, batch: &[Incoming]) {
        let _ = batch;
    }

    /// Reacts to one event. Must be idempotent in effect: the same event
    /// may be delivered again.
    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError>;
}

/// The four process managers of the engine, sharing one executor.
pub fn standard_managers(
    exec: &Executor,
    supply: Arc<dyn SupplyView>,
) -> Vec<Arc<dyn ProcessManager>> {
    vec![
        Arc::new(FulfilmentManager::new(exec.clone(), supply)),
        Arc::new(LogisticsManager::new(exec.clone())),
        Arc::new(InvoicingManager::new(exec.clone())),
        Arc::new(CommissionManager::new(exec.clone())),
    ]
}

/// The process managers of the dealer's customer relationship (the lead an order sells),
/// run beside [`standard_managers`] by the engine.
pub fn crm_managers(exec: &Executor, leads: Arc<dyn LeadsView>) -> Vec<Arc<dyn ProcessManager>> {
    vec![Arc::new(SoldManager::new(exec.clone(), leads))]
}
