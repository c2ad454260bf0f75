//! The process managers on the log consumer: a [`Sink`] that lets each manager get ahead of a
//! batch ([`ProcessManager::prepare`]: e.g. fulfilment decides for all the orders placed in
//! it at once), then lets every manager walk the batch at once with the others, each from its
//! own checkpoint, its reactions in log order except where their [`Lane`](super::Lane)s let
//! them run side by side. A manager that [follows alone](ProcessManager::follows_alone)
//! (fulfilment) has a consumer of its own, so the others never hold it back.
//!
//! A manager's checkpoint advances only after its reaction succeeded, and is saved through
//! the [`Checkpoints`] port every [`FLUSH_EVERY`] events, when the log goes quiet, and on
//! stop (not when the lead is lost: the new leader may be ahead). A crash between a reaction
//! and the save delivers the event again: harmless, because reactions are idempotent in
//! effect.
//!
//! A failing reaction is retried with the consumer's back-off when the failure is transient
//! (the store or the read side unavailable, a conflict that outlived the retries: see
//! [`ReactionError::is_transient`]); a failure that retrying cannot change (a domain
//! rejection, a missing thing, an unreadable event) is logged, recorded in
//! [`ProcessHandle::skipped`] and passed over. The runner stops when asked
//! ([`ProcessHandle::stop`]) or when its handle is dropped, after the reaction in flight.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use store::{EventStore, Position};
use tokio::sync::watch;

use super::reactions::Reactions;
#[cfg(doc)]
use super::ReactionError;
use super::{Partition, ProcessManager, MAX_PARTITIONS};
use crate::consume::{Consumer, Interest, RunState, Running, Source, StopError};
use crate::{Checkpoints, Leadership, Lease};

/// Checkpoints are saved at the latest after this many events.
pub const FLUSH_EVERY: usize = 64;

/// The most events read ahead as one batch.
const MAX_BATCH: usize = 1024;

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

/// Why waiting on the process managers ended without reaching the position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessWaitError {
    /// The deadline passed first.
    #[error("the process managers reached only {reached} before the deadline")]
    Timeout { reached: Position },
    /// The runner stopped before reaching it.
    #[error("the process managers stopped")]
    Stopped,
    /// The head of the log could not be read.
    #[error("the event store failed: {0}")]
    Store(String),
}

/// Feeds the process managers from the log. Build it, then [`spawn`](Self::spawn).
pub struct ProcessRunner {
    store: Arc<dyn EventStore>,
    checkpoints: Arc<dyn Checkpoints>,
    managers: Vec<Arc<dyn ProcessManager>>,
    leadership: Option<Arc<dyn Leadership>>,
    partitions: usize,
}

/// The running process managers: their position, their skipped reactions, and the way to
/// stop them. Dropping the handle stops them too.
pub struct ProcessHandle {
    store: Arc<dyn EventStore>,
    partitions: usize,
    /// Each consumer's position (per partition, one per group of managers).
    positions: Vec<watch::Receiver<Position>>,
    /// Each consumer.
    running: Vec<Running>,
    skipped: Arc<Mutex<Vec<Skipped>>>,
}

impl ProcessRunner {
    /// A runner feeding `managers` from `store`, keeping their checkpoints in `checkpoints`
    /// (under each manager's name).
    pub fn new(
        store: Arc<dyn EventStore>,
        checkpoints: Arc<dyn Checkpoints>,
        managers: Vec<Arc<dyn ProcessManager>>,
    ) -> Self {
        ProcessRunner {
            store,
            checkpoints,
            managers,
            leadership: None,
            partitions: 1,
        }
    }

    /// Splits the work into `partitions` (1 to [`MAX_PARTITIONS`]; 1, the default, does
    /// not split): each partition follows the log on a consumer of its own, handed the
    /// events its managers [`route`](ProcessManager::route) to it, in order, with its own
    /// checkpoints (`{manager}#{i}of{n}`; a partition without one starts from the
    /// manager's unsplit checkpoint). With a leadership, each partition is led on its own
    /// lease ([`Leadership::acquire_part`]), so processes sharing the log share the
    /// partitions.
    pub fn with_partitions(mut self, partitions: usize) -> Self {
        self.partitions = partitions.clamp(1, MAX_PARTITIONS);
        self
    }

    /// Runs the managers only while this process leads (several processes on one log).
    /// Losing the lead stops them; they resume from the saved checkpoints once it leads again.
    pub fn with_leadership(mut self, leadership: Arc<dyn Leadership>) -> Self {
        self.leadership = Some(leadership);
        self
    }

