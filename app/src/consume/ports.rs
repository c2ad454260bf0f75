//! The log consumer's ports: where a consumer keeps how far it has read, and who may
//! follow the log when several processes share it. The projections implement both in their
//! database.

use async_trait::async_trait;
use store::Position;

use crate::ViewError;

/// Where a consumer that commits no documents of its own (a process manager) keeps how far
/// it has read the log, by name. Projections commit theirs with their documents instead.
#[async_trait]
pub trait Checkpoints: Send + Sync + 'static {
    /// The position saved under `name` (the start of the log when none was).
    async fn load(&self, name: &str) -> Result<Position, ViewError>;
    /// Saves `position` under `name`.
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
