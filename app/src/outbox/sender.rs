//! The sender: takes the messages due from the outbox view, sends each through its channel,
//! and records every attempt on the message's stream, with the next try as the retry policy
//! says (exponential back-off, full jitter) or a dead letter after the last.
//!
//! The stream, not the view, decides: a message is sent only if its stream says it is
//! queued and due, and an attempt is recorded with its number, so two senders racing on one
//! message record one attempt (the other is refused as out of order). Several processes on
//! one database run their senders under a lease ([`Sender::with_leadership`]): exactly one
//! sends, and when it dies its lease ends and another takes over. A crash between
//! sending and recording sends the message again on the next sweep, with the same id
//! (`Message-ID`, `webhook-id`): the receiver sees one message twice, never two messages.
//!
//! Without an SMTP server (`OTD_SMTP_URL` unset) e-mails are not tried: they stay queued
//! (the customer 360 shows them). Sending runs on its own task with at most
//! [`SenderOptions::concurrency`] deliveries at once, so placing and fulfilling orders never
//! wait for a channel.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use channels::email::{Email, EmailChannel};
use channels::outcome::{Delivered, Failure, SendError};
use channels::render::Templates;
use channels::retry::{Attempt, AttemptOutcome as ChannelOutcome, RetryPolicy};
use channels::webhook::{Webhook, WebhookChannel, WebhookEndpoint as Endpoint, WebhookSecret};
use domain::message::{
    AttemptOutcome, AttemptRecord, Message, MessageCommand, MessageStatus, Queued, Recipient,
};
use domain::values::MessageId;
use domain::webhook::{WebhookCommand, WebhookEndpoint};
use rand::rngs::StdRng;
use rand::SeedableRng;
use store::Metadata;
use tokio::task::JoinHandle;

#[path = "sender_loop.rs"]
mod sender_loop;

use super::links::{link_for, LinkSigner};
use super::webhooks::{secret_subject, SECRET_FIELD};
use crate::people::People;
use crate::steps::{load, run};
use crate::vault::Opened;
use crate::{Leadership, OutboxView, ServiceError};

const ACTOR: &str = "outbox:sender";

/// How the sender works.
#[derive(Debug, Clone, Copy)]
pub struct SenderOptions {
    /// When to try again.
    pub policy: RetryPolicy,
    /// The most deliveries under way at once.
    pub concurrency: usize,
    /// The most messages taken per sweep.
    pub batch: usize,
    /// How often it looks when nothing wakes it.
    pub tick: Duration,
}

impl Default for SenderOptions {
    fn default() -> Self {
        SenderOptions {
            policy: RetryPolicy::default(),
            concurrency: 16,
            batch: 256,
            tick: Duration::from_secs(1),
        }
    }
}

/// What one delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Not sent now: not queued, not due yet, or its channel is not configured.
    NotNow,
    /// Tried: the attempt as recorded.
    Tried(AttemptRecord),
}

/// The channels the sender has (either may be missing).
#[derive(Clone, Default)]
pub struct Channels {
    pub email: Option<EmailChannel>,
    pub webhooks: Option<WebhookChannel>,
}

/// The sender.
#[derive(Clone)]
pub struct Sender {
    people: People,
    outbox: Arc<dyn OutboxView>,
    channels: Channels,
    templates: Arc<Templates>,
    options: SenderOptions,
    rng: Arc<Mutex<StdRng>>,
    /// Makes the links of account messages (none: they stay queued).
    links: Option<Arc<dyn LinkSigner>>,
    /// Sends only while leading, when several processes share the database.
    leadership: Option<Arc<dyn Leadership>>,
}

/// The running sender; dropping it stops it.
pub struct SenderHandle {
    task: JoinHandle<()>,
}

impl Drop for SenderHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An attempt that could not even be made for a reason no retry changes.
fn hopeless(detail: impl Into<String>) -> SendError {
    SendError::new(Failure::Permanent, detail)
}

impl Sender {
    /// A sender queueing attempts with `people`'s executor (whose vault opens addresses and
    /// secrets), reading the due messages from `outbox`.
    pub fn new(
        people: People,
        outbox: Arc<dyn OutboxView>,
        channels: Channels,
        templates: Arc<Templates>,
        options: SenderOptions,
    ) -> Sender {
        Sender {
            people,
            outbox,
            channels,
            templates,
            options,
            rng: Arc::new(Mutex::new(StdRng::from_os_rng())),
            links: None,
            leadership: None,
        }
    }

