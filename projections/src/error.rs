//! What can go wrong on the read side. Match on the variant, never on the message.

use store::{Position, StoreError};

/// A failure of the database that holds the read models.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadModelError {
    /// The database cannot be reached, is locked for too long, or was shut down.
    #[error("the read model database is unavailable: {0}")]
    Unavailable(String),
    /// Another runner committed this projection since this one read its checkpoint (two
    /// processes projecting into one database): nothing of the batch was stored.
    #[error("the checkpoint of projection {projection} moved from {expected} to {found} under us")]
    CheckpointMoved {
        /// The projection whose checkpoint moved.
        projection: String,
        /// The checkpoint the batch was built on.
        expected: Position,
        /// The checkpoint found in the database.
        found: Position,
    },
    /// A stored document does not parse as the type its collection holds.
    #[error("stored document {collection}/{key} cannot be read: {reason}")]
    CorruptDocument {
        /// The collection of the document.
        collection: String,
        /// Its key.
        key: String,
        /// What the parser said.
        reason: String,
    },
    /// A projection name that no registered projection has.
    #[error("there is no projection named {0:?}")]
    UnknownProjection(String),
    /// Any other database failure.
    #[error("read model database failure: {0}")]
    Backend(String),
}

/// Why a projection stopped. The runner keeps the other projections going; the failed one
/// stays at its last commit before the event that stopped it (see `docs/projections.md`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectionError {
    /// A stored event of a known aggregate does not decode as one of its events: a bug or a
    /// foreign write. The projection cannot know what it missed, so it stops here.
    #[error("the event at position {position} in stream {stream} cannot be decoded: {reason}")]
    Malformed {
        /// Where the event is in the log.
        position: Position,
        /// Its stream.
        stream: String,
        /// What the decoder said.
        reason: String,
    },
    /// A stored event names an id its stream or payload cannot carry (e.g. a stream
    /// `order-x` whose suffix is not an order id).
    #[error("the event at position {position} in stream {stream} is inconsistent: {reason}")]
    Inconsistent {
        /// Where the event is in the log.
        position: Position,
        /// Its stream.
        stream: String,
        /// What does not fit.
        reason: String,
    },
    /// A document of the projection could not be read or written.
    #[error(transparent)]
    ReadModel(#[from] ReadModelError),
}

/// Why waiting for a position (read-your-writes) ended without reaching it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    /// The projections did not reach the position in time.
    #[error("the read models reached position {reached}, not {wanted}, in time")]
    Timeout {
        /// The position asked for.
        wanted: Position,
        /// The lowest checkpoint of the projections when the time ran out.
        reached: Position,
    },
    /// A projection stopped before the position and will not reach it by itself.
    #[error("projection {projection} stopped: {error}")]
    Failed {
        /// The projection that stopped.
        projection: String,
        /// Why it stopped.
        error: String,
    },
    /// The runner is not running (stopped or never started).
    #[error("the projection runner is not running")]
    Stopped,
}

/// Why the projection runner could not start or do what it was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunnerError {
    /// The read model database failed.
    #[error(transparent)]
    ReadModel(#[from] ReadModelError),
    /// The event store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Waiting for the projections failed.
    #[error(transparent)]
    Wait(#[from] WaitError),
    /// The runner stopped before it could answer.
    #[error("the projection runner is not running")]
    Stopped,
}
