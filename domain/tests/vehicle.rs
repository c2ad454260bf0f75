//! The vehicle aggregate: stock, builds, allocation to orders, moves and
//! delivery.

#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use chrono::{Days, NaiveDate};
use domain::catalog::{Configuration, Violation};
use domain::values::{OrderId, VehicleId};
use domain::vehicle::{
    decide, evolve, Vehicle, VehicleCommand, VehicleError, VehicleEvent, VehicleStatus,
};
use domain::{Context, Decider, DomainEvent};
use proptest::prelude::*;

const TODAY: &str = "2026-11-23";

fn when(
    history: &[VehicleEvent],
    command: VehicleCommand,
) -> Result<Vec<VehicleEvent>, VehicleError> {
    given::<Vehicle>(history, command, TODAY)
}

fn state(history: &[VehicleEvent]) -> Vehicle {
    Vehicle::replay(history)
}

fn v() -> VehicleId {
    vehicle_id(1)
}

fn aura_red() -> Configuration {
    configuration("DE", "AURA", &["PNT-RED"])
}

// ---- given: events --------------------------------------------------------

fn registered_at(loc: &str) -> VehicleEvent {
    VehicleEvent::Registered {
        vehicle: v(),
        market: market("DE"),
        configuration: aura_red(),
        location: location(loc),
    }
}

fn build_started(order: Option<(u32, &str)>) -> VehicleEvent {
    VehicleEvent::BuildStarted {
        vehicle: v(),
        market: market("DE"),
        configuration: aura_red(),
        plant: plant("P-LEIPZIG"),
        week: week("2026-W50"),
        vin: vin("WAUZZZ8V5KA123456"),
        order: order.map(|(n, _)| order_id(n)),
        dealer: order.map(|(_, d)| dealer(d)),
    }
}

fn built(order: Option<u32>) -> VehicleEvent {
    VehicleEvent::Built {
        vehicle: v(),
        plant: plant("P-LEIPZIG"),
        vin: vin("WAUZZZ8V5KA123456"),
        order: order.map(order_id),
        on: day("2026-12-11"),
    }
}

fn reserved(order: u32, by: &str) -> VehicleEvent {
    VehicleEvent::Reserved {
        vehicle: v(),
        order: order_id(order),
        dealer: dealer(by),
    }
}

fn dispatched(order: Option<u32>, from: &str, to: &str) -> VehicleEvent {
    VehicleEvent::Dispatched {
        vehicle: v(),
        shipment: shipment_id(1),
        order: order.map(order_id),
        from: location(from),
        to: location(to),
        eta: day("2026-11-25"),
        on: day("2026-11-23"),
    }
}

fn arrived(order: Option<u32>, at: &str) -> VehicleEvent {
    VehicleEvent::Arrived {
        vehicle: v(),
        shipment: shipment_id(1),
        order: order.map(order_id),
        at: location(at),
        on: day("2026-11-23"),
    }
}

fn delivered(order: u32, by: &str) -> VehicleEvent {
    VehicleEvent::Delivered {
        vehicle: v(),
        order: order_id(order),
        dealer: dealer(by),
        on: day("2026-11-23"),
    }
}

/// Free stock at Berlin, reserved for order 1 (delivered by Berlin).
fn reserved_in_berlin() -> Vec<VehicleEvent> {
    vec![registered_at("D-BER-01"), reserved(1, "D-BER-01")]
}

/// Built for order 1 (Munich), on its way from Leipzig to Munich.
fn moving_to_munich_for_order_1() -> Vec<VehicleEvent> {
    vec![
        build_started(Some((1, "D-MUC-01"))),
        built(Some(1)),
        dispatched(Some(1), "P-LEIPZIG", "D-MUC-01"),
    ]
}

// ---- when: commands -------------------------------------------------------

fn register_at(loc: &str, opts: &[&str]) -> VehicleCommand {
    VehicleCommand::Register {
        vehicle: v(),
        market: market("DE"),
        model: model("AURA"),
        options: options(opts),
        location: location(loc),
    }
}

fn start_build(order: Option<u32>, order_dealer: Option<&str>) -> VehicleCommand {
    VehicleCommand::StartBuild {
        vehicle: v(),
        market: market("DE"),
        configuration: aura_red(),
        plant: plant("P-LEIPZIG"),
        week: week("2026-W50"),
        vin: vin("WAUZZZ8V5KA123456"),
        order: order.map(order_id),
        order_dealer: order_dealer.map(dealer),
    }
}

fn reserve(order: u32, by: &str) -> VehicleCommand {
    VehicleCommand::Reserve {
        order: order_id(order),
        dealer: dealer(by),
    }
}

fn release(order: u32) -> VehicleCommand {
    VehicleCommand::Release {
        order: order_id(order),
    }
}

fn dispatch(to: &str, eta: &str) -> VehicleCommand {
    VehicleCommand::Dispatch {
        shipment: shipment_id(1),
        to: location(to),
        eta: day(eta),
    }
}

fn delay(reason: &str, new_eta: &str) -> VehicleCommand {
    VehicleCommand::Delay {
        reason: reason.to_owned(),
        new_eta: day(new_eta),
    }
}

fn arrive(at: &str) -> VehicleCommand {
    VehicleCommand::Arrive {
        location: location(at),
    }
}

fn deliver(order: u32) -> VehicleCommand {
    VehicleCommand::Deliver {
        order: order_id(order),
    }
}

// ---- register -------------------------------------------------------------

