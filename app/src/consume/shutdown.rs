//! Asking a log consumer to stop, mini-redis style: the task holds a [`Shutdown`] (cloned into
//! whatever needs to notice) and awaits it; the owner holds the [`Stopper`].

use tokio::sync::watch;

/// The stopping side: [`stop`](Self::stop) asks, and so does dropping it (a handle dropped
/// without a word must not leave a task following the log forever).
#[derive(Debug)]
pub struct Stopper {
    sender: watch::Sender<bool>,
}

/// The listening side, cloned into the task: [`recv`](Self::recv) resolves once stopping was
/// asked, and stays resolved.
#[derive(Debug, Clone)]
pub struct Shutdown {
    receiver: watch::Receiver<bool>,
}

impl Stopper {
    /// A stopper and the shutdown it signals.
    pub fn new() -> (Stopper, Shutdown) {
        let (sender, receiver) = watch::channel(false);
        (Stopper { sender }, Shutdown { receiver })
    }

    /// Asks every [`Shutdown`] of this stopper to stop.
    pub fn stop(&self) {
        self.sender.send_replace(true);
    }
}

impl Shutdown {
    /// Whether stopping was asked (or the stopper dropped).
    pub fn is_shutdown(&self) -> bool {
        *self.receiver.borrow() || self.receiver.has_changed().is_err()
    }

    /// Resolves once stopping was asked or the [`Stopper`] was dropped. Cancel-safe.
    pub async fn recv(&mut self) {
        // An error means the stopper is gone: that is a request to stop too.
        let _ = self.receiver.wait_for(|stop| *stop).await;
    }
}
