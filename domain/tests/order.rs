//! Given/when/then tests of the order aggregate, one per rule.

#![allow(clippy::unwrap_used)]

mod support;

use chrono::Duration;
use domain::catalog::Violation;
use domain::order::*;
use domain::DomainEvent;
use support::*;

const TODAY: &str = "2026-11-23";

fn place_cmd(opts: &[&str]) -> OrderCommand {
    OrderCommand::Place {
        lead: None,
        order: order_id(1),
        customer: customer("C-1001"),
        dealer: dealer("D-BER-01"),
        selling_dealer: Some(dealer("D-BER-01")),
        market: market("DE"),
        model: model("AURA"),
        options: options(opts),
        channel: Channel::Showroom,
        billing: None,
    }
}

fn cancel(reason: &str) -> OrderCommand {
    OrderCommand::Cancel {
        reason: reason.into(),
        invoice: InvoiceFacts::default(),
    }
}

/// The events of a red AURA placed in Berlin on TODAY.
fn placed() -> Vec<OrderEvent> {
    given::<Order>(&[], place_cmd(&["PNT-RED"]), TODAY).unwrap()
}

/// The configuration `placed()` ordered: what a vehicle matched to it carries.
fn red() -> domain::catalog::Configuration {
    state(&placed()).configuration.clone()
}

fn then(history: &[OrderEvent], cmd: OrderCommand, date: &str) -> Vec<OrderEvent> {
    let mut events = history.to_vec();
    events.extend(given::<Order>(history, cmd, date).unwrap());
    events
}

fn scheduled(w: &str) -> Vec<OrderEvent> {
    then(
        &placed(),
        OrderCommand::Schedule {
            plant: plant("P-LEIPZIG"),
            week: week(w),
        },
        TODAY,
    )
}

fn allocated(source: VehicleSource, at: &str) -> Vec<OrderEvent> {
    then(
        &placed(),
        OrderCommand::Allocate {
            vehicle: vehicle_id(1),
            configuration: red(),
            location: location(at),
            source,
            eta: day("2026-11-26"),
        },
        TODAY,
    )
}

fn in_production() -> Vec<OrderEvent> {
    then(
        &scheduled("2026-W50"),
        OrderCommand::StartProduction {
            vehicle: vehicle_id(7),
            vin: vin("WAUZZZ8V5KA123456"),
        },
        "2026-12-07",
    )
}

fn at_dealer() -> Vec<OrderEvent> {
    let built = then(
        &in_production(),
        OrderCommand::CompleteBuild {
            vehicle: vehicle_id(7),
        },
        "2026-12-10",
    );
    let shipped = then(
        &built,
        OrderCommand::Dispatch {
            shipment: shipment_id(1),
            eta: day("2026-12-12"),
        },
        "2026-12-10",
    );
    then(
        &shipped,
        OrderCommand::Arrive {
            location: location("D-BER-01"),
        },
        "2026-12-12",
    )
}

fn state(events: &[OrderEvent]) -> PlacedOrder {
    use domain::Decider;
    match Order::replay(events) {
        Order::Placed(o) => *o,
        Order::New => panic!("not placed"),
    }
}

#[test]
fn placing_a_valid_configuration_locks_the_price_and_takes_the_deposit() {
    let events = placed();
    let [OrderEvent::Placed {
        price,
        deposit,
        configuration,
        sheet,
        dealer: d,
        ..
    }] = events.as_slice()
    else {
        panic!("{events:?}")
    };
    assert_eq!(price.net, eur(4_290_000 + 120_000));
    assert_eq!(price.vat, eur(837_900));
    assert_eq!(price.gross, eur(4_410_000 + 837_900));
    assert_eq!(*deposit, eur(100_000));
    assert!(configuration.options.contains(&option("PNT-RED")));
    assert_eq!(sheet.price_list, "2026-11");
    assert_eq!(*d, dealer("D-BER-01"));
    assert_eq!(state(&events).status, OrderStatus::Placed);
}

