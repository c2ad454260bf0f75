//! The webhook use cases: an admin registers an endpoint (its URL checked against the SSRF
//! guard, a new secret generated, sealed by the vault and shown once), and replays a dead
//! letter.

use channels::webhook::{SsrfGuard, UrlRefused, WebhookSecret};
use domain::message::{Message, MessageCommand, Recipient, Subscription};
use domain::values::{MessageId, WebhookId};
use domain::webhook::{WebhookCommand, WebhookEndpoint};
use rand::rngs::OsRng;
use rand::TryRngCore;
use store::{Metadata, Position};

use crate::people::People;
use crate::steps::{load, run, Reached};
use crate::vault::Purpose;
use crate::{CommandError, ServiceError};

/// The field a webhook's secret is sealed as.
pub const SECRET_FIELD: &str = "webhook_secret";

/// The vault subject of a webhook's secret.
pub fn secret_subject(webhook: &WebhookId) -> String {
    format!("webhook-{webhook}")
}

/// Why an endpoint was not registered.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The URL is not http(s), names no host, or reaches a forbidden address.
    #[error(transparent)]
    Url(#[from] UrlRefused),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// An endpoint registered: its id, the secret (shown only now) and the position reached.
#[derive(Debug)]
pub struct Registered {
    pub webhook: WebhookId,
    pub secret: String,
    pub position: Position,
}

/// Registers the endpoint `webhook` at `url` for `events`, the URL checked by `guard`
/// (resolving its host).
pub async fn register(
    people: &People,
    guard: &SsrfGuard,
    webhook: WebhookId,
    url: &url::Url,
    events: Subscription,
    metadata: &Metadata,
) -> Result<Registered, RegisterError> {
    guard.check(url).await?;
    let mut rng = OsRng.unwrap_err();
    let secret = WebhookSecret::generate(&mut rng);
    let text = secret.reveal();
    let sealed = people
        .vault()
        .seal(
            &secret_subject(&webhook),
            Purpose::Profile,
            SECRET_FIELD,
            text.as_bytes(),
        )
        .await
        .map_err(crate::people::profile::vault_failed)?;
    let command = WebhookCommand::Register {
        webhook,
        url: url.to_string(),
        events,
        secret: sealed,
    };
    let done =
        run::<WebhookEndpoint>(&people.exec, &webhook, metadata, |_| command.clone()).await?;
    Ok(Registered {
        webhook,
        secret: text,
        position: Reached::of(&done).position(&people.exec).await?,
    })
}

/// Replays the dead letter `message` of endpoint `webhook`: queued again, the same id.
pub async fn replay(
    people: &People,
    webhook: &WebhookId,
    message: &MessageId,
    metadata: &Metadata,
) -> Result<Position, ServiceError> {
    let state = load::<Message>(&people.exec, message).await?;
    let ours = state
        .queued()
        .is_some_and(|q| q.recipient == Recipient::Webhook { webhook: *webhook });
    if !ours {
        return Err(CommandError::NotFound(format!(
            "webhook {webhook} has no delivery {message}"
        )));
    }
    let done = run::<Message>(&people.exec, message, metadata, |_| MessageCommand::Replay).await?;
    Reached::of(&done).position(&people.exec).await
}
