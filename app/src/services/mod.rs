//! The use cases: the one place that runs commands for the HTTP API, the
//! demo and the benchmark.
//!
//! Each service takes typed, parsed inputs (domain value types) and the
//! caller's [`Metadata`](store::Metadata) (actor, correlation), and returns a
//! typed result carrying the log `position` it reached, so that a caller can
//! read its own writes from the projections (`?min_position=`). When a call
//! finds an effect it reports already done (by an earlier attempt, a racing
//! duplicate or a process manager), the position is the head of the log
//! read afterwards, which covers that effect too.
//!
//! A use case that touches several aggregates runs the step that can refuse
//! for a business reason first (the *consistency point*), then the steps
//! that follow from it; a refusal further on is compensated (e.g. a
//! reserved vehicle released again). Every step is safe to repeat, so a call
//! interrupted by a crash can simply be made again, and what the process
//! managers repair from the log is repaired the same way.
//!
//! - [`orders`]: place, amend, cancel, book and record the handover.
//! - [`reallocation`]: a planner gives an order another order's (or a free)
//!   vehicle.
//! - [`supply`]: capacity, stock, production start and build completion.
//! - [`logistics`]: dispatch, delay and arrival of a vehicle.
//! - [`finance`]: payments against invoices.

pub mod finance;
pub mod logistics;
pub mod orders;
pub mod reallocation;
mod scope;
pub mod supply;
mod vin;

use chrono::{DateTime, Utc};
use domain::values::OrderId;
use store::{Metadata, Position, StoreError, Subscription};

use crate::clock_log::{self, AdvanceError};
use crate::Executor;

pub use finance::PaymentRecorded;
pub use logistics::{Arrival, Dispatched};
pub use orders::{Amendment, Cancellation, Delivery, PlaceOrder, Placed};
pub use reallocation::Reallocation;
pub use scope::Scope;
pub use supply::{BuildCompleted, ProductionStart, StartedBuild};
pub use vin::derive_vin;

/// The use cases, sharing one [`Executor`]. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub(crate) exec: Executor,
}

impl Services {
    /// The use cases, running their commands with `exec`.
    pub fn new(exec: Executor) -> Self {
        Services { exec }
    }

    /// The executor the services run their commands with.
    pub fn executor(&self) -> &Executor {
        &self.exec
    }

    /// The position of the last event in the log (the start when empty):
    /// what a read waits for, or where following the log begins.
    pub async fn log_head(&self) -> Result<Position, StoreError> {
        self.exec.store().head().await
    }

    /// Every event after `after`, in log order: those stored, then new ones
    /// as they are appended.
    pub fn follow_log(&self, after: Position) -> Subscription {
        self.exec.store().subscribe_all(after)
    }

    /// Moves the simulated business clock `minutes` forward, recorded in
    /// the log (see [`clock_log::advance`]); returns the new time.
    pub async fn advance_clock(
        &self,
        minutes: u32,
        metadata: &Metadata,
    ) -> Result<DateTime<Utc>, AdvanceError> {
        clock_log::advance(
            self.exec.store().as_ref(),
            self.exec.clock(),
            minutes,
            metadata,
        )
        .await
    }
}

/// The log position a use case reached, for use cases that return nothing
/// else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// The log position reached (read your writes with it).
    pub position: Position,
}

/// The vehicle id of the build for `order` (the same one whoever starts
/// production, however often).
pub fn build_vehicle_id(order: OrderId) -> domain::values::VehicleId {
    domain::values::VehicleId::derived(&format!("build:{order}"))
}
