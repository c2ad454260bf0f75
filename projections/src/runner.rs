//! The runner: keeps every projection up to date on the log consumer
//! ([`app::consume::Consumer`]), one batch and one transaction at a time, publishing its
//! progress for read-your-writes.
//!
//! The consumer's reader follows the log from the lowest checkpoint, gathers the events that
//! are ready (up to a batch size; when caught up, a batch is whatever has committed) and
//! decodes them on a blocking thread; the projections' sink ([`crate::projecting`]) applies
//! each batch with the [`Engine`] on a blocking thread, commits it, and publishes the new
//! checkpoints on a `watch` channel. Infrastructure failures pause the consumer for
//! `retry_delay` and it resumes from the committed checkpoints.

use std::sync::Arc;
use std::time::Duration;

use app::consume::{Backoff, Consumer, LogPages, Running, Source};
use store::{EventStore, Position, StoreError};
use tokio::sync::{mpsc, oneshot, watch};

use crate::backend::ReadModelStore;
use crate::engine::Engine;
use crate::error::{ReadModelError, RunnerError, WaitError};
use crate::progress::Progress;
use crate::projecting::{snapshot, Projecting, Rebuild};
use crate::projection::{interest_of, Projection};

/// Tuning of the runner; the defaults suit production and the rebuild benchmark.
///
/// `pages` is an optional faster reader of the log for catching up (e.g. [`crate::SqlitePages`]
/// next to a SQLite store); the runner falls back to the store's port if it fails.
///
/// Live, a batch is whatever has committed since the last one and is committed at once.
/// Catching up (a rebuild, a restart after a long stop), batches of `max_batch` events are
/// applied in memory and committed together every `commit_every` events (or when a
/// projection holds `cache_limit` documents): a document touched by many events is then
/// written once, not once per batch.
#[derive(Clone)]
pub struct RunnerOptions {
    /// The most events read, decoded and applied as one batch.
    pub max_batch: usize,
    /// The most events applied before a commit while catching up.
    pub commit_every: usize,
    /// The most documents a projection keeps in memory while catching up (a commit evicts
    /// them).
    pub cache_limit: usize,
    /// The most documents a projection keeps in memory once it follows the head of the log:
    /// a live server's memory stays bounded however many orders the log holds.
    pub live_cache_limit: usize,
    /// How long the runner pauses after a database or event store failure.
    pub retry_delay: Duration,
    /// From how many events in the log a rebuild of every projection loads in bulk
    /// ([`ReadModelStore::set_bulk_load`]): below, keeping indexes up to date is cheaper.
    pub bulk_min_events: u64,
    /// A faster reader of the log for catching up.
    pub pages: Option<Arc<dyn LogPages>>,
}

impl std::fmt::Debug for RunnerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunnerOptions")
            .field("max_batch", &self.max_batch)
            .field("commit_every", &self.commit_every)
            .field("cache_limit", &self.cache_limit)
            .field("live_cache_limit", &self.live_cache_limit)
            .field("retry_delay", &self.retry_delay)
            .field("bulk_min_events", &self.bulk_min_events)
            .field("pages", &self.pages.is_some())
            .finish()
    }
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            max_batch: 5_000,
            commit_every: 250_000,
            cache_limit: 400_000,
            live_cache_limit: 20_000,
            retry_delay: Duration::from_secs(1),
            bulk_min_events: 50_000,
            pages: None,
        }
    }
}

/// A running projection runner. Dropping it stops the runner.
pub struct Runner {
    rebuilds: mpsc::UnboundedSender<Rebuild>,
    progress: Progress,
    events: Arc<dyn EventStore>,
    running: Running,
}

/// How far one projection lags behind the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lag {
    /// The projection.
    pub projection: &'static str,
    /// The log's head minus the projection's checkpoint, in events.
    pub events: u64,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("progress", &self.progress.snapshot())
            .field("state", &self.running.state())
            .finish()
    }
}

