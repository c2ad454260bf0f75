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
use crate::decoded::DecodedEvent;
use crate::engine::Engine;
use crate::error::{ReadModelError, RunnerError, WaitError};
use crate::progress::{Progress, ProgressSnapshot};
use crate::projection::Projection;

/// Tuning of the runner; the defaults suit production and the rebuild benchmark.
///
/// Live, a batch is whatever has committed since the last one and is committed at once.
/// Catching up (a rebuild, a restart after a long stop), batches of `max_batch` events are
/// applied in memory and committed together every `commit_every` events (or when a
/// projection holds `cache_limit` documents): a document touched by many events is then
/// written once, not once per batch.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// The most events read, decoded and applied as one batch.
    pub max_batch: usize,
    /// The most events applied before a commit while catching up.
    pub commit_every: usize,
    /// The most documents a projection keeps in memory (a commit evicts them).
    pub cache_limit: usize,
    /// How long the runner pauses after a database or event store failure.
    pub retry_delay: Duration,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            max_batch: 5_000,
            commit_every: 250_000,
            cache_limit: 400_000,
            retry_delay: Duration::from_secs(1),
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
        let engine = tokio::task::spawn_blocking(move || {
            Engine::open(read_models, projections, cache_limit)
        })
        .await
        .map_err(|e| ReadModelError::Backend(format!("opening the projections failed: {e}")))??;
        let (sender, receiver) = watch::channel(snapshot(&engine, true, None));
        let (control, commands) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(engine, Arc::clone(&events), options, commands, sender));
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

async fn run(
    mut engine: Engine,
    events: Arc<dyn EventStore>,
    options: RunnerOptions,
    mut commands: mpsc::UnboundedReceiver<Control>,
    progress: watch::Sender<ProgressSnapshot>,
) {
    let mut reader = Some(Reader::start(
        Arc::clone(&events),
        engine.resume_after(),
        options.max_batch,
    ));
    let mut paused_until: Option<Instant> = None;
    let mut last_error: Option<String> = None;
    let mut uncommitted = 0usize;
    loop {
        let resume_at = paused_until.unwrap_or_else(Instant::now);
        tokio::select! {
            biased;
            command = commands.recv() => match command {
                None | Some(Control::Stop) => break,
                Some(Control::Rebuild { name, reply }) => {
                    drop(reader.take());
                    uncommitted = 0;
                    let Some((e, result)) = blocking(engine, move |e| {
                        e.commit()?;
                        e.reset(name.as_deref())
                    }).await else {
                        return;
                    };
                    engine = e;
                    let _ = reply.send(result);
                    paused_until = None;
                    reader = Some(Reader::start(Arc::clone(&events), engine.resume_after(), options.max_batch));
                    progress.send_replace(snapshot(&engine, true, last_error.clone()));
                }
            },
            () = tokio::time::sleep_until(resume_at), if paused_until.is_some() => {
                let Some((e, resynced)) = blocking(engine, Engine::resync).await else {
                    return;
                };
                engine = e;
                match resynced {
                    Ok(()) => {
                        paused_until = None;
                        reader = Some(Reader::start(Arc::clone(&events), engine.resume_after(), options.max_batch));
                    }
                    Err(error) => {
                        last_error = Some(error.to_string());
                        paused_until = Some(Instant::now() + options.retry_delay);
                    }
                }
                progress.send_replace(snapshot(&engine, true, last_error.clone()));
            },
            batch = next_batch(&mut reader), if reader.is_some() => {
                let outcome = match batch {
                    Some(Ok(batch)) => {
                        uncommitted += batch.events.len();
                        let commit = batch.at_head || uncommitted >= options.commit_every;
                        let limit = options.cache_limit;
                        let Some((e, applied)) = blocking(engine, move |e| {
                            e.stage(&batch.events)?;
                            let full = e.cached_documents() >= limit;
                            if commit || full { e.commit().map(|()| true) } else { Ok(false) }
                        }).await else {
                            return;
                        };
                        engine = e;
                        applied.map_err(|error| error.to_string())
                    }
                    Some(Err(error)) => Err(error.to_string()),
                    None => Err("the log reader stopped".to_owned()),
                };
                match outcome {
                    Ok(false) => continue,
                    Ok(true) => {
                        uncommitted = 0;
                        last_error = None;
                    }
                    Err(error) => {
                        uncommitted = 0;
                        last_error = Some(error);
                        reader = None;
                        paused_until = Some(Instant::now() + options.retry_delay);
                    }
                }
                progress.send_replace(snapshot(&engine, true, last_error.clone()));
            },
        }
    }
    drop(reader);
    progress.send_replace(snapshot(&engine, false, last_error));
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

impl Reader {
    fn start(events: Arc<dyn EventStore>, after: Position, max_batch: usize) -> Reader {
        let (sender, batches) = mpsc::channel(2);
        let task = tokio::spawn(read(events, after, max_batch.max(1), sender));
        Reader { batches, task }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read(
    events: Arc<dyn EventStore>,
    after: Position,
    max_batch: usize,
    batches: mpsc::Sender<Result<Batch, StoreError>>,
) {
    let mut subscription = events.subscribe_all(after);
    loop {
        let batch = gather(&events, &mut subscription, max_batch).await;
        let batch = match batch {
            Ok((records, at_head)) => tokio::task::spawn_blocking(move || Batch {
                events: records.iter().map(DecodedEvent::decode).collect(),
                at_head,
            })
            .await
            .map_err(|e| StoreError::Backend(format!("decoding failed: {e}"))),
            Err(error) => Err(error),
        };
        let failed = batch.is_err();
        if batches.send(batch).await.is_err() || failed {
            return;
        }
    }
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