#[test]
fn registering_a_vehicle_puts_free_stock_at_a_location_with_defaults_filled_in() {
    assert_eq!(
        when(&[], register_at("D-BER-01", &["PNT-RED"])),
        Ok(vec![registered_at("D-BER-01")])
    );
    let v = state(&[registered_at("D-BER-01")]);
    assert_eq!(v.status(), Some(VehicleStatus::Free));
    assert_eq!(v.location(), Some(&location("D-BER-01")));
    assert_eq!(v.configuration(), Some(&aura_red()));
    assert_eq!(v.market(), Some(&market("DE")));
    assert!(v.is_reservable());
}

#[test]
fn registering_the_same_vehicle_again_changes_nothing() {
    assert_eq!(
        when(
            &[registered_at("D-BER-01")],
            register_at("D-BER-01", &["PNT-RED"])
        ),
        Ok(vec![])
    );
}

#[test]
fn registering_an_existing_vehicle_differently_is_rejected() {
    let already = Err(VehicleError::AlreadyExists { vehicle: v() });
    let history = [registered_at("D-BER-01")];
    assert_eq!(
        when(&history, register_at("D-MUC-01", &["PNT-RED"])),
        already
    );
    assert_eq!(
        when(&history, register_at("D-BER-01", &["PNT-BLK"])),
        already
    );
    assert_eq!(
        when(
            &[build_started(None)],
            register_at("P-LEIPZIG", &["PNT-RED"])
        ),
        already
    );
}

#[test]
fn registering_an_invalid_configuration_names_every_violation() {
    assert_eq!(
        when(
            &[],
            register_at("D-BER-01", &["PKG-TOW", "PNT-RED", "PNT-BLK"])
        ),
        Err(VehicleError::InvalidConfiguration(vec![
            Violation::ModelOnly {
                option: option("PKG-TOW"),
                models: vec![model("TERRA")],
            },
            Violation::ExactlyOne {
                family: "paint".parse().unwrap(),
                options: options(&["PNT-BLK", "PNT-RED"]),
            },
        ]))
    );
}

#[test]
fn registering_at_an_unknown_location_is_rejected() {
    assert_eq!(
        when(&[], register_at("D-XYZ-01", &[])),
        Err(VehicleError::UnknownLocation {
            location: location("D-XYZ-01")
        })
    );
}

// ---- build ----------------------------------------------------------------

#[test]
fn starting_a_build_for_an_order_puts_a_reserved_vehicle_in_production_at_the_plant() {
    assert_eq!(
        when(&[], start_build(Some(1), Some("D-MUC-01"))),
        Ok(vec![build_started(Some((1, "D-MUC-01")))])
    );
    let v = state(&[build_started(Some((1, "D-MUC-01")))]);
    assert_eq!(v.status(), Some(VehicleStatus::InProduction));
    assert_eq!(v.location(), Some(&location("P-LEIPZIG")));
    assert_eq!(v.order(), Some(order_id(1)));
    assert_eq!(v.order_dealer(), Some(&dealer("D-MUC-01")));
    assert_eq!(v.vin(), Some(&vin("WAUZZZ8V5KA123456")));
    assert_eq!(v.plant(), Some(&plant("P-LEIPZIG")));
    assert_eq!(v.week(), Some(week("2026-W50")));
}

#[test]
fn starting_a_build_without_an_order_builds_for_stock() {
    assert_eq!(
        when(&[], start_build(None, None)),
        Ok(vec![build_started(None)])
    );
    let v = state(&[build_started(None)]);
    assert_eq!(v.order(), None);
    assert!(v.is_reservable());
}

#[test]
fn starting_the_same_build_again_changes_nothing() {
    assert_eq!(
        when(
            &[build_started(Some((1, "D-MUC-01")))],
            start_build(Some(1), Some("D-MUC-01"))
        ),
        Ok(vec![])
    );
}

#[test]
fn starting_a_build_for_an_existing_vehicle_is_rejected() {
    let already = Err(VehicleError::AlreadyExists { vehicle: v() });
    assert_eq!(
        when(&[registered_at("D-BER-01")], start_build(None, None)),
        already
    );
    assert_eq!(
        when(
            &[build_started(None)],
            start_build(Some(1), Some("D-MUC-01"))
        ),
        already
    );
    assert_eq!(
        when(&[build_started(None), built(None)], start_build(None, None)),
        already
    );
}

#[test]
fn a_build_for_an_order_needs_both_the_order_and_its_dealer() {
    assert_eq!(
        when(&[], start_build(Some(1), None)),
        Err(VehicleError::IncompleteReservation)
    );
    assert_eq!(
        when(&[], start_build(None, Some("D-MUC-01"))),
        Err(VehicleError::IncompleteReservation)
    );
}

#[test]
fn starting_a_build_at_an_unknown_plant_is_rejected() {
    let command = VehicleCommand::StartBuild {
        vehicle: v(),
        market: market("DE"),
        configuration: aura_red(),
        plant: plant("P-NOWHERE"),
        week: week("2026-W50"),
        vin: vin("WAUZZZ8V5KA123456"),
        order: None,
        order_dealer: None,
    };
    assert_eq!(
        when(&[], command),
        Err(VehicleError::UnknownPlant {
            plant: plant("P-NOWHERE")
        })
    );
}

#[test]
fn a_plant_only_builds_its_own_models() {
    let command = VehicleCommand::StartBuild {
        vehicle: v(),
        market: market("DE"),
        configuration: aura_red(),
        plant: plant("P-SHENYANG"),
        week: week("2026-W50"),
        vin: vin("WAUZZZ8V5KA123456"),
        order: None,
        order_dealer: None,
    };
    assert_eq!(
        when(&[], command),
        Err(VehicleError::WrongPlant {
            plant: plant("P-SHENYANG"),
            model: model("AURA"),
            builds_at: plant("P-LEIPZIG"),
        })
    );
}

