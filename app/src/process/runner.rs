//! The runner: follows the log and hands every event to the process
//! managers, each from its own checkpoint.
//!
//! One tokio task subscribes to the whole log from the lowest checkpoint,
//! decodes each event ([`AnyEvent::decode`]) and gives it, in log order, to
//! every manager that has not handled it yet. A manager's checkpoint
//! advances only after its reaction succeeded, and is saved through the
//! [`Checkpoints`] port every [`FLUSH_EVERY`] events, when the log goes
//! quiet, and on stop. A crash between a reaction and the save delivers the
//! event again: harmless, because reactions are idempotent in effect.
//!
//! A failing reaction is retried with exponential backoff when the failure
//! is transient (the store or the read side unavailable, a conflict that
//! outlived the retries: see [`ReactionError::is_transient`]); a failure
//! that retrying cannot change (a domain rejection, a missing thing, an
//! unreadable event) is logged, recorded in [`RunnerHandle::skipped`] and
//! passed over. The runner stops when asked ([`RunnerHandle::stop`]) or when
//! its handle is dropped, after the reaction in flight.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::streams::{AnyEvent, DecodeError};
use store::{EventStore, Position, RecordedEvent};
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[cfg(doc)]
use super::ReactionError;
use super::{Incoming, ProcessManager};
use crate::{Checkpoints, Leadership, Lease};

/// Checkpoints are saved at the latest after this many events.
pub const FLUSH_EVERY: usize = 64;

/// A quiet log for this long saves the checkpoints.
const IDLE: Duration = Duration::from_millis(25);

/// The first and the longest pause between retries of a failing reaction.
const BACKOFF_START: Duration = Duration::from_millis(20);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// A reaction given up on: which manager, which event, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The manager's name.
    pub manager: &'static str,
    /// The event's position.
    pub position: Position,
    /// The event's stored type.
    pub event_type: String,
    /// Why it was given up on.
    pub error: String,
}

/// Why waiting on the runner ended without reaching the position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WaitError {
    /// The deadline passed first.
    #[error("the runner reached only {reached} before the deadline")]
    Timeout { reached: Position },
    /// The runner stopped before reaching it.
    #[error("the runner stopped")]
    Stopped,
    /// The head of the log could not be read.
    #[error("the event store failed: {0}")]
    Store(String),
}

