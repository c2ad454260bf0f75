//! Following the whole log: catch up from a position, then receive new events as they commit.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::watch;

use crate::error::StoreError;
use crate::event::{Position, RecordedEvent};
use crate::EventStore;

/// Publishes `position` as the log's head when it is past the head published. A head only
/// moves forward: a late report of an earlier commit changes nothing (and wakes no one).
pub(crate) fn advance_head(head: &watch::Sender<Position>, position: Position) {
    head.send_if_modified(|published| {
        let moved = position > *published;
        if moved {
            *published = position;
        }
        moved
    });
}

/// How many events a subscription reads from the store at a time; the most it buffers.
const PAGE: usize = 512;

/// A reader that follows the global log from a position: it first catches up on the stored
/// events, then waits for new ones without polling.
///
/// Every backend publishes its head position (the position of the last committed event) on a
/// `watch` channel after each commit; the subscription sleeps on that channel and, when the
/// head moves past what it delivered, reads the next page from the store. It therefore never
/// loses an event when its consumer is slow (it re-reads from the store, holding at most one
/// page in memory), and never delivers one twice or out of order.
pub struct Subscription {
    store: Arc<dyn EventStore>,
    head: watch::Receiver<Position>,
    after: Position,
    buffer: VecDeque<RecordedEvent>,
    has_read: bool,
}

impl Subscription {
    /// A subscription that delivers the events after `after` from `store`, woken by `head`.
    pub fn new(
        store: Arc<dyn EventStore>,
        head: watch::Receiver<Position>,
        after: Position,
    ) -> Self {
        Self {
            store,
            head,
            after,
            buffer: VecDeque::new(),
            has_read: false,
        }
    }

    /// Waits for the next event in global order.
    ///
    /// Cancel-safe: dropping the future (e.g. in a `tokio::time::timeout`) loses nothing; the
    /// next call picks up where the last delivered event left off.
    pub async fn next(&mut self) -> Result<RecordedEvent, StoreError> {
        loop {
            if let Some(event) = self.buffer.pop_front() {
                self.after = event.position;
                return Ok(event);
            }
            let known_head = *self.head.borrow_and_update();
            if known_head > self.after || !self.has_read {
                let page = self.store.read_all(self.after, PAGE).await?;
                self.has_read = true;
                if !page.is_empty() {
                    self.buffer.extend(page);
                    continue;
                }
            }
            self.head
                .changed()
                .await
                .map_err(|_| StoreError::Unavailable("the event store was shut down".into()))?;
        }
    }

    /// The position of the last event delivered (or the starting position).
    pub fn position(&self) -> Position {
        self.after
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("after", &self.after)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}