#[test]
fn starting_a_build_with_an_invalid_configuration_is_rejected() {
    let mut broken = aura_red();
    broken.options.insert(option("PKG-SPORT")); // requires WHL-20
    let command = VehicleCommand::StartBuild {
        vehicle: v(),
        market: market("DE"),
        configuration: broken,
        plant: plant("P-LEIPZIG"),
        week: week("2026-W50"),
        vin: vin("WAUZZZ8V5KA123456"),
        order: None,
        order_dealer: None,
    };
    assert_eq!(
        when(&[], command),
        Err(VehicleError::InvalidConfiguration(vec![
            Violation::Requires {
                option: option("PKG-SPORT"),
                requires: option("WHL-20"),
            }
        ]))
    );
}

#[test]
fn a_build_cannot_be_for_a_dealer_outside_the_vehicles_market() {
    assert_eq!(
        when(&[], start_build(Some(1), Some("D-SHA-01"))),
        Err(VehicleError::DealerOutsideMarket {
            dealer: dealer("D-SHA-01"),
            dealer_market: market("CN"),
            vehicle_market: market("DE"),
        })
    );
}

#[test]
fn completing_a_build_for_an_order_makes_the_vehicle_built_and_reserved_at_the_plant() {
    assert_eq!(
        given::<Vehicle>(
            &[build_started(Some((1, "D-MUC-01")))],
            VehicleCommand::CompleteBuild,
            "2026-12-11"
        ),
        Ok(vec![built(Some(1))])
    );
    let v = state(&[build_started(Some((1, "D-MUC-01"))), built(Some(1))]);
    assert_eq!(v.status(), Some(VehicleStatus::Built));
    assert_eq!(v.location(), Some(&location("P-LEIPZIG")));
    assert_eq!(v.order(), Some(order_id(1)));
    assert_eq!(v.build().and_then(|b| b.built_on), Some(day("2026-12-11")));
}

#[test]
fn completing_a_build_without_an_order_makes_free_stock_at_the_plant() {
    assert_eq!(
        given::<Vehicle>(
            &[build_started(None)],
            VehicleCommand::CompleteBuild,
            "2026-12-11"
        ),
        Ok(vec![built(None)])
    );
    let v = state(&[build_started(None), built(None)]);
    assert_eq!(v.status(), Some(VehicleStatus::Free));
    assert_eq!(v.location(), Some(&location("P-LEIPZIG")));
}

#[test]
fn completing_a_build_twice_changes_nothing() {
    assert_eq!(
        when(
            &[build_started(Some((1, "D-MUC-01"))), built(Some(1))],
            VehicleCommand::CompleteBuild
        ),
        Ok(vec![])
    );
}

#[test]
fn only_a_vehicle_in_production_can_complete_a_build() {
    assert_eq!(
        when(&[registered_at("D-BER-01")], VehicleCommand::CompleteBuild),
        Err(VehicleError::NotInProduction {
            status: VehicleStatus::Free
        })
    );
}

#[test]
fn commands_for_a_vehicle_that_does_not_exist_are_rejected() {
    for command in [
        VehicleCommand::CompleteBuild,
        reserve(1, "D-BER-01"),
        release(1),
        dispatch("D-BER-01", "2026-11-25"),
        delay("port congestion", "2026-11-30"),
        arrive("D-BER-01"),
        deliver(1),
    ] {
        assert_eq!(when(&[], command), Err(VehicleError::NotFound));
    }
}

// ---- reserve --------------------------------------------------------------

#[test]
fn a_free_vehicle_can_be_reserved_for_an_order() {
    assert_eq!(
        when(&[registered_at("D-BER-01")], reserve(1, "D-BER-01")),
        Ok(vec![reserved(1, "D-BER-01")])
    );
    let v = state(&reserved_in_berlin());
    assert_eq!(v.status(), Some(VehicleStatus::Reserved));
    assert_eq!(v.order(), Some(order_id(1)));
    assert!(!v.is_reservable());
}

#[test]
fn a_vehicle_in_production_can_be_reserved_and_stays_in_production() {
    let history = [build_started(None), reserved(1, "D-BER-01")];
    assert_eq!(
        when(&history[..1], reserve(1, "D-BER-01")),
        Ok(vec![reserved(1, "D-BER-01")])
    );
    assert_eq!(state(&history).status(), Some(VehicleStatus::InProduction));
}

#[test]
fn a_vehicle_in_transit_can_be_reserved_and_keeps_moving() {
    let mut history = vec![
        registered_at("D-HAM-01"),
        dispatched(None, "D-HAM-01", "D-BER-01"),
    ];
    assert_eq!(
        when(&history, reserve(1, "D-BER-01")),
        Ok(vec![reserved(1, "D-BER-01")])
    );
    history.push(reserved(1, "D-BER-01"));
    let v = state(&history);
    assert_eq!(v.status(), Some(VehicleStatus::InTransit));
    assert_eq!(v.destination(), Some(&location("D-BER-01")));
}

#[test]
fn reserving_for_the_same_order_again_changes_nothing() {
    assert_eq!(
        when(&reserved_in_berlin(), reserve(1, "D-BER-01")),
        Ok(vec![])
    );
}

#[test]
fn a_reserved_vehicle_cannot_be_reserved_by_another_order() {
    assert_eq!(
        when(&reserved_in_berlin(), reserve(2, "D-BER-01")),
        Err(VehicleError::AlreadyReserved {
            vehicle: v(),
            by: order_id(1)
        })
    );
}

