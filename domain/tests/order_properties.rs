//! Properties of the order aggregate over random command sequences.

#![allow(clippy::unwrap_used)]

mod support;

use chrono::Duration;
use domain::order::*;
use domain::{Context, Decider};
use proptest::prelude::*;
use support::*;

#[derive(Debug, Clone)]
enum Step {
    Advance(u8),
    Cmd(u8, u8),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let rest = prop::collection::vec(
        prop_oneof![
            (0u8..10).prop_map(Step::Advance),
            (0u8..32, 0u8..4).prop_map(|(c, p)| Step::Cmd(c, p)),
        ],
        1..40,
    );
    // Every sequence starts by placing the order, so the rest is exercised.
    (0u8..3, rest).prop_map(|(p, mut rest)| {
        rest.insert(0, Step::Cmd(0, p));
        rest
    })
}

fn command(kind: u8, p: u8, today: chrono::NaiveDate, state: &Order) -> OrderCommand {
    // Mostly name the vehicle the order holds, so later steps are reached.
    let held = state
        .placed()
        .and_then(|o| o.fulfilment.as_ref())
        .and_then(Fulfilment::vehicle);
    let weeks = ["2026-W50", "2026-W51", "2026-W52", "2027-W02"];
    let sources = [
        VehicleSource::AtDealer,
        VehicleSource::InTransitToDealer,
        VehicleSource::AtOtherLocation,
        VehicleSource::InProduction,
    ];
    let locs = ["D-BER-01", "D-HAM-01", "P-LEIPZIG", "D-MUC-01"];
    let opts = [
        &["PNT-RED"][..],
        &["PNT-BLK"],
        &["WHL-20", "PKG-SPORT"],
        &["PKG-TOW"],
    ];
    let p = usize::from(p);
    let eta = today + Duration::days(p as i64 * 3);
    // A vehicle is matched to the order's configuration as it stands (or, before the order
    // exists, to some AURA); amendments in between are what make the order refuse it.
    let matched = matched_configuration(state);
    if kind >= 16 {
        return next_step(state, p, today, eta);
    }
    match kind {
        0 => OrderCommand::Place {
            lead: None,
            order: order_id(1),
            customer: customer("C-1001"),
            dealer: dealer("D-BER-01"),
            selling_dealer: None,
            market: market("DE"),
            model: model("AURA"),
            options: options(opts[p]),
            channel: Channel::Online,
            billing: None,
        },
        1 => OrderCommand::AwaitCapacity,
        2 => OrderCommand::Allocate {
            vehicle: vehicle_id(p as u32),
            configuration: matched,
            location: location(if sources[p] == VehicleSource::AtDealer {
                "D-BER-01"
            } else {
                locs[p]
            }),
            source: sources[p],
            eta,
        },
        3 => OrderCommand::Schedule {
            plant: plant("P-LEIPZIG"),
            week: week(weeks[p]),
        },
        4 => OrderCommand::StartProduction {
            vehicle: vehicle_id(10 + p as u32),
            vin: vin("WAUZZZ8V5KA123456"),
        },
        5 => OrderCommand::CompleteBuild {
            vehicle: held.filter(|_| p < 3).unwrap_or(vehicle_id(30)),
        },
        6 => OrderCommand::Dispatch {
            shipment: shipment_id(p as u32),
            eta,
        },
        7 => OrderCommand::Delay {
            reason: "weather".into(),
            new_eta: eta,
        },
        8 => OrderCommand::Arrive {
            location: location(locs[p % 2]),
        },
        9 => OrderCommand::BookHandover {
            at: at(&today.to_string()) + Duration::days(p as i64),
        },
        10 => OrderCommand::HandOver {
            invoice_paid: p % 2 == 0,
        },
        11 => OrderCommand::Amend {
            options: options(opts[p]),
            invoice: Default::default(),
        },
        12 => OrderCommand::Cancel {
            reason: "reason".into(),
            invoice: Default::default(),
        },
        13 => OrderCommand::TakeVehicle {
            vehicle: vehicle_id(20 + p as u32),
            configuration: matched,
            from_order: Some(order_id(2)),
            location: location(locs[p]),
            source: if p == 0 {
                VehicleSource::AtDealer
            } else {
                VehicleSource::AtOtherLocation
            },
            eta,
        },
        14 => OrderCommand::GiveUpVehicle {
            vehicle: held.filter(|_| p < 3).unwrap_or(vehicle_id(30)),
            to_order: order_id(2),
        },
        _ => OrderCommand::Amend {
            options: options(opts[(p + 1) % 4]),
            invoice: Default::default(),
        },
    }
}

