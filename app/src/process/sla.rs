//! The 2-hour answer's watcher: it follows the *business* clock and records the breach of
//! every lead not answered by its `respond_by`.
//!
//! It looks on a tick ([`SLA_TICK`]) and right after every move of a simulated clock
//! ([`Clock::moves`](crate::Clock::moves)), so in demos and tests moving the clock past a
//! deadline shows the breach at once. Which leads are due
//! comes from the leads view; whether a lead is breached is the aggregate's decision
//! (`RecordBreach` does nothing for a lead answered, closed or breached already), so a
//! breach is recorded exactly once however often, and in however many processes, the
//! watcher looks.

use std::sync::Arc;
use std::time::Duration;

use domain::lead::{Lead, LeadCommand};
use store::Metadata;
use tokio::task::JoinHandle;

use super::ReactionError;
use crate::steps::run;
use crate::{Executor, LeadsView};

const ACTOR: &str = "process:sla";

/// How often the watcher looks when the clock is not advanced.
pub const SLA_TICK: Duration = Duration::from_secs(30);

/// The SLA watcher.
#[derive(Clone)]
pub struct SlaWatcher {
    exec: Executor,
    leads: Arc<dyn LeadsView>,
}

/// The running watcher; dropping it stops it.
pub struct SlaHandle {
    task: JoinHandle<()>,
}

impl Drop for SlaHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SlaWatcher {
    /// The watcher, running its commands with `exec` and finding due leads in `leads`.
    pub fn new(exec: Executor, leads: Arc<dyn LeadsView>) -> Self {
        SlaWatcher { exec, leads }
    }

    /// Records the breach of every lead due at the business clock's now, as the leads view
    /// knows them once it has seen the whole log; returns how many were recorded.
    pub async fn sweep(&self) -> Result<usize, ReactionError> {
        let at = self
            .exec
            .store()
            .head()
            .await
            .map_err(|e| ReactionError::Command(e.into()))?;
        let now = self.exec.clock().now();
        let metadata = Metadata {
            causation_id: None,
            correlation_id: Some(uuid::Uuid::now_v7()),
            actor: Some(ACTOR.into()),
            occurred_at: None,
        };
        let mut breached = 0;
        for lead in self.leads.leads_to_breach(at, now).await? {
            let done =
                run::<Lead>(&self.exec, &lead, &metadata, |_| LeadCommand::RecordBreach).await?;
            breached += done.events.len();
        }
        Ok(breached)
    }

    /// Starts watching on a tokio task: a sweep every `tick` and after every move of the
    /// simulated clock.
    pub fn spawn(self, tick: Duration) -> SlaHandle {
        let task = tokio::spawn(async move {
            let mut moves = self.exec.clock().moves();
            let mut ticks = tokio::time::interval(tick);
            loop {
                match moves.as_mut() {
                    Some(moved) => {
                        tokio::select! {
                            _ = ticks.tick() => {}
                            changed = moved.changed() => {
                                if changed.is_err() {
                                    moves = None;
                                }
                            }
                        }
                    }
                    None => {
                        ticks.tick().await;
                    }
                }
                if let Err(e) = self.sweep().await {
                    tracing::warn!(error = %e, "the SLA watcher's sweep failed; it looks again");
                }
            }
        });
        SlaHandle { task }
    }
}
