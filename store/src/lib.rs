//! The otd event log: the one place every write goes into and every projection reads.
//!
//! # The port
//!
//! [`EventStore`] is a small async trait, used as `Arc<dyn EventStore>`:
//!
//! - [`append`](EventStore::append) stores events at the end of one stream, checked against an
//!   [`ExpectedVersion`] (`Any`, `NoStream`, `Exact(n)`; stream versions are 0-based);
//! - [`read_stream`](EventStore::read_stream) reads one stream in version order;
//! - [`read_all`](EventStore::read_all) reads the whole log in global order after a
//!   [`Position`];
//! - [`subscribe_all`](EventStore::subscribe_all) catches up from a position and then follows
//!   new events live;
//! - [`head`](EventStore::head) tells the position of the last committed event.
//!
//! # Guarantees (the same on every backend, proven by the contract tests in `store/tests/`)
//!
//! - **Atomic:** an append stores all of its events or none of them.
//! - **Checked:** an append whose expected version does not hold fails with
//!   [`StoreError::WrongExpectedVersion`] and stores nothing; of many concurrent appends
//!   expecting the same version, exactly one wins.
//! - **Idempotent:** appending again event ids that are already stored, in the same stream with
//!   the same types and payloads, stores nothing and returns the original [`AppendResult`]; an
//!   id stored with other content is [`StoreError::DuplicateEventId`].
//! - **Ordered:** every event gets a global [`Position`], 1-based, contiguous and gapless, in
//!   commit order: a reader that has seen position `p` has seen every position below `p`, and
//!   no later commit can ever take a position below it. A checkpoint is a single integer.
//! - **Durable:** once `append` returns `Ok`, the events survive a crash or power loss
//!   (SQLite: WAL with `synchronous=FULL`; PostgreSQL: its commit).
//!
//! # Backends
//!
//! - [`MemoryStore`]: in memory, for unit tests.
//! - [`SqliteStore`]: the embedded default, one file, one writer thread that group-commits the
//!   appends of many callers into one transaction.
//! - `PostgresStore` (cargo feature `postgres`, on by default): for several otd processes
//!   sharing one database.
//! - `KurrentDbStore` (cargo feature `kurrentdb`, off by default): a clustered KurrentDB for an
//!   OEM that outgrows one machine. Its positions are the server's log offsets: increasing, but
//!   **not contiguous**, and an id is idempotent within its stream only (see
//!   `docs/decisions/0004-kurrentdb-backend.md`).

#![warn(missing_docs)]

mod error;
mod event;
pub mod keys;
pub mod memory;
mod rules;
pub mod sqlite;
mod subscription;

#[cfg(feature = "postgres")]
pub mod postgres;

#[cfg(feature = "kurrentdb")]
pub mod kurrentdb;

use async_trait::async_trait;

#[cfg(feature = "kurrentdb")]
pub use self::kurrentdb::KurrentDbStore;
pub use error::StoreError;
pub use event::{
    AppendResult, ExpectedVersion, Metadata, NewEvent, Payload, Position, RecordedEvent, StreamId,
    MAX_STREAM_ID_CHARS,
};
#[cfg(feature = "postgres")]
pub use keys::PostgresKeys;
pub use keys::{KeyStore, MemoryKeys, NewKey, Shred, SqliteKeys, StoredKey};
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::{PostgresStore, ThrowawaySchema};
pub use sqlite::{SqliteOptions, SqliteStore};
pub use subscription::Subscription;

/// The event log port. Every backend keeps the guarantees listed in the [crate docs](crate).
#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends `events` to the end of `stream`, atomically (all or none), if the stream is at
    /// `expected`.
    ///
    /// Errors: [`StoreError::WrongExpectedVersion`] when the stream is elsewhere (nothing is
    /// stored); [`StoreError::DuplicateEventId`] when an id is stored with other content;
    /// [`StoreError::InvalidAppend`] for an empty batch, an empty event type or an id given
    /// twice. Appending ids that are already stored as this very append returns the original
    /// result without writing (an idempotent retry).
    ///
    /// Dropping the returned future does not cancel an append the backend has already taken;
    /// when the outcome is unknown (a dropped future, [`StoreError::Unavailable`] during the
    /// commit), retrying with the same event ids is always safe.
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError>;

    /// Reads at most `limit` events of `stream` whose version is `from_version` or more, in
    /// version order. A stream without events reads as empty.
    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Reads at most `limit` events of the whole log whose position is greater than `after`,
    /// in ascending position (= commit) order.
    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Follows the whole log from the event after `after`: first the stored events, then new
    /// ones as they commit. See [`Subscription`].
    fn subscribe_all(&self, after: Position) -> Subscription;

    /// The position of the last committed event ([`Position::START`] for an empty log).
    async fn head(&self) -> Result<Position, StoreError>;
}
