//! Messages and webhooks: a customer's messages, registering a webhook endpoint (admin), an
//! endpoint's delivery log and the replay of a dead letter.
//!
//! Registering an endpoint is not an idempotent route: its answer carries the endpoint's
//! secret, which must never be recorded in the log (the idempotency records are), so the
//! secret is shown once, to the admin who asked.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use domain::message::{AttemptOutcome, Channel, MessageStatus, Subscription};
use domain::values::{CustomerId, MessageId, WebhookId};
use projections::models::messages::MessageDoc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::customer_reads::AtQuery;
use super::reads::{caught_up, read_error};
use crate::auth::{Caller, Role};
use crate::extract::{AppJson, AppPath, AppQuery};
use crate::people_access::{people, visible_customer};
use crate::problem::{ApiError, Problem};
use crate::{metadata, new_id, AppState};

/// One message as a customer's list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MessageView {
    #[schema(value_type = String, format = Uuid)]
    pub message_id: String,
    /// The kind's name (`order.confirmed` …).
    #[schema(value_type = String, example = "order.confirmed")]
    pub kind: String,
    pub channel: Channel,
    /// When it was sent, or queued while it waits.
    pub at: DateTime<Utc>,
    /// The subject in the recipient's language.
    pub subject: String,
    pub status: MessageStatus,
}

impl MessageView {
    /// The view of `doc`, its subject rendered in its language.
    pub fn of(state: &AppState, doc: &MessageDoc) -> MessageView {
        let subject = state
            .outbox
            .templates
            .render(doc.kind, doc.language, &doc.data)
            .map(|r| r.subject)
            .unwrap_or_else(|_| doc.kind.name().to_owned());
        MessageView {
            message_id: doc.message_id.to_string(),
            kind: doc.kind.name().to_owned(),
            channel: doc.channel,
            at: doc.sent_at.unwrap_or(doc.queued_at),
            subject,
            status: doc.status,
        }
    }
}

/// The messages of the customer's ids (itself and the duplicates merged into it), latest
/// first.
pub async fn messages_of(
    state: &AppState,
    ids: &[CustomerId],
) -> Result<Vec<MessageView>, ApiError> {
    let mut docs = Vec::new();
    for id in ids {
        docs.extend(
            state
                .views
                .messages_of_customer(id)
                .await
                .map_err(read_error)?,
        );
    }
    docs.sort_by_key(|d| std::cmp::Reverse((d.queued_at, d.message_id)));
    Ok(docs.iter().map(|d| MessageView::of(state, d)).collect())
}

/// The messages to a customer (the customer, its dealers): sent, or queued while they wait.
#[utoipa::path(get, path = "/api/v1/customers/{customer_id}/messages", tag = "people", security(("bearer" = [])),
    params(("customer_id" = CustomerId, Path), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = Vec<MessageView>),
        (status = 403, body = Problem, description = "not the customer or one of its dealers"),
        (status = 404, body = Problem, description = "no such customer")))]
pub async fn customer_messages(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(customer): AppPath<CustomerId>,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<Vec<MessageView>>, ApiError> {
    caller.require(&[Role::Customer, Role::Dealer])?;
    caught_up(&state, q.min_position).await?;
    let doc = visible_customer(&state, &caller, &customer).await?;
    let ids: Vec<CustomerId> = std::iter::once(doc.customer_id.clone())
        .chain(doc.absorbed.iter().cloned())
        .collect();
    Ok(Json(messages_of(&state, &ids).await?))
}

/// The refusal of a webhook URL (422 `webhook_url_refused`).
pub fn url_refused(detail: impl Into<String>) -> ApiError {
    ApiError::rule("webhook_url_refused", detail)
}

/// The refusal of an `events[]` that names nothing or no kind (422 `unknown_event`).
pub fn unknown_event(detail: impl Into<String>) -> ApiError {
    ApiError::rule("unknown_event", detail)
}

/// A webhook endpoint to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// `https://…` (or `http://…`); loopback and private addresses are refused unless the
    /// host is listed in `OTD_WEBHOOK_ALLOW_HOSTS`.
    pub url: String,
    /// Message kinds (`order.confirmed` …) or `"*"` for every kind.
    #[schema(example = json!(["order.confirmed", "invoice.issued"]))]
    pub events: Vec<String>,
}

/// A webhook endpoint registered: its id and its secret, shown only now.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[schema(value_type = String, format = Uuid)]
    pub webhook_id: String,
    /// `whsec_` + base64 of 32 random bytes: signatures are HMAC-SHA256 with it.
    pub secret: String,
    pub position: u64,
}

/// Registers a webhook endpoint (admin).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "messages", security(("bearer" = [])),
    request_body = NewWebhookBody,
    responses((status = 201, body = WebhookCreated),
        (status = 403, body = Problem, description = "not an admin"),
        (status = 422, body = Problem, description = "`webhook_url_refused`: not http(s), no host, or a loopback or private address not allowed; `unknown_event`: an empty list or a name that is no message kind")))]
