//! The one error type of the store.

use uuid::Uuid;

use crate::event::{ExpectedVersion, StreamId};

/// Everything that can go wrong when using the log. Match on the variant, never on the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The stream was not at the expected version: someone else appended first. Reload the
    /// stream, decide again and retry.
    #[error("stream {stream} was expected at {expected:?} but its last version is {actual:?}")]
    WrongExpectedVersion {
        /// The stream appended to.
        stream: StreamId,
        /// What the caller expected.
        expected: ExpectedVersion,
        /// The stream's actual last version (`None`: the stream holds no event).
        actual: Option<u64>,
    },
    /// An event id is already stored with different content (or in another stream or
    /// position), so the append is neither new nor a retry of an earlier one.
    #[error("event id {event_id} is already stored with different content")]
    DuplicateEventId {
        /// The id that clashed.
        event_id: Uuid,
    },
    /// The stream id is empty, too long or holds control characters.
    #[error("invalid stream id {stream:?}: {reason}")]
    InvalidStreamId {
        /// The rejected name (cut to 201 characters).
        stream: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// The payload is not one well-formed JSON value.
    #[error("invalid event payload: {0}")]
    InvalidPayload(String),
    /// The append is malformed (no events, an empty event type, one id twice in the batch).
    #[error("invalid append: {0}")]
    InvalidAppend(String),
    /// The file or schema at the given place is not an otd event store (a text file, another
    /// program's database, a newer schema than this build knows).
    #[error("{location} is not an otd event store: {reason}")]
    NotAnEventStore {
        /// The file path or database schema.
        location: String,
        /// What was found instead.
        reason: String,
    },
    /// The store's data is damaged.
    #[error("the event store is corrupt: {0}")]
    Corrupt(String),
    /// Another process holds the database's write lock and did not let go in time.
    #[error("the event store is locked by another process: {0}")]
    Locked(String),
    /// The disk (or the database's size limit) is full; nothing of the failed append was
    /// stored.
    #[error("the disk holding the event store is full: {0}")]
    DiskFull(String),
    /// The database cannot be reached (connection refused, lost, timed out) or the store has
    /// shut down.
    #[error("the event store is unavailable: {0}")]
    Unavailable(String),
    /// Any other database failure.
    #[error("event store backend failure: {0}")]
    Backend(String),
}