#[test]
fn a_built_vehicle_cannot_be_reserved_by_another_order() {
    assert_eq!(
        when(
            &[build_started(Some((1, "D-MUC-01"))), built(Some(1))],
            reserve(2, "D-MUC-01")
        ),
        Err(VehicleError::AlreadyReserved {
            vehicle: v(),
            by: order_id(1)
        })
    );
}

#[test]
fn reserving_for_an_unknown_dealer_is_rejected() {
    assert_eq!(
        when(&[registered_at("D-BER-01")], reserve(1, "D-XYZ-01")),
        Err(VehicleError::UnknownDealer {
            dealer: dealer("D-XYZ-01")
        })
    );
}

#[test]
fn a_vehicle_cannot_be_reserved_for_a_dealer_of_another_market() {
    assert_eq!(
        when(&[registered_at("D-BER-01")], reserve(1, "D-BJS-01")),
        Err(VehicleError::DealerOutsideMarket {
            dealer: dealer("D-BJS-01"),
            dealer_market: market("CN"),
            vehicle_market: market("DE"),
        })
    );
}

// ---- release --------------------------------------------------------------

#[test]
fn releasing_a_reserved_vehicle_makes_it_free_where_it_stands() {
    let released = VehicleEvent::Released {
        vehicle: v(),
        order: order_id(1),
        dealer: dealer("D-BER-01"),
    };
    assert_eq!(
        when(&reserved_in_berlin(), release(1)),
        Ok(vec![released.clone()])
    );
    let mut history = reserved_in_berlin();
    history.push(released);
    let v = state(&history);
    assert_eq!(v.status(), Some(VehicleStatus::Free));
    assert_eq!(v.location(), Some(&location("D-BER-01")));
    assert_eq!(v.order(), None);
}

#[test]
fn releasing_a_vehicle_in_production_or_in_transit_keeps_its_status() {
    let released = VehicleEvent::Released {
        vehicle: v(),
        order: order_id(1),
        dealer: dealer("D-MUC-01"),
    };
    let in_production = vec![build_started(Some((1, "D-MUC-01"))), released.clone()];
    assert_eq!(
        state(&in_production).status(),
        Some(VehicleStatus::InProduction)
    );
    assert_eq!(state(&in_production).order(), None);

    let mut moving = moving_to_munich_for_order_1();
    assert_eq!(when(&moving, release(1)), Ok(vec![released.clone()]));
    moving.push(released);
    let v = state(&moving);
    assert_eq!(v.status(), Some(VehicleStatus::InTransit));
    assert_eq!(v.destination(), Some(&location("D-MUC-01")));
    assert_eq!(v.order(), None);
}

#[test]
fn releasing_a_built_vehicle_makes_it_free_stock_at_the_plant() {
    let history = vec![
        build_started(Some((1, "D-MUC-01"))),
        built(Some(1)),
        VehicleEvent::Released {
            vehicle: v(),
            order: order_id(1),
            dealer: dealer("D-MUC-01"),
        },
    ];
    assert_eq!(when(&history[..2], release(1)), Ok(history[2..].to_vec()));
    let v = state(&history);
    assert_eq!(v.status(), Some(VehicleStatus::Free));
    assert_eq!(v.location(), Some(&location("P-LEIPZIG")));
}

#[test]
fn a_vehicle_can_only_be_released_by_the_order_holding_it() {
    let not_reserved = Err(VehicleError::NotReservedBy {
        vehicle: v(),
        order: order_id(2),
    });
    assert_eq!(when(&reserved_in_berlin(), release(2)), not_reserved);
    assert_eq!(when(&[registered_at("D-BER-01")], release(2)), not_reserved);
}

// ---- reassign -------------------------------------------------------------

fn reassign(from: u32, to: u32, by: &str) -> VehicleCommand {
    VehicleCommand::Reassign {
        from: order_id(from),
        to: order_id(to),
        dealer: dealer(by),
    }
}

#[test]
fn a_planner_can_reassign_a_reserved_vehicle_to_another_order() {
    let reassigned = VehicleEvent::Reassigned {
        vehicle: v(),
        from: order_id(1),
        from_dealer: dealer("D-BER-01"),
        to: order_id(2),
        to_dealer: dealer("D-HAM-01"),
    };
    assert_eq!(
        when(&reserved_in_berlin(), reassign(1, 2, "D-HAM-01")),
        Ok(vec![reassigned.clone()])
    );
    let mut history = reserved_in_berlin();
    history.push(reassigned);
    let v = state(&history);
    assert_eq!(v.order(), Some(order_id(2)));
    assert_eq!(v.order_dealer(), Some(&dealer("D-HAM-01")));
    assert_eq!(v.status(), Some(VehicleStatus::Reserved));
    // The new order now holds it; the old one cannot release it any more.
    assert_eq!(
        decide(&v, release(1), &ctx(TODAY)),
        Err(VehicleError::NotReservedBy {
            vehicle: vehicle_id(1),
            order: order_id(1)
        })
    );
}

#[test]
fn reassigning_to_the_same_order_or_again_changes_nothing() {
    assert_eq!(
        when(&reserved_in_berlin(), reassign(1, 1, "D-BER-01")),
        Ok(vec![])
    );
    let mut history = reserved_in_berlin();
    history.push(VehicleEvent::Reassigned {
        vehicle: v(),
        from: order_id(1),
        from_dealer: dealer("D-BER-01"),
        to: order_id(2),
        to_dealer: dealer("D-HAM-01"),
    });
    assert_eq!(when(&history, reassign(1, 2, "D-HAM-01")), Ok(vec![]));
}

