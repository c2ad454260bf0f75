//! The messages manager: a process manager that decides, from the facts of the log, which
//! messages go to whom, and queues each as its own stream (`message-{id}`).
//!
//! It reacts to order, invoice, lead and test-drive events, and to the account requests of
//! customers and staff (verification, password reset) ([`super::decide`]) and, on the
//! business clock, to the reminders that fall due (a handover one day ahead, a lead's answer
//! 30 minutes before its deadline). Each planned message goes to its audience (the customer,
//! the lead's owner, the dealer's team or its managers) and to every active webhook endpoint
//! that wants its kind. A message's id derives from its kind, its fact and its recipient, and
//! queueing an existing message is a no-op, so a redelivered event, a second sweep or
//! another process deciding the same message never queue it twice.

use std::sync::Arc;

use async_trait::async_trait;
use domain::customer::{Customer, MessageChannel};
use domain::invoice::InvoiceEvent;
use domain::lead::Lead;
use domain::message::{message_id, Message, MessageCommand, MessageKind, Recipient};
use domain::order::{Order, OrderEvent};
use domain::streams::{AnyEvent, AnyId};
use domain::user::{StaffRole, User};
use domain::values::{DealerId, Language, LeadId, OrderId};
use domain::vehicle::Vehicle;
use domain::Decider;
use store::{Metadata, Position};

use super::decide::{self, Audience, Plan};
use crate::process::{Incoming, Lane, ProcessManager, ReactionError};
use crate::steps::{events_of, load, run};
use crate::{Executor, OutboxView};

const ACTOR: &str = "process:messages";

/// The messages manager.
#[derive(Clone)]
pub struct MessagesManager {
    exec: Executor,
    outbox: Arc<dyn OutboxView>,
}

impl MessagesManager {
    /// The manager, queueing with `exec` and finding endpoints and staff in `outbox`.
    pub fn new(exec: Executor, outbox: Arc<dyn OutboxView>) -> Self {
        MessagesManager { exec, outbox }
    }

