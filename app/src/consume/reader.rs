//! Reading the log from a checkpoint in batches, ahead of the consumer: through the store's
//! port (`subscribe_all`), or through a faster [`LogPages`] while catching up.

use std::sync::Arc;

use store::{EventStore, Position, RecordedEvent, StoreError, Subscription};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::{Interest, LogEvent};

/// A faster way than `read_all` to read and decode a stretch of the log.
pub trait LogPages: Send + Sync + 'static {
    /// Reads at most `limit` events after `after`, in position order, decoding those of
    /// the categories in `interest` (blocking).
    fn read(
        &self,
        after: Position,
        limit: usize,
        interest: &Interest,
    ) -> Result<Vec<LogEvent>, StoreError>;
}

/// Where and how a consumer reads the log.
#[derive(Clone)]
pub struct Source {
    events: Arc<dyn EventStore>,
    pages: Option<Arc<dyn LogPages>>,
    interest: Arc<Interest>,
    max_batch: usize,
    keep_records: bool,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("pages", &self.pages.is_some())
            .field("interest", &self.interest)
            .field("max_batch", &self.max_batch)
            .field("keep_records", &self.keep_records)
            .finish()
    }
}

impl Source {
    /// The log of `events`, read through its port in batches of at most `max_batch` events,
    /// decoding the categories of `interest`, without keeping the records.
    pub fn new(events: Arc<dyn EventStore>, interest: Interest, max_batch: usize) -> Self {
        Source {
            events,
            pages: None,
            interest: Arc::new(interest),
            max_batch: max_batch.max(1),
            keep_records: false,
        }
    }

    /// Reads through `pages` while there is a backlog (falling back to the port if it fails).
    pub fn with_pages(mut self, pages: Option<Arc<dyn LogPages>>) -> Self {
        self.pages = pages;
        self
    }

    /// Keeps every event's stored record in [`LogEvent::record`].
    pub fn keeping_records(mut self) -> Self {
        self.keep_records = true;
        self
    }

    /// The event store read.
    pub fn events(&self) -> &Arc<dyn EventStore> {
        &self.events
    }
}

/// Consecutive events read and decoded together.
#[derive(Debug)]
pub struct Batch {
    /// The events, in log order, none missing.
    pub events: Vec<LogEvent>,
    /// Whether the batch reached the head of the log as it was when the batch was read.
    pub at_head: bool,
}

/// Reads and decodes the log ahead of its consumer on a task of its own. Dropping it stops it.
pub(crate) struct Reader {
    batches: mpsc::Receiver<Result<Batch, StoreError>>,
    task: JoinHandle<()>,
}

impl Reader {
    /// Starts reading the events after `after`.
    pub(crate) fn start(source: Source, after: Position) -> Reader {
        let (sender, batches) = mpsc::channel(2);
        let task = tokio::spawn(read(source, after, sender));
        Reader { batches, task }
    }

    /// The next batch; `None` when the reader ended (after a failure it reported). Cancel-safe.
    pub(crate) async fn next(&mut self) -> Option<Result<Batch, StoreError>> {
        self.batches.recv().await
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read(
    mut source: Source,
    mut after: Position,
    batches: mpsc::Sender<Result<Batch, StoreError>>,
) {
    loop {
        let batch = match source.pages.clone() {
            Some(pages) => match read_pages(pages, &source, after).await {
                Ok(Some(batch)) => Ok(batch),
                Ok(None) => follow(&source, after).await,
                Err(_) => {
                    // The shortcut failed (e.g. the store's schema moved on): use the port.
                    source.pages = None;
                    continue;
                }
            },
            None => follow(&source, after).await,
        };
        let failed = batch.is_err();
        if let Ok(Batch { events, .. }) = &batch {
            after = events.last().map_or(after, |e| e.position);
        }
        if batches.send(batch).await.is_err() || failed {
            return;
        }
    }
}

/// The events after `after` read through `pages`; `None` when there is none yet.
async fn read_pages(
    pages: Arc<dyn LogPages>,
    source: &Source,
    after: Position,
) -> Result<Option<Batch>, StoreError> {
    let (interest, max_batch) = (Arc::clone(&source.interest), source.max_batch);
    let events = tokio::task::spawn_blocking(move || pages.read(after, max_batch, &interest))
        .await
        .map_err(|e| StoreError::Backend(format!("reading failed: {e}")))??;
    let Some(last) = events.last().map(|e| e.position) else {
        return Ok(None);
    };
    // A full page may end right at the head: ask, or what is staged would wait for the
    // next event to be committed.
    let at_head = events.len() < max_batch || last >= source.events.head().await?;
    Ok(Some(Batch { events, at_head }))
}

/// The next batch through the store's port: waits for the next event after `after`, then
/// takes every event already committed, up to `max_batch`, and decodes them on a blocking
/// thread.
async fn follow(source: &Source, after: Position) -> Result<Batch, StoreError> {
    let mut subscription = source.events.subscribe_all(after);
    let (records, at_head) = gather(&source.events, &mut subscription, source.max_batch).await?;
    let (interest, keep) = (Arc::clone(&source.interest), source.keep_records);
    tokio::task::spawn_blocking(move || Batch {
        events: records
            .into_iter()
            .map(|r| LogEvent::read(r, &interest, keep))
            .collect(),
        at_head,
    })
    .await
    .map_err(|e| StoreError::Backend(format!("decoding failed: {e}")))
}

/// Waits for the next event, then takes every event already committed, up to `max_batch`;
/// tells whether that reached the head.
async fn gather(
    events: &Arc<dyn EventStore>,
    subscription: &mut Subscription,
    max_batch: usize,
) -> Result<(Vec<RecordedEvent>, bool), StoreError> {
    let first = subscription.next().await?;
    let head = events.head().await?;
    let mut records = Vec::with_capacity(max_batch.min(8192));
    records.push(first);
    while records.len() < max_batch && subscription.position() < head {
        records.push(subscription.next().await?);
    }
    let at_head = subscription.position() >= head;
    Ok((records, at_head))
}
