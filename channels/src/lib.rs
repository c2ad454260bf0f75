//! The two channels otd's messages go out on, and what the outbox needs
//! around them: e-mail over SMTP ([`email`]) and Standard Webhooks
//! ([`webhook`]), the templates per kind and language ([`render`]), the
//! classification of a failed try ([`outcome`]), the retry policy and the
//! attempt record ([`retry`]), and the settings ([`config`]).
//!
//! A channel sends one message once and says how it went; it keeps no
//! state. Deciding messages, recording attempts and scheduling retries is
//! the outbox's (above this crate). **Invariant:** a message's id names its
//! delivery on every channel (the e-mail `Message-ID`, the `webhook-id`), so
//! a redelivery after a crash between sending and recording carries the same
//! id and the receiver can tell it is one message.

pub mod config;
pub mod email;
pub mod outcome;
pub mod render;
pub mod retry;
pub mod webhook;

pub use config::{ChannelsConfig, ConfigError};
pub use email::{Email, EmailChannel};
pub use outcome::{Delivered, Failure, SendError};
pub use render::{Rendered, TemplateError, Templates};
pub use retry::{Attempt, AttemptOutcome, Next, RetryPolicy};
pub use webhook::{Webhook, WebhookChannel, WebhookEndpoint, WebhookSecret};