impl Runner {
    /// Loads the checkpoints (resetting projections never run or of another version) and
    /// starts following the log from the lowest of them.
    pub async fn start(
        events: Arc<dyn EventStore>,
        read_models: Arc<dyn ReadModelStore>,
        projections: Vec<Arc<dyn Projection>>,
        options: RunnerOptions,
    ) -> Result<Runner, RunnerError> {
        let cache_limit = options.cache_limit;
        let source = Source::new(
            Arc::clone(&events),
            interest_of(&projections),
            options.max_batch,
        )
        .with_pages(options.pages.clone());
        let engine = tokio::task::spawn_blocking(move || {
            Engine::open(read_models, projections, cache_limit)
        })
        .await
        .map_err(|e| ReadModelError::Backend(format!("opening the projections failed: {e}")))??;
        let (sender, receiver) = watch::channel(snapshot(&engine, true, None));
        let (rebuilds, requests) = mpsc::unbounded_channel();
        let backoff = Backoff::fixed(options.retry_delay);
        let sink = Projecting::new(engine, Arc::clone(&events), options, sender, requests);
        let running = Consumer::new("projections", source, sink)
            .with_backoff(backoff)
            .spawn();
        Ok(Runner {
            rebuilds,
            progress: Progress::new(receiver),
            events,
            running,
        })
    }

    /// The runner's progress, for views and metrics.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// Waits until every projection has committed `position`, for at most `timeout`.
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> Result<(), WaitError> {
        self.progress.wait_for(position, timeout).await
    }

    /// How far each projection lags behind the log's head.
    pub async fn lag(&self) -> Result<Vec<Lag>, StoreError> {
        let head = self.events.head().await?;
        Ok(self
            .progress
            .snapshot()
            .projections
            .iter()
            .map(|p| Lag {
                projection: p.name,
                events: head.0.saturating_sub(p.checkpoint.0),
            })
            .collect())
    }

    /// Drops the named projection (every projection for `None`) and rebuilds it from the
    /// start of the log. Returns once it is reset; wait for the log's head to see it rebuilt.
    pub async fn rebuild(&self, name: Option<&str>) -> Result<(), RunnerError> {
        let (reply, answer) = oneshot::channel();
        let name = name.map(str::to_owned);
        self.rebuilds
            .send(Rebuild { name, reply })
            .map_err(|_| RunnerError::Stopped)?;
        Ok(answer.await.map_err(|_| RunnerError::Stopped)??)
    }

    /// Stops the runner after the batch in progress and waits for it.
    pub async fn stop(self) {
        // A task that panicked has nothing left to stop.
        let _ = self.running.stop().await;
    }
}

/// Brings the projections up to the log's current head and returns it (what
/// `otd projections rebuild` runs after resetting).
pub async fn catch_up(
    events: Arc<dyn EventStore>,
    read_models: Arc<dyn ReadModelStore>,
    projections: Vec<Arc<dyn Projection>>,
    options: RunnerOptions,
) -> Result<Position, RunnerError> {
    let head = events.head().await?;
    let runner = Runner::start(events, read_models, projections, options).await?;
    let reached = runner.progress().wait_until(head).await;
    runner.stop().await;
    reached?;
    Ok(head)
}

/// Drops the named projection (every one for `None`) and rebuilds it up to the log's head.
pub async fn rebuild(
    events: Arc<dyn EventStore>,
    read_models: Arc<dyn ReadModelStore>,
    projections: Vec<Arc<dyn Projection>>,
    name: Option<&str>,
    options: RunnerOptions,
) -> Result<Position, RunnerError> {
    let (store, list, cache_limit) = (Arc::clone(&read_models), projections.clone(), 0);
    let name_owned = name.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        Engine::open(store, list, cache_limit)?.reset(name_owned.as_deref())
    })
    .await
    .map_err(|e| ReadModelError::Backend(format!("resetting the projections failed: {e}")))??;
    catch_up(events, read_models, projections, options).await
}
