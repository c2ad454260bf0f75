//! Given/when/then tests of what an order promised (its ETAs and prices, the
//! anchor a delay is measured against) and of the delay compensation it
//! decides with the arrival, and the invoice line that credits it.

#![allow(clippy::unwrap_used)]

mod support;

use domain::invoice::{Invoice, InvoiceCommand, InvoiceEvent};
use domain::order::*;
use domain::values::InvoiceNumber;
use support::*;

const TODAY: &str = "2026-11-23";

fn placed() -> Vec<OrderEvent> {
    given::<Order>(
        &[],
        OrderCommand::Place {
            order: order_id(1),
            customer: customer("C-1001"),
            dealer: dealer("D-BER-01"),
            selling_dealer: None,
            market: market("DE"),
            model: model("AURA"),
            options: options(&["PNT-RED"]),
            channel: Channel::Online,
            billing: None,
        },
        TODAY,
    )
    .unwrap()
}

fn then(history: &[OrderEvent], cmd: OrderCommand, date: &str) -> Vec<OrderEvent> {
    let mut events = history.to_vec();
    events.extend(given::<Order>(history, cmd, date).unwrap());
    events
}

fn state(events: &[OrderEvent]) -> PlacedOrder {
    use domain::Decider;
    match Order::replay(events) {
        Order::Placed(o) => *o,
        Order::New => panic!("not placed"),
    }
}

/// A stock vehicle in Hamburg for the order, promised at the dealer on `eta`.
fn allocated(eta: &str) -> Vec<OrderEvent> {
    let events = placed();
    let red = state(&events).configuration;
    then(
        &events,
        OrderCommand::Allocate {
            vehicle: vehicle_id(1),
            configuration: red,
            location: location("D-HAM-01"),
            source: VehicleSource::AtOtherLocation,
            eta: day(eta),
        },
        TODAY,
    )
}

fn dispatched(history: &[OrderEvent], eta: &str, on: &str) -> Vec<OrderEvent> {
    then(
        history,
        OrderCommand::Dispatch {
            shipment: shipment_id(1),
            eta: day(eta),
        },
        on,
    )
}

fn delayed(history: &[OrderEvent], new_eta: &str, on: &str) -> Vec<OrderEvent> {
    then(
        history,
        OrderCommand::Delay {
            reason: "carrier strike".into(),
            new_eta: day(new_eta),
        },
        on,
    )
}

fn arrive(history: &[OrderEvent], on: &str) -> Vec<OrderEvent> {
    given::<Order>(
        history,
        OrderCommand::Arrive {
            location: location("D-BER-01"),
        },
        on,
    )
    .unwrap()
}

fn reasons(o: &PlacedOrder) -> Vec<PromiseReason> {
    o.promises.history.iter().map(|p| p.reason).collect()
}

#[test]
fn placing_promises_the_price_and_booking_promises_the_first_eta() {
    let o = state(&allocated("2026-12-01"));
    assert_eq!(
        reasons(&o),
        vec![PromiseReason::Placed, PromiseReason::Booked]
    );
    assert_eq!(o.promises.history[0].eta, None);
    assert_eq!(o.promises.history[0].price, o.price.gross);
    assert_eq!(o.promises.first_eta, Some(day("2026-12-01")));
    assert_eq!(o.promises.anchor, Some(day("2026-12-01")));
}

#[test]
fn a_delay_is_a_new_promise_but_the_anchor_stays_the_first_eta() {
    let events = delayed(&allocated("2026-12-01"), "2026-12-20", "2026-11-25");
    let o = state(&events);
    assert_eq!(
        reasons(&o),
        vec![
            PromiseReason::Placed,
            PromiseReason::Booked,
            PromiseReason::Delay
        ]
    );
    assert_eq!(o.promises.eta(), Some(day("2026-12-20")));
    assert_eq!(o.promises.anchor, Some(day("2026-12-01")));
}

#[test]
fn a_later_eta_on_dispatch_is_a_delay_and_the_same_eta_no_new_promise() {
    let later = dispatched(&allocated("2026-12-01"), "2026-12-04", "2026-11-24");
    assert_eq!(reasons(&state(&later)).last(), Some(&PromiseReason::Delay));
    let same = dispatched(&allocated("2026-12-01"), "2026-12-01", "2026-11-24");
    assert_eq!(state(&same).promises.history.len(), 2);
}