    /// The plans an event decides.
    async fn plans(&self, incoming: &Incoming) -> Result<Vec<Plan>, ReactionError> {
        let fact = incoming.record.event_id.to_string();
        Ok(match (&incoming.id, &incoming.event) {
            (AnyId::Order(order), AnyEvent::Order(event)) => {
                let (before, after) = self
                    .order_around(order, incoming.record.stream_version)
                    .await?;
                let vin = match event {
                    OrderEvent::Delivered { vehicle, .. } => self.vin(vehicle.as_ref()).await?,
                    _ => None,
                };
                decide::for_order_event(event, &fact, &before, &after, vin)
            }
            (AnyId::Invoice(order), AnyEvent::Invoice(event)) => {
                let customer = match event {
                    InvoiceEvent::Issued { customer, .. } => Some(customer.clone()),
                    InvoiceEvent::PaymentRecorded { .. } => load::<Order>(&self.exec, order)
                        .await?
                        .placed()
                        .map(|o| o.customer.clone()),
                    _ => None,
                };
                match customer {
                    Some(customer) => decide::for_invoice_event(event, &fact, &customer),
                    None => vec![],
                }
            }
            (AnyId::Lead(id), AnyEvent::Lead(event)) => {
                let lead = load::<Lead>(&self.exec, id).await?;
                decide::for_lead_event(event, &fact, id, &lead)
            }
            (AnyId::Customer(customer), AnyEvent::Customer(event)) => {
                // As the event left the account, not as it is now: a manager that runs
                // late (or a replay) decides the same.
                let events = events_of::<Customer>(&self.exec, customer).await?;
                let upto = usize::try_from(incoming.record.stream_version)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1);
                let state = Customer::replay(events.iter().take(upto));
                decide::for_customer_event(event, &fact, customer, state.verified())
            }
            (AnyId::User(user), AnyEvent::User(event)) => {
                decide::for_user_event(event, &fact, user)
            }
            (AnyId::TestDrives(_), AnyEvent::TestDrive(event)) => {
                let lead = match event.drive().lead {
                    Some(lead) => Some(load::<Lead>(&self.exec, &lead).await?),
                    None => None,
                };
                decide::for_test_drive_event(event, &fact, lead.as_ref())
            }
            _ => vec![],
        })
    }

    /// The order's states just before and just after its event at `version`.
    async fn order_around(
        &self,
        order: &OrderId,
        version: u64,
    ) -> Result<(Order, Order), ReactionError> {
        let events = events_of::<Order>(&self.exec, order).await?;
        let upto = usize::try_from(version).unwrap_or(usize::MAX);
        let before = Order::replay(events.iter().take(upto));
        let after = events
            .get(upto)
            .map_or_else(|| before.clone(), |e| Order::evolve(before.clone(), e));
        Ok((before, after))
    }

    async fn vin(
        &self,
        vehicle: Option<&domain::values::VehicleId>,
    ) -> Result<Option<String>, ReactionError> {
        let Some(vehicle) = vehicle else {
            return Ok(None);
        };
        let state = load::<Vehicle>(&self.exec, vehicle).await?;
        Ok(state.vin().map(ToString::to_string))
    }

    /// Queues `plan` to its audience and to the endpoints that want it, as the log stood at
    /// `at`; returns how many messages were queued now (not found queued already).
    pub async fn queue(
        &self,
        plan: &Plan,
        at: Position,
        occurred_at: chrono::DateTime<chrono::Utc>,
        metadata: &Metadata,
    ) -> Result<usize, ReactionError> {
        let mut recipients: Vec<(Recipient, Language, bool)> = Vec::new();
        match &plan.audience {
            Audience::Customer(customer) => {
                let state = load::<Customer>(&self.exec, customer).await?;
                // Nobody to write to: an unknown or erased customer.
                if !state.erased() {
                    if let Some(language) = state.language() {
                        let opt_in = state.consents().marketing(MessageChannel::Email);
                        recipients.push((
                            Recipient::Customer {
                                customer: customer.clone(),
                            },
                            language,
                            opt_in,
                        ));
                    }
                }
            }
            Audience::Staff { user, dealer } => {
                recipients.push((
                    Recipient::Staff {
                        user: user.clone(),
                        dealer: dealer.clone(),
                    },
                    self.staff_language(dealer),
                    false,
                ));
            }
            Audience::DealerTeam(dealer) | Audience::DealerManagers(dealer) => {
                let managers = matches!(plan.audience, Audience::DealerManagers(_));
                for user in self.outbox.dealer_staff(at, dealer, managers).await? {
                    recipients.push((
                        Recipient::Staff {
                            user,
                            dealer: dealer.clone(),
                        },
                        self.staff_language(dealer),
                        false,
                    ));
                }
            }
            Audience::User(user) => {
                let state = load::<User>(&self.exec, user).await?;
                if state.active() {
                    let language = match state.role() {
                        Some(StaffRole::Dealer { dealer, .. }) => self.staff_language(dealer),
                        _ => Language::En,
                    };
                    recipients.push((Recipient::User { user: user.clone() }, language, false));
                }
            }
        }
        // Account messages are no business facts: never for integrators.
        if plan.kind.is_fact() {
            for webhook in self.outbox.webhooks_for(at, plan.kind).await? {
                recipients.push((Recipient::Webhook { webhook }, Language::En, false));
            }
        }
        let mut queued = 0;
        for (recipient, language, opt_in) in recipients {
            let id = message_id(plan.kind, &plan.fact, &recipient);
            let command = MessageCommand::Queue {
                message: id,
                kind: plan.kind,
                fact: plan.fact.clone(),
                recipient,
                language,
                data: plan.data.clone(),
                occurred_at,
                purpose: plan.kind.purpose(),
                marketing_opt_in: opt_in,
            };
            let done = run::<Message>(&self.exec, &id, metadata, |_| command.clone()).await?;
            queued += usize::from(!done.events.is_empty());
        }
        Ok(queued)
    }

    /// Staff read their messages in their market's language (German in DE, Chinese in CN,
    /// English elsewhere): a staff account records no language of its own.
    fn staff_language(&self, dealer: &DealerId) -> Language {
        let market = self
            .exec
            .catalog()
            .dealer(dealer)
            .map(|d| d.market.as_str().to_owned());
        match market.as_deref() {
            Some("DE" | "AT" | "CH") => Language::De,
            Some("CN") => Language::Zh,
            _ => Language::En,
        }
    }

    /// Queues the clock-driven messages due at the business clock's now (handover reminders,
    /// lead answers due), as the messages view knows them once it has seen the whole log;
    /// returns how many were queued.
    pub async fn remind(&self) -> Result<usize, ReactionError> {
        let at = self
            .exec
            .store()
            .head()
            .await
            .map_err(|e| ReactionError::Command(e.into()))?;
        let now = self.exec.clock().now();
        let metadata = Metadata {
            causation_id: None,
            correlation_id: Some(uuid::Uuid::now_v7()),
            actor: Some(ACTOR.into()),
            occurred_at: None,
        };
        let mut queued = 0;
        for (kind, fact) in self.outbox.reminders_due(at, now).await? {
            let plan = match kind {
                MessageKind::HandoverReminder => match OrderId::parse(&fact) {
                    Ok(order) => load::<Order>(&self.exec, &order)
                        .await?
                        .placed()
                        .and_then(decide::handover_reminder),
                    Err(_) => None,
                },
                MessageKind::LeadResponseDue => match LeadId::parse(&fact) {
                    Ok(lead) => {
                        decide::response_due(&lead, &load::<Lead>(&self.exec, &lead).await?)
                    }
                    Err(_) => None,
                },
                _ => None,
            };
            if let Some(plan) = plan {
                queued += self.queue(&plan, at, now, &metadata).await?;
            }
        }
        Ok(queued)
    }
}

#[async_trait]
impl ProcessManager for MessagesManager {
    fn name(&self) -> &'static str {
        ACTOR
    }

    /// A stream's messages are decided in its order, different streams' at once: a
    /// message's id derives from its own fact and recipient, so no two facts share one.
    fn lane(&self, incoming: &Incoming) -> Lane {
        Lane::stream(&incoming.record.stream_id)
    }

    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError> {
        let plans = self.plans(incoming).await?;
        if plans.is_empty() {
            return Ok(());
        }
        let metadata = incoming.caused(ACTOR);
        let occurred_at = incoming.record.occurred_at();
        for plan in &plans {
            self.queue(plan, incoming.record.position, occurred_at, &metadata)
                .await?;
        }
        Ok(())
    }
}