#[test]
fn reassigning_from_an_order_that_does_not_hold_the_vehicle_is_rejected() {
    let not_held = Err(VehicleError::NotReservedBy {
        vehicle: v(),
        order: order_id(3),
    });
    assert_eq!(
        when(&reserved_in_berlin(), reassign(3, 2, "D-BER-01")),
        not_held
    );
    assert_eq!(
        when(&[registered_at("D-BER-01")], reassign(3, 2, "D-BER-01")),
        not_held
    );
}

#[test]
fn reassigning_to_a_dealer_of_another_market_is_rejected() {
    assert_eq!(
        when(&reserved_in_berlin(), reassign(1, 2, "D-SHA-01")),
        Err(VehicleError::DealerOutsideMarket {
            dealer: dealer("D-SHA-01"),
            dealer_market: market("CN"),
            vehicle_market: market("DE"),
        })
    );
}

// ---- dispatch -------------------------------------------------------------

#[test]
fn a_free_vehicle_can_be_transferred_to_another_location() {
    let history = vec![registered_at("D-HAM-01")];
    assert_eq!(
        when(&history, dispatch("D-BER-01", "2026-11-25")),
        Ok(vec![dispatched(None, "D-HAM-01", "D-BER-01")])
    );
    let v = state(&[
        registered_at("D-HAM-01"),
        dispatched(None, "D-HAM-01", "D-BER-01"),
    ]);
    assert_eq!(v.status(), Some(VehicleStatus::InTransit));
    assert_eq!(v.location(), Some(&location("D-HAM-01")));
    assert_eq!(v.destination(), Some(&location("D-BER-01")));
    assert_eq!(v.eta(), Some(day("2026-11-25")));
    assert_eq!(v.shipment(), Some(shipment_id(1)));
}

#[test]
fn a_built_vehicle_is_dispatched_to_its_orders_dealer() {
    let history = [build_started(Some((1, "D-MUC-01"))), built(Some(1))];
    assert_eq!(
        when(&history, dispatch("D-MUC-01", "2026-11-25")),
        Ok(vec![dispatched(Some(1), "P-LEIPZIG", "D-MUC-01")])
    );
}

#[test]
fn a_reserved_vehicle_may_only_go_to_its_orders_dealer() {
    let must = Err(VehicleError::MustGoToOrderDealer {
        vehicle: v(),
        dealer: dealer("D-BER-01"),
    });
    assert_eq!(
        when(&reserved_in_berlin(), dispatch("D-HAM-01", "2026-11-25")),
        must
    );
    let built_for_berlin = [build_started(Some((1, "D-BER-01"))), built(Some(1))];
    assert_eq!(
        when(&built_for_berlin, dispatch("D-MUC-01", "2026-11-25")),
        must
    );
}

#[test]
fn a_reserved_stock_car_elsewhere_is_dispatched_to_its_orders_dealer() {
    let history = [registered_at("D-HAM-01"), reserved(1, "D-BER-01")];
    assert_eq!(
        when(&history, dispatch("D-BER-01", "2026-11-25")),
        Ok(vec![dispatched(Some(1), "D-HAM-01", "D-BER-01")])
    );
}

#[test]
fn dispatching_to_where_the_vehicle_stands_is_rejected() {
    assert_eq!(
        when(&reserved_in_berlin(), dispatch("D-BER-01", "2026-11-25")),
        Err(VehicleError::AlreadyAt {
            location: location("D-BER-01")
        })
    );
}

#[test]
fn dispatching_to_an_unknown_location_is_rejected() {
    assert_eq!(
        when(
            &[registered_at("D-BER-01")],
            dispatch("D-XYZ-01", "2026-11-25")
        ),
        Err(VehicleError::UnknownLocation {
            location: location("D-XYZ-01")
        })
    );
}

#[test]
fn dispatching_with_an_eta_in_the_past_is_rejected() {
    assert_eq!(
        when(
            &[registered_at("D-BER-01")],
            dispatch("D-HAM-01", "2026-11-22")
        ),
        Err(VehicleError::EtaInPast {
            eta: day("2026-11-22"),
            today: day(TODAY)
        })
    );
    // Today itself is fine (a short hop).
    assert!(when(&[registered_at("D-BER-01")], dispatch("D-HAM-01", TODAY)).is_ok());
}

#[test]
fn a_vehicle_in_production_cannot_be_dispatched() {
    assert_eq!(
        when(
            &[build_started(Some((1, "D-MUC-01")))],
            dispatch("D-MUC-01", "2026-11-25")
        ),
        Err(VehicleError::NotDispatchable {
            status: VehicleStatus::InProduction
        })
    );
}

#[test]
fn dispatching_the_same_shipment_again_changes_nothing() {
    assert_eq!(
        when(
            &moving_to_munich_for_order_1(),
            dispatch("D-MUC-01", "2026-11-25")
        ),
        Ok(vec![])
    );
}

#[test]
fn a_vehicle_in_transit_cannot_be_dispatched_on_another_shipment() {
    let other = VehicleCommand::Dispatch {
        shipment: shipment_id(2),
        to: location("D-MUC-01"),
        eta: day("2026-11-25"),
    };
    assert_eq!(
        when(&moving_to_munich_for_order_1(), other),
        Err(VehicleError::NotDispatchable {
            status: VehicleStatus::InTransit
        })
    );
}

// ---- delay ----------------------------------------------------------------

