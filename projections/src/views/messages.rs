//! The outbox as its readers see it: the messages due now (the sender), a customer's
//! messages (the 360), an endpoint's deliveries, the webhook endpoints and a dealer's staff
//! (the messages manager), the reminders the business clock made due, and the backlog.

use chrono::{DateTime, Utc};
use domain::message::{Channel, MessageKind, MessageStatus};
use domain::values::{CustomerId, DealerId, MessageId, UserId, WebhookId};

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::messages::{DealerStaffDoc, DueMessageDoc, MessageDoc, ReminderDoc, WebhookDoc};

/// The outbox's backlog: how many messages wait and since when the oldest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backlog {
    pub queued: usize,
    pub oldest_queued_at: Option<DateTime<Utc>>,
}

/// How many messages of one kind on one channel stand where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageCount {
    pub kind: MessageKind,
    pub channel: Channel,
    /// Decided: every message queued, whatever became of it.
    pub decided: u64,
    /// Waiting for their next attempt.
    pub queued: u64,
    pub sent: u64,
    pub dead_lettered: u64,
}

impl ReadModels {
    /// The messages counted per kind and channel, in the order of [`MessageKind::ALL`]
    /// (e-mail before webhook); only the pairs with a message.
    pub async fn message_counts(&self) -> Result<Vec<MessageCount>, ReadModelError> {
        let mut counts: Vec<MessageCount> = Vec::new();
        for doc in self.find::<MessageDoc>(DocQuery::all()).await? {
            let at = match counts
                .iter()
                .position(|c| c.kind == doc.kind && c.channel == doc.channel)
            {
                Some(at) => at,
                None => {
                    counts.push(MessageCount {
                        kind: doc.kind,
                        channel: doc.channel,
                        decided: 0,
                        queued: 0,
                        sent: 0,
                        dead_lettered: 0,
                    });
                    counts.len() - 1
                }
            };
            let count = &mut counts[at];
            count.decided += 1;
            match doc.status {
                MessageStatus::Queued => count.queued += 1,
                MessageStatus::Sent => count.sent += 1,
                MessageStatus::DeadLettered => count.dead_lettered += 1,
            }
        }
        let rank = |kind: MessageKind| MessageKind::ALL.iter().position(|k| *k == kind);
        counts.sort_by_key(|c| (rank(c.kind), c.channel == Channel::Webhook));
        Ok(counts)
    }

    /// One message.
    pub async fn message(&self, id: &MessageId) -> Result<Option<MessageDoc>, ReadModelError> {
        self.get::<MessageDoc>(id.to_string()).await
    }

    /// The queued messages whose next attempt is at or before `now`, the longest waiting
    /// first, at most `limit`: the first keys of the due index, however long the queue.
    pub async fn messages_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<MessageId>, ReadModelError> {
        let query = DocQuery::all()
            .keys("", DueMessageDoc::last_key_due(now))
            .limit(limit);
        Ok(self
            .find::<DueMessageDoc>(query)
            .await?
            .into_iter()
            .map(|due| due.message_id)
            .collect())
    }

    async fn queued_messages(&self) -> Result<Vec<MessageDoc>, ReadModelError> {
        self.find::<MessageDoc>(
            DocQuery::all().tag(2, MessageDoc::status_tag(MessageStatus::Queued)),
        )
        .await
    }

    /// The queued messages and the oldest of them (metrics).
    pub async fn outbox_backlog(&self) -> Result<Backlog, ReadModelError> {
        let queued = self.queued_messages().await?;
        Ok(Backlog {
            queued: queued.len(),
            oldest_queued_at: queued.iter().map(|m| m.queued_at).min(),
        })
    }

    /// The messages to the id `customer`, latest first.
    pub async fn messages_of_customer(
        &self,
        customer: &CustomerId,
    ) -> Result<Vec<MessageDoc>, ReadModelError> {
        let mut messages = self
            .find::<MessageDoc>(DocQuery::all().tag(0, customer.as_str()))
            .await?;
        messages.sort_by_key(|m| std::cmp::Reverse((m.queued_at, m.message_id)));
        Ok(messages)
    }

    /// The messages to the endpoint `webhook`, latest first.
    pub async fn deliveries_of(
        &self,
        webhook: &WebhookId,
    ) -> Result<Vec<MessageDoc>, ReadModelError> {
        let mut messages = self
            .find::<MessageDoc>(DocQuery::all().tag(1, webhook.to_string()))
            .await?;
        messages.sort_by_key(|m| std::cmp::Reverse((m.queued_at, m.message_id)));
        Ok(messages)
    }

    /// One webhook endpoint.
    pub async fn webhook(&self, id: &WebhookId) -> Result<Option<WebhookDoc>, ReadModelError> {
        self.get::<WebhookDoc>(id.to_string()).await
    }

    /// The active endpoints that want messages of `kind`.
    pub async fn webhooks_for(&self, kind: MessageKind) -> Result<Vec<WebhookId>, ReadModelError> {
        Ok(self
            .find::<WebhookDoc>(DocQuery::all().tag(0, "active"))
            .await?
            .into_iter()
            .filter(|w| w.wants(kind))
            .map(|w| w.webhook_id)
            .collect())
    }

    /// The active staff of `dealer` (only its managers when `managers`), by id.
    pub async fn dealer_staff(
        &self,
        dealer: &DealerId,
        managers: bool,
    ) -> Result<Vec<UserId>, ReadModelError> {
        let mut query = DocQuery::all().tag(0, dealer.as_str());
        if managers {
            query = query.tag(1, "manager");
        }
        Ok(self
            .find::<DealerStaffDoc>(query)
            .await?
            .into_iter()
            .filter(|s| s.active)
            .map(|s| s.user_id)
            .collect())
    }

    /// The clock-driven messages due at `now` and not queued yet.
    pub async fn reminders_due(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<ReminderDoc>, ReadModelError> {
        Ok(self
            .find::<ReminderDoc>(DocQuery::all().tag(0, "pending"))
            .await?
            .into_iter()
            .filter(|r| r.due_at <= now)
            .collect())
    }
}
