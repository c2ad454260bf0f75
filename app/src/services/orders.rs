//! The order desk: place, amend, cancel, and the handover.
//!
//! Fulfilment (finding a vehicle or a slot) is not done here: it is the
//! fulfilment process manager's reaction to `OrderPlaced` (and to an
//! amendment that released the order's vehicle).

use chrono::{DateTime, Utc};
use domain::catalog::{Price, QuoteLine};
use domain::invoice::{CreditNote, Invoice, InvoiceStatus};
use domain::order::{
    Channel, InvoiceFacts, Order, OrderCommand, OrderError, OrderEvent, OrderStatus,
};
use domain::streams::stream_name;
use domain::values::{
    CustomerId, DealerId, MarketCode, ModelCode, Money, OptionCode, OrderId, VehicleId,
};
use domain::vehicle::{Vehicle, VehicleCommand};
use store::{Metadata, Position};

use super::{Done, Scope, Services};
use crate::rejection::{Rejection, ServiceError};
use crate::steps::release::{release_held, release_vehicle};
use crate::steps::shipments::cancel_planned_delivery;
use crate::steps::{events_of, invoicing, load, run, run_guarded, Reached};
use crate::CommandError;

/// What a customer (or a dealer for a customer) orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceOrder {
    /// The new order's id: the API derives it from the request's
    /// idempotency key, so a retried request names the same order.
    pub order: OrderId,
    pub customer: CustomerId,
    pub dealer: DealerId,
    /// The dealer placing the order in its showroom (it must sell in the
    /// order's market); `None` for an order the customer places online.
    pub selling_dealer: Option<DealerId>,
    pub market: MarketCode,
    pub model: ModelCode,
    pub options: Vec<OptionCode>,
    pub channel: Channel,
    /// The lead the order comes from (it becomes S); without one, the
    /// customer's open leads at the dealer do.
    pub lead: Option<domain::values::LeadId>,
}

/// A placed order: its locked price and the deposit taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    pub order: OrderId,
    pub status: OrderStatus,
    pub lines: Vec<QuoteLine>,
    pub price: Price,
    pub deposit: Money,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

/// An amended order: the new price and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    pub order: OrderId,
    pub price: Price,
    /// New net minus old net (zero when nothing changed).
    pub difference: Money,
    /// The stock vehicle the order gave up (fulfilment then runs again).
    pub released_vehicle: Option<VehicleId>,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

/// A cancelled order and the money it settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    pub order: OrderId,
    /// Everything paid back: the deposit when refundable, plus what was
    /// paid on a credited invoice.
    pub refund: Money,
    /// The deposit refunded (before the freeze of a build, before the
    /// dispatch of a stock vehicle).
    pub deposit_refunded: Money,
    /// The deposit kept (after the freeze or the dispatch).
    pub deposit_forfeited: Money,
    /// The credit note, when the order was invoiced.
    pub credit_note: Option<CreditNote>,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

/// A car handed over to its customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub order: OrderId,
    pub vehicle: Option<VehicleId>,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

impl Services {
    /// Places an order: validates the configuration, locks the price, takes
    /// the deposit. Placing the same order again with the same content (a
    /// retried request) returns it as placed; with other content it is
    /// refused with [`OrderError::AlreadyPlaced`].
    pub async fn place_order(
        &self,
        input: PlaceOrder,
        metadata: &Metadata,
    ) -> Result<Placed, ServiceError> {
        let exec = &self.exec;
        let (customer, billing) =
            crate::people::buyer(exec, &input.customer, input.channel).await?;
        let command = |_: &Order| OrderCommand::Place {
            order: input.order,
            customer: customer.clone(),
            dealer: input.dealer.clone(),
            selling_dealer: input.selling_dealer.clone(),
            market: input.market.clone(),
            model: input.model.clone(),
            options: input.options.clone(),
            channel: input.channel,
            billing: billing.clone(),
            lead: input.lead,
        };
        let (state, reached) = match run::<Order>(exec, &input.order, metadata, command).await {
            Ok(done) => {
                let reached = Reached::of(&done);
                (done.state, reached)
            }
            Err(CommandError::Rejected(Rejection::Order(OrderError::AlreadyPlaced(_)))) => {
                let state = load::<Order>(exec, &input.order).await?;
                if !self.same_order(&state, &input) {
                    return Err(CommandError::Rejected(Rejection::Order(
                        OrderError::AlreadyPlaced(input.order),
                    )));
                }
                (state, Reached::Nothing)
            }
            Err(e) => return Err(e),
        };
        let o = placed(&state, input.order)?;
        Ok(Placed {
            order: o.id,
            status: o.status,
            lines: o.lines.clone(),
            price: o.price,
            deposit: o.deposit,
            position: reached.position(exec).await?,
        })
    }

