//! The back office and the showroom floor: finance records the payments of
//! open invoices (some in two instalments, now and then a typo the invoice
//! refuses as an overpayment); dealers book handover appointments for cars
//! at the dealer and hand paid cars over on the day (a car not yet paid is
//! rebooked; now and then a dealer tries anyway and is refused).

use app::services::Scope;
use chrono::{Days, NaiveTime};
use domain::invoice::InvoiceStatus;
use domain::order::{Channel, OrderStatus};
use domain::values::{Money, PaymentId};
use projections::views::{InvoiceFilter, OrderFilter, OrderView};

use super::world::World;
use super::DemoError;
use api::auth::Role;

/// Open invoices paid on a given day.
const PAY_TODAY: f64 = 0.45;
/// Payments made in two instalments.
const INSTALMENTS: f64 = 0.15;
/// Payments keyed in with a typo (more than is due).
const TYPO: f64 = 0.02;
/// Dealers who try to hand over a car that is not paid yet.
const IMPATIENT: f64 = 0.1;

/// Finance records the payments customers made today.
pub(super) async fn pay_invoices(world: &mut World<'_>) -> Result<(), DemoError> {
    let filter = InvoiceFilter {
        status: Some(InvoiceStatus::Open),
        ..InvoiceFilter::default()
    };
    let open = world.views.invoices(&filter).await?;
    for invoice in open {
        let outstanding = invoice.outstanding;
        if !outstanding.is_positive() || !world.chance(PAY_TODAY) {
            continue;
        }
        let mut amount = outstanding.amount_minor;
        if world.chance(INSTALMENTS) && amount >= 200 {
            amount /= 2;
        }
        // Named after what was paid before: a retried day records nothing twice.
        let seed = world.seed;
        let payment = |what: &str| {
            PaymentId::derived(&format!(
                "demo:{seed}:payment:{}:{}:{what}",
                invoice.number, invoice.paid.amount_minor
            ))
        };
        if world.chance(TYPO) {
            // One digit too many: the invoice refuses it.
            let typo = Money::new(amount.saturating_mul(10), outstanding.currency);
            let id = payment("typo");
            let result = world
                .services
                .record_payment(&invoice.number, typo, id, &world.finance())
                .await;
            world.judge("recording a payment", result)?;
            continue;
        }
        let id = payment("paid");
        let paid = Money::new(amount, outstanding.currency);
        let result = world
            .services
            .record_payment(&invoice.number, paid, id, &world.finance())
            .await;
        if world.judge("recording a payment", result)?.is_some() {
            world.tally.payments += 1;
        }
    }
    world.settle().await
}

/// Appointments for the cars that arrived; handovers of the cars whose
/// appointment is today.
pub(super) async fn handovers(world: &mut World<'_>) -> Result<(), DemoError> {
    let today = world.today();
    for o in orders(world, OrderStatus::AtDealer).await? {
        let in_days = world.between(1, 4);
        book(world, &o, in_days, true).await?;
    }
    for o in orders(world, OrderStatus::HandoverScheduled).await? {
        let due = o.handover_at.is_some_and(|at| at.date_naive() <= today);
        if !due {
            continue;
        }
        let paid = o
            .invoice
            .as_ref()
            .is_some_and(|i| i.status == InvoiceStatus::Paid);
        let dealer = world.by(Role::Dealer, o.dealer_id.as_str());
        if paid {
            let result = world
                .services
                .hand_over(o.order_id, &Scope::AnyOrder, &dealer)
                .await;
            if world.judge("handing over", result)?.is_some() {
                world.tally.handovers += 1;
            }
            continue;
        }
        if world.chance(IMPATIENT) {
            let result = world
                .services
                .hand_over(o.order_id, &Scope::AnyOrder, &dealer)
                .await;
            world.judge("handing over", result)?;
        }
        let in_days = world.between(2, 3);
        book(world, &o, in_days, false).await?;
    }
    world.settle().await
}

/// Books (or moves) the appointment `in_days` from today, between 09:00
/// and 17:00: the customer online, or the dealer.
async fn book(
    world: &mut World<'_>,
    o: &OrderView,
    in_days: u32,
    first: bool,
) -> Result<(), DemoError> {
    let hour = world.between(9, 17);
    let day = world.today() + Days::new(u64::from(in_days));
    let Some(time) = NaiveTime::from_hms_opt(hour, 0, 0) else {
        return Ok(());
    };
    let at = day.and_time(time).and_utc();
    let online = world.channels.get(&o.order_id) == Some(&Channel::Online);
    let metadata = if online && world.chance(0.5) {
        world.by(Role::Customer, o.customer_id.as_str())
    } else {
        world.by(Role::Dealer, o.dealer_id.as_str())
    };
    let result = world
        .services
        .book_handover(o.order_id, at, &Scope::AnyOrder, &metadata)
        .await;
    if world.judge("booking a handover", result)?.is_some() && first {
        world.tally.appointments += 1;
    }
    Ok(())
}

/// The orders in `status`, newest first.
async fn orders(world: &World<'_>, status: OrderStatus) -> Result<Vec<OrderView>, DemoError> {
    let filter = OrderFilter {
        status: Some(status),
        ..OrderFilter::default()
    };
    Ok(world.views.orders(&filter).await?)
}
