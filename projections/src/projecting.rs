//! The projections as a [`Sink`] of the log consumer: each batch is applied with the
//! [`Engine`] on a blocking thread and committed with the projections' checkpoints, while the
//! next batch is staged; the progress is published after every commit.
//!
//! Live, a batch is whatever has committed since the last one and is committed at once.
//! Catching up, batches are applied in memory and committed together every `commit_every`
//! events (or when a projection holds `cache_limit` documents); a rebuild of everything from
//! a long log loads in bulk (indexes built once at the end).

use std::sync::Arc;

use app::consume::{Batch, Ended, Shutdown, Sink, Step};
use async_trait::async_trait;
use store::{EventStore, Position};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::backend::ReadModelStore;
use crate::engine::{Engine, PendingCommit};
use crate::error::ReadModelError;
use crate::progress::ProgressSnapshot;
use crate::runner::RunnerOptions;

/// A request to drop a projection (every one for `None`) and rebuild it from the start.
pub(crate) struct Rebuild {
    pub(crate) name: Option<String>,
    pub(crate) reply: oneshot::Sender<Result<(), ReadModelError>>,
}

/// What the projections wait for beside the log.
pub(crate) enum Woken {
    /// A rebuild was asked.
    Rebuild(Rebuild),
    /// The commit in flight landed.
    Landed(Landed),
}

/// What opening the sink must do first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reopen {
    /// Nothing: the engine is where it was.
    AsIs,
    /// The projections start (or restart after a reset): load in bulk if all start from 0.
    CheckBulk,
    /// A failure dropped what was staged: reload the checkpoints first.
    Resync,
}

/// The projections following the log.
pub(crate) struct Projecting {
    /// `None` only while it works on a blocking thread, or for good if that thread panicked.
    engine: Option<Engine>,
    events: Arc<dyn EventStore>,
    options: RunnerOptions,
    progress: watch::Sender<ProgressSnapshot>,
    rebuilds: mpsc::UnboundedReceiver<Rebuild>,
    in_flight: Option<InFlight>,
    last_error: Option<String>,
    /// Events staged since the last commit.
    uncommitted: usize,
    /// The head of the log when loading in bulk began; `None` when not loading in bulk.
    bulk: Option<Position>,
    /// Whether the events staged since the last commit reach the head.
    at_head: bool,
    reopen: Reopen,
}

/// A picture of the engine for the progress watchers.
pub(crate) fn snapshot(
    engine: &Engine,
    running: bool,
    last_error: Option<String>,
) -> ProgressSnapshot {
    ProgressSnapshot {
        projections: engine.status(),
        running,
        last_error,
    }
}

impl Projecting {
    pub(crate) fn new(
        engine: Engine,
        events: Arc<dyn EventStore>,
        options: RunnerOptions,
        progress: watch::Sender<ProgressSnapshot>,
        rebuilds: mpsc::UnboundedReceiver<Rebuild>,
    ) -> Self {
        Projecting {
            engine: Some(engine),
            events,
            options,
            progress,
            rebuilds,
            in_flight: None,
            last_error: None,
            uncommitted: 0,
            bulk: None,
            at_head: false,
            reopen: Reopen::CheckBulk,
        }
    }