    fn same_order(&self, state: &Order, input: &PlaceOrder) -> bool {
        let Some(o) = state.placed() else {
            return false;
        };
        let configuration =
            self.exec
                .catalog()
                .validate(&input.market, &input.model, &input.options);
        o.customer == input.customer
            && o.dealer == input.dealer
            && o.selling_dealer == input.selling_dealer
            && o.market == input.market
            && o.channel == input.channel
            && configuration.is_ok_and(|c| c == o.configuration)
    }

    /// Changes the options before the freeze (for stock, before dispatch),
    /// priced at the order's locked price list. When the order held a stock
    /// vehicle that no longer matches, the vehicle is released and the order
    /// goes back to fulfilment (the fulfilment process manager runs again).
    /// Only an order in the caller's `scope` is amended.
    pub async fn amend_order(
        &self,
        order: OrderId,
        options: Vec<OptionCode>,
        scope: &Scope,
        metadata: &Metadata,
    ) -> Result<Amendment, ServiceError> {
        let exec = &self.exec;
        let invoice = invoice_facts(exec, order).await?;
        let command = |state: &Order| {
            scope.admit(state, order)?;
            Ok(OrderCommand::Amend {
                options: options.clone(),
                invoice,
            })
        };
        let done = run_guarded::<Order>(exec, &order, metadata, command, no_objection).await?;
        let mut reached = Reached::of(&done);
        let o = placed(&done.state, order)?;
        let (difference, released_vehicle) = done
            .events
            .iter()
            .find_map(|e| match e {
                OrderEvent::Amended {
                    difference,
                    released_vehicle,
                    ..
                } => Some((*difference, *released_vehicle)),
                _ => None,
            })
            .unwrap_or((Money::zero(o.price.net.currency), None));
        if let Some(vehicle) = released_vehicle {
            reached = reached.max(release_vehicle(exec, vehicle, order, metadata).await?);
            let reason = "order amended";
            let called_off =
                cancel_planned_delivery(exec, vehicle, order, reason, metadata).await?;
            reached = reached.max(called_off);
        }
        Ok(Amendment {
            order,
            price: o.price,
            difference,
            released_vehicle,
            position: reached.position(exec).await?,
        })
    }

    /// Cancels an order before delivery. The order decides first (refund or
    /// forfeit of the deposit); then what it held is released (a reserved
    /// vehicle back to free stock, a booked slot back to capacity, a build
    /// already in production becomes free stock), a planned shipment that
    /// has not left is called off, and an invoiced order gets a credit note
    /// numbered from the register. Cancelling a cancelled order again
    /// finishes whatever an interrupted first attempt left undone. Only an
    /// order in the caller's `scope` is cancelled.
    pub async fn cancel_order(
        &self,
        order: OrderId,
        reason: &str,
        scope: &Scope,
        metadata: &Metadata,
    ) -> Result<Cancellation, ServiceError> {
        let exec = &self.exec;
        let invoice = invoice_facts(exec, order).await?;
        let command = |state: &Order| {
            scope.admit(state, order)?;
            Ok(OrderCommand::Cancel {
                reason: reason.to_owned(),
                invoice,
            })
        };
        let done = run_guarded::<Order>(exec, &order, metadata, command, no_objection).await?;
        let mut reached = Reached::of(&done);
        let cancelled = match done.events.iter().find(|e| is_cancelled(e)) {
            Some(event) => event.clone(),
            None => last_cancellation(exec, order).await?,
        };
        let OrderEvent::Cancelled {
            reason,
            refund,
            forfeited,
            released,
            ..
        } = cancelled
        else {
            return Err(CommandError::Corrupt {
                stream: stream_name::<Order>(&order),
                reason: "a cancelled order without its cancellation".into(),
            });
        };
        if let Some(released) = &released {
            reached = reached.max(release_held(exec, order, released, metadata).await?);
            if let Some(vehicle) = released.vehicle() {
                let called_off =
                    cancel_planned_delivery(exec, vehicle, order, &reason, metadata).await?;
                reached = reached.max(called_off);
            }
        }
        let (invoice, settled) = invoicing::settle(exec, order, metadata).await?;
        reached = reached.max(settled);
        let credit_note = invoice.credit_note().cloned();
        let credited = credit_note
            .as_ref()
            .map_or(Money::zero(refund.currency), |c| c.refund);
        Ok(Cancellation {
            order,
            refund: refund.checked_add(credited).unwrap_or(refund),
            deposit_refunded: refund,
            deposit_forfeited: forfeited,
            credit_note,
            position: reached.position(exec).await?,
        })
    }

    /// Books (or moves) the handover appointment once the car is at the
    /// dealer, for an order in the caller's `scope`.
    pub async fn book_handover(
        &self,
        order: OrderId,
        at: DateTime<Utc>,
        scope: &Scope,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        let exec = &self.exec;
        let command = |state: &Order| {
            scope.admit(state, order)?;
            Ok(OrderCommand::BookHandover { at })
        };
        let done = run_guarded::<Order>(exec, &order, metadata, command, no_objection).await?;
        Ok(Done {
            position: Reached::of(&done).position(exec).await?,
        })
    }

