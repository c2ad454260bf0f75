//! The runner: follows the log and keeps every projection up to date, one batch and one
//! transaction at a time, publishing its progress for read-your-writes.
//!
//! Two tasks form a pipeline: the *reader* follows `subscribe_all` from the lowest
//! checkpoint, gathers the events that are ready (up to a batch size; when caught up, a
//! batch is whatever has committed) and decodes them on a blocking thread; the *runner*
//! applies each batch with the [`Engine`] on a blocking thread, commits it, and publishes the
//! new checkpoints on a `watch` channel. Infrastructure failures pause the runner and it
//! resumes from the committed checkpoints.

use std::sync::Arc;
use std::time::Duration;

use store::{EventStore, Position, StoreError};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::backend::ReadModelStore;
use crate::decoded::{DecodedEvent, Interest};
use crate::engine::{Engine, PendingCommit};
use crate::error::{ReadModelError, RunnerError, WaitError};
use crate::pages::LogPages;
use crate::progress::{Progress, ProgressSnapshot};
use crate::projection::Projection;

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
    /// The most documents a projection keeps in memory (a commit evicts them).
    pub cache_limit: usize,
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
            retry_delay: Duration::from_secs(1),
            bulk_min_events: 50_000,
            pages: None,
        }
    }
}

enum Control {
    Rebuild {
        name: Option<String>,
        reply: oneshot::Sender<Result<(), ReadModelError>>,
    },
    Stop,
}

/// A running projection runner. Dropping it stops the runner.
pub struct Runner {
    control: mpsc::UnboundedSender<Control>,
    progress: Progress,
    events: Arc<dyn EventStore>,
    task: Option<JoinHandle<()>>,
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
        let interest = Interest::of(&projections);
        let engine = tokio::task::spawn_blocking(move || {
            Engine::open(read_models, projections, cache_limit)
        })
        .await
        .map_err(|e| ReadModelError::Backend(format!("opening the projections failed: {e}")))??;
        let (sender, receiver) = watch::channel(snapshot(&engine, true, None));
        let (control, commands) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(
            engine,
            interest,
            Arc::clone(&events),
            options,
            commands,
            sender,
        ));
        Ok(Runner {
            control,
            progress: Progress::new(receiver),
            events,
            task: Some(task),
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
        self.control
            .send(Control::Rebuild { name, reply })
            .map_err(|_| RunnerError::Stopped)?;
        Ok(answer.await.map_err(|_| RunnerError::Stopped)??)
    }

    /// Stops the runner after the batch in progress and waits for it.
    pub async fn stop(mut self) {
        let _ = self.control.send(Control::Stop);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Stop);
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

fn snapshot(engine: &Engine, running: bool, last_error: Option<String>) -> ProgressSnapshot {
    ProgressSnapshot {
        projections: engine.status(),
        running,
        last_error,
    }
}

/// Runs `work` on the engine on a blocking thread and hands the engine back.
async fn blocking<T: Send + 'static>(
    mut engine: Engine,
    work: impl FnOnce(&mut Engine) -> T + Send + 'static,
) -> Option<(Engine, T)> {
    tokio::task::spawn_blocking(move || {
        let result = work(&mut engine);
        (engine, result)
    })
    .await
    .ok()
}

/// A commit being stored on a blocking thread while the runner goes on staging.
struct InFlight {
    task: JoinHandle<Landed>,
    /// Whether it reaches the head of the log as it was read.
    at_head: bool,
}

impl InFlight {
    /// Stores `pending`; with `end_bulk`, builds the indexes right after (on the same
    /// thread, while the runner stages what follows).
    fn start(
        store: Arc<dyn ReadModelStore>,
        pending: PendingCommit,
        at_head: bool,
        end_bulk: bool,
    ) -> InFlight {
        let task = tokio::task::spawn_blocking(move || {
            let stored = store.commit(pending.commits());
            let indexed = (end_bulk && stored.is_ok()).then(|| store.set_bulk_load(false));
            Landed {
                pending,
                at_head,
                stored,
                indexed,
            }
        });
        InFlight { task, at_head }
    }
}

/// A commit that landed: what it was, whether it reached the head, how it went.
struct Landed {
    pending: PendingCommit,
    at_head: bool,
    stored: Result<(), ReadModelError>,
    /// How building the indexes went, if bulk loading ended with this commit.
    indexed: Option<Result<(), ReadModelError>>,
}

async fn landed(in_flight: &mut Option<InFlight>) -> Option<Landed> {
    let commit = in_flight.as_mut()?;
    let outcome = (&mut commit.task).await;
    let at_head = commit.at_head;
    *in_flight = None;
    Some(outcome.unwrap_or_else(|e| Landed {
        pending: PendingCommit::default(),
        at_head,
        stored: Err(ReadModelError::Backend(format!(
            "a commit task failed: {e}"
        ))),
        indexed: None,
    }))
}