#[test]
fn arriving_thirty_days_after_the_first_promise_in_germany_credits_460_euros_once() {
    // Given a car promised for 1 December, dispatched with that ETA,
    let events = dispatched(&allocated("2026-12-01"), "2026-12-01", "2026-11-24");
    // when it reaches the dealer on 31 December,
    let arrival = arrive(&events, "2026-12-31");
    // then the arrival and a credit of 23 days × 20.00 EUR are decided together.
    assert_eq!(
        arrival,
        vec![
            OrderEvent::ArrivedAtDealer {
                arrived_on: day("2026-12-31")
            },
            OrderEvent::DelayCompensated {
                anchor_eta: day("2026-12-01"),
                arrived_on: day("2026-12-31"),
                days_late: 30,
                amount: eur(46_000),
            }
        ]
    );
    // And the arrival redelivered decides nothing more.
    let mut all = events.clone();
    all.extend(arrival);
    assert_eq!(arrive(&all, "2027-01-02"), vec![]);
    let o = state(&all);
    assert_eq!(o.promises.compensation.unwrap().amount, eur(46_000));
    assert_eq!(o.promises.arrived_on, Some(day("2026-12-31")));
}

#[test]
fn arriving_within_the_grace_period_credits_nothing() {
    let events = dispatched(&allocated("2026-12-01"), "2026-12-01", "2026-11-24");
    assert_eq!(
        arrive(&events, "2026-12-08"),
        vec![OrderEvent::ArrivedAtDealer {
            arrived_on: day("2026-12-08")
        }]
    );
    let credited = arrive(&events, "2026-12-09");
    assert_eq!(credited.len(), 2, "one day beyond the grace: {credited:?}");
}

#[test]
fn the_credit_is_capped_at_the_markets_maximum() {
    let events = dispatched(&allocated("2026-12-01"), "2026-12-01", "2026-11-24");
    let arrival = arrive(&events, "2027-06-01");
    assert!(matches!(
        arrival.last(),
        Some(OrderEvent::DelayCompensated { amount, .. }) if *amount == eur(100_000)
    ));
}

#[test]
fn a_delay_by_the_oem_still_counts_from_the_first_promise() {
    let events = delayed(&allocated("2026-12-01"), "2026-12-30", "2026-11-25");
    let events = dispatched(&events, "2026-12-30", "2026-11-26");
    let arrival = arrive(&events, "2026-12-30");
    assert!(matches!(
        arrival.last(),
        Some(OrderEvent::DelayCompensated { days_late: 29, amount, .. }) if *amount == eur(44_000)
    ));
}

#[test]
fn an_amendment_by_the_customer_resets_the_anchor_to_the_next_promise() {
    // Given a stock order promised for 1 December, amended to black paint (the
    // Hamburg car is red, so it is released),
    let events = then(
        &allocated("2026-12-01"),
        OrderCommand::Amend {
            options: options(&["PNT-BLK"]),
            invoice: InvoiceFacts::default(),
        },
        "2026-11-24",
    );
    let o = state(&events);
    assert_eq!(o.promises.eta(), None);
    assert_eq!(reasons(&o).last(), Some(&PromiseReason::Amendment));
    // when another car is found for 20 December,
    let events = then(
        &events,
        OrderCommand::Allocate {
            vehicle: vehicle_id(2),
            configuration: o.configuration.clone(),
            location: location("D-HAM-01"),
            source: VehicleSource::AtOtherLocation,
            eta: day("2026-12-20"),
        },
        "2026-11-24",
    );
    // then that is the promise measured against, made for the amendment,
    let o = state(&events);
    assert_eq!(o.promises.first_eta, Some(day("2026-12-01")));
    assert_eq!(o.promises.anchor, Some(day("2026-12-20")));
    assert_eq!(reasons(&o).last(), Some(&PromiseReason::Amendment));
    // and a car on the new date is on time.
    let events = dispatched(&events, "2026-12-20", "2026-11-25");
    assert_eq!(arrive(&events, "2026-12-20").len(), 1);
}