#[test]
fn placing_an_invalid_configuration_reports_every_violated_rule() {
    let err = given::<Order>(&[], place_cmd(&["PKG-TOW", "PKG-SPORT"]), TODAY).unwrap_err();
    let OrderError::InvalidConfiguration(violations) = err else {
        panic!("{err:?}")
    };
    let rules: Vec<&str> = violations.iter().map(Violation::rule).collect();
    assert!(rules.contains(&"model_only"), "{rules:?}");
    assert!(rules.contains(&"requires"), "{rules:?}");
    assert!(rules.contains(&"excludes"), "{rules:?}");
}

#[test]
fn an_order_must_be_delivered_by_a_dealer_of_its_market() {
    let cmd = OrderCommand::Place {
        lead: None,
        order: order_id(1),
        customer: customer("C-1001"),
        dealer: dealer("D-SHA-01"),
        selling_dealer: None,
        market: market("DE"),
        model: model("AURA"),
        options: vec![],
        channel: Channel::Showroom,
        billing: None,
    };
    assert_eq!(
        given::<Order>(&[], cmd, TODAY),
        Err(OrderError::DealerNotInMarket {
            dealer: dealer("D-SHA-01"),
            market: market("DE")
        })
    );
}

#[test]
fn an_unknown_dealer_is_refused() {
    let cmd = OrderCommand::Place {
        lead: None,
        order: order_id(1),
        customer: customer("C-1001"),
        dealer: dealer("D-XXX-99"),
        selling_dealer: None,
        market: market("DE"),
        model: model("AURA"),
        options: vec![],
        channel: Channel::Online,
        billing: None,
    };
    assert_eq!(
        given::<Order>(&[], cmd, TODAY),
        Err(OrderError::UnknownDealer(dealer("D-XXX-99")))
    );
}

#[test]
fn an_order_cannot_be_placed_twice() {
    assert_eq!(
        given::<Order>(&placed(), place_cmd(&[]), TODAY),
        Err(OrderError::AlreadyPlaced(order_id(1)))
    );
}

#[test]
fn a_command_for_an_order_that_was_never_placed_is_refused() {
    assert_eq!(
        given::<Order>(&[], OrderCommand::AwaitCapacity, TODAY),
        Err(OrderError::NotPlaced)
    );
}

#[test]
fn an_order_without_supply_waits_for_capacity_once() {
    let events = then(&placed(), OrderCommand::AwaitCapacity, TODAY);
    assert_eq!(
        events.last(),
        Some(&OrderEvent::AwaitingCapacity { since: day(TODAY) })
    );
    assert_eq!(state(&events).reason, Some(WaitReason::AwaitingCapacity));
    assert_eq!(
        state(&events).reason.unwrap().to_string(),
        "awaiting capacity"
    );
    assert_eq!(
        given::<Order>(&events, OrderCommand::AwaitCapacity, TODAY),
        Ok(vec![])
    );
}

#[test]
fn allocating_a_stock_vehicle_reserves_it_with_its_eta() {
    let events = allocated(VehicleSource::AtOtherLocation, "D-HAM-01");
    let o = state(&events);
    assert_eq!(o.status, OrderStatus::Allocated);
    assert_eq!(o.eta, Some(day("2026-11-26")));
    assert_eq!(o.fulfilment.unwrap().vehicle(), Some(vehicle_id(1)));
}

#[test]
fn allocating_a_vehicle_already_at_the_dealer_puts_the_order_at_the_dealer() {
    let events = allocated(VehicleSource::AtDealer, "D-BER-01");
    assert_eq!(
        events.last(),
        Some(&OrderEvent::ArrivedAtDealer {
            arrived_on: day(TODAY)
        })
    );
    assert_eq!(state(&events).status, OrderStatus::AtDealer);
}

