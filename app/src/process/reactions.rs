//! The process runner's per-event adapter: each manager's progress through the log of one
//! partition, its checkpoints and its skipped reactions (see [`super::runner`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use store::Position;
use tokio::sync::watch;

use futures_util::future::join_all;

use super::lane::{waves, Lane};
use super::runner::{Skipped, FLUSH_EVERY};
use super::{Incoming, Partition, ProcessManager};
use crate::consume::{Backoff, Batch, Decoding, Ended, Shutdown, Sink, Step, DEFAULT_BACKOFF};
use crate::Checkpoints;

/// A quiet log for this long saves the checkpoints.
const IDLE: Duration = Duration::from_millis(25);

/// The per-event adapter: each manager's progress through the log.
pub(super) struct Reactions {
    /// The partition it follows.
    partition: Partition,
    checkpoints: Arc<dyn Checkpoints>,
    managers: Vec<Arc<dyn ProcessManager>>,
    /// What each manager has handled.
    done: Vec<Position>,
    /// What is saved of it.
    saved: Vec<Position>,
    /// Whether `done` holds the checkpoints (false again after the lead was lost).
    loaded: bool,
    /// Events handled since the last save.
    unsaved: usize,
    position: watch::Sender<Position>,
    skipped: Arc<Mutex<Vec<Skipped>>>,
}

#[async_trait]
impl Sink for Reactions {
    /// The managers have no work beside the log.
    type Wake = std::convert::Infallible;

    async fn open(&mut self) -> Result<Position, String> {
        if !self.loaded {
            for i in 0..self.managers.len() {
                self.done[i] = self.load(self.managers[i].name()).await?;
            }
            self.saved.clone_from(&self.done);
            self.loaded = true;
        }
        let start = self.done.iter().copied().min().unwrap_or(Position::START);
        self.position.send_replace(start);
        Ok(start)
    }

    async fn handle(&mut self, batch: Batch, shutdown: &mut Shutdown) -> Step {
        let size = batch.events.len();
        let started = std::time::Instant::now();
        let (incoming, end) = self.admit(batch);
        self.prepare(&incoming).await;
        let prepared = started.elapsed();
        // Each manager walks the batch at once with the others: they keep their own
        // checkpoints and never wait for each other.
        let shutdown: &Shutdown = shutdown;
        let walks = (0..self.managers.len()).map(|i| self.walk(i, &incoming, shutdown));
        let walks = join_all(walks).await;
        tracing::debug!(
            partition = self.partition.index(),
            events = size,
            prepare_ms = prepared.as_secs_f64() * 1e3,
            walk_ms = (started.elapsed() - prepared).as_secs_f64() * 1e3,
            "process batch"
        );
        let mut stopped = false;
        for (done, walk) in self.done.iter_mut().zip(walks) {
            let reached = match walk {
                None => end,
                // Everything before its first unfinished reaction is done.
                Some(first) => {
                    stopped = true;
                    Position(incoming[first].record.position.0.saturating_sub(1))
                }
            };
            *done = (*done).max(reached);
        }
        let position = self.done.iter().copied().min().unwrap_or(end);
        self.position.send_replace(position);
        if stopped {
            return Step::Stop;
        }
        self.unsaved += size;
        if self.unsaved >= FLUSH_EVERY {
            self.flush().await;
        }
        Step::Continue
    }

    async fn failed(&mut self, error: String) {
        tracing::warn!("process managers cannot follow the log: {error}");
    }

    fn quiet_after(&self) -> Option<Duration> {
        (self.unsaved > 0).then_some(IDLE)
    }

    async fn quiet(&mut self) {
        self.flush().await;
    }

    async fn close(&mut self, ended: Ended) {
        match ended {
            Ended::Stopped => self.flush().await,
            Ended::LostLead => {
                self.loaded = false;
                self.unsaved = 0;
            }
        }
    }
}

impl Reactions {
    /// The adapter of `partition`: nothing handled yet, the checkpoints loaded on the first
    /// batch.
    pub(super) fn new(
        partition: Partition,
        checkpoints: Arc<dyn Checkpoints>,
        managers: Vec<Arc<dyn ProcessManager>>,
        position: watch::Sender<Position>,
        skipped: Arc<Mutex<Vec<Skipped>>>,
    ) -> Self {
        let n = managers.len();
        Reactions {
            partition,
            checkpoints,
            managers,
            done: vec![Position::START; n],
            saved: vec![Position::START; n],
            loaded: false,
            unsaved: 0,
            position,
            skipped,
        }
    }

    /// The checkpoint of `manager` in this partition; a partition that has none yet (the
    /// work was split differently before) starts from the manager's unsplit checkpoint:
    /// what lies between is delivered again, which reactions take in their stride.
    async fn load(&self, manager: &str) -> Result<Position, String> {
        let unreadable = |e: crate::ViewError| format!("checkpoint of {manager} unreadable: {e}");
        let name = self.partition.checkpoint(manager);
        let saved = self.checkpoints.load(&name).await.map_err(unreadable)?;
        if saved > Position::START || self.partition.count() == 1 {
            return Ok(saved);
        }
        self.checkpoints.load(manager).await.map_err(unreadable)
    }