fn delayed(reason: &str, new_eta: &str) -> VehicleEvent {
    VehicleEvent::Delayed {
        vehicle: v(),
        shipment: shipment_id(1),
        order: Some(order_id(1)),
        reason: reason.to_owned(),
        new_eta: day(new_eta),
        on: day(TODAY),
    }
}

#[test]
fn a_vehicle_in_transit_can_be_delayed_with_a_reason_and_a_new_eta() {
    let mut history = moving_to_munich_for_order_1();
    assert_eq!(
        when(&history, delay("  port congestion ", "2026-12-02")),
        Ok(vec![delayed("port congestion", "2026-12-02")])
    );
    history.push(delayed("port congestion", "2026-12-02"));
    let v = state(&history);
    assert_eq!(v.eta(), Some(day("2026-12-02")));
    assert_eq!(v.delay_reason(), Some("port congestion"));
    assert_eq!(v.status(), Some(VehicleStatus::InTransit));
}

#[test]
fn recording_the_same_delay_again_changes_nothing() {
    let mut history = moving_to_munich_for_order_1();
    history.push(delayed("port congestion", "2026-12-02"));
    assert_eq!(
        when(&history, delay("port congestion", "2026-12-02")),
        Ok(vec![])
    );
}

#[test]
fn a_delay_needs_a_reason_of_reasonable_length() {
    let history = moving_to_munich_for_order_1();
    assert_eq!(
        when(&history, delay("   ", "2026-12-02")),
        Err(VehicleError::ReasonMissing)
    );
    assert_eq!(
        when(&history, delay(&"x".repeat(201), "2026-12-02")),
        Err(VehicleError::ReasonTooLong { max: 200 })
    );
    assert!(when(&history, delay(&"é".repeat(200), "2026-12-02")).is_ok());
}

#[test]
fn a_delay_with_a_new_eta_in_the_past_is_rejected() {
    assert_eq!(
        when(
            &moving_to_munich_for_order_1(),
            delay("port congestion", "2026-11-20")
        ),
        Err(VehicleError::EtaInPast {
            eta: day("2026-11-20"),
            today: day(TODAY)
        })
    );
}

#[test]
fn only_a_vehicle_in_transit_can_be_delayed() {
    assert_eq!(
        when(
            &reserved_in_berlin(),
            delay("port congestion", "2026-12-02")
        ),
        Err(VehicleError::NotInTransit {
            status: VehicleStatus::Reserved
        })
    );
}

// ---- arrive ---------------------------------------------------------------

#[test]
fn a_reserved_vehicle_arriving_at_its_destination_is_reserved_there() {
    let mut history = moving_to_munich_for_order_1();
    history.push(delayed("port congestion", "2026-12-02"));
    assert_eq!(
        when(&history, arrive("D-MUC-01")),
        Ok(vec![arrived(Some(1), "D-MUC-01")])
    );
    history.push(arrived(Some(1), "D-MUC-01"));
    let v = state(&history);
    assert_eq!(v.status(), Some(VehicleStatus::Reserved));
    assert_eq!(v.location(), Some(&location("D-MUC-01")));
    assert_eq!(v.destination(), None);
    assert_eq!(v.eta(), None);
    assert_eq!(v.delay_reason(), None);
    assert_eq!(v.order(), Some(order_id(1)));
}

#[test]
fn a_free_vehicle_arriving_is_free_stock_at_its_destination() {
    let history = [
        registered_at("D-HAM-01"),
        dispatched(None, "D-HAM-01", "D-BER-01"),
        arrived(None, "D-BER-01"),
    ];
    assert_eq!(
        when(&history[..2], arrive("D-BER-01")),
        Ok(history[2..].to_vec())
    );
    let v = state(&history);
    assert_eq!(v.status(), Some(VehicleStatus::Free));
    assert_eq!(v.location(), Some(&location("D-BER-01")));
}

#[test]
fn arriving_anywhere_but_the_destination_is_rejected() {
    assert_eq!(
        when(&moving_to_munich_for_order_1(), arrive("D-BER-01")),
        Err(VehicleError::WrongDestination {
            destination: location("D-MUC-01"),
            location: location("D-BER-01"),
        })
    );
}

#[test]
fn arriving_again_changes_nothing() {
    let mut history = moving_to_munich_for_order_1();
    history.push(arrived(Some(1), "D-MUC-01"));
    assert_eq!(when(&history, arrive("D-MUC-01")), Ok(vec![]));
    assert_eq!(
        when(&history, arrive("D-BER-01")),
        Err(VehicleError::NotInTransit {
            status: VehicleStatus::Reserved
        })
    );
}

#[test]
fn a_vehicle_in_production_cannot_arrive() {
    assert_eq!(
        when(&[build_started(None)], arrive("P-LEIPZIG")),
        Err(VehicleError::NotInTransit {
            status: VehicleStatus::InProduction
        })
    );
}

// ---- deliver --------------------------------------------------------------

#[test]
fn a_reserved_vehicle_at_its_orders_dealer_is_delivered() {
    assert_eq!(
        when(&reserved_in_berlin(), deliver(1)),
        Ok(vec![delivered(1, "D-BER-01")])
    );
    let mut history = reserved_in_berlin();
    history.push(delivered(1, "D-BER-01"));
    let v = state(&history);
    assert_eq!(v.status(), Some(VehicleStatus::Delivered));
    assert_eq!(v.order(), Some(order_id(1)));
}

