//! The PostgreSQL backend, for several otd processes sharing one database.
//!
//! Global order is kept with a transaction-scoped advisory lock held from position assignment
//! to commit, around a whole group-committed batch; live delivery uses LISTEN/NOTIFY. Why this
//! design and not a sequence, a high-water mark or xid8 fencing is recorded in
//! `docs/decisions/0002-postgres-global-order.md`. Connections are plain TCP (no TLS).

pub(crate) mod connect;
pub(crate) mod errors;
mod listener;
mod reader;
mod throwaway;
mod writer;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::error::StoreError;
use crate::event::{AppendResult, ExpectedVersion, NewEvent, Position, RecordedEvent, StreamId};
use crate::subscription::Subscription;
use crate::EventStore;
use connect::Target;
use reader::Readers;
pub use throwaway::ThrowawaySchema;
use writer::{AppendRequest, Writer};

/// The event log in a PostgreSQL schema. Cloning gives another handle to the same store; its
/// writer and listener stop when the last handle is dropped.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    schema: String,
    target: Target,
    appends: mpsc::UnboundedSender<AppendRequest>,
    readers: Readers,
    head: Arc<watch::Sender<Position>>,
    listener: JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (e.g. `postgres://otd@db:5432/otd`) and uses the
    /// tables in `schema` (default `public`), creating the schema and applying the migrations
    /// it lacks.
    ///
    /// Errors: [`StoreError::Unavailable`] when the server cannot be reached or refuses the
    /// connection; [`StoreError::NotAnEventStore`] when the schema holds another program's
    /// tables or a newer otd schema.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let target = Target::new(url, schema)?;
        let mut client = target.connect().await?;
        target.migrate(&mut client).await?;
        let head_row = client
            .query_one("SELECT coalesce(max(position), 0) FROM events", &[])
            .await
            .map_err(errors::store_error)?;
        let head = Arc::new(watch::channel(Position(reader::to_u64(head_row.get(0)))).0);
        let (appends, requests) = mpsc::unbounded_channel();
        let writer = Writer::new(target.clone(), client, Arc::clone(&head)).await?;
        tokio::spawn(writer.run(requests));
        let listener = tokio::spawn(listener::run(target.clone(), Arc::clone(&head)));
        let schema = target.schema.clone();
        Ok(Self {
            inner: Arc::new(Inner {
                schema,
                target: target.clone(),
                appends,
                readers: Readers::new(target),
                head,
                listener,
            }),
        })
    }

    /// The schema holding the store's tables.
    pub fn schema(&self) -> &str {
        &self.inner.schema
    }

    /// Where the store lives (server settings and schema), for other tables in its schema.
    pub(crate) fn target(&self) -> &Target {
        &self.inner.target
    }

    /// Drops `schema` with every table in it: for the throwaway schemas of benchmarks and
    /// tests. The name is checked as [`PostgresStore::connect`] checks it.
    pub async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        let target = Target::new(url, Some(schema))?;
        let client = target.connect().await?;
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", target.schema))
            .await
            .map_err(errors::store_error)
    }
}

#[async_trait]
impl EventStore for PostgresStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        let (reply, answer) = oneshot::channel();
        let request = AppendRequest {
            stream: stream.clone(),
            expected,
            events,
            reply,
        };
        let stopped = || StoreError::Unavailable("the PostgreSQL writer has stopped".into());
        self.inner.appends.send(request).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner
            .readers
            .get()
            .await?
            .read_stream(stream, from_version, limit)
            .await
    }

    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.readers.get().await?.read_all(after, limit).await
    }

    fn subscribe_all(&self, after: Position) -> Subscription {
        Subscription::new(Arc::new(self.clone()), self.inner.head.subscribe(), after)
    }

    async fn head(&self) -> Result<Position, StoreError> {
        self.inner.readers.get().await?.head().await
    }
}