#[test]
fn a_vehicle_said_to_be_at_the_dealer_must_stand_at_the_orders_dealer() {
    let cmd = OrderCommand::Allocate {
        vehicle: vehicle_id(1),
        configuration: red(),
        location: location("D-MUC-01"),
        source: VehicleSource::AtDealer,
        eta: day(TODAY),
    };
    assert_eq!(
        given::<Order>(&placed(), cmd, TODAY),
        Err(OrderError::WrongLocation {
            dealer: dealer("D-BER-01"),
            location: location("D-MUC-01")
        })
    );
}

#[test]
fn allocating_the_same_vehicle_again_changes_nothing() {
    let events = allocated(VehicleSource::AtOtherLocation, "D-HAM-01");
    let cmd = OrderCommand::Allocate {
        vehicle: vehicle_id(1),
        configuration: red(),
        location: location("D-HAM-01"),
        source: VehicleSource::AtOtherLocation,
        eta: day("2026-11-26"),
    };
    assert_eq!(given::<Order>(&events, cmd, TODAY), Ok(vec![]));
}

#[test]
fn an_order_holding_a_vehicle_cannot_also_take_a_slot() {
    let events = allocated(VehicleSource::AtOtherLocation, "D-HAM-01");
    let cmd = OrderCommand::Schedule {
        plant: plant("P-LEIPZIG"),
        week: week("2026-W51"),
    };
    assert_eq!(
        given::<Order>(&events, cmd, TODAY),
        Err(OrderError::NotAllowed {
            action: Action::Fulfil,
            status: OrderStatus::Allocated
        })
    );
}

#[test]
fn an_order_holding_a_slot_cannot_also_take_a_vehicle() {
    let cmd = OrderCommand::Allocate {
        vehicle: vehicle_id(2),
        configuration: red(),
        location: location("D-BER-01"),
        source: VehicleSource::AtDealer,
        eta: day(TODAY),
    };
    assert_eq!(
        given::<Order>(&scheduled("2026-W50"), cmd, TODAY),
        Err(OrderError::NotAllowed {
            action: Action::Fulfil,
            status: OrderStatus::Scheduled
        })
    );
}

#[test]
fn scheduling_books_a_week_with_its_freeze_date_and_an_eta_of_week_end_plus_transport() {
    let events = scheduled("2026-W50");
    assert_eq!(
        events.last(),
        Some(&OrderEvent::Scheduled {
            plant: plant("P-LEIPZIG"),
            week: week("2026-W50"),
            changeable_until: day("2026-11-23"),
            // Sunday 2026-12-13 + 2 days Leipzig -> Berlin.
            eta: day("2026-12-15"),
        })
    );
    assert_eq!(state(&events).status, OrderStatus::Scheduled);
}

#[test]
fn a_week_starting_less_than_fourteen_days_ahead_cannot_be_booked() {
    let cmd = OrderCommand::Schedule {
        plant: plant("P-LEIPZIG"),
        week: week("2026-W50"),
    };
    assert_eq!(
        given::<Order>(&placed(), cmd, "2026-11-24"),
        Err(OrderError::WeekTooSoon {
            week: week("2026-W50"),
            earliest: day("2026-12-08")
        })
    );
}

#[test]
fn a_model_is_scheduled_only_at_the_plant_that_builds_it() {
    let cmd = OrderCommand::Schedule {
        plant: plant("P-SHENYANG"),
        week: week("2026-W51"),
    };
    assert_eq!(
        given::<Order>(&placed(), cmd, TODAY),
        Err(OrderError::WrongPlant {
            model: model("AURA"),
            plant: plant("P-SHENYANG"),
            builds_at: plant("P-LEIPZIG")
        })
    );
}

#[test]
fn production_start_assigns_the_vehicle_and_its_vin() {
    let o = state(&in_production());
    assert_eq!(o.status, OrderStatus::InProduction);
    assert_eq!(
        o.fulfilment,
        Some(Fulfilment::Build {
            plant: plant("P-LEIPZIG"),
            week: week("2026-W50"),
            vehicle: Some(vehicle_id(7)),
            vin: Some(vin("WAUZZZ8V5KA123456")),
        })
    );
}