#[test]
fn a_vehicle_still_on_its_way_cannot_be_delivered() {
    let not_there = Err(VehicleError::NotAtOrderDealer {
        vehicle: v(),
        dealer: dealer("D-MUC-01"),
    });
    assert_eq!(when(&moving_to_munich_for_order_1(), deliver(1)), not_there);
    assert_eq!(
        when(
            &[build_started(Some((1, "D-MUC-01"))), built(Some(1))],
            deliver(1)
        ),
        not_there
    );
}

#[test]
fn a_reserved_vehicle_at_another_dealer_cannot_be_delivered() {
    assert_eq!(
        when(
            &[registered_at("D-HAM-01"), reserved(1, "D-BER-01")],
            deliver(1)
        ),
        Err(VehicleError::NotAtOrderDealer {
            vehicle: v(),
            dealer: dealer("D-BER-01"),
        })
    );
}

#[test]
fn a_vehicle_is_only_delivered_for_the_order_holding_it() {
    assert_eq!(
        when(&reserved_in_berlin(), deliver(2)),
        Err(VehicleError::NotReservedBy {
            vehicle: v(),
            order: order_id(2)
        })
    );
}

#[test]
fn delivering_again_changes_nothing() {
    let mut history = reserved_in_berlin();
    history.push(delivered(1, "D-BER-01"));
    assert_eq!(when(&history, deliver(1)), Ok(vec![]));
}

#[test]
fn a_delivered_vehicle_accepts_nothing_more() {
    let mut history = reserved_in_berlin();
    history.push(delivered(1, "D-BER-01"));
    let terminal = Err(VehicleError::AlreadyDelivered { vehicle: v() });
    for command in [
        deliver(2),
        reserve(2, "D-BER-01"),
        release(1),
        reassign(1, 2, "D-BER-01"),
        dispatch("D-HAM-01", "2026-11-25"),
        delay("port congestion", "2026-12-02"),
        arrive("D-BER-01"),
        VehicleCommand::CompleteBuild,
    ] {
        assert_eq!(when(&history, command), terminal);
    }
    assert_eq!(
        when(&history, register_at("D-BER-01", &["PNT-RED"])),
        Err(VehicleError::AlreadyExists { vehicle: v() })
    );
}

// ---- the stored form ------------------------------------------------------

#[test]
fn events_are_stored_under_their_pinned_names() {
    let event = reserved(1, "D-BER-01");
    assert_eq!(event.event_type(), "VehicleReserved");
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["type"], "VehicleReserved");
    assert_eq!(json["data"]["dealer"], "D-BER-01");
    let back: VehicleEvent = serde_json::from_value(json).unwrap();
    assert_eq!(back, event);

    let all = [
        (registered_at("D-BER-01"), "VehicleRegistered"),
        (build_started(None), "VehicleBuildStarted"),
        (built(None), "VehicleBuilt"),
        (
            dispatched(None, "D-HAM-01", "D-BER-01"),
            "VehicleDispatched",
        ),
        (delayed("strike", "2026-12-01"), "VehicleDelayed"),
        (arrived(None, "D-BER-01"), "VehicleArrived"),
        (delivered(1, "D-BER-01"), "VehicleDelivered"),
    ];
    for (event, name) in all {
        assert_eq!(event.event_type(), name);
        assert_eq!(serde_json::to_value(&event).unwrap()["type"], name);
    }
}

#[test]
fn statuses_have_the_apis_snake_case_names() {
    let names: Vec<String> = [
        VehicleStatus::Free,
        VehicleStatus::Reserved,
        VehicleStatus::InProduction,
        VehicleStatus::Built,
        VehicleStatus::InTransit,
        VehicleStatus::Delivered,
    ]
    .iter()
    .map(|s| {
        serde_json::to_value(s)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    })
    .collect();
    assert_eq!(
        names,
        [
            "free",
            "reserved",
            "in_production",
            "built",
            "in_transit",
            "delivered"
        ]
    );
}

#[test]
fn evolve_ignores_events_that_cannot_apply() {
    // A reservation for a vehicle that does not exist, a second reservation
    // by another order, an arrival without a journey: ignored, no panic.
    let v = state(&[reserved(1, "D-BER-01")]);
    assert_eq!(v, Vehicle::default());
    let v = state(&[
        registered_at("D-BER-01"),
        reserved(1, "D-BER-01"),
        reserved(2, "D-BER-01"),
        arrived(Some(1), "D-HAM-01"),
    ]);
    assert_eq!(v.order(), Some(order_id(1)));
    assert_eq!(v.location(), Some(&location("D-BER-01")));
}

// ---- properties -----------------------------------------------------------

const LOCATIONS: [&str; 4] = ["D-BER-01", "D-MUC-01", "P-LEIPZIG", "D-XYZ-01"];
const DEALERS: [&str; 3] = ["D-BER-01", "D-MUC-01", "D-SHA-01"];
const REASONS: [&str; 3] = ["port congestion", "  ", "strike"];

fn any_location() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&LOCATIONS[..])
}

fn any_dealer() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&DEALERS[..])
}

fn any_order() -> impl Strategy<Value = u32> {
    1..=3u32
}

