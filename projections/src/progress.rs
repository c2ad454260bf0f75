//! How far the read models have come, published by the runner after every commit, and
//! waiting for a position (read-your-writes) without polling.

use std::time::Duration;

use store::Position;
use tokio::sync::watch;

use crate::engine::ProjectionStatus;
use crate::error::WaitError;

/// A picture of the runner after a commit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressSnapshot {
    /// Every projection's committed checkpoint and failure.
    pub projections: Vec<ProjectionStatus>,
    /// Whether the runner is running.
    pub running: bool,
    /// The last infrastructure failure (database or event store), retried after a pause;
    /// cleared by the next successful commit.
    pub last_error: Option<String>,
}

impl ProgressSnapshot {
    /// The position every projection has committed (the lowest checkpoint; the start of the
    /// log when there is no projection).
    pub fn reached(&self) -> Position {
        self.projections
            .iter()
            .map(|p| p.checkpoint)
            .min()
            .unwrap_or(Position::START)
    }

    /// A projection that stopped below `position`, so that waiting for it is pointless.
    pub fn failed_below(&self, position: Position) -> Option<&ProjectionStatus> {
        self.projections
            .iter()
            .find(|p| p.failure.is_some() && p.checkpoint < position)
    }

    /// The checkpoint of the projection `name`.
    pub fn checkpoint(&self, name: &str) -> Option<Position> {
        self.projections
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.checkpoint)
    }

    fn settles(&self, position: Position) -> bool {
        self.reached() >= position || self.failed_below(position).is_some() || !self.running
    }

    fn outcome(&self, position: Position) -> Result<(), WaitError> {
        if self.reached() >= position {
            return Ok(());
        }
        if let Some(failed) = self.failed_below(position) {
            return Err(WaitError::Failed {
                projection: failed.name.to_owned(),
                error: failed
                    .failure
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            });
        }
        Err(WaitError::Stopped)
    }
}

/// Follows the runner's progress: cheap to clone, shared by every view.
#[derive(Debug, Clone)]
pub struct Progress {
    receiver: watch::Receiver<ProgressSnapshot>,
}

impl Progress {
    pub(crate) fn new(receiver: watch::Receiver<ProgressSnapshot>) -> Self {
        Progress { receiver }
    }

    /// A progress that never moves (no runner): every wait ends with [`WaitError::Stopped`].
    /// For views over read models that another process keeps up to date.
    pub fn detached() -> Self {
        let (_, receiver) = watch::channel(ProgressSnapshot::default());
        Progress { receiver }
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> ProgressSnapshot {
        self.receiver.borrow().clone()
    }

    /// Waits until every projection has committed `position` (read-your-writes), for at most
    /// `timeout`.
    ///
    /// Errors: [`WaitError::Timeout`]; [`WaitError::Failed`] at once when a projection has
    /// stopped below `position`; [`WaitError::Stopped`] when no runner is running.
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> Result<(), WaitError> {
        match tokio::time::timeout(timeout, self.wait_until(position)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(WaitError::Timeout {
                wanted: position,
                reached: self.receiver.borrow().reached(),
            }),
        }
    }

    /// Waits, without a time limit, until every projection has committed `position`.
    pub async fn wait_until(&self, position: Position) -> Result<(), WaitError> {
        let mut receiver = self.receiver.clone();
        let snapshot = receiver
            .wait_for(|s| s.settles(position))
            .await
            .map_err(|_| WaitError::Stopped)?;
        snapshot.outcome(position)
    }

    /// Waits for the next snapshot the runner publishes.
    pub async fn changed(&mut self) -> Result<ProgressSnapshot, WaitError> {
        self.receiver
            .changed()
            .await
            .map_err(|_| WaitError::Stopped)?;
        Ok(self.receiver.borrow_and_update().clone())
    }
}
