//! When each order's tracker shows its vehicle or week and its ETA, measured without becoming
//! the bottleneck: instead of one `GET /api/v1/orders/{id}` per order per poll, the tracker
//! asks for the orders still `placed` as of the highest position acknowledged so far
//! (`GET /api/v1/orders?status=placed&min_position=P`, one request per poll, as large as the
//! backlog). An acknowledged order at or below `P` that the answer no longer lists has left
//! `placed`: the orders view (the tracker's) shows its fulfilment and ETA. Its time to ETA runs
//! from its request's scheduled start to that answer, so it is late by at most one poll period
//! (its mean is reported as the resolution; polls space out while the backlog is large).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::{Method, StatusCode};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};

use super::open_loop::{Call, Http};

/// The shortest time between the starts of two polls (longer while the backlog is large).
const POLL_EVERY: Duration = Duration::from_millis(25);

/// An order the server acknowledged.
pub struct Acked {
    pub order_id: String,
    /// The log position its placement reached.
    pub position: u64,
    /// When its request was scheduled to start.
    pub scheduled: Instant,
}

/// What the tracker saw.
#[derive(Default)]
pub struct Tracking {
    /// Per fulfilled order: from its scheduled start until a poll saw it fulfilled.
    pub to_eta: Vec<Duration>,
    /// Every acknowledged order, in the order the acknowledgements arrived.
    pub acked: Vec<String>,
    /// The highest position an acknowledgement reached.
    pub last_position: u64,
    /// The most orders acknowledged but not yet seen fulfilled at once.
    pub max_backlog: u64,
    /// Orders still not fulfilled when the tracker gave up waiting.
    pub unfulfilled: u64,
    /// When the last order was seen fulfilled.
    pub last_fulfilled: Option<Instant>,
    /// Polls made and the time they spanned (the resolution is their mean period).
    pub polls: u64,
    pub polling: Duration,
}

impl Tracking {
    /// The mean time between two polls: how late an order may be seen fulfilled.
    pub fn resolution(&self) -> Duration {
        self.polling / (self.polls.max(1) as u32)
    }
}

#[derive(Deserialize)]
struct Row {
    order_id: String,
}

/// Follows the acknowledgements arriving on `acks` until the offering is over (`offered`
/// turns true and `acks` is closed) and every acknowledged order is seen fulfilled, or until
/// `drain` has passed since the offering ended.
pub async fn follow(
    http: Http,
    planner: Arc<str>,
    mut acks: mpsc::UnboundedReceiver<Acked>,
    mut offered: watch::Receiver<bool>,
    drain: Duration,
) -> Tracking {
    let mut tracking = Tracking::default();
    let mut pending: HashMap<String, (u64, Instant)> = HashMap::new();
    let mut closed = false;
    let mut offered_at: Option<Instant> = None;
    let first_poll = Instant::now();
    loop {
        while let Ok(ack) = acks.try_recv() {
            tracking.last_position = tracking.last_position.max(ack.position);
            tracking.acked.push(ack.order_id.clone());
            pending.insert(ack.order_id, (ack.position, ack.scheduled));
        }
        if !closed && *offered.borrow_and_update() && acks.is_closed() && acks.is_empty() {
            closed = true;
            offered_at = Some(Instant::now());
        }
        if closed && pending.is_empty() {
            break;
        }
        if offered_at.is_some_and(|at| at.elapsed() > drain) {
            tracking.unfulfilled = pending.len() as u64;
            break;
        }
        let started = Instant::now();
        if !pending.is_empty() {
            let position = tracking.last_position;
            if let Some(placed) = still_placed(&http, &planner, position).await {
                let seen = Instant::now();
                tracking.polls += 1;
                tracking.polling = seen - first_poll;
                pending.retain(|id, (at, scheduled)| {
                    let fulfilled = *at <= position && !placed.contains(id.as_str());
                    if fulfilled {
                        tracking.to_eta.push(seen - *scheduled);
                        tracking.last_fulfilled = Some(seen);
                    }
                    !fulfilled
                });
            }
        }
        tracking.max_backlog = tracking.max_backlog.max(pending.len() as u64);
        // A large backlog makes a large answer: polling then pauses for three times as long
        // as the poll took, so the measuring takes at most a quarter of the server's time.
        let pause = POLL_EVERY.max(started.elapsed() * 3);
        tokio::time::sleep_until((started + pause).into()).await;
    }
    tracking
}

/// The orders still `placed` once the read models reached `position`; `None` when the
/// answer did not come (the read models were behind: the next poll asks again).
async fn still_placed(http: &Http, planner: &Arc<str>, position: u64) -> Option<HashSet<String>> {
    let reply = http
        .send(Call {
            method: Method::GET,
            path: format!("/api/v1/orders?status=placed&min_position={position}"),
            token: Arc::clone(planner),
            body: None,
        })
        .await
        .ok()?;
    if reply.status != StatusCode::OK {
        return None;
    }
    let rows: Vec<Row> = serde_json::from_slice(&reply.body).ok()?;
    Some(rows.into_iter().map(|r| r.order_id).collect())
}