    /// Hands the car over, for an order in the caller's `scope`: only when
    /// the invoice (read from the order's invoice stream) is paid in full.
    /// The order decides first ([`OrderError::InvoiceNotPaid`]), the vehicle
    /// is delivered after; the order's handover cannot be undone, so it is
    /// appended only if the vehicle can be handed over too
    /// ([`Vehicle::handover_to`]), and the vehicle does not refuse
    /// afterwards. Commission accrues in the commission process manager.
    pub async fn hand_over(
        &self,
        order: OrderId,
        scope: &Scope,
        metadata: &Metadata,
    ) -> Result<Delivery, ServiceError> {
        let exec = &self.exec;
        // Loaded once: the executor decides the handover on this state.
        let state = load::<Order>(exec, &order).await?;
        let o = scope.admit(&state, order)?;
        let vehicle = o.fulfilment.as_ref().and_then(|f| f.vehicle());
        let mut reached = Reached::FoundDone;
        if o.status != OrderStatus::Delivered {
            let invoice = load::<Invoice>(exec, &order).await?;
            let invoice_paid = invoice.status() == Some(InvoiceStatus::Paid);
            let car = match vehicle {
                Some(vehicle) => Some(load::<Vehicle>(exec, &vehicle).await?),
                None => None,
            };
            let command = |state: &Order| {
                scope.admit(state, order)?;
                Ok(OrderCommand::HandOver { invoice_paid })
            };
            let car_ready = |_: &Order, _: &[OrderEvent]| match &car {
                Some(car) => car
                    .handover_to(order)
                    .map(|_| ())
                    .map_err(|refused| CommandError::Rejected(refused.into())),
                None => Ok(()),
            };
            match run_guarded::<Order>(exec, &order, metadata, command, car_ready).await {
                Ok(done) => reached = Reached::of(&done),
                // A duplicate racing us handed it over first: done, as it
                // would be for a repeat sent later.
                Err(refused) => {
                    let now = load::<Order>(exec, &order).await?;
                    if now.status() != Some(OrderStatus::Delivered) {
                        return Err(refused);
                    }
                }
            }
        }
        if let Some(vehicle) = vehicle {
            let done = run::<Vehicle>(exec, &vehicle, metadata, |_| VehicleCommand::Deliver {
                order,
            })
            .await?;
            reached = reached.max(Reached::of(&done));
        }
        Ok(Delivery {
            order,
            vehicle,
            position: reached.position(exec).await?,
        })
    }

    /// The placed order if the caller's `scope` covers it
    /// ([`CommandError::NotFound`], [`CommandError::NotYours`] otherwise):
    /// for a caller refused before its command is even built.
    pub async fn order_in_scope(
        &self,
        order: OrderId,
        scope: &Scope,
    ) -> Result<domain::order::PlacedOrder, ServiceError> {
        let state = load::<Order>(&self.exec, &order).await?;
        scope.admit(&state, order).cloned()
    }
}

/// A use case with nothing to add once the aggregate accepted.
fn no_objection(_: &Order, _: &[OrderEvent]) -> Result<(), ServiceError> {
    Ok(())
}

/// The placed order, or [`CommandError::NotFound`].
pub(crate) fn placed(
    state: &Order,
    order: OrderId,
) -> Result<&domain::order::PlacedOrder, ServiceError> {
    state
        .placed()
        .ok_or_else(|| CommandError::NotFound(format!("order {order}")))
}

/// What the order's invoice says for amending and refunding: issued (and
/// not credited), and whether a payment was made on it.
async fn invoice_facts(
    exec: &crate::Executor,
    order: OrderId,
) -> Result<InvoiceFacts, ServiceError> {
    let invoice = load::<Invoice>(exec, &order).await?;
    let issued = matches!(
        invoice.status(),
        Some(InvoiceStatus::Open | InvoiceStatus::Paid)
    );
    let payment_made = issued && invoice.paid_total().is_some_and(|paid| paid.is_positive());
    Ok(InvoiceFacts {
        issued,
        payment_made,
    })
}

fn is_cancelled(event: &OrderEvent) -> bool {
    matches!(event, OrderEvent::Cancelled { .. })
}

/// The order's cancellation as stored (for a cancellation retried after the
/// order already took it).
async fn last_cancellation(
    exec: &crate::Executor,
    order: OrderId,
) -> Result<OrderEvent, ServiceError> {
    let events = events_of::<Order>(exec, &order).await?;
    events
        .into_iter()
        .rev()
        .find(is_cancelled)
        .ok_or_else(|| CommandError::Corrupt {
            stream: stream_name::<Order>(&order),
            reason: "a cancelled order without its cancellation".into(),
        })
}