#[test]
fn production_cannot_start_for_an_order_without_a_slot() {
    let cmd = OrderCommand::StartProduction {
        vehicle: vehicle_id(7),
        vin: vin("WAUZZZ8V5KA123456"),
    };
    assert_eq!(
        given::<Order>(&placed(), cmd, TODAY),
        Err(OrderError::NotAllowed {
            action: Action::StartProduction,
            status: OrderStatus::Placed
        })
    );
}

#[test]
fn completing_the_build_of_another_vehicle_is_refused() {
    assert_eq!(
        given::<Order>(
            &in_production(),
            OrderCommand::CompleteBuild {
                vehicle: vehicle_id(8)
            },
            "2026-12-10"
        ),
        Err(OrderError::WrongVehicle {
            expected: Some(vehicle_id(7)),
            got: vehicle_id(8)
        })
    );
}

#[test]
fn a_stock_vehicle_still_in_production_completes_its_build_for_the_order() {
    let events = allocated(VehicleSource::InProduction, "P-LEIPZIG");
    let events = then(
        &events,
        OrderCommand::CompleteBuild {
            vehicle: vehicle_id(1),
        },
        TODAY,
    );
    assert_eq!(state(&events).status, OrderStatus::Built);
}

#[test]
fn dispatch_puts_the_order_in_transit_with_the_new_eta() {
    let built = then(
        &in_production(),
        OrderCommand::CompleteBuild {
            vehicle: vehicle_id(7),
        },
        "2026-12-10",
    );
    let events = then(
        &built,
        OrderCommand::Dispatch {
            shipment: shipment_id(1),
            eta: day("2026-12-12"),
        },
        "2026-12-10",
    );
    let o = state(&events);
    assert_eq!(o.status, OrderStatus::InTransit);
    assert_eq!(o.eta, Some(day("2026-12-12")));
    assert!(o.dispatched);
}

#[test]
fn an_order_still_in_production_cannot_be_dispatched() {
    assert_eq!(
        given::<Order>(
            &in_production(),
            OrderCommand::Dispatch {
                shipment: shipment_id(1),
                eta: day("2026-12-12")
            },
            "2026-12-08"
        ),
        Err(OrderError::NotAllowed {
            action: Action::Dispatch,
            status: OrderStatus::InProduction
        })
    );
}

#[test]
fn a_delay_records_its_reason_and_the_new_eta() {
    let cmd = OrderCommand::Delay {
        reason: "port congestion".into(),
        new_eta: day("2026-12-20"),
    };
    let events = then(&in_production(), cmd, "2026-12-08");
    let o = state(&events);
    assert!(o.delayed);
    assert_eq!(o.eta, Some(day("2026-12-20")));
    assert_eq!(o.reason.unwrap().to_string(), "delayed: port congestion");
    assert_eq!(
        o.status,
        OrderStatus::InProduction,
        "a delay does not move the status"
    );
}

#[test]
fn a_delay_needs_a_reason_and_a_future_eta() {
    let blank = OrderCommand::Delay {
        reason: "  ".into(),
        new_eta: day("2026-12-20"),
    };
    assert_eq!(
        given::<Order>(&in_production(), blank, "2026-12-08"),
        Err(OrderError::InvalidReason)
    );
    let past = OrderCommand::Delay {
        reason: "strike".into(),
        new_eta: day("2026-12-01"),
    };
    assert_eq!(
        given::<Order>(&in_production(), past, "2026-12-08"),
        Err(OrderError::EtaInPast {
            eta: day("2026-12-01")
        })
    );
}

#[test]
fn arrival_at_the_orders_dealer_makes_it_at_dealer_and_clears_the_delay() {
    let o = state(&at_dealer());
    assert_eq!(o.status, OrderStatus::AtDealer);
    assert!(!o.delayed);
    assert_eq!(o.eta, Some(day("2026-12-12")));
}

