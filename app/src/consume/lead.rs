//! Leading: a consumer given a [`Leadership`] follows the log only while it holds the lease.

use std::sync::Arc;

use super::{Backoff, Shutdown};
use crate::{Leadership, Lease};

/// The lease a consumer follows under, if it needs one.
pub(crate) enum Held {
    /// No leadership to take: one process per log.
    Alone,
    /// Leading until the lease is lost.
    Leading(Box<dyn Lease>),
}

impl Held {
    /// Resolves when the lead is lost; never without one. Cancel-safe.
    pub(crate) async fn lost(&mut self) {
        match self {
            Held::Leading(lease) => lease.lost().await,
            Held::Alone => std::future::pending().await,
        }
    }
}

/// Waits to lead (retrying a failing `acquire` with `backoff`); `None` when stopping is asked
/// first.
pub(crate) async fn lead(
    leadership: Option<&Arc<dyn Leadership>>,
    name: &str,
    shutdown: &mut Shutdown,
    mut backoff: Backoff,
) -> Option<Held> {
    let Some(leadership) = leadership else {
        return Some(Held::Alone);
    };
    loop {
        let acquired = tokio::select! {
            biased;
            () = shutdown.recv() => return None,
            acquired = leadership.acquire() => acquired,
        };
        match acquired {
            Ok(lease) => return Some(Held::Leading(lease)),
            Err(e) => {
                tracing::warn!("{name} cannot take the lead: {e}");
                if !backoff.pause(shutdown).await {
                    return None;
                }
            }
        }
    }
}
