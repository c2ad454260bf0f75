//! Per-subject rate limiting and request timeouts.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::problem::ApiError;
use crate::AppState;

/// How long a request may take from its first byte to its response.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A token bucket per subject (the token's role and subject, or the peer
/// address for anonymous callers).
#[derive(Clone)]
pub struct Limiter {
    buckets: Option<Arc<DefaultKeyedRateLimiter<String>>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.buckets.is_some() {
            "Limiter(on)"
        } else {
            "Limiter(off)"
        })
    }
}

impl Limiter {
    /// `per_second` requests per subject with bursts of twice that; `0`
    /// switches limiting off.
    pub fn per_second(per_second: u32) -> Limiter {
        let Some(rate) = NonZeroU32::new(per_second) else {
            return Limiter { buckets: None };
        };
        let burst = rate.saturating_mul(NonZeroU32::MIN.saturating_add(1));
        Limiter {
            buckets: Some(Arc::new(RateLimiter::keyed(
                Quota::per_second(rate).allow_burst(burst),
            ))),
        }
    }

    /// `Err(seconds to wait)` when the subject is over its rate.
    pub fn check(&self, subject: &str) -> Result<(), u64> {
        let Some(buckets) = &self.buckets else {
            return Ok(());
        };
        match buckets.check_key(&subject.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(wait.as_secs().max(1))
            }
        }
    }

    /// Forgets idle subjects (call now and then).
    pub fn shrink(&self) {
        if let Some(b) = &self.buckets {
            b.retain_recent();
        }
    }
}

/// The subject a request is counted against.
fn subject(req: &Request, state: &AppState) -> String {
    let verified = crate::auth::authenticate(state, req.method(), req.headers());
    if let Ok(Some(verified)) = verified {
        let caller = verified.caller;
        return format!("{}:{}", caller.role, caller.sub);
    }
    match peer(req) {
        Some(peer) => format!("ip:{}", peer.ip()),
        None => "anonymous".into(),
    }
}

/// The peer's address: from the server's connection info, or the mock a
/// test installs.
pub fn peer(req: &Request) -> Option<SocketAddr> {
    let ext = req.extensions();
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| *a)
        .or_else(|| {
            ext.get::<axum::extract::connect_info::MockConnectInfo<SocketAddr>>()
                .map(|m| m.0)
        })
}

/// 429 with `Retry-After` once a subject is over its rate.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Err(retry_after_secs) = state.limiter.check(&subject(&req, &state)) {
        return ApiError::TooManyRequests { retry_after_secs }.into_response();
    }
    next.run(req).await
}

/// 408 when a request (a slow client's body included) takes too long.
pub async fn timeout(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_over_its_burst_waits_and_others_do_not() {
        let limiter = Limiter::per_second(1);
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok(), "burst of two");
        assert_eq!(limiter.check("a"), Err(1));
        assert!(limiter.check("b").is_ok());
        let off = Limiter::per_second(0);
        for _ in 0..1000 {
            assert!(off.check("a").is_ok());
        }
    }
}