#[test]
fn arrival_anywhere_else_is_refused() {
    let built = then(
        &in_production(),
        OrderCommand::CompleteBuild {
            vehicle: vehicle_id(7),
        },
        "2026-12-10",
    );
    let shipped = then(
        &built,
        OrderCommand::Dispatch {
            shipment: shipment_id(1),
            eta: day("2026-12-12"),
        },
        "2026-12-10",
    );
    assert_eq!(
        given::<Order>(
            &shipped,
            OrderCommand::Arrive {
                location: location("D-MUC-01")
            },
            "2026-12-12"
        ),
        Err(OrderError::WrongLocation {
            dealer: dealer("D-BER-01"),
            location: location("D-MUC-01")
        })
    );
}

#[test]
fn a_handover_appointment_is_booked_for_a_car_at_the_dealer() {
    let when = at("2026-12-14");
    let events = then(
        &at_dealer(),
        OrderCommand::BookHandover { at: when },
        "2026-12-12",
    );
    let o = state(&events);
    assert_eq!(o.status, OrderStatus::HandoverScheduled);
    assert_eq!(o.handover_at, Some(when));
}

#[test]
fn a_handover_appointment_in_the_past_is_refused() {
    let when = at("2026-12-12") - Duration::hours(1);
    assert_eq!(
        given::<Order>(
            &at_dealer(),
            OrderCommand::BookHandover { at: when },
            "2026-12-12"
        ),
        Err(OrderError::HandoverInPast { at: when })
    );
}

#[test]
fn a_handover_appointment_cannot_be_booked_before_the_car_arrives() {
    assert_eq!(
        given::<Order>(
            &in_production(),
            OrderCommand::BookHandover {
                at: at("2026-12-20")
            },
            "2026-12-08"
        ),
        Err(OrderError::NotAllowed {
            action: Action::BookHandover,
            status: OrderStatus::InProduction
        })
    );
}

#[test]
fn handing_over_before_the_invoice_is_paid_is_refused() {
    assert_eq!(
        given::<Order>(
            &at_dealer(),
            OrderCommand::HandOver {
                invoice_paid: false
            },
            "2026-12-12"
        ),
        Err(OrderError::InvoiceNotPaid)
    );
}

#[test]
fn handing_over_with_the_invoice_paid_delivers_the_order() {
    let events = then(
        &at_dealer(),
        OrderCommand::HandOver { invoice_paid: true },
        "2026-12-14",
    );
    assert_eq!(
        events.last(),
        Some(&OrderEvent::Delivered {
            delivered_at: at("2026-12-14"),
            vehicle: Some(vehicle_id(7)),
            net_price: eur(4_410_000),
        })
    );
    assert_eq!(state(&events).status, OrderStatus::Delivered);
}

#[test]
fn a_car_still_in_transit_cannot_be_handed_over() {
    let built = then(
        &in_production(),
        OrderCommand::CompleteBuild {
            vehicle: vehicle_id(7),
        },
        "2026-12-10",
    );
    assert_eq!(
        given::<Order>(
            &built,
            OrderCommand::HandOver { invoice_paid: true },
            "2026-12-10"
        ),
        Err(OrderError::NotAllowed {
            action: Action::HandOver,
            status: OrderStatus::Built
        })
    );
}

#[test]
fn amending_before_the_freeze_reprices_at_the_locked_list_and_reports_the_difference() {
    let events = then(
        &scheduled("2026-W51"),
        OrderCommand::Amend {
            options: options(&["PNT-BLK", "WHL-20"]),
            invoice: InvoiceFacts::default(),
        },
        TODAY,
    );
    let Some(OrderEvent::Amended {
        price,
        difference,
        released_vehicle,
        ..
    }) = events.last()
    else {
        panic!("{events:?}")
    };
    // red (1,200) replaced by black (900) plus 20" wheels (1,500).
    assert_eq!(*difference, eur(-120_000 + 90_000 + 150_000));
    assert_eq!(price.net, eur(4_290_000 + 90_000 + 150_000));
    assert_eq!(*released_vehicle, None, "a build keeps its slot");
    assert_eq!(state(&events).status, OrderStatus::Scheduled);
}

