//! The SQLite backend, the embedded default: one file, WAL, `synchronous=FULL`, one writer
//! thread that group-commits, readers on their own connections.

pub(crate) mod errors;
mod open;
mod reader;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::Connection;
use tokio::sync::{oneshot, watch};

use crate::error::StoreError;
use crate::event::{AppendResult, ExpectedVersion, NewEvent, Position, RecordedEvent, StreamId};
use crate::subscription::Subscription;
use crate::EventStore;
use reader::Readers;
use writer::{AppendRequest, Writer};

/// The file name used when [`SqliteStore::open`] is given a folder.
pub const FILE_NAME: &str = "events.db";

/// Tuning of a [`SqliteStore`]; the defaults suit production.
#[derive(Clone, Debug)]
pub struct SqliteOptions {
    /// How long a connection waits for another process's lock before failing with
    /// [`StoreError::Locked`].
    pub busy_timeout: Duration,
    /// How many read connections may be open (and reading) at once.
    pub read_connections: usize,
    /// Caps the database size in pages (`PRAGMA max_page_count`); appends beyond it fail with
    /// [`StoreError::DiskFull`]. Meant for tests that simulate a full disk.
    pub max_page_count: Option<u64>,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            read_connections: 4,
            max_page_count: None,
        }
    }
}

/// The event log in one SQLite file. Cloning gives another handle to the same store; the writer
/// thread stops when the last handle is dropped.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    options: SqliteOptions,
    appends: mpsc::Sender<AppendRequest>,
    readers: Arc<Readers>,
    head: Arc<watch::Sender<Position>>,
}

impl SqliteStore {
    /// Opens (creating it if needed) the store at `path`: a file, or a folder in which the file
    /// [`FILE_NAME`] is used. See [`SqliteStore::open_with`].
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Opens the store at `path` with the given options.
    ///
    /// Errors: [`StoreError::NotAnEventStore`] for a file that is not SQLite or is another
    /// program's database, [`StoreError::Corrupt`] for a damaged one, [`StoreError::Locked`] when
    /// another process holds it locked, [`StoreError::Unavailable`] when it cannot be opened.
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let path = if path.is_dir() {
            path.join(FILE_NAME)
        } else {
            path.to_path_buf()
        };
        let opened = {
            let (file, options) = (path.clone(), options.clone());
            tokio::task::spawn_blocking(move || {
                let conn = open::open_writer(&file, &options)?;
                let head = reader::head(&conn).map_err(|err| errors::store_error(err, &file))?;
                Ok::<_, StoreError>((conn, head))
            })
            .await
            .map_err(|join| {
                StoreError::Backend(format!("opening {} failed: {join}", path.display()))
            })?
        };
        let (conn, head) = opened?;
        let head = Arc::new(watch::channel(head).0);
        let (appends, requests) = mpsc::channel();
        let writer = Writer::new(conn, path.clone(), Arc::clone(&head));
        std::thread::Builder::new()
            .name("otd-sqlite-writer".into())
            .spawn(move || writer.run(requests))
            .map_err(|err| StoreError::Backend(format!("cannot start the writer thread: {err}")))?;
        let readers = Arc::new(Readers::new(path.clone(), options.clone()));
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                options,
                appends,
                readers,
                head,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Opens a new read-only connection to the database (for projections or tools that query
    /// the log with their own SQL).
    pub fn open_read_connection(&self) -> Result<Connection, StoreError> {
        open::open_reader(&self.inner.path, &self.inner.options)
    }
}

#[async_trait]
impl EventStore for SqliteStore {
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
        let stopped = || StoreError::Unavailable("the SQLite writer has stopped".into());
        self.inner.appends.send(request).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stream = stream.clone();
        self.inner
            .readers
            .with_short(move |conn| reader::read_stream(conn, &stream, from_version, limit))
            .await
    }

    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner
            .readers
            .with(move |conn| reader::read_all(conn, after, limit))
            .await
    }

    fn subscribe_all(&self, after: Position) -> Subscription {
        Subscription::new(Arc::new(self.clone()), self.inner.head.subscribe(), after)
    }

    async fn head(&self) -> Result<Position, StoreError> {
        self.inner.readers.with_short(reader::head).await
    }
}
