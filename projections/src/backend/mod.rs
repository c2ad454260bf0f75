//! Where read models are kept: the [`ReadModelStore`] port and its backends.
//!
//! A backend stores documents `(collection, key) → (tags, JSON, position)` and one checkpoint
//! per projection (and per process manager), and commits a batch (every changed document of
//! every projection plus their new checkpoints) in **one transaction**, refusing it when a
//! checkpoint is not where the batch started from. The port is blocking: the runner calls it
//! from a blocking thread, the async views through `spawn_blocking`.
//!
//! - [`MemoryReadModels`]: in memory, for unit tests (with `store::MemoryStore`).
//! - [`SqliteReadModels`]: tables in the event store's own SQLite file.
//! - `PostgresReadModels` (feature `postgres`): tables in the event store's schema.

pub mod memory;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod sqlite;

use std::collections::BTreeMap;

use store::Position;

use crate::document::{DocQuery, StoredDoc, Tags};
use crate::error::ReadModelError;

pub use memory::MemoryReadModels;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresLeadership, PostgresReadModels};
pub use sqlite::SqliteReadModels;

/// How far a projection (or a process manager) has read the log, and the version of the
/// projection's logic that wrote its documents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checkpoint {
    /// The last position applied.
    pub position: Position,
    /// The projection's [`version`](crate::Projection::version) (0 for process managers).
    pub version: u32,
}

/// One document changed by a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocWrite {
    /// The collection of the document.
    pub collection: &'static str,
    /// Its key.
    pub key: String,
    /// The new JSON text and tags, or `None` to delete the document.
    pub value: Option<(String, Tags)>,
    /// The position of the last event that changed it.
    pub position: Position,
    /// The tags of the row the database holds, `None` when it holds none: a backend may
    /// insert instead of upserting, and leave the tag indexes alone when the tags did not
    /// change.
    pub stored_tags: Option<Tags>,
}

/// What one projection commits for a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionCommit {
    /// The projection.
    pub name: &'static str,
    /// The version of its logic.
    pub version: u32,
    /// The checkpoint the batch was applied on; the commit is refused when the stored one
    /// differs.
    pub from: Position,
    /// The new checkpoint.
    pub to: Position,
    /// The documents it changed.
    pub writes: Vec<DocWrite>,
}

/// The blocking port to the database that holds the read models.
pub trait ReadModelStore: Send + Sync + 'static {
    /// Who may run the process managers when several processes share this database (their
    /// checkpoints live here); `None` where one process owns it (SQLite, memory).
    fn leadership(&self) -> Option<std::sync::Arc<dyn app::Leadership>> {
        None
    }

    /// Who may run the outbox's sender when several processes share this database (a lease
    /// of its own, apart from the process managers'); `None` where one process owns it.
    fn outbox_leadership(&self) -> Option<std::sync::Arc<dyn app::Leadership>> {
        None
    }

    /// Every checkpoint, by name.
    fn checkpoints(&self) -> Result<BTreeMap<String, Checkpoint>, ReadModelError>;

    /// One checkpoint (`None` when it was never saved).
    fn checkpoint(&self, name: &str) -> Result<Option<Checkpoint>, ReadModelError>;

    /// Stores a checkpoint unconditionally (for process managers, whose effects are commands
    /// to the log, not documents here).
    fn save_checkpoint(&self, name: &str, position: Position) -> Result<(), ReadModelError>;

    /// One document.
    fn load(&self, collection: &str, key: &str) -> Result<Option<StoredDoc>, ReadModelError>;

    /// The documents of `collection` that match `query`, in key order.
    fn find(&self, collection: &str, query: &DocQuery) -> Result<Vec<StoredDoc>, ReadModelError>;

    /// Stores every projection's documents and checkpoint in one transaction: all or nothing.
    ///
    /// Errors: [`ReadModelError::CheckpointMoved`] when a stored checkpoint is not the
    /// commit's `from` (another runner got there first); nothing is stored then.
    fn commit(&self, projections: &[ProjectionCommit]) -> Result<(), ReadModelError>;

    /// Drops every document of `collections` and sets the projection's checkpoint to 0 with
    /// `version`, in one transaction: the projection will be rebuilt from the start.
    fn reset(
        &self,
        projection: &str,
        version: u32,
        collections: &[&str],
    ) -> Result<(), ReadModelError>;

    /// Every document, by collection and key (for tests and diagnostics).
    fn dump(&self) -> Result<Vec<StoredDoc>, ReadModelError>;

    /// Switches bulk loading on or off. While every projection is rebuilt from an empty
    /// start, a backend may drop its secondary (tag) indexes and build them once at the end,
    /// which is much cheaper than maintaining them row by row; queries stay correct, only
    /// slower, in between. Switching it off restores every index. The default does nothing.
    fn set_bulk_load(&self, on: bool) -> Result<(), ReadModelError> {
        let _ = on;
        Ok(())
    }
}

/// The checkpoint a commit must find: a projection never committed counts as position 0.
pub(crate) fn check_from(
    name: &str,
    expected: Position,
    found: Option<Position>,
) -> Result<(), ReadModelError> {
    let found = found.unwrap_or(Position::START);
    if found == expected {
        Ok(())
    } else {
        Err(ReadModelError::CheckpointMoved {
            projection: name.to_owned(),
            expected,
            found,
        })
    }
}