#[test]
fn amending_a_frozen_order_is_rejected() {
    // W50 (Monday 2026-12-07) is changeable until 2026-11-23, frozen from the 24th.
    assert_eq!(
        given::<Order>(
            &scheduled("2026-W50"),
            OrderCommand::Amend {
                options: options(&["PNT-BLK"]),
                invoice: InvoiceFacts::default(),
            },
            "2026-11-24"
        ),
        Err(OrderError::AmendAfterFreeze {
            frozen_on: day("2026-11-24")
        })
    );
}

#[test]
fn an_order_can_still_be_amended_on_its_last_changeable_day() {
    let events = given::<Order>(
        &scheduled("2026-W50"),
        OrderCommand::Amend {
            options: options(&["PNT-BLK"]),
            invoice: InvoiceFacts::default(),
        },
        "2026-11-23",
    );
    assert!(
        matches!(events.as_deref(), Ok([OrderEvent::Amended { .. }])),
        "{events:?}"
    );
}

#[test]
fn amending_a_stock_order_to_a_configuration_its_vehicle_lacks_releases_the_vehicle() {
    let events = allocated(VehicleSource::AtOtherLocation, "D-HAM-01");
    let events = then(
        &events,
        OrderCommand::Amend {
            options: options(&["PNT-BLK"]),
            invoice: InvoiceFacts::default(),
        },
        TODAY,
    );
    let Some(OrderEvent::Amended {
        released_vehicle, ..
    }) = events.last()
    else {
        panic!()
    };
    assert_eq!(*released_vehicle, Some(vehicle_id(1)));
    let o = state(&events);
    assert_eq!(o.status, OrderStatus::Placed, "fulfilment runs again");
    assert_eq!(o.fulfilment, None);
}

#[test]
fn a_stock_order_whose_vehicle_was_dispatched_can_no_longer_be_amended() {
    let events = allocated(VehicleSource::AtOtherLocation, "D-HAM-01");
    let events = then(
        &events,
        OrderCommand::Dispatch {
            shipment: shipment_id(1),
            eta: day("2026-11-24"),
        },
        TODAY,
    );
    assert_eq!(
        given::<Order>(
            &events,
            OrderCommand::Amend {
                options: options(&["PNT-BLK"]),
                invoice: InvoiceFacts::default(),
            },
            TODAY
        ),
        Err(OrderError::AmendAfterDispatch)
    );
}

#[test]
fn an_amendment_to_an_invalid_configuration_reports_every_rule() {
    let err = given::<Order>(
        &placed(),
        OrderCommand::Amend {
            options: options(&["PKG-SPORT", "PKG-TOW"]),
            invoice: InvoiceFacts::default(),
        },
        TODAY,
    )
    .unwrap_err();
    let OrderError::InvalidConfiguration(v) = err else {
        panic!("{err:?}")
    };
    assert!(v.len() >= 3, "{v:?}");
}

#[test]
fn amending_to_the_same_configuration_changes_nothing() {
    assert_eq!(
        given::<Order>(
            &placed(),
            OrderCommand::Amend {
                options: options(&["PNT-RED"]),
                invoice: InvoiceFacts::default(),
            },
            TODAY
        ),
        Ok(vec![])
    );
}

#[test]
fn cancelling_before_the_freeze_refunds_the_deposit_and_releases_the_slot() {
    let history = scheduled("2026-W51");
    let events = given::<Order>(
        &history,
        OrderCommand::Cancel {
            reason: "changed my mind".into(),
            invoice: InvoiceFacts::default(),
        },
        TODAY,
    )
    .unwrap();
    assert_eq!(
        events,
        vec![OrderEvent::Cancelled {
            reason: "changed my mind".into(),
            refund: eur(100_000),
            forfeited: eur(0),
            released: Some(Fulfilment::Build {
                plant: plant("P-LEIPZIG"),
                week: week("2026-W51"),
                vehicle: None,
                vin: None
            }),
            cancelled_at: at(TODAY),
        }]
    );
}