    /// The sender, making account messages' links with `links` when it sends them.
    pub fn with_links(mut self, links: Arc<dyn LinkSigner>) -> Sender {
        self.links = Some(links);
        self
    }

    fn metadata() -> Metadata {
        Metadata {
            causation_id: None,
            correlation_id: Some(uuid::Uuid::now_v7()),
            actor: Some(ACTOR.into()),
            occurred_at: None,
        }
    }

    /// Sends every message due at the business clock's now (at most a batch, at most
    /// `concurrency` at once); returns the deliveries tried.
    pub async fn sweep(&self) -> Result<usize, ServiceError> {
        let now = self.people.exec.clock().now();
        let due = self
            .outbox
            .due(now, self.options.batch)
            .await
            .map_err(|e| crate::CommandError::Store(store::StoreError::Unavailable(e.0)))?;
        let permits = Arc::new(tokio::sync::Semaphore::new(self.options.concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for id in due {
            let sender = self.clone();
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                sender.deliver(&id).await
            });
        }
        let mut tried = 0;
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok(Delivery::Tried(_))) => tried += 1,
                Ok(Ok(Delivery::NotNow)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "a message could not be delivered"),
                Err(e) => tracing::warn!(error = %e, "a delivery task failed"),
            }
        }
        Ok(tried)
    }

    /// Sends message `id` once if its stream says it is queued and due, and records the
    /// attempt.
    pub async fn deliver(&self, id: &MessageId) -> Result<Delivery, ServiceError> {
        let Some((state, result)) = self.send(id).await? else {
            return Ok(Delivery::NotNow);
        };
        self.record(id, &state, &result).await
    }

    /// Sends message `id` once, without recording anything (`None`: not due, or no
    /// channel). [`Sender::deliver`] is this and [`Sender::record`]; a crash between the
    /// two is what the sender must survive, and tests make it happen with this.
    pub async fn send(
        &self,
        id: &MessageId,
    ) -> Result<Option<(Message, Result<Delivered, SendError>)>, ServiceError> {
        let exec = &self.people.exec;
        let state = load::<Message>(exec, id).await?;
        let now = exec.clock().now();
        let (Some(MessageStatus::Queued), Some(queued)) = (state.status(), state.queued()) else {
            return Ok(None);
        };
        if state.next_attempt_at().is_some_and(|at| at > now) {
            return Ok(None);
        }
        let result = match &queued.recipient {
            Recipient::Customer { .. } | Recipient::Staff { .. } | Recipient::User { .. } => {
                let Some(channel) = &self.channels.email else {
                    return Ok(None);
                };
                let mut data = queued.data.clone();
                if queued.kind.carries_link() {
                    let Some(links) = &self.links else {
                        return Ok(None);
                    };
                    match link_for(&self.people, links.as_ref(), queued).await? {
                        Ok(link) => {
                            data.insert("link".into(), link.into());
                        }
                        Err(e) => return Ok(Some((state, Err(e)))),
                    }
                }
                match self.email(id, queued, &data).await? {
                    Ok(email) => channel.send(&email).await,
                    Err(e) => Err(e),
                }
            }
            Recipient::Webhook { webhook } => {
                let Some(channel) = &self.channels.webhooks else {
                    return Ok(None);
                };
                match self.endpoint(webhook).await? {
                    Ok(endpoint) => {
                        let hook = Webhook {
                            id: id.to_string(),
                            kind: queued.kind,
                            timestamp: queued.occurred_at,
                            data: queued.data.clone(),
                        };
                        channel.send(&endpoint, &hook).await
                    }
                    Err(e) => Err(e),
                }
            }
        };
        Ok(Some((state, result)))
    }

    /// Records the attempt `result` made on message `id` (whose state before it was `state`),
    /// and disables a webhook endpoint that answered 410.
    pub async fn record(
        &self,
        id: &MessageId,
        state: &Message,
        result: &Result<Delivered, SendError>,
    ) -> Result<Delivery, ServiceError> {
        let exec = &self.people.exec;
        let now = exec.clock().now();
        let attempt = {
            let mut rng = match self.rng.lock() {
                Ok(rng) => rng,
                Err(poisoned) => poisoned.into_inner(),
            };
            Attempt::record(
                state.attempts() + 1,
                now,
                result,
                &self.options.policy,
                &mut *rng,
            )
        };
        let record = AttemptRecord {
            number: attempt.number,
            at: attempt.at,
            outcome: match attempt.outcome {
                ChannelOutcome::Delivered => AttemptOutcome::Delivered,
                ChannelOutcome::Failed => AttemptOutcome::Failed,
                ChannelOutcome::DeadLettered => AttemptOutcome::DeadLettered,
                ChannelOutcome::EndpointDisabled => AttemptOutcome::EndpointDisabled,
            },
            status: attempt.status,
            error: attempt.error,
            next_retry: attempt.next_retry,
        };
        let metadata = Self::metadata();
        let command = MessageCommand::RecordAttempt {
            attempt: record.clone(),
        };
        run::<Message>(exec, id, &metadata, |_| command.clone()).await?;
        if record.outcome == AttemptOutcome::EndpointDisabled {
            if let Some(Recipient::Webhook { webhook }) = state.queued().map(|q| &q.recipient) {
                run::<WebhookEndpoint>(exec, webhook, &metadata, |_| WebhookCommand::Disable {
                    reason: "the endpoint answered 410 Gone".into(),
                })
                .await?;
            }
        }
        Ok(Delivery::Tried(record))
    }

    /// The e-mail of a message to a person: the address opened from their sealed profile
    /// now (never written into the log), the text rendered from `data` (the queued data,
    /// and an account message's link) in the message's language.
    async fn email(
        &self,
        id: &MessageId,
        queued: &Queued,
        data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Result<Email, SendError>, ServiceError> {
        let (to, name) = match &queued.recipient {
            Recipient::Customer { customer } => match self.people.profile(customer).await? {
                Some(Opened::Clear(profile)) => (
                    profile.email.as_str().to_owned(),
                    profile.name.as_str().to_owned(),
                ),
                Some(Opened::Shredded) => return Ok(Err(hopeless("the customer was erased"))),
                None => return Ok(Err(hopeless("the customer is not registered"))),
            },
            Recipient::Staff { user, .. } | Recipient::User { user } => {
                match self.people.staff_profile(user).await? {
                    Some(profile) => (
                        profile.email.as_str().to_owned(),
                        profile.name.as_str().to_owned(),
                    ),
                    None => return Ok(Err(hopeless("the staff account does not exist"))),
                }
            }
            Recipient::Webhook { .. } => return Ok(Err(hopeless("a webhook is no e-mail"))),
        };
        let rendered = match self.templates.render(queued.kind, queued.language, data) {
            Ok(rendered) => rendered,
            Err(e) => return Ok(Err(hopeless(format!("not rendered: {e}")))),
        };
        Ok(Ok(Email {
            message_id: id.as_uuid(),
            to,
            to_name: Some(name),
            rendered,
        }))
    }

    /// Where a webhook goes and its secret, opened from the endpoint's stream.
    async fn endpoint(
        &self,
        webhook: &domain::values::WebhookId,
    ) -> Result<Result<Endpoint, SendError>, ServiceError> {
        let state = load::<WebhookEndpoint>(&self.people.exec, webhook).await?;
        let Some(registered) = state.registered() else {
            return Ok(Err(hopeless("the webhook endpoint does not exist")));
        };
        if state.disabled() {
            return Ok(Err(hopeless("the webhook endpoint is disabled")));
        }
        let Ok(url) = url::Url::parse(&registered.url) else {
            return Ok(Err(hopeless("the webhook URL does not parse")));
        };
        let opened = self
            .people
            .vault()
            .open(&secret_subject(webhook), SECRET_FIELD, &registered.secret)
            .await
            .map_err(crate::people::profile::vault_failed)?;
        let Opened::Clear(text) = opened else {
            return Ok(Err(hopeless("the webhook secret is destroyed")));
        };
        let secret = match String::from_utf8(text)
            .ok()
            .and_then(|t| WebhookSecret::parse(&t).ok())
        {
            Some(secret) => secret,
            None => return Ok(Err(hopeless("the webhook secret does not read"))),
        };
        Ok(Ok(Endpoint { url, secret }))
    }
}