/// The runner's state between two steps.
struct Run {
    engine: Option<Engine>,
    events: Arc<dyn EventStore>,
    source: Source,
    options: RunnerOptions,
    progress: watch::Sender<ProgressSnapshot>,
    reader: Option<Reader>,
    in_flight: Option<InFlight>,
    paused_until: Option<Instant>,
    last_error: Option<String>,
    uncommitted: usize,
    /// Whether the read models are being loaded in bulk (every projection from 0).
    bulk: bool,
    /// The head of the log when bulk loading started.
    bulk_head: Position,
    /// Whether the events staged since the last commit reach the head.
    at_head: bool,
}

impl Run {
    /// Starts loading in bulk when every projection starts from nothing and the log is long.
    async fn maybe_bulk(&mut self) -> Option<()> {
        let engine = self.engine.as_ref()?;
        let empty = engine
            .status()
            .iter()
            .all(|p| p.checkpoint == Position::START);
        let head = self.events.head().await.unwrap_or(Position::START);
        if empty && head.0 >= self.options.bulk_min_events && !self.bulk {
            let bulk = self.on_engine(|e| e.store().set_bulk_load(true)).await?;
            self.bulk = bulk.is_ok();
            self.bulk_head = head;
        }
        Some(())
    }

    /// Ends loading in bulk: the indexes are built.
    async fn end_bulk(&mut self) -> Option<()> {
        if self.bulk {
            self.bulk = false;
            if let Err(error) = self.on_engine(|e| e.store().set_bulk_load(false)).await? {
                self.last_error = Some(error.to_string());
            }
        }
        Some(())
    }

    /// Runs `work` on the engine on a blocking thread; `None` when the engine was lost (a
    /// panic), which ends the runner.
    async fn on_engine<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Engine) -> T + Send + 'static,
    ) -> Option<T> {
        let engine = self.engine.take()?;
        let (engine, result) = blocking(engine, work).await?;
        self.engine = Some(engine);
        Some(result)
    }

    fn publish(&self, running: bool) {
        if let Some(engine) = &self.engine {
            self.progress
                .send_replace(snapshot(engine, running, self.last_error.clone()));
        }
    }

    fn start_reader(&mut self) {
        if let Some(engine) = &self.engine {
            self.reader = Some(Reader::start(self.source.clone(), engine.resume_after()));
        }
    }

    /// A failure: stop reading, drop what was staged, retry after a pause.
    fn pause(&mut self, error: String) {
        self.last_error = Some(error);
        self.reader = None;
        self.uncommitted = 0;
        self.paused_until = Some(Instant::now() + self.options.retry_delay);
    }

    /// Records the outcome of a commit that landed.
    async fn finish(&mut self, landed: Landed) -> Option<()> {
        let Landed {
            pending,
            at_head,
            stored,
            indexed,
        } = landed;
        let finished = self
            .on_engine(move |e| e.finish_commit(&pending, stored))
            .await?;
        match finished {
            Ok(()) => {
                self.last_error = None;
                if at_head {
                    self.end_bulk().await?;
                }
            }
            Err(error) => self.pause(error.to_string()),
        }
        if let Some(Err(error)) = indexed {
            // The indexes are built again when the read models are next opened.
            self.last_error = Some(error.to_string());
        }
        self.publish(true);
        Some(())
    }

    /// Waits for the commit in flight, if any.
    async fn settle(&mut self) -> Option<()> {
        if let Some(landed) = landed(&mut self.in_flight).await {
            self.finish(landed).await?;
        }
        Some(())
    }

    /// Hands what is staged to the store, after the commit in flight has landed.
    async fn commit(&mut self) -> Option<()> {
        self.settle().await?;
        if self.paused_until.is_some() {
            return Some(());
        }
        self.uncommitted = 0;
        let at_head = std::mem::take(&mut self.at_head);
        // Bulk loading ends with the last commit of the catch-up but one, so that building
        // the indexes overlaps with staging the rest; the last commit keeps them up to date.
        let staged = self.engine.as_ref()?.resume_after();
        let remaining = self.bulk_head.0.saturating_sub(staged.0);
        let end_bulk = self.bulk && (at_head || remaining < self.options.commit_every as u64);
        match self.on_engine(Engine::prepare_commit).await? {
            Some(pending) => {
                let store = Arc::clone(self.engine.as_ref()?.store());
                self.in_flight = Some(InFlight::start(store, pending, at_head, end_bulk));
                if end_bulk {
                    self.bulk = false;
                }
            }
            None if at_head => self.end_bulk().await?,
            None => {}
        }
        Some(())
    }

    async fn batch(&mut self, batch: Option<Result<Batch, StoreError>>) -> Option<()> {
        let batch = match batch {
            Some(Ok(batch)) => batch,
            Some(Err(error)) => {
                self.settle().await?;
                self.pause(error.to_string());
                self.publish(true);
                return Some(());
            }
            None => {
                self.settle().await?;
                self.pause("the log reader stopped".to_owned());
                self.publish(true);
                return Some(());
            }
        };
        self.uncommitted += batch.events.len();
        self.at_head = batch.at_head;
        let due = batch.at_head || self.uncommitted >= self.options.commit_every;
        let limit = self.options.cache_limit;
        let staged = self
            .on_engine(move |e| {
                e.stage(&batch.events)
                    .map(|()| e.cached_documents() >= limit)
            })
            .await?;
        match staged {
            Ok(full) if due || full => self.commit().await,
            Ok(_) => Some(()),
            Err(error) => {
                self.settle().await?;
                self.pause(error.to_string());
                self.publish(true);
                Some(())
            }
        }
    }

    async fn rebuild(&mut self, name: Option<String>) -> Option<Result<(), ReadModelError>> {
        self.reader = None;
        self.settle().await?;
        self.uncommitted = 0;
        let result = self
            .on_engine(move |e| {
                e.commit()?;
                e.reset(name.as_deref())
            })
            .await?;
        self.paused_until = None;
        self.maybe_bulk().await?;
        self.start_reader();
        self.publish(true);
        Some(result)
    }

    async fn resume(&mut self) -> Option<()> {
        let resynced = self.on_engine(Engine::resync).await?;
        match resynced {
            Ok(()) => {
                self.paused_until = None;
                self.start_reader();
            }
            Err(error) => {
                self.last_error = Some(error.to_string());
                self.paused_until = Some(Instant::now() + self.options.retry_delay);
            }
        }
        self.publish(true);
        Some(())
    }

    /// Stops: the commit in flight lands, what is staged is committed, indexes are built.
    async fn stop(&mut self) {
        self.reader = None;
        if self.settle().await.is_some() && self.paused_until.is_none() {
            if let Some(Err(error)) = self.on_engine(Engine::commit).await {
                self.last_error = Some(error.to_string());
            }
        }
        let _ = self.end_bulk().await;
        self.publish(false);
    }
}