/// The runner's task ended abnormally.
#[derive(Debug, thiserror::Error)]
#[error("the process manager runner failed: {0}")]
pub struct StopError(#[from] tokio::task::JoinError);

/// Feeds the process managers from the log. Build it, then [`spawn`](Self::spawn).
pub struct Runner {
    store: Arc<dyn EventStore>,
    checkpoints: Arc<dyn Checkpoints>,
    managers: Vec<Arc<dyn ProcessManager>>,
    leadership: Option<Arc<dyn Leadership>>,
}

/// Why following the log ended.
enum Ended {
    Stopped,
    LostLead,
}

/// Resolves when `lease` is lost; never without one.
async fn lost(lease: &mut Option<Box<dyn Lease>>) {
    match lease {
        Some(lease) => lease.lost().await,
        None => std::future::pending().await,
    }
}

/// The running task: its position, its skipped reactions, and the way to
/// stop it. Dropping the handle stops the runner too.
pub struct RunnerHandle {
    store: Arc<dyn EventStore>,
    position: watch::Receiver<Position>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    skipped: Arc<Mutex<Vec<Skipped>>>,
}

impl Runner {
    /// A runner feeding `managers` from `store`, keeping their checkpoints
    /// in `checkpoints` (under each manager's name).
    pub fn new(
        store: Arc<dyn EventStore>,
        checkpoints: Arc<dyn Checkpoints>,
        managers: Vec<Arc<dyn ProcessManager>>,
    ) -> Self {
        Runner {
            store,
            checkpoints,
            managers,
            leadership: None,
        }
    }

    /// Runs the managers only while this process leads (several processes on one log).
    /// Losing the lead stops them; they resume from the saved checkpoints once it leads again.
    pub fn with_leadership(mut self, leadership: Arc<dyn Leadership>) -> Self {
        self.leadership = Some(leadership);
        self
    }

    /// Starts following the log on a tokio task.
    pub fn spawn(self) -> RunnerHandle {
        let (stop, stop_rx) = watch::channel(false);
        let (position_tx, position) = watch::channel(Position::START);
        let skipped = Arc::new(Mutex::new(Vec::new()));
        let store = Arc::clone(&self.store);
        let task = tokio::spawn(self.run(stop_rx, position_tx, Arc::clone(&skipped)));
        RunnerHandle {
            store,
            position,
            stop,
            task,
            skipped,
        }
    }

    async fn run(
        self,
        mut stop: watch::Receiver<bool>,
        position: watch::Sender<Position>,
        skipped: Arc<Mutex<Vec<Skipped>>>,
    ) {
        loop {
            let mut lease = match &self.leadership {
                None => None,
                Some(leadership) => match lead(leadership.as_ref(), &mut stop).await {
                    Some(lease) => Some(lease),
                    None => return,
                },
            };
            match self
                .follow(&mut stop, &position, &skipped, &mut lease)
                .await
            {
                Ended::Stopped => return,
                Ended::LostLead => {
                    tracing::warn!("process managers lost the lead; waiting to lead again");
                }
            }
        }
    }

    /// Feeds the managers from their checkpoints until stopped or the lease is lost.
    async fn follow(
        &self,
        stop: &mut watch::Receiver<bool>,
        position: &watch::Sender<Position>,
        skipped: &Mutex<Vec<Skipped>>,
        lease: &mut Option<Box<dyn Lease>>,
    ) -> Ended {
        let Some(mut done) = self.load_checkpoints(stop).await else {
            return Ended::Stopped;
        };
        let start = done.iter().copied().min().unwrap_or(Position::START);
        position.send_replace(start);
        let mut saved = done.clone();
        let mut unsaved = 0;
        let mut subscription = self.store.subscribe_all(start);
        let mut backoff = Backoff::default();
        loop {
            // With checkpoints to save, a quiet moment saves them.
            // A lost lead ends at once, without saving: the new leader may be ahead.
            let next = if unsaved > 0 {
                tokio::select! {
                    biased;
                    _ = stop.changed() => break,
                    () = lost(lease) => return Ended::LostLead,
                    next = tokio::time::timeout(IDLE, subscription.next()) => next,
                }
            } else {
                tokio::select! {
                    biased;
                    _ = stop.changed() => break,
                    () = lost(lease) => return Ended::LostLead,
                    next = subscription.next() => Ok(next),
                }
            };
            let record = match next {
                Err(_quiet) => {
                    self.flush(&done, &mut saved).await;
                    unsaved = 0;
                    continue;
                }
                Ok(Err(e)) => {
                    tracing::warn!("process managers cannot read the log: {e}");
                    if !backoff.pause(stop).await {
                        break;
                    }
                    continue;
                }
                Ok(Ok(record)) => record,
            };
            backoff = Backoff::default();
            let at = record.position;
            if !self.deliver(record, &mut done, stop, skipped).await {
                break;
            }
            position.send_replace(at);
            unsaved += 1;
            if unsaved >= FLUSH_EVERY {
                self.flush(&done, &mut saved).await;
                unsaved = 0;
            }
        }
        self.flush(&done, &mut saved).await;
        Ended::Stopped
    }

    /// Each manager's checkpoint; `None` when stopped while the checkpoints
    /// could not be read.
    async fn load_checkpoints(&self, stop: &mut watch::Receiver<bool>) -> Option<Vec<Position>> {
        let mut done = Vec::with_capacity(self.managers.len());
        for manager in &self.managers {
            let mut backoff = Backoff::default();
            loop {
                match self.checkpoints.load(manager.name()).await {
                    Ok(p) => {
                        done.push(p);
                        break;
                    }
                    Err(e) => {
                        tracing::warn!("checkpoint of {} unreadable: {e}", manager.name());
                        if !backoff.pause(stop).await {
                            return None;
                        }
                    }
                }
            }
        }
        Some(done)
    }

    /// Hands one event to every manager that has not handled it; `false`
    /// when the runner was stopped meanwhile.
    async fn deliver(
        &self,
        record: RecordedEvent,
        done: &mut [Position],
        stop: &mut watch::Receiver<bool>,
        skipped: &Mutex<Vec<Skipped>>,
    ) -> bool {
        let at = record.position;
        let decoded = match AnyEvent::decode(record.stream_id.as_str(), record.payload.as_str()) {
            Ok(decoded) => decoded,
            Err(DecodeError::UnknownCategory(_)) => {
                // Not a domain stream (e.g. the API's idempotency records):
                // nothing to react to, nothing to report.
                for position in done.iter_mut() {
                    *position = (*position).max(at);
                }
                return true;
            }
            Err(e) => {
                tracing::warn!("event {at} skipped by the process managers: {e}");
                for (manager, position) in self.managers.iter().zip(done.iter_mut()) {
                    skip(skipped, manager.name(), &record, e.to_string());
                    *position = (*position).max(at);
                }
                return true;
            }
        };
        let incoming = Incoming {
            record,
            id: decoded.id,
            event: decoded.event,
        };
        for (manager, position) in self.managers.iter().zip(done.iter_mut()) {
            if *position >= at {
                continue;
            }
            if !react(manager.as_ref(), &incoming, stop, skipped).await {
                return false;
            }
            *position = at;
        }
        true
    }

    async fn flush(&self, done: &[Position], saved: &mut [Position]) {
        for ((manager, done), saved) in self.managers.iter().zip(done).zip(saved.iter_mut()) {
            if *done <= *saved {
                continue;
            }
            match self.checkpoints.save(manager.name(), *done).await {
                Ok(()) => *saved = *done,
                Err(e) => tracing::warn!("checkpoint of {} not saved: {e}", manager.name()),
            }
        }
    }
}

/// Runs one reaction until it succeeds or is given up on; `false` when the
/// runner was stopped while retrying.
async fn react(
    manager: &dyn ProcessManager,
    incoming: &Incoming,
    stop: &mut watch::Receiver<bool>,
    skipped: &Mutex<Vec<Skipped>>,
) -> bool {
    let mut backoff = Backoff::default();
    loop {
        match manager.react(incoming).await {
            Ok(()) => return true,
            Err(e) if e.is_transient() => {
                tracing::warn!(
                    "{} failed on event {} ({}), retrying: {e}",
                    manager.name(),
                    incoming.record.position,
                    incoming.record.event_type
                );
                if !backoff.pause(stop).await {
                    return false;
                }
            }
            Err(e) => {
                tracing::warn!(
                    "{} gave up on event {} ({}): {e}",
                    manager.name(),
                    incoming.record.position,
                    incoming.record.event_type
                );
                skip(skipped, manager.name(), &incoming.record, e.to_string());
                return true;
            }
        }
    }
}

fn skip(
    skipped: &Mutex<Vec<Skipped>>,
    manager: &'static str,
    record: &RecordedEvent,
    error: String,
) {
    let mut list = match skipped.lock() {
        Ok(list) => list,
        Err(poisoned) => poisoned.into_inner(),
    };
    list.push(Skipped {
        manager,
        position: record.position,
        event_type: record.event_type.clone(),
        error,
    });
}

/// Exponential backoff between retries.
#[derive(Debug)]
struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(BACKOFF_START)
    }
}

