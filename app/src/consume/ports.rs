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

    /// Waits until this process leads the part of the work named `part` (e.g. one
    /// partition of the process managers), held independently of the other parts, so
    /// processes share the parts. By default the whole: only one part can be led at a time
    /// per process, so a leadership shared by partitioned work must override it.
    async fn acquire_part(&self, part: &str) -> Result<Box<dyn Lease>, ViewError> {
        let _ = part;
        self.acquire().await
    }
}

/// Leadership held. Dropping it lets another process lead.
#[async_trait]
pub trait Lease: Send {
    /// Resolves when leadership is lost (e.g. the database connection holding it broke).
    async fn lost(&mut self);
}