#[test]
fn cancelling_after_the_freeze_forfeits_the_deposit() {
    let events = given::<Order>(
        &scheduled("2026-W50"),
        OrderCommand::Cancel {
            reason: "moved abroad".into(),
            invoice: InvoiceFacts::default(),
        },
        "2026-11-24",
    )
    .unwrap();
    let [OrderEvent::Cancelled {
        refund, forfeited, ..
    }] = events.as_slice()
    else {
        panic!()
    };
    assert_eq!((*refund, *forfeited), (eur(0), eur(100_000)));
}

#[test]
fn cancelling_a_stock_order_before_dispatch_refunds_in_full_and_after_forfeits() {
    let events = allocated(VehicleSource::AtOtherLocation, "D-HAM-01");
    let before = given::<Order>(&events, cancel("r"), TODAY).unwrap();
    let [OrderEvent::Cancelled {
        refund, released, ..
    }] = before.as_slice()
    else {
        panic!()
    };
    assert_eq!(*refund, eur(100_000));
    assert_eq!(
        released.as_ref().and_then(Fulfilment::vehicle),
        Some(vehicle_id(1))
    );
    let shipped = then(
        &events,
        OrderCommand::Dispatch {
            shipment: shipment_id(1),
            eta: day("2026-11-24"),
        },
        TODAY,
    );
    let after = given::<Order>(&shipped, cancel("r"), TODAY).unwrap();
    let [OrderEvent::Cancelled {
        refund, forfeited, ..
    }] = after.as_slice()
    else {
        panic!()
    };
    assert_eq!((*refund, *forfeited), (eur(0), eur(100_000)));
}

#[test]
fn a_delivered_order_cannot_be_cancelled() {
    let delivered = then(
        &at_dealer(),
        OrderCommand::HandOver { invoice_paid: true },
        "2026-12-14",
    );
    assert_eq!(
        given::<Order>(
            &delivered,
            OrderCommand::Cancel {
                reason: "too late".into(),
                invoice: InvoiceFacts::default(),
            },
            "2026-12-15"
        ),
        Err(OrderError::NotAllowed {
            action: Action::Cancel,
            status: OrderStatus::Delivered
        })
    );
}

#[test]
fn cancelling_twice_changes_nothing_and_a_cancelled_order_moves_no_further() {
    let cancelled = then(&placed(), cancel("r"), TODAY);
    assert_eq!(given::<Order>(&cancelled, cancel("r"), TODAY), Ok(vec![]));
    assert_eq!(
        given::<Order>(
            &cancelled,
            OrderCommand::Schedule {
                plant: plant("P-LEIPZIG"),
                week: week("2026-W51")
            },
            TODAY
        ),
        Err(OrderError::NotAllowed {
            action: Action::Fulfil,
            status: OrderStatus::Cancelled
        })
    );
}

#[test]
fn a_cancelled_order_holds_nothing_and_cannot_take_back_its_vehicle() {
    let events = allocated(VehicleSource::AtOtherLocation, "D-HAM-01");
    let cancelled = then(&events, cancel("r"), TODAY);
    assert_eq!(state(&cancelled).fulfilment, None);
    let take = OrderCommand::TakeVehicle {
        vehicle: vehicle_id(1),
        configuration: red(),
        from_order: None,
        location: location("D-HAM-01"),
        source: VehicleSource::AtOtherLocation,
        eta: day("2026-11-26"),
    };
    assert_eq!(
        given::<Order>(&cancelled, take, TODAY),
        Err(OrderError::NotAllowed {
            action: Action::Reallocate,
            status: OrderStatus::Cancelled
        })
    );
}

#[test]
fn a_cancellation_needs_a_reason() {
    assert_eq!(
        given::<Order>(&placed(), cancel(""), TODAY),
        Err(OrderError::InvalidReason)
    );
}

