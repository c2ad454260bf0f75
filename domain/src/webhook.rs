//! A webhook endpoint, one stream per endpoint (`webhook-{id}`): where an
//! admin wants messages delivered (Standard Webhooks), which kinds, and the
//! secret they are signed with.
//!
//! The endpoint protects: it is registered once, with a URL and the kinds
//! it wants (`"*"` or at least one); it is disabled once (a 410 from the
//! receiver, or an admin), and a disabled endpoint receives nothing more.
//! The secret is sealed by the vault (a credential is not written in clear
//! into the log); checking the URL against the SSRF guard is the edge's
//! (it needs the network).

use chrono::{DateTime, Utc};

use crate::decider::{Context, Decider};
use crate::message::{MessageKind, Subscription};
use crate::values::{Sealed, WebhookId};

/// The state of one endpoint; the default is an endpoint not registered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookEndpoint {
    registered: Option<Registered>,
    disabled: bool,
}

/// An endpoint as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub webhook: WebhookId,
    pub url: String,
    pub events: Subscription,
    pub secret: Sealed,
    pub at: DateTime<Utc>,
}

impl WebhookEndpoint {
    pub fn registered(&self) -> Option<&Registered> {
        self.registered.as_ref()
    }

    pub fn disabled(&self) -> bool {
        self.disabled
    }

    /// Whether a message of `kind` goes to this endpoint now.
    pub fn wants(&self, kind: MessageKind) -> bool {
        !self.disabled
            && self
                .registered
                .as_ref()
                .is_some_and(|r| r.events.wants(kind))
    }
}

/// What may be asked of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookCommand {
    Register {
        webhook: WebhookId,
        url: String,
        events: Subscription,
        secret: Sealed,
    },
    /// Stop delivering to it (410 from the receiver, or an admin).
    Disable { reason: String },
}

crate::event_enum! {
    /// What happened to a webhook endpoint.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum WebhookEvent {
        Registered as "WebhookRegistered" {
            webhook: WebhookId,
            url: String,
            events: Subscription,
            secret: Sealed,
            at: DateTime<Utc>,
        },
        Disabled as "WebhookDisabled" { reason: String, at: DateTime<Utc> },
    }
}

/// The rule of an endpoint a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook endpoint does not exist")]
    NotRegistered,
    #[error("webhook endpoint {webhook} is already registered")]
    AlreadyRegistered { webhook: WebhookId },
}

impl Decider for WebhookEndpoint {
    type State = WebhookEndpoint;
    type Command = WebhookCommand;
    type Event = WebhookEvent;
    type Error = WebhookError;

    fn decide(
        state: &WebhookEndpoint,
        command: WebhookCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<WebhookEvent>, WebhookError> {
        match command {
            WebhookCommand::Register {
                webhook,
                url,
                events,
                secret,
            } => {
                if let Some(registered) = &state.registered {
                    return Err(WebhookError::AlreadyRegistered {
                        webhook: registered.webhook,
                    });
                }
                Ok(vec![WebhookEvent::Registered {
                    webhook,
                    url,
                    events,
                    secret,
                    at: ctx.now,
                }])
            }
            WebhookCommand::Disable { reason } => {
                if state.registered.is_none() {
                    return Err(WebhookError::NotRegistered);
                }
                if state.disabled {
                    return Ok(vec![]);
                }
                Ok(vec![WebhookEvent::Disabled {
                    reason,
                    at: ctx.now,
                }])
            }
        }
    }

    fn evolve(mut state: WebhookEndpoint, event: &WebhookEvent) -> WebhookEndpoint {
        match event {
            WebhookEvent::Registered {
                webhook,
                url,
                events,
                secret,
                at,
            } => {
                state.registered = Some(Registered {
                    webhook: *webhook,
                    url: url.clone(),
                    events: events.clone(),
                    secret: secret.clone(),
                    at: *at,
                });
            }
            WebhookEvent::Disabled { .. } => state.disabled = true,
        }
        state
    }
}
