//! Given/when/then tests of who sells an order and of the terms of an order
//! fulfilled from stock (spec: roles; the order's life, point 6): amendable
//! and refundable until dispatch, or for a car that already stood at the
//! dealer until a handover is booked or its invoice is paid; and the online
//! withdrawal period of DE.

#![allow(clippy::unwrap_used)]

mod support;

use chrono::{DateTime, Duration, Utc};
use domain::catalog::Configuration;
use domain::order::*;
use domain::{Context, Decider};
use support::*;

const TODAY: &str = "2026-11-23";

fn place(channel: Channel, market_code: &str, delivering: &str) -> OrderCommand {
    let seller = match channel {
        Channel::Showroom => Some(delivering),
        Channel::Online => None,
    };
    place_sold_by(seller, channel, market_code, delivering)
}

/// A red AURA for `delivering`, placed by the showroom of `seller`.
fn place_sold_by(
    seller: Option<&str>,
    channel: Channel,
    market_code: &str,
    delivering: &str,
) -> OrderCommand {
    let seller = seller.map(dealer);
    OrderCommand::Place {
        lead: None,
        order: order_id(1),
        customer: customer("C-1001"),
        dealer: dealer(delivering),
        selling_dealer: seller,
        market: market(market_code),
        model: model("AURA"),
        options: options(&["PNT-RED"]),
        channel,
        billing: None,
    }
}