impl Backoff {
    /// Waits the current pause (doubling it for next time); `false` when
    /// the runner is stopped meanwhile.
    async fn pause(&mut self, stop: &mut watch::Receiver<bool>) -> bool {
        if *stop.borrow() {
            return false;
        }
        let pause = self.0;
        self.0 = (self.0 * 2).min(BACKOFF_MAX);
        tokio::select! {
            _ = tokio::time::sleep(pause) => true,
            _ = stop.changed() => false,
        }
    }
}

impl RunnerHandle {
    /// The position of the last event every manager has handled.
    pub fn position(&self) -> Position {
        *self.position.borrow()
    }

    /// Waits until every manager has handled the log up to `target`, at
    /// most `within`.
    pub async fn wait_for(&self, target: Position, within: Duration) -> Result<(), WaitError> {
        let mut position = self.position.clone();
        let reached = tokio::time::timeout(within, async {
            position.wait_for(|p| *p >= target).await.map(|_| ())
        })
        .await;
        match reached {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(WaitError::Stopped),
            Err(_) => Err(WaitError::Timeout {
                reached: self.position(),
            }),
        }
    }

    /// Waits until the managers have handled the whole log, including what
    /// their own reactions appended, at most `within` in all.
    pub async fn settle(&self, within: Duration) -> Result<Position, WaitError> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let head = self.head().await?;
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            self.wait_for(head, left).await?;
            if self.head().await? == head {
                return Ok(head);
            }
        }
    }

    async fn head(&self) -> Result<Position, WaitError> {
        self.store
            .head()
            .await
            .map_err(|e| WaitError::Store(e.to_string()))
    }

    /// The reactions given up on so far.
    pub fn skipped(&self) -> Vec<Skipped> {
        match self.skipped.lock() {
            Ok(list) => list.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Stops the runner after the reaction in flight and saves the
    /// checkpoints.
    pub async fn stop(self) -> Result<(), StopError> {
        let RunnerHandle { stop, task, .. } = self;
        stop.send_replace(true);
        task.await?;
        Ok(())
    }
}

/// Waits to lead; `None` when stopped first.
async fn lead(
    leadership: &dyn Leadership,
    stop: &mut watch::Receiver<bool>,
) -> Option<Box<dyn Lease>> {
    let mut backoff = Backoff::default();
    loop {
        let acquired = tokio::select! {
            biased;
            _ = stop.changed() => return None,
            acquired = leadership.acquire() => acquired,
        };
        match acquired {
            Ok(lease) => return Some(lease),
            Err(e) => {
                tracing::warn!("process managers cannot take the lead: {e}");
                if !backoff.pause(stop).await {
                    return None;
                }
            }
        }
    }
}