pub async fn register_webhook(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    AppJson(body): AppJson<NewWebhookBody>,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    caller.require(&[Role::Admin])?;
    let people = people(&state)?;
    let url = url::Url::parse(body.url.trim()).map_err(|e| url_refused(format!("the URL: {e}")))?;
    let events = Subscription::parse(&body.events).map_err(|e| unknown_event(e.to_string()))?;
    let webhook = WebhookId::from_uuid(new_id(&caller, &headers, "webhook"));
    let registered = app::outbox::webhooks::register(
        people,
        &state.outbox.guard,
        webhook,
        &url,
        events,
        &metadata(&caller),
    )
    .await
    .map_err(|e| match e {
        app::outbox::webhooks::RegisterError::Url(refused) => url_refused(refused.to_string()),
        app::outbox::webhooks::RegisterError::Service(e) => e.into(),
    })?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreated {
            webhook_id: registered.webhook.to_string(),
            secret: registered.secret,
            position: registered.position.0,
        }),
    ))
}

/// One attempt in a delivery log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptView {
    pub number: u32,
    pub at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    /// The HTTP status the endpoint answered, if it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub next_retry: Option<DateTime<Utc>>,
}

/// One delivery (a message to the endpoint) with its attempts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The message's id: the `webhook-id` of every try.
    #[schema(value_type = String, format = Uuid)]
    pub delivery_id: String,
    #[schema(value_type = String, example = "order.confirmed")]
    pub kind: String,
    /// `queued` (waiting for its next retry), `sent`, or `dead_lettered` (replayable).
    pub status: MessageStatus,
    pub next_retry: Option<DateTime<Utc>>,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: Vec<AttemptView>,
}

/// An endpoint's delivery log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deliveries {
    #[schema(value_type = String, format = Uuid)]
    pub webhook_id: String,
    pub url: String,
    pub events: Vec<String>,
    /// False once the endpoint answered 410.
    pub active: bool,
    pub deliveries: Vec<DeliveryView>,
}

fn delivery(doc: &MessageDoc) -> DeliveryView {
    DeliveryView {
        delivery_id: doc.message_id.to_string(),
        kind: doc.kind.name().to_owned(),
        status: doc.status,
        next_retry: doc.next_attempt_at,
        queued_at: doc.queued_at,
        sent_at: doc.sent_at,
        attempts: doc
            .attempts
            .iter()
            .map(|a| AttemptView {
                number: a.number,
                at: a.at,
                outcome: a.outcome,
                status: a.status,
                error: a.error.clone(),
                next_retry: a.next_retry,
            })
            .collect(),
    }
}

/// The delivery log of an endpoint (admin): every delivery with its attempts, status and
/// next retry, dead letters included.
#[utoipa::path(get, path = "/api/v1/webhooks/{webhook_id}/deliveries", tag = "messages", security(("bearer" = [])),
    params(("webhook_id" = String, Path, format = Uuid), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = Deliveries),
        (status = 403, body = Problem, description = "not an admin"),
        (status = 404, body = Problem, description = "no such endpoint")))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(webhook): AppPath<WebhookId>,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<Deliveries>, ApiError> {
    caller.require(&[Role::Admin])?;
    caught_up(&state, q.min_position).await?;
    let endpoint = state
        .views
        .webhook(&webhook)
        .await
        .map_err(read_error)?
        .ok_or_else(|| ApiError::NotFound(format!("webhook {webhook}")))?;
    let docs = state
        .views
        .deliveries_of(&webhook)
        .await
        .map_err(read_error)?;
    Ok(Json(Deliveries {
        webhook_id: webhook.to_string(),
        url: endpoint.url,
        events: endpoint.events,
        active: endpoint.active,
        deliveries: docs.iter().map(delivery).collect(),
    }))
}

/// A dead letter queued again.
#[derive(Debug, Serialize, ToSchema)]
pub struct Replayed {
    #[schema(value_type = String, format = Uuid)]
    pub delivery_id: String,
    pub status: MessageStatus,
    pub position: u64,
}

/// The path of a delivery.
#[derive(Debug, Deserialize)]
pub struct DeliveryPath {
    pub webhook_id: WebhookId,
    pub delivery_id: MessageId,
}

/// Replays a dead letter (admin): queued again with the same `webhook-id`.
#[utoipa::path(post, path = "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", tag = "messages", security(("bearer" = [])),
    params(("webhook_id" = String, Path, format = Uuid), ("delivery_id" = String, Path, format = Uuid)),
    responses((status = 202, body = Replayed),
        (status = 403, body = Problem, description = "not an admin"),
        (status = 404, body = Problem, description = "no such delivery of this endpoint"),
        (status = 422, body = Problem, description = "`not_dead_lettered`: only a dead letter is replayed")))]
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(path): AppPath<DeliveryPath>,
) -> Result<(StatusCode, Json<Replayed>), ApiError> {
    caller.require(&[Role::Admin])?;
    let people = people(&state)?;
    let position = app::outbox::webhooks::replay(
        people,
        &path.webhook_id,
        &path.delivery_id,
        &metadata(&caller),
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Replayed {
            delivery_id: path.delivery_id.to_string(),
            status: MessageStatus::Queued,
            position: position.0,
        }),
    ))
}
