//! Pausing between retries: one [`Backoff`] for every retry of a log consumer (reading the
//! log, loading checkpoints, taking the lead, a reaction failing for a while).

use std::time::Duration;

use super::Shutdown;

/// Pauses that double from `start` up to `max` (equal for a fixed pause), reset after a
/// success.
#[derive(Debug, Clone)]
pub struct Backoff {
    start: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Pauses of `start`, doubling up to `max`.
    pub fn exponential(start: Duration, max: Duration) -> Self {
        Backoff {
            start,
            max: max.max(start),
            next: start,
        }
    }

    /// Pauses of `pause`, always.
    pub fn fixed(pause: Duration) -> Self {
        Backoff::exponential(pause, pause)
    }

    /// The pause to take now (doubling the next one).
    pub fn next_pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(self.max);
        pause
    }

    /// Starts again from the first pause: the thing retried succeeded.
    pub fn reset(&mut self) {
        self.next = self.start;
    }

    /// Waits the next pause; `false` when stopping is asked first (or already was).
    pub async fn pause(&mut self, shutdown: &mut Shutdown) -> bool {
        if shutdown.is_shutdown() {
            return false;
        }
        let pause = self.next_pause();
        tokio::select! {
            () = tokio::time::sleep(pause) => true,
            () = shutdown.recv() => false,
        }
    }
}