/// A command with its ETA given as days after the day it is decided on.
fn any_command() -> impl Strategy<Value = (VehicleCommand, i64)> {
    let eta_offset = -1..8i64;
    prop_oneof![
        1 => any_location().prop_map(|l| (register_at(l, &[]), 0)),
        1 => (prop::option::of((any_order(), any_dealer())), prop::bool::ANY).prop_map(
            |(order, leipzig)| {
                let mut command = start_build(order.map(|o| o.0), order.map(|o| o.1));
                if let VehicleCommand::StartBuild { plant: p, .. } = &mut command {
                    if !leipzig {
                        *p = plant("P-SHENYANG");
                    }
                }
                (command, 0)
            }
        ),
        2 => Just((VehicleCommand::CompleteBuild, 0)),
        3 => (any_order(), any_dealer()).prop_map(|(o, d)| (reserve(o, d), 0)),
        2 => any_order().prop_map(|o| (release(o), 0)),
        1 => (any_order(), any_order(), any_dealer())
            .prop_map(|(f, t, d)| (reassign(f, t, d), 0)),
        3 => (0..2u32, any_location(), eta_offset.clone()).prop_map(|(s, l, off)| {
            let command = VehicleCommand::Dispatch {
                shipment: shipment_id(s),
                to: location(l),
                eta: day(TODAY), // replaced by the offset when decided
            };
            (command, off)
        }),
        1 => (prop::sample::select(&REASONS[..]), eta_offset)
            .prop_map(|(r, off)| (delay(r, TODAY), off)),
        3 => any_location().prop_map(|l| (arrive(l), 0)),
        2 => any_order().prop_map(|o| (deliver(o), 0)),
    ]
}

/// Sets the command's date to `today + offset`.
fn dated(command: VehicleCommand, today: NaiveDate, offset: i64) -> VehicleCommand {
    let shifted = |d: NaiveDate| {
        if offset >= 0 {
            d + Days::new(offset as u64)
        } else {
            d - Days::new(offset.unsigned_abs())
        }
    };
    match command {
        VehicleCommand::Dispatch { shipment, to, .. } => VehicleCommand::Dispatch {
            shipment,
            to,
            eta: shifted(today),
        },
        VehicleCommand::Delay { reason, .. } => VehicleCommand::Delay {
            reason,
            new_eta: shifted(today),
        },
        other => other,
    }
}

/// What must hold of any reachable vehicle.
fn consistent(v: &Vehicle) -> Result<(), TestCaseError> {
    let Some(status) = v.status() else {
        prop_assert_eq!(v, &Vehicle::default());
        return Ok(());
    };
    let in_transit = status == VehicleStatus::InTransit;
    prop_assert_eq!(v.destination().is_some(), in_transit);
    prop_assert_eq!(v.eta().is_some(), in_transit);
    prop_assert_eq!(v.shipment().is_some(), in_transit);
    match status {
        VehicleStatus::Free => prop_assert!(v.order().is_none()),
        VehicleStatus::Reserved => prop_assert!(v.order().is_some()),
        VehicleStatus::InProduction | VehicleStatus::Built => {
            prop_assert_eq!(
                v.location().map(|l| l.as_str()),
                v.plant().map(|p| p.as_str())
            );
            if status == VehicleStatus::Built {
                prop_assert!(v.order().is_some());
            }
        }
        VehicleStatus::InTransit => {}
        VehicleStatus::Delivered => {
            prop_assert!(v.order().is_some());
            prop_assert_eq!(v.location().and_then(|l| l.dealer()), v.order_dealer());
        }
    }
    prop_assert_eq!(v.order().is_some(), v.order_dealer().is_some());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any sequence of commands: the accepted events replayed from the
    /// default give the state reached step by step; a vehicle never has two
    /// orders (another order's reservation is refused, a reassignment only
    /// moves it from its holder); delivered is terminal; every accepted
    /// command but a release is a no-op when retried.
    #[test]
    fn any_history_replays_and_keeps_the_vehicles_invariants(
        steps in prop::collection::vec((any_command(), 0..3u64), 1..60)
    ) {
        let mut today = day(TODAY);
        let mut state = Vehicle::default();
        let mut accepted: Vec<VehicleEvent> = Vec::new();
        for ((command, offset), advance) in steps {
            today = today + Days::new(advance);
            let at = support::at(&today.to_string());
            let ctx = Context::new(at, catalog());
            let command = dated(command, today, offset);
            let before = state.clone();
            let result = decide(&before, command.clone(), &ctx);

            if let (VehicleCommand::Reserve { order, .. }, Some(holder)) = (&command, before.order()) {
                let expected = if before.status() == Some(VehicleStatus::Delivered) {
                    VehicleError::AlreadyDelivered { vehicle: vehicle_id(1) }
                } else {
                    VehicleError::AlreadyReserved { vehicle: vehicle_id(1), by: holder }
                };
                if holder != *order {
                    prop_assert_eq!(&result, &Err(expected));
                }
            }
            let Ok(events) = result else { continue };
            prop_assert!(events.len() <= 1);
            if before.status() == Some(VehicleStatus::Delivered) {
                prop_assert!(events.is_empty());
            }
            for event in &events {
                match event {
                    VehicleEvent::Reserved { .. } => prop_assert_eq!(before.order(), None),
                    VehicleEvent::Reassigned { from, .. } => {
                        prop_assert_eq!(before.order(), Some(*from))
                    }
                    _ => {}
                }
                state = evolve(state, event);
                accepted.push(event.clone());
            }
            prop_assert_eq!(&Vehicle::replay(&accepted), &state);
            consistent(&state)?;
            if !events.is_empty() && !matches!(command, VehicleCommand::Release { .. }) {
                prop_assert_eq!(decide(&state, command, &ctx), Ok(vec![]));
            }
        }
        let orders: Vec<OrderId> = accepted.iter().filter_map(|e| match e {
            VehicleEvent::Delivered { order, .. } => Some(*order),
            _ => None,
        }).collect();
        prop_assert!(orders.len() <= 1, "delivered twice: {:?}", orders);
    }
}
