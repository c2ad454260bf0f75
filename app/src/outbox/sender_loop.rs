//! The sender's task: sweeping on every tick, queued message and clock move, under the
//! database's lease when several processes share it.

use std::sync::Arc;

use domain::message::Message;
use domain::streams::Aggregate;
use futures_util::FutureExt;
use store::RecordedEvent;

use super::{Sender, SenderHandle};
use crate::Leadership;

impl Sender {
    /// The sender, sending only while it holds `leadership`'s lease (several processes on
    /// one database: exactly one sends, and another takes over when it dies).
    pub fn with_leadership(mut self, leadership: Option<Arc<dyn Leadership>>) -> Sender {
        self.leadership = leadership;
        self
    }

    /// Starts sending on a tokio task (under the lease, if it has a leadership): a sweep
    /// (and the clock-driven reminders of `reminders`) every tick, after every message
    /// queued or replayed, and on every move of a simulated clock.
    pub fn spawn(self, reminders: Option<crate::outbox::MessagesManager>) -> SenderHandle {
        let task = tokio::spawn(async move {
            loop {
                let mut lease = match &self.leadership {
                    None => None,
                    Some(leadership) => match leadership.acquire().await {
                        Ok(lease) => Some(lease),
                        Err(e) => {
                            tracing::warn!(error = %e, "the outbox sender cannot take the lead; again later");
                            tokio::time::sleep(self.options.tick).await;
                            continue;
                        }
                    },
                };
                let lost = async {
                    match lease.as_mut() {
                        Some(lease) => lease.lost().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = lost => tracing::warn!("the outbox sender lost its lead; it waits to lead again"),
                    () = self.work(reminders.as_ref()) => {}
                }
            }
        });
        SenderHandle { task }
    }

    /// Sends for as long as it is let (never returns).
    async fn work(&self, reminders: Option<&crate::outbox::MessagesManager>) {
        let store = self.people.exec.store().clone();
        let mut log = match store.head().await {
            Ok(head) => store.subscribe_all(head),
            Err(_) => store.subscribe_all(store::Position::START),
        };
        let mut moves = self.people.exec.clock().moves();
        let mut ticks = tokio::time::interval(self.options.tick);
        loop {
            let moved = async {
                match moves.as_mut() {
                    Some(moved) => moved.changed().await.is_ok(),
                    None => std::future::pending().await,
                }
            };
            let look = tokio::select! {
                _ = ticks.tick() => true,
                still = moved => {
                    if !still {
                        moves = None;
                    }
                    true
                }
                next = log.next() => match next {
                    Ok(event) => {
                        // One sweep for every event already committed: at a launch's rate a
                        // sweep per queued message would be thousands a second.
                        let mut wanted = queues_a_message(&event);
                        while let Some(Ok(event)) = log.next().now_or_never() {
                            wanted |= queues_a_message(&event);
                        }
                        wanted
                    }
                    Err(_) => {
                        ticks.tick().await;
                        false
                    }
                },
            };
            if !look {
                continue;
            }
            if let Some(manager) = reminders {
                if let Err(e) = manager.remind().await {
                    tracing::warn!(error = %e, "the reminders could not be queued; again later");
                }
            }
            if let Err(e) = self.sweep().await {
                tracing::warn!(error = %e, "the outbox sweep failed; it looks again");
            }
        }
    }
}

/// Whether `event` queues a message (or queues one again).
fn queues_a_message(event: &RecordedEvent) -> bool {
    domain::streams::category_of(event.stream_id.as_str()) == <Message as Aggregate>::CATEGORY
        && matches!(
            event.event_type.as_str(),
            "MessageQueued" | "MessageReplayed"
        )
}