/// The order's configuration, or a plain AURA before it is placed.
fn matched_configuration(state: &Order) -> domain::catalog::Configuration {
    state.placed().map_or_else(
        || domain::catalog::Configuration {
            model: model("AURA"),
            options: Default::default(),
        },
        |o| o.configuration.clone(),
    )
}

/// The command that moves the order one step toward delivery.
fn next_step(
    state: &Order,
    p: usize,
    today: chrono::NaiveDate,
    eta: chrono::NaiveDate,
) -> OrderCommand {
    let Some(o) = state.placed() else {
        return OrderCommand::AwaitCapacity;
    };
    let held = o
        .fulfilment
        .as_ref()
        .and_then(Fulfilment::vehicle)
        .unwrap_or(vehicle_id(30));
    let berlin = location("D-BER-01");
    match o.status {
        OrderStatus::Placed if p.is_multiple_of(2) => OrderCommand::Schedule {
            plant: plant("P-LEIPZIG"),
            week: domain::values::IsoWeek::containing(today + Duration::days(21)),
        },
        OrderStatus::Placed => OrderCommand::Allocate {
            vehicle: vehicle_id(p as u32),
            configuration: o.configuration.clone(),
            location: location("D-HAM-01"),
            source: VehicleSource::AtOtherLocation,
            eta,
        },
        OrderStatus::Scheduled => OrderCommand::StartProduction {
            vehicle: vehicle_id(10),
            vin: vin("WAUZZZ8V5KA123456"),
        },
        OrderStatus::InProduction => OrderCommand::CompleteBuild { vehicle: held },
        OrderStatus::Built => OrderCommand::Dispatch {
            shipment: shipment_id(1),
            eta,
        },
        OrderStatus::Allocated if !o.dispatched => OrderCommand::Dispatch {
            shipment: shipment_id(1),
            eta,
        },
        OrderStatus::Allocated | OrderStatus::InTransit => {
            OrderCommand::Arrive { location: berlin }
        }
        OrderStatus::AtDealer => OrderCommand::BookHandover {
            at: at(&eta.to_string()),
        },
        _ => OrderCommand::HandOver { invoice_paid: true },
    }
}

/// An event that may send the status back (cancellation only goes forward).
fn may_go_back(e: &OrderEvent) -> bool {
    matches!(
        e,
        OrderEvent::Amended {
            released_vehicle: Some(_),
            ..
        } | OrderEvent::VehicleWithdrawn { .. }
            | OrderEvent::Reallocated { .. }
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn replaying_accepted_events_reproduces_the_state_and_the_rules_hold(steps in steps()) {
        let catalog = catalog();
        let mut today = day("2026-11-20");
        let mut state = Order::default();
        let mut history = Vec::new();
        for step in steps {
            match step {
                Step::Advance(d) => today += Duration::days(i64::from(d)),
                Step::Cmd(kind, p) => {
                    let now = at(&today.to_string());
                    let ctx = Context::new(now, catalog);
                    let Ok(events) = Order::decide(&state, command(kind, p, today, &state), &ctx) else { continue };
                    for e in &events {
                        let before = state.placed().map(|o| (o.status, o.fulfilment.clone()));
                        state = Order::evolve(state, e);
                        let after = state.placed().expect("placed after any event");
                        if let Some((status, fulfilment)) = before {
                            // Invariant 3: forward only, except the named back-moves.
                            if !may_go_back(e) {
                                prop_assert!(after.status.step() >= status.step(), "{status:?} -> {:?} by {e:?}", after.status);
                            }
                            // Terminal statuses accept nothing.
                            prop_assert!(!matches!(status, OrderStatus::Cancelled | OrderStatus::Delivered), "{e:?} after {status:?}");
                            // Invariant 1: a vehicle or a slot is taken only by an order holding nothing.
                            if matches!(e, OrderEvent::Allocated { .. } | OrderEvent::Scheduled { .. }) {
                                prop_assert_eq!(&fulfilment, &None);
                            }
                            if let OrderEvent::Reallocated { released, .. } = e {
                                prop_assert_eq!(released, &fulfilment, "what it held is released");
                            }
                        }
                        // Invariant 4 (order side): gross = net + VAT.
                        prop_assert_eq!(after.price.gross, after.price.net.checked_add(after.price.vat).unwrap());
                    }
                    history.extend(events);
                }
            }
        }
        prop_assert!(!history.is_empty());
        prop_assert_eq!(Order::replay(&history), state);
    }
}