#[test]
fn reallocation_gives_the_vehicle_to_the_receiving_order_and_releases_its_slot() {
    let cmd = OrderCommand::TakeVehicle {
        vehicle: vehicle_id(1),
        configuration: red(),
        from_order: Some(order_id(2)),
        location: location("D-HAM-01"),
        source: VehicleSource::AtOtherLocation,
        eta: day("2026-11-25"),
    };
    let events = then(&scheduled("2026-W51"), cmd, TODAY);
    let Some(OrderEvent::Reallocated { released, .. }) = events.last() else {
        panic!()
    };
    assert!(matches!(released, Some(Fulfilment::Build { .. })));
    let o = state(&events);
    assert_eq!(o.status, OrderStatus::Allocated);
    assert_eq!(o.fulfilment.and_then(|f| f.vehicle()), Some(vehicle_id(1)));
}

#[test]
fn reallocation_sends_the_giving_order_back_to_fulfilment() {
    let events = allocated(VehicleSource::AtOtherLocation, "D-HAM-01");
    let events = then(
        &events,
        OrderCommand::GiveUpVehicle {
            vehicle: vehicle_id(1),
            to_order: order_id(2),
        },
        TODAY,
    );
    let o = state(&events);
    assert_eq!(o.status, OrderStatus::Placed);
    assert_eq!(o.fulfilment, None);
    assert_eq!(
        given::<Order>(
            &events,
            OrderCommand::GiveUpVehicle {
                vehicle: vehicle_id(1),
                to_order: order_id(2)
            },
            TODAY
        ),
        Err(OrderError::CannotGiveUpVehicle {
            order: o.id,
            vehicle: vehicle_id(1),
            status: OrderStatus::Placed
        })
    );
}

#[test]
fn an_order_in_production_cannot_take_another_vehicle() {
    let cmd = OrderCommand::TakeVehicle {
        vehicle: vehicle_id(1),
        configuration: red(),
        from_order: None,
        location: location("D-HAM-01"),
        source: VehicleSource::AtOtherLocation,
        eta: day("2026-12-09"),
    };
    assert_eq!(
        given::<Order>(&in_production(), cmd, "2026-12-08"),
        Err(OrderError::NotAllowed {
            action: Action::Reallocate,
            status: OrderStatus::InProduction
        })
    );
}

#[test]
fn stored_event_names_are_pinned() {
    let events = placed();
    assert_eq!(events[0].event_type(), "OrderPlaced");
    let json = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(json["type"], "OrderPlaced");
    let back: OrderEvent = serde_json::from_value(json).unwrap();
    assert_eq!(back, events[0]);
}

#[test]
fn a_vehicle_matched_before_an_amendment_is_refused() {
    let amended = then(
        &placed(),
        OrderCommand::Amend {
            options: vec![option("PNT-BLK")],
            invoice: InvoiceFacts::default(),
        },
        TODAY,
    );
    let allocate = OrderCommand::Allocate {
        vehicle: vehicle_id(1),
        configuration: red(),
        location: location("D-HAM-01"),
        source: VehicleSource::AtOtherLocation,
        eta: day("2026-11-30"),
    };
    assert_eq!(
        given::<Order>(&amended, allocate, TODAY),
        Err(OrderError::ConfigurationDiffers {
            vehicle: vehicle_id(1)
        })
    );
    let take = OrderCommand::TakeVehicle {
        vehicle: vehicle_id(1),
        configuration: red(),
        from_order: None,
        location: location("D-HAM-01"),
        source: VehicleSource::AtOtherLocation,
        eta: day("2026-11-30"),
    };
    assert_eq!(
        given::<Order>(&amended, take, TODAY),
        Err(OrderError::ConfigurationDiffers {
            vehicle: vehicle_id(1)
        })
    );
    let black = state(&amended).configuration.clone();
    let allocate = OrderCommand::Allocate {
        vehicle: vehicle_id(1),
        configuration: black,
        location: location("D-HAM-01"),
        source: VehicleSource::AtOtherLocation,
        eta: day("2026-11-30"),
    };
    assert!(given::<Order>(&amended, allocate, TODAY).is_ok());
}
