//! The process runner's per-event adapter: each manager's progress through the log of one
//! partition, its checkpoints and its skipped reactions (see [`super::runner`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use store::Position;
use tokio::sync::watch;

use super::runner::{Skipped, FLUSH_EVERY};
use super::{Incoming, Partition, ProcessManager};
use crate::consume::{Backoff, Batch, Decoding, Ended, Shutdown, Sink, Step, DEFAULT_BACKOFF};
use crate::Checkpoints;

/// A quiet log for this long saves the checkpoints.
const IDLE: Duration = Duration::from_millis(25);

/// What the runner does with one event of a batch, in log order.
enum Entry {
    /// Hand it to the managers (the next of the batch's [`Incoming`] events).
    React,
    /// Nothing to react to: every manager is past it.
    Pass(Position),
}

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
        let (incoming, entries) = self.admit(batch);
        self.prepare(&incoming).await;
        let mut incoming = incoming.into_iter();
        for entry in entries {
            let at = match entry {
                Entry::Pass(at) => {
                    self.pass(at);
                    at
                }
                Entry::React => {
                    let Some(event) = incoming.next() else {
                        break;
                    };
                    if !self.deliver(&event, shutdown).await {
                        return Step::Stop;
                    }
                    event.record.position
                }
            };
            self.position.send_replace(at);
            self.unsaved += 1;
            if self.unsaved >= FLUSH_EVERY {
                self.flush().await;
            }
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

    /// Takes the events of `batch` apart: those to react to, and in log order what to do
    /// with each (react, or pass over what is not a domain event or does not decode).
    fn admit(&self, batch: Batch) -> (Vec<Incoming>, Vec<Entry>) {
        let mut incoming = Vec::with_capacity(batch.events.len());
        let mut entries = Vec::with_capacity(batch.events.len());
        for event in batch.events {
            let at = event.position;
            match (event.decoding, event.record) {
                (Decoding::Event(decoded), Some(record)) => {
                    incoming.push(Incoming {
                        record: *record,
                        id: decoded.id,
                        event: decoded.event,
                        partition: self.partition,
                    });
                    entries.push(Entry::React);
                }
                (Decoding::Foreign, _) => {
                    // Not a domain stream (e.g. the API's idempotency records): nothing to
                    // react to, nothing to report.
                    entries.push(Entry::Pass(at));
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
                    entries.push(Entry::Pass(at));
                }
            }
        }
        (incoming, entries)
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

    /// Hands one event to every manager that has not handled it; `false` when stopping was
    /// asked meanwhile.
    async fn deliver(&mut self, incoming: &Incoming, shutdown: &mut Shutdown) -> bool {
        let at = incoming.record.position;
        for i in 0..self.managers.len() {
            if self.done[i] >= at {
                continue;
            }
            let manager = Arc::clone(&self.managers[i]);
            let mine = self.partition.takes(manager.route(incoming));
            if mine && !self.react(manager.as_ref(), incoming, shutdown).await {
                return false;
            }
            self.done[i] = at;
        }
        true
    }

    /// Every manager is past `at`.
    fn pass(&mut self, at: Position) {
        for done in &mut self.done {
            *done = (*done).max(at);
        }
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
