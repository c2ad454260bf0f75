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
use domain::streams::{invoice_stream, order_stream, vehicle_stream};
use domain::values::{
    CustomerId, DealerId, MarketCode, ModelCode, Money, OptionCode, OrderId, VehicleId,
};
use domain::vehicle::{Vehicle, VehicleCommand};
use store::{Metadata, Position};

use super::{Done, Services};
use crate::rejection::{Rejection, ServiceError};
use crate::steps::release::{release_held, release_vehicle};
use crate::steps::shipments::cancel_planned_delivery;
use crate::steps::{check, events_of, invoicing, load, run, Progress};
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
        let stream = order_stream(input.order);
        let mut progress = Progress::default();
        let command = |_: &Order| OrderCommand::Place {
            order: input.order,
            customer: input.customer.clone(),
            dealer: input.dealer.clone(),
            selling_dealer: input.selling_dealer.clone(),
            market: input.market.clone(),
            model: input.model.clone(),
            options: input.options.clone(),
            channel: input.channel,
        };
        let state = match run::<Order>(exec, &stream, metadata, &mut progress, command).await {
            Ok(done) => done.state,
            Err(CommandError::Rejected(Rejection::Order(OrderError::AlreadyPlaced(_)))) => {
                let state = load::<Order>(exec, &stream).await?;
                if !self.same_order(&state, &input) {
                    return Err(CommandError::Rejected(Rejection::Order(
                        OrderError::AlreadyPlaced(input.order),
                    )));
                }
                state
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
            position: progress.reached(exec).await?,
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
    pub async fn amend_order(
        &self,
        order: OrderId,
        options: Vec<OptionCode>,
        metadata: &Metadata,
    ) -> Result<Amendment, ServiceError> {
        let exec = &self.exec;
        let stream = order_stream(order);
        placed(&load::<Order>(exec, &stream).await?, order)?;
        let invoice = invoice_facts(exec, order).await?;
        let mut progress = Progress::default();
        let done = run::<Order>(exec, &stream, metadata, &mut progress, |_| {
            OrderCommand::Amend {
                options: options.clone(),
                invoice,
            }
        })
        .await?;
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
            release_vehicle(exec, vehicle, order, metadata, &mut progress).await?;
            let reason = "order amended";
            cancel_planned_delivery(exec, vehicle, order, reason, metadata, &mut progress).await?;
        }
        Ok(Amendment {
            order,
            price: o.price,
            difference,
            released_vehicle,
            position: progress.reached(exec).await?,
        })
    }

    /// Cancels an order before delivery. The order decides first (refund or
    /// forfeit of the deposit); then what it held is released (a reserved
    /// vehicle back to free stock, a booked slot back to capacity, a build
    /// already in production becomes free stock), a planned shipment that
    /// has not left is called off, and an invoiced order gets a credit note
    /// numbered from the register. Cancelling a cancelled order again
    /// finishes whatever an interrupted first attempt left undone.
    pub async fn cancel_order(
        &self,
        order: OrderId,
        reason: &str,
        metadata: &Metadata,
    ) -> Result<Cancellation, ServiceError> {
        let exec = &self.exec;
        let stream = order_stream(order);
        placed(&load::<Order>(exec, &stream).await?, order)?;
        let invoice = invoice_facts(exec, order).await?;
        let mut progress = Progress::default();
        let done = run::<Order>(exec, &stream, metadata, &mut progress, |_| {
            OrderCommand::Cancel {
                reason: reason.to_owned(),
                invoice,
            }
        })
        .await?;
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
                stream,
                reason: "a cancelled order without its cancellation".into(),
            });
        };
        if let Some(released) = &released {
            release_held(exec, order, released, metadata, &mut progress).await?;
            if let Some(vehicle) = released.vehicle() {
                cancel_planned_delivery(exec, vehicle, order, &reason, metadata, &mut progress)
                    .await?;
            }
        }
        let invoice = invoicing::settle(exec, order, metadata, &mut progress).await?;
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
            position: progress.reached(exec).await?,
        })
    }

    /// Books (or moves) the handover appointment once the car is at the
    /// dealer.
    pub async fn book_handover(
        &self,
        order: OrderId,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        let exec = &self.exec;
        let stream = order_stream(order);
        placed(&load::<Order>(exec, &stream).await?, order)?;
        let mut progress = Progress::default();
        run::<Order>(exec, &stream, metadata, &mut progress, |_| {
            OrderCommand::BookHandover { at }
        })
        .await?;
        Ok(Done {
            position: progress.reached(exec).await?,
        })
    }

    /// Hands the car over: only when the invoice (read from the order's
    /// invoice stream) is paid in full. The order decides first
    /// ([`OrderError::InvoiceNotPaid`]), the vehicle is delivered after;
    /// the vehicle's side is checked before the order moves, so it does not
    /// refuse afterwards. Commission accrues in the commission process
    /// manager.
    pub async fn hand_over(
        &self,
        order: OrderId,
        metadata: &Metadata,
    ) -> Result<Delivery, ServiceError> {
        let exec = &self.exec;
        let stream = order_stream(order);
        let state = load::<Order>(exec, &stream).await?;
        let o = placed(&state, order)?;
        let vehicle = o.fulfilment.as_ref().and_then(|f| f.vehicle());
        let mut progress = Progress::default();
        if o.status != OrderStatus::Delivered {
            let invoice = load::<Invoice>(exec, &invoice_stream(order)).await?;
            let invoice_paid = invoice.status() == Some(InvoiceStatus::Paid);
            check::<Order>(exec, &state, OrderCommand::HandOver { invoice_paid })
                .map_err(CommandError::Rejected)?;
            if let Some(vehicle) = vehicle {
                let v = load::<Vehicle>(exec, &vehicle_stream(vehicle)).await?;
                check::<Vehicle>(exec, &v, VehicleCommand::Deliver { order })
                    .map_err(CommandError::Rejected)?;
            }
            let handed_over = run::<Order>(exec, &stream, metadata, &mut progress, |_| {
                OrderCommand::HandOver { invoice_paid }
            })
            .await;
            if let Err(refused) = handed_over {
                // A duplicate racing us handed it over first: done, as it
                // would be for a repeat sent later.
                let now = load::<Order>(exec, &stream).await?;
                if now.status() != Some(OrderStatus::Delivered) {
                    return Err(refused);
                }
                progress.found_done();
            }
        } else {
            progress.found_done();
        }
        if let Some(vehicle) = vehicle {
            run::<Vehicle>(
                exec,
                &vehicle_stream(vehicle),
                metadata,
                &mut progress,
                |_| VehicleCommand::Deliver { order },
            )
            .await?;
        }
        Ok(Delivery {
            order,
            vehicle,
            position: progress.reached(exec).await?,
        })
    }
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
    let invoice = load::<Invoice>(exec, &invoice_stream(order)).await?;
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
    let stream = order_stream(order);
    let events = events_of::<OrderEvent>(exec, &stream).await?;
    events
        .into_iter()
        .rev()
        .find(is_cancelled)
        .ok_or_else(|| CommandError::Corrupt {
            stream,
            reason: "a cancelled order without its cancellation".into(),
        })
}