    /// Starts following the log: per partition, one tokio task for the managers that
    /// [follow alone](ProcessManager::follows_alone) each, and one for the others together.
    pub fn spawn(self) -> ProcessHandle {
        let skipped = Arc::new(Mutex::new(Vec::new()));
        let mut positions = Vec::new();
        let mut running = Vec::new();
        let (alone, together): (Vec<_>, Vec<_>) = self
            .managers
            .iter()
            .cloned()
            .partition(|m| m.follows_alone());
        let mut groups: Vec<Group> = alone
            .into_iter()
            .map(|m| (Some(m.name()), vec![m]))
            .collect();
        if !together.is_empty() || groups.is_empty() {
            groups.push((None, together));
        }
        for partition in Partition::all(self.partitions) {
            for (alone, managers) in &groups {
                let (position_tx, position) = watch::channel(Position::START);
                let reactions = Reactions::new(
                    partition,
                    Arc::clone(&self.checkpoints),
                    managers.clone(),
                    position_tx,
                    Arc::clone(&skipped),
                );
                let source =
                    Source::new(Arc::clone(&self.store), Interest::everything(), MAX_BATCH)
                        .keeping_records();
                let leadership = self.leadership.as_ref().map(|whole| {
                    let part = match (partition.count(), alone) {
                        (1, None) => return Arc::clone(whole),
                        (1, Some(name)) => (*name).to_owned(),
                        (_, None) => partition.lease(),
                        (_, Some(name)) => format!("{} {name}", partition.lease()),
                    };
                    Arc::new(PartOf {
                        whole: Arc::clone(whole),
                        part,
                    }) as Arc<dyn Leadership>
                });
                positions.push(position);
                running.push(
                    Consumer::new("process managers", source, reactions)
                        .with_leadership(leadership)
                        .spawn(),
                );
            }
        }
        ProcessHandle {
            store: self.store,
            partitions: self.partitions,
            positions,
            running,
            skipped,
        }
    }
}

/// Managers sharing one consumer per partition: the name of the one that follows alone, or
/// `None` for all the others together.
type Group = (Option<&'static str>, Vec<Arc<dyn ProcessManager>>);

/// The leadership of one partition: its own lease of the whole's.
struct PartOf {
    whole: Arc<dyn Leadership>,
    part: String,
}

#[async_trait]
impl Leadership for PartOf {
    async fn acquire(&self) -> Result<Box<dyn Lease>, crate::ViewError> {
        self.whole.acquire_part(&self.part).await
    }
}

impl ProcessHandle {
    /// The position of the last event every manager has handled in every partition.
    pub fn position(&self) -> Position {
        self.positions
            .iter()
            .map(|p| *p.borrow())
            .min()
            .unwrap_or(Position::START)
    }

    /// Where the runner stands: the state of the partition furthest from following
    /// (stopped, then waiting to lead, then paused).
    pub fn state(&self) -> RunState {
        let rank = |state: &RunState| match state {
            RunState::Stopped => 0,
            RunState::WaitingToLead => 1,
            RunState::Paused => 2,
            RunState::Following => 3,
        };
        self.running
            .iter()
            .map(Running::state)
            .min_by_key(rank)
            .unwrap_or(RunState::Stopped)
    }

    /// Into how many partitions the work is split.
    pub fn partitions(&self) -> usize {
        self.partitions
    }

    /// Waits until every manager has handled the log up to `target`, at most `within`.
    pub async fn wait_for(
        &self,
        target: Position,
        within: Duration,
    ) -> Result<(), ProcessWaitError> {
        let reached = tokio::time::timeout(within, async {
            for position in &self.positions {
                let mut position = position.clone();
                position.wait_for(|p| *p >= target).await.map(|_| ())?;
            }
            Ok::<(), watch::error::RecvError>(())
        })
        .await;
        match reached {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(ProcessWaitError::Stopped),
            Err(_) => Err(ProcessWaitError::Timeout {
                reached: self.position(),
            }),
        }
    }

    /// Waits until the managers have handled the whole log, including what their own
    /// reactions appended, at most `within` in all.
    pub async fn settle(&self, within: Duration) -> Result<Position, ProcessWaitError> {
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

    async fn head(&self) -> Result<Position, ProcessWaitError> {
        self.store
            .head()
            .await
            .map_err(|e| ProcessWaitError::Store(e.to_string()))
    }

    /// The reactions given up on so far.
    pub fn skipped(&self) -> Vec<Skipped> {
        match self.skipped.lock() {
            Ok(list) => list.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Stops the runner after the reactions in flight and saves the checkpoints.
    pub async fn stop(self) -> Result<(), StopError> {
        let stopping = self.running.into_iter().map(Running::stop);
        for stopped in futures_util::future::join_all(stopping).await {
            stopped?;
        }
        Ok(())
    }
}