    /// Runs `work` on the engine on a blocking thread; `None` when the engine was lost (a
    /// panic), which ends the projections.
    async fn on_engine<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&mut Engine) -> T + Send + 'static,
    ) -> Option<T> {
        let mut engine = self.engine.take()?;
        let (engine, result) = tokio::task::spawn_blocking(move || {
            let result = work(&mut engine);
            (engine, result)
        })
        .await
        .ok()?;
        self.engine = Some(engine);
        Some(result)
    }

    fn publish(&self, running: bool) {
        match &self.engine {
            Some(engine) => {
                self.progress
                    .send_replace(snapshot(engine, running, self.last_error.clone()));
            }
            None => self.progress.send_modify(|s| {
                s.running = running;
                s.last_error.clone_from(&self.last_error);
            }),
        }
    }

    fn paused(&self) -> bool {
        self.reopen == Reopen::Resync
    }

    /// A failure: drop what was staged, reload the checkpoints before going on.
    fn pause(&mut self, error: String) {
        self.last_error = Some(error);
        self.uncommitted = 0;
        self.reopen = Reopen::Resync;
    }

    /// Starts loading in bulk when every projection starts from nothing and the log is long.
    async fn maybe_bulk(&mut self) -> Option<()> {
        let engine = self.engine.as_ref()?;
        let empty = engine
            .status()
            .iter()
            .all(|p| p.checkpoint == Position::START);
        let head = self.events.head().await.unwrap_or(Position::START);
        if empty && head.0 >= self.options.bulk_min_events && self.bulk.is_none() {
            let bulk = self.on_engine(|e| e.store().set_bulk_load(true)).await?;
            self.bulk = bulk.is_ok().then_some(head);
        }
        Some(())
    }

    /// Ends loading in bulk: the indexes are built.
    async fn end_bulk(&mut self) -> Option<()> {
        if self.bulk.take().is_some() {
            if let Err(error) = self.on_engine(|e| e.store().set_bulk_load(false)).await? {
                self.last_error = Some(error.to_string());
            }
        }
        Some(())
    }

    /// Records the outcome of a commit that landed.
    async fn finish(&mut self, landed: Landed) -> Option<()> {
        let Landed {
            pending,
            at_head,
            stored,
            indexed,
        } = landed;
        let live_limit = self.options.live_cache_limit;
        let finished = self
            .on_engine(move |e| {
                let finished = e.finish_commit(&pending, stored);
                if at_head {
                    e.evict(live_limit);
                }
                finished
            })
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
        if self.paused() {
            return Some(());
        }
        self.uncommitted = 0;
        let at_head = std::mem::take(&mut self.at_head);
        // Bulk loading ends with the last commit of the catch-up but one, so that building
        // the indexes overlaps with staging the rest; the last commit keeps them up to date.
        let staged = self.engine.as_ref()?.resume_after();
        let end_bulk = self.bulk.is_some_and(|head| {
            at_head || head.0.saturating_sub(staged.0) < self.options.commit_every as u64
        });
        match self.on_engine(Engine::prepare_commit).await? {
            Some(pending) => {
                let store = Arc::clone(self.engine.as_ref()?.store());
                self.in_flight = Some(InFlight::start(store, pending, at_head, end_bulk));
                if end_bulk {
                    self.bulk = None;
                }
            }
            None if at_head => self.end_bulk().await?,
            None => {}
        }
        Some(())
    }

    /// Stages a batch, committing when it is due.
    async fn stage(&mut self, batch: Batch) -> Option<()> {
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
            Err(error) => self.fail(error.to_string()).await,
        }
    }

    /// Lands the commit in flight, then pauses on `error`.
    async fn fail(&mut self, error: String) -> Option<()> {
        self.settle().await?;
        self.pause(error);
        self.publish(true);
        Some(())
    }

    async fn rebuild(&mut self, rebuild: Rebuild) -> Option<()> {
        self.settle().await?;
        self.uncommitted = 0;
        let name = rebuild.name;
        let result = self
            .on_engine(move |e| {
                e.commit()?;
                e.reset(name.as_deref())
            })
            .await?;
        self.reopen = Reopen::CheckBulk;
        // Published before the answer, so a wait after it sees the reset checkpoints.
        self.publish(true);
        let _ = rebuild.reply.send(result);
        Some(())
    }

    /// What follows a step: `None` (the engine was lost) stops; a failure pauses.
    fn next(&self, done: Option<()>) -> Step {
        match done {
            None => Step::Stop,
            Some(()) if self.paused() => Step::Pause,
            Some(()) => Step::Continue,
        }
    }
}

const ENGINE_LOST: &str = "the projection engine was lost (a panic)";

#[async_trait]
impl Sink for Projecting {
    async fn open(&mut self) -> Result<Position, String> {
        match std::mem::replace(&mut self.reopen, Reopen::AsIs) {
            Reopen::AsIs => {}
            Reopen::CheckBulk => self.maybe_bulk().await.ok_or(ENGINE_LOST)?,
            Reopen::Resync => {
                let resynced = self.on_engine(Engine::resync).await.ok_or(ENGINE_LOST)?;
                if let Err(error) = resynced {
                    self.reopen = Reopen::Resync;
                    return Err(error.to_string());
                }
            }
        }
        self.publish(true);
        Ok(self.engine.as_ref().ok_or(ENGINE_LOST)?.resume_after())
    }

    async fn handle(&mut self, batch: Batch, _: &mut Shutdown) -> Step {
        let done = self.stage(batch).await;
        self.next(done)
    }

    async fn failed(&mut self, error: String) {
        // Nothing to do without an engine: the projections are stopping.
        let _ = self.fail(error).await;
    }

    type Wake = Woken;

    async fn wake(&mut self) -> Woken {
        tokio::select! {
            biased;
            Some(rebuild) = self.rebuilds.recv() => Woken::Rebuild(rebuild),
            Some(landed) = landed(&mut self.in_flight), if self.in_flight.is_some() => {
                Woken::Landed(landed)
            }
            else => std::future::pending().await,
        }
    }

    async fn work(&mut self, woken: Woken) -> Step {
        match woken {
            Woken::Rebuild(rebuild) => match self.rebuild(rebuild).await {
                Some(()) => Step::Restart,
                None => Step::Stop,
            },
            Woken::Landed(landed) => {
                let done = self.finish(landed).await;
                self.next(done)
            }
        }
    }

    /// Stops: the commit in flight lands, what is staged is committed, indexes are built.
    async fn close(&mut self, _: Ended) {
        if self.settle().await.is_some() && !self.paused() {
            if let Some(Err(error)) = self.on_engine(Engine::commit).await {
                self.last_error = Some(error.to_string());
            }
        }
        let _ = self.end_bulk().await;
        self.publish(false);
    }
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
pub(crate) struct Landed {
    pending: PendingCommit,
    at_head: bool,
    stored: Result<(), ReadModelError>,
    /// How building the indexes went, if bulk loading ended with this commit.
    indexed: Option<Result<(), ReadModelError>>,
}

/// The commit in flight once it landed (`None` when there is none). Cancel-safe.
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