    /// Takes the events of `batch` apart: those to react to, in log order, and the position
    /// the batch ends at (past what is not a domain event or does not decode, too).
    fn admit(&self, batch: Batch) -> (Vec<Incoming>, Position) {
        let mut incoming = Vec::with_capacity(batch.events.len());
        let mut end = Position::START;
        for event in batch.events {
            let at = event.position;
            end = end.max(at);
            match (event.decoding, event.record) {
                (Decoding::Event(decoded), Some(record)) => {
                    incoming.push(Incoming {
                        record: *record,
                        id: decoded.id,
                        event: decoded.event,
                        partition: self.partition,
                    });
                }
                (Decoding::Foreign, _) => {
                    // Not a domain stream (e.g. the API's idempotency records): nothing to
                    // react to, nothing to report.
                }
                (decoding, record) => {
                    let error = match decoding {
                        Decoding::Malformed(reason) => format!(
                            "event in stream {:?} does not match its aggregate's events: {reason}",
                            event.stream.as_str()
                        ),
                        _ => "the event was read without its record".to_owned(),
                    };
                    tracing::warn!("event {at} skipped by the process managers: {error}");
                    let event_type = record.map(|r| r.event_type).unwrap_or_default();
                    for manager in &self.managers {
                        self.skip(manager.name(), at, &event_type, error.clone());
                    }
                }
            }
        }
        (incoming, end)
    }

    /// Lets every manager get ahead of the events of the batch it has not handled yet.
    async fn prepare(&self, incoming: &[Incoming]) {
        for (manager, done) in self.managers.iter().zip(&self.done) {
            let first = incoming.partition_point(|e| e.record.position <= *done);
            if first < incoming.len() {
                manager.prepare(&incoming[first..]).await;
            }
        }
    }

    /// Hands manager `i` the events of the batch it has not handled and this partition
    /// takes, its [`Lane`]s side by side ([`waves`]); `None` when it handled them all, else
    /// the index of the first it did not finish because stopping was asked.
    async fn walk(&self, i: usize, incoming: &[Incoming], shutdown: &Shutdown) -> Option<usize> {
        let manager = self.managers[i].as_ref();
        let done = self.done[i];
        let mine: Vec<(usize, Lane)> = incoming
            .iter()
            .enumerate()
            .filter(|(_, e)| e.record.position > done && self.partition.takes(manager.route(e)))
            .map(|(k, e)| (k, manager.lane(e)))
            .collect();
        for wave in waves(&mine) {
            let groups = wave.iter().map(|group| async move {
                let mut shutdown = shutdown.clone();
                for &k in group {
                    if !self.react(manager, &incoming[k], &mut shutdown).await {
                        return Some(k);
                    }
                }
                None
            });
            if let Some(first) = join_all(groups).await.into_iter().flatten().min() {
                return Some(first);
            }
        }
        None
    }

    /// Runs one reaction until it succeeds or is given up on; `false` when stopping was
    /// asked while retrying.
    async fn react(
        &self,
        manager: &dyn ProcessManager,
        incoming: &Incoming,
        shutdown: &mut Shutdown,
    ) -> bool {
        let mut backoff = Backoff::exponential(DEFAULT_BACKOFF.0, DEFAULT_BACKOFF.1);
        let record = &incoming.record;
        loop {
            match manager.react(incoming).await {
                Ok(()) => return true,
                Err(e) if e.is_transient() => {
                    tracing::warn!(
                        "{} failed on event {} ({}), retrying: {e}",
                        manager.name(),
                        record.position,
                        record.event_type
                    );
                    if !backoff.pause(shutdown).await {
                        return false;
                    }
                }
                Err(e) => {
                    tracing::warn!(
                        "{} gave up on event {} ({}): {e}",
                        manager.name(),
                        record.position,
                        record.event_type
                    );
                    self.skip(
                        manager.name(),
                        record.position,
                        &record.event_type,
                        e.to_string(),
                    );
                    return true;
                }
            }
        }
    }

    fn skip(&self, manager: &'static str, position: Position, event_type: &str, error: String) {
        let mut list = match self.skipped.lock() {
            Ok(list) => list,
            Err(poisoned) => poisoned.into_inner(),
        };
        list.push(Skipped {
            manager,
            position,
            event_type: event_type.to_owned(),
            error,
        });
    }

    /// Saves the checkpoints that moved.
    async fn flush(&mut self) {
        self.unsaved = 0;
        let progress = self.managers.iter().zip(&self.done).zip(&mut self.saved);
        for ((manager, done), saved) in progress {
            if *done <= *saved {
                continue;
            }
            let name = self.partition.checkpoint(manager.name());
            match self.checkpoints.save(&name, *done).await {
                Ok(()) => *saved = *done,
                Err(e) => tracing::warn!("checkpoint of {} not saved: {e}", manager.name()),
            }
        }
    }
}
