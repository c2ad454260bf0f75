//! What the application needs from the read side, as ports: the process
//! managers read supply from the projections, but the application does not
//! know how. (Where consumers of the log keep their checkpoints and who leads
//! are the log consumer's ports: [`crate::consume`].)

use async_trait::async_trait;
use domain::policy::{SlotAvailability, StockUnit};
use domain::values::{MarketCode, ModelCode, OrderId, PlantId};
use store::Position;

/// Why a read model could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("read model unavailable: {0}")]
pub struct ViewError(pub String);

/// The supply fulfilment chooses from: filled by the stock and capacity
/// projections. Every call first waits until the projections have seen the
/// log up to `at` (read-your-writes), so a process manager acting on the
/// event at position `at` sees at least the supply that existed then.
#[async_trait]
pub trait SupplyView: Send + Sync + 'static {
    /// Every vehicle of `market` and `model` that is not delivered, reserved
    /// or not, with its whereabouts.
    async fn stock(
        &self,
        at: Position,
        market: &MarketCode,
        model: &ModelCode,
    ) -> Result<Vec<StockUnit>, ViewError>;

    /// The open production weeks of `plant` (capacity and bookings), whose
    /// production has not started.
    async fn slots(
        &self,
        at: Position,
        plant: &PlantId,
    ) -> Result<Vec<SlotAvailability>, ViewError>;

    /// Orders that wait for supply as of `at`, oldest first: `placed`, holding neither a
    /// vehicle nor a slot, and either found waiting for capacity or last changed at or
    /// before `at` (an order placed later is fulfilled by its own event, further on in the
    /// log).
    async fn awaiting(&self, at: Position) -> Result<Vec<OrderId>, ViewError>;
}

/// The leads the process managers look up: filled by the leads projection. Every call
/// first waits until the projection has seen the log up to `at`.
#[async_trait]
pub trait LeadsView: Send + Sync + 'static {
    /// The open leads of the customer id `customer` at `dealer`.
    async fn open_leads_of(
        &self,
        at: Position,
        customer: &domain::values::CustomerId,
        dealer: &domain::values::DealerId,
    ) -> Result<Vec<domain::values::LeadId>, ViewError>;

    /// The open leads nobody answered whose `respond_by` is at or before `now` and whose
    /// breach is not recorded yet.
    async fn leads_to_breach(
        &self,
        at: Position,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<domain::values::LeadId>, ViewError>;
}

/// What the outbox reads from the read side: filled by the messages projection. The calls
/// that take `at` first wait until the projection has seen the log up to it.
#[async_trait]
pub trait OutboxView: Send + Sync + 'static {
    /// The active webhook endpoints that want messages of `kind`.
    async fn webhooks_for(
        &self,
        at: Position,
        kind: domain::message::MessageKind,
    ) -> Result<Vec<domain::values::WebhookId>, ViewError>;

    /// The active staff of `dealer` (its managers only when `managers`).
    async fn dealer_staff(
        &self,
        at: Position,
        dealer: &domain::values::DealerId,
        managers: bool,
    ) -> Result<Vec<domain::values::UserId>, ViewError>;

    /// The clock-driven messages due at `now` and not queued yet: `(kind, fact)`, the fact
    /// being the order or the lead.
    async fn reminders_due(
        &self,
        at: Position,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<(domain::message::MessageKind, String)>, ViewError>;

    /// The queued messages whose next attempt is at or before `now`, longest waiting first,
    /// at most `limit` (as far as the view has seen the log: the sender checks each on its
    /// stream before sending).
    async fn due(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<domain::values::MessageId>, ViewError>;
}
