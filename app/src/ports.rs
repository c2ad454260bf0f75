//! What the application needs from the read side, as ports: the process
//! managers read supply from the projections and keep their checkpoints in
//! the same database, but the application does not know how.

use async_trait::async_trait;
use domain::policy::{SlotAvailability, StockUnit};
use domain::values::{MarketCode, ModelCode, OrderId, PlantId};
use store::Position;

/// Why a read model could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("read model unavailable: {0}")]
pub struct ViewError(pub String);

/// The supply fulfilment chooses from: filled by the stock and capacity
/// projections. Every call first waits until the projections have seen the
/// log up to `at` (read-your-writes), so a process manager acting on the
/// event at position `at` sees at least the supply that existed then.
#[async_trait]
pub trait SupplyView: Send + Sync + 'static {
    /// Every vehicle of `market` and `model` that is not delivered, reserved
    /// or not, with its whereabouts.
    async fn stock(
        &self,
        at: Position,
        market: &MarketCode,
        model: &ModelCode,
    ) -> Result<Vec<StockUnit>, ViewError>;

    /// The open production weeks of `plant` (capacity and bookings), whose
    /// production has not started.
    async fn slots(
        &self,
        at: Position,
        plant: &PlantId,
    ) -> Result<Vec<SlotAvailability>, ViewError>;

    /// Orders that are `placed` and hold neither a vehicle nor a slot,
    /// oldest first.
    async fn awaiting(&self, at: Position) -> Result<Vec<OrderId>, ViewError>;
}

/// Where a process manager keeps how far it has read the log.
#[async_trait]
pub trait Checkpoints: Send + Sync + 'static {
    async fn load(&self, name: &str) -> Result<Position, ViewError>;
    async fn save(&self, name: &str, position: Position) -> Result<(), ViewError>;
}

/// Who runs the process managers when several processes share one log: only the leader
/// does, so no reaction is decided twice from two stale views (a decision taken by two
/// instances at once can allocate one car to two orders). One process per log needs none.
#[async_trait]
pub trait Leadership: Send + Sync + 'static {
    /// Waits until this process leads. Leading lasts until the lease's `lost` resolves, or
    /// until the lease is dropped (which hands leadership on).
    async fn acquire(&self) -> Result<Box<dyn Lease>, ViewError>;
}

/// Leadership held. Dropping it lets another process lead.
#[async_trait]
pub trait Lease: Send {
    /// Resolves when leadership is lost (e.g. the database connection holding it broke).
    async fn lost(&mut self);
}