#[test]
fn an_amendment_that_keeps_the_slot_resets_the_anchor_to_the_eta_in_force() {
    // Given a build order whose ETA the OEM delayed by three weeks,
    let events = then(
        &placed(),
        OrderCommand::Schedule {
            plant: plant("P-LEIPZIG"),
            week: week("2027-W03"),
        },
        TODAY,
    );
    let booked = state(&events).promises.anchor.unwrap();
    let later = booked + chrono::Days::new(21);
    let events = delayed(&events, &later.to_string(), "2026-11-24");
    // when the customer adds 20-inch wheels before the freeze,
    let events = then(
        &events,
        OrderCommand::Amend {
            options: options(&["PNT-RED", "WHL-20"]),
            invoice: InvoiceFacts::default(),
        },
        "2026-11-25",
    );
    // then the delayed ETA is the promise measured against, with the new price.
    let o = state(&events);
    assert_eq!(o.promises.first_eta, Some(booked));
    assert_eq!(o.promises.anchor, Some(later));
    let last = o.promises.history.last().unwrap();
    assert_eq!(last.reason, PromiseReason::Amendment);
    assert_eq!(last.price, o.price.gross);
    assert_eq!(last.eta, Some(later));
}

#[test]
fn a_reallocation_is_a_promise_of_its_own_and_keeps_the_anchor() {
    let events = allocated("2026-12-01");
    let red = state(&events).configuration;
    let events = then(
        &events,
        OrderCommand::TakeVehicle {
            vehicle: vehicle_id(3),
            configuration: red,
            from_order: None,
            location: location("D-HAM-01"),
            source: VehicleSource::AtOtherLocation,
            eta: day("2026-12-15"),
        },
        "2026-11-24",
    );
    let o = state(&events);
    assert_eq!(reasons(&o).last(), Some(&PromiseReason::Reallocation));
    assert_eq!(o.promises.anchor, Some(day("2026-12-01")));
}

// --- the invoice ------------------------------------------------------------

fn issue(compensation: Option<domain::values::Money>) -> InvoiceCommand {
    let o = state(&placed());
    InvoiceCommand::Issue {
        number: InvoiceNumber::parse("DE-2026-000001").unwrap(),
        order: o.id,
        customer: o.customer.clone(),
        dealer: o.dealer.clone(),
        market: o.market.clone(),
        lines: o.lines.clone(),
        price: o.price,
        deposit_paid: o.deposit,
        compensation,
        issued_on: day("2026-12-31"),
        billing: None,
    }
}

#[test]
fn the_invoice_credits_the_compensation_as_its_own_line_reducing_the_amount_due() {
    let o = state(&placed());
    let events = given::<Invoice>(&[], issue(Some(eur(46_000))), "2026-12-31").unwrap();
    let InvoiceEvent::Issued {
        compensation,
        amount_due,
        ..
    } = &events[0]
    else {
        panic!("not issued: {events:?}");
    };
    assert_eq!(*compensation, Some(eur(46_000)));
    let before = o.price.gross.checked_sub(o.deposit).unwrap();
    assert_eq!(*amount_due, before.checked_sub(eur(46_000)).unwrap());
    use domain::Decider;
    let invoice = Invoice::replay(&events);
    assert_eq!(invoice.document().unwrap().compensation, Some(eur(46_000)));
}

#[test]
fn the_credit_never_takes_the_amount_due_below_zero() {
    let events = given::<Invoice>(&[], issue(Some(eur(999_999_999))), "2026-12-31").unwrap();
    assert!(matches!(
        &events[..],
        [InvoiceEvent::Issued { amount_due, .. }, InvoiceEvent::Paid { .. }] if amount_due.is_zero()
    ));
}

#[test]
fn a_credit_in_another_currency_is_refused() {
    assert!(given::<Invoice>(&[], issue(Some(cny(100))), "2026-12-31").is_err());
}

#[test]
fn an_invoice_without_compensation_reads_as_before() {
    let events = given::<Invoice>(&[], issue(None), "2026-12-31").unwrap();
    let json = serde_json::to_value(&events[0]).unwrap();
    assert!(json["data"].get("compensation").is_none(), "{json}");
}