/// Decides `command` on the state after `history`, at the instant `now`.
fn decide_at(
    history: &[OrderEvent],
    command: OrderCommand,
    now: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderError> {
    Order::decide(
        &Order::replay(history),
        command,
        &Context::new(now, catalog()),
    )
}

fn then(history: &[OrderEvent], command: OrderCommand, date: &str) -> Vec<OrderEvent> {
    let mut events = history.to_vec();
    events.extend(given::<Order>(history, command, date).unwrap());
    events
}

fn placed(channel: Channel, market_code: &str, delivering: &str) -> Vec<OrderEvent> {
    given::<Order>(&[], place(channel, market_code, delivering), TODAY).unwrap()
}

fn configuration_of(events: &[OrderEvent]) -> Configuration {
    match Order::replay(events) {
        Order::Placed(o) => o.configuration.clone(),
        Order::New => panic!("not placed"),
    }
}

fn placed_order(events: &[OrderEvent]) -> PlacedOrder {
    match Order::replay(events) {
        Order::Placed(o) => *o,
        Order::New => panic!("not placed"),
    }
}

/// The order matched to a stock car `source` at `at`.
fn matched(history: Vec<OrderEvent>, source: VehicleSource, at: &str) -> Vec<OrderEvent> {
    let configuration = configuration_of(&history);
    then(
        &history,
        OrderCommand::Allocate {
            vehicle: vehicle_id(1),
            configuration,
            location: location(at),
            source,
            eta: day(TODAY),
        },
        TODAY,
    )
}

/// The order's stock car, brought from another outlet, stands at the dealer.
fn arrived_from_elsewhere(history: Vec<OrderEvent>, dealer_id: &str) -> Vec<OrderEvent> {
    let other = if dealer_id.starts_with("D-BER") {
        "D-HAM-01"
    } else {
        "D-BJS-01"
    };
    let allocated = matched(history, VehicleSource::AtOtherLocation, other);
    let shipped = then(
        &allocated,
        OrderCommand::Dispatch {
            shipment: shipment_id(1),
            eta: day("2026-11-25"),
        },
        TODAY,
    );
    then(
        &shipped,
        OrderCommand::Arrive {
            location: location(dealer_id),
        },
        "2026-11-25",
    )
}

fn cancel(invoice: InvoiceFacts) -> OrderCommand {
    OrderCommand::Cancel {
        reason: "changed my mind".into(),
        invoice,
    }
}

fn amend(invoice: InvoiceFacts) -> OrderCommand {
    OrderCommand::Amend {
        options: options(&["PNT-BLK"]),
        invoice,
    }
}

/// (refund, forfeited) of the cancellation `command` decided at `now`.
fn settled(history: &[OrderEvent], now: DateTime<Utc>, invoice: InvoiceFacts) -> (i64, i64) {
    let events = decide_at(history, cancel(invoice), now).unwrap();
    let [OrderEvent::Cancelled {
        refund, forfeited, ..
    }] = events.as_slice()
    else {
        panic!("{events:?}")
    };
    (refund.amount_minor, forfeited.amount_minor)
}

const PAID: InvoiceFacts = InvoiceFacts {
    issued: true,
    payment_made: true,
};
const ISSUED: InvoiceFacts = InvoiceFacts {
    issued: true,
    payment_made: false,
};
const NONE: InvoiceFacts = InvoiceFacts {
    issued: false,
    payment_made: false,
};

// --- who sold the order -------------------------------------------------

#[test]
fn a_dealer_placing_an_order_in_its_showroom_is_recorded_as_its_seller() {
    let events = given::<Order>(
        &[],
        place_sold_by(Some("D-MUC-01"), Channel::Showroom, "DE", "D-BER-01"),
        TODAY,
    )
    .unwrap();
    let o = placed_order(&events);
    assert_eq!(o.selling_dealer, Some(dealer("D-MUC-01")));
    assert_eq!(o.dealer, dealer("D-BER-01"));
}

#[test]
fn a_dealer_places_orders_only_in_its_own_market() {
    let command = place_sold_by(Some("D-SHA-01"), Channel::Showroom, "DE", "D-BER-01");
    assert_eq!(
        given::<Order>(&[], command, TODAY),
        Err(OrderError::SellerNotInMarket {
            dealer: dealer("D-SHA-01"),
            market: market("DE"),
        })
    );
}

#[test]
fn an_unknown_selling_dealer_is_refused() {
    let command = place_sold_by(Some("D-XXX-99"), Channel::Showroom, "DE", "D-BER-01");
    assert_eq!(
        given::<Order>(&[], command, TODAY),
        Err(OrderError::UnknownDealer(dealer("D-XXX-99")))
    );
}

#[test]
fn an_order_placed_before_sellers_were_recorded_still_loads_without_one() {
    let events = placed(Channel::Online, "DE", "D-BER-01");
    let mut json = serde_json::to_value(&events[0]).unwrap();
    assert!(json["data"].get("selling_dealer").is_none());
    json["data"]["channel"] = "showroom".into();
    let old: OrderEvent = serde_json::from_value(json).unwrap();
    assert_eq!(placed_order(&[old]).selling_dealer, None);
}

// --- a car that already stands at the order's dealer ---------------------

#[test]
fn a_car_at_the_dealer_cancelled_a_minute_after_placing_refunds_the_deposit_in_full() {
    let events = matched(
        placed(Channel::Showroom, "DE", "D-BER-01"),
        VehicleSource::AtDealer,
        "D-BER-01",
    );
    assert_eq!(placed_order(&events).status, OrderStatus::AtDealer);
    let a_minute_later = at(TODAY) + Duration::minutes(1);
    assert_eq!(settled(&events, a_minute_later, NONE), (100_000, 0));
}

#[test]
fn a_car_at_the_dealer_stays_refundable_weeks_later_while_nothing_is_booked_or_paid() {
    let events = matched(
        placed(Channel::Showroom, "CN", "D-SHA-01"),
        VehicleSource::AtDealer,
        "D-SHA-01",
    );
    assert_eq!(
        settled(&events, at("2027-01-20"), ISSUED),
        (500_000, 0),
        "an unpaid invoice does not end the refund"
    );
}

#[test]
fn a_car_at_the_dealer_can_be_amended_which_releases_it_back_to_fulfilment() {
    let events = matched(
        placed(Channel::Showroom, "DE", "D-BER-01"),
        VehicleSource::AtDealer,
        "D-BER-01",
    );
    let amended = given::<Order>(&events, amend(NONE), TODAY).unwrap();
    let [OrderEvent::Amended {
        released_vehicle, ..
    }] = amended.as_slice()
    else {
        panic!("{amended:?}")
    };
    assert_eq!(*released_vehicle, Some(vehicle_id(1)));
    let o = placed_order(&[events, amended].concat());
    assert_eq!((o.status, o.fulfilment), (OrderStatus::Placed, None));
}

#[test]
fn a_booked_handover_ends_amending_and_the_refund_of_a_car_at_the_dealer() {
    let events = matched(
        placed(Channel::Showroom, "DE", "D-BER-01"),
        VehicleSource::AtDealer,
        "D-BER-01",
    );
    let booked = then(
        &events,
        OrderCommand::BookHandover {
            at: at("2026-11-27"),
        },
        TODAY,
    );
    assert_eq!(
        given::<Order>(&booked, amend(NONE), TODAY),
        Err(OrderError::AmendAfterHandoverBooked)
    );
    assert_eq!(settled(&booked, at(TODAY), NONE), (0, 100_000));
}

#[test]
fn a_payment_on_its_invoice_ends_amending_and_the_refund_of_a_car_at_the_dealer() {
    let events = matched(
        placed(Channel::Showroom, "DE", "D-BER-01"),
        VehicleSource::AtDealer,
        "D-BER-01",
    );
    assert_eq!(
        given::<Order>(&events, amend(PAID), TODAY),
        Err(OrderError::AmendAfterInvoice)
    );
    assert_eq!(settled(&events, at(TODAY), PAID), (0, 100_000));
}

#[test]
fn a_stock_car_brought_to_the_dealer_is_no_longer_amendable_nor_refundable() {
    let events = arrived_from_elsewhere(placed(Channel::Showroom, "DE", "D-BER-01"), "D-BER-01");
    assert_eq!(
        given::<Order>(&events, amend(NONE), "2026-11-25"),
        Err(OrderError::NotAllowed {
            action: Action::Amend,
            status: OrderStatus::AtDealer,
        })
    );
    assert_eq!(settled(&events, at("2026-11-25"), NONE), (0, 100_000));
}

// --- the online withdrawal period (distance selling) ---------------------

#[test]
fn a_de_online_stock_order_is_withdrawn_with_a_full_refund_within_14_days_even_at_the_dealer() {
    let events = arrived_from_elsewhere(placed(Channel::Online, "DE", "D-BER-01"), "D-BER-01");
    let last_moment = at(TODAY) + Duration::days(14);
    assert_eq!(settled(&events, last_moment, PAID), (100_000, 0));
}

#[test]
fn the_online_withdrawal_period_ends_14_days_after_placing() {
    let events = arrived_from_elsewhere(placed(Channel::Online, "DE", "D-BER-01"), "D-BER-01");
    let too_late = at(TODAY) + Duration::days(14) + Duration::seconds(1);
    assert_eq!(settled(&events, too_late, NONE), (0, 100_000));
}

#[test]
fn a_showroom_order_has_no_online_withdrawal_period() {
    let events = arrived_from_elsewhere(placed(Channel::Showroom, "DE", "D-BER-01"), "D-BER-01");
    assert_eq!(settled(&events, at("2026-11-26"), NONE), (0, 100_000));
}

#[test]
fn a_cn_online_order_has_no_withdrawal_period() {
    let events = arrived_from_elsewhere(placed(Channel::Online, "CN", "D-SHA-01"), "D-SHA-01");
    assert_eq!(settled(&events, at("2026-11-26"), NONE), (0, 500_000));
}

#[test]
fn a_car_built_to_the_customers_configuration_is_exempt_from_the_online_withdrawal() {
    let scheduled = then(
        &placed(Channel::Online, "DE", "D-BER-01"),
        OrderCommand::Schedule {
            plant: plant("P-LEIPZIG"),
            week: week("2026-W50"),
        },
        TODAY,
    );
    assert_eq!(
        settled(&scheduled, at("2026-11-24"), NONE),
        (0, 100_000),
        "frozen on placing day + 1, well within 14 days"
    );
}