async fn run(
    engine: Engine,
    interest: Interest,
    events: Arc<dyn EventStore>,
    options: RunnerOptions,
    mut commands: mpsc::UnboundedReceiver<Control>,
    progress: watch::Sender<ProgressSnapshot>,
) {
    let source = Source {
        events: Arc::clone(&events),
        pages: options.pages.clone(),
        interest: Arc::new(interest),
        max_batch: options.max_batch.max(1),
    };
    let mut run = Run {
        engine: Some(engine),
        events,
        source,
        options,
        progress,
        reader: None,
        in_flight: None,
        paused_until: None,
        last_error: None,
        uncommitted: 0,
        bulk: false,
        bulk_head: Position::START,
        at_head: false,
    };
    if run.maybe_bulk().await.is_none() {
        return;
    }
    run.start_reader();
    loop {
        let resume_at = run.paused_until.unwrap_or_else(Instant::now);
        let step = tokio::select! {
            biased;
            command = commands.recv() => match command {
                None | Some(Control::Stop) => break,
                Some(Control::Rebuild { name, reply }) => run.rebuild(name).await.map(|result| {
                    let _ = reply.send(result);
                }),
            },
            landed = landed(&mut run.in_flight), if run.in_flight.is_some() => match landed {
                Some(landed) => run.finish(landed).await,
                None => Some(()),
            },
            () = tokio::time::sleep_until(resume_at), if run.paused_until.is_some() => run.resume().await,
            batch = next_batch(&mut run.reader), if run.reader.is_some() => run.batch(batch).await,
        };
        if step.is_none() {
            return;
        }
    }
    run.stop().await;
}

/// Consecutive events read and decoded together.
struct Batch {
    events: Vec<DecodedEvent>,
    /// Whether the batch reached the head of the log as it was when the batch was read.
    at_head: bool,
}

async fn next_batch(reader: &mut Option<Reader>) -> Option<Result<Batch, StoreError>> {
    match reader {
        Some(reader) => reader.batches.recv().await,
        None => None,
    }
}

/// Reads and decodes the log ahead of the runner. Dropping it stops it.
struct Reader {
    batches: mpsc::Receiver<Result<Batch, StoreError>>,
    task: JoinHandle<()>,
}

/// Where and how the reader reads.
#[derive(Clone)]
struct Source {
    events: Arc<dyn EventStore>,
    pages: Option<Arc<dyn LogPages>>,
    interest: Arc<Interest>,
    max_batch: usize,
}

impl Reader {
    fn start(source: Source, after: Position) -> Reader {
        let (sender, batches) = mpsc::channel(2);
        let task = tokio::spawn(read(source, after, sender));
        Reader { batches, task }
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
/// takes every event already committed, up to `max_batch`.
async fn follow(source: &Source, after: Position) -> Result<Batch, StoreError> {
    let mut subscription = source.events.subscribe_all(after);
    let (records, at_head) = gather(&source.events, &mut subscription, source.max_batch).await?;
    let interest = Arc::clone(&source.interest);
    tokio::task::spawn_blocking(move || Batch {
        events: records
            .iter()
            .map(|r| DecodedEvent::decode_for(r, &interest))
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
    subscription: &mut store::Subscription,
    max_batch: usize,
) -> Result<(Vec<store::RecordedEvent>, bool), StoreError> {
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
