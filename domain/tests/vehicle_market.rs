//! Stock stays in its market: a vehicle is registered at, and transferred
//! to, only locations of its market; plants, which build for several
//! markets, are exempt.

#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use domain::vehicle::{Vehicle, VehicleCommand, VehicleError, VehicleEvent};

const TODAY: &str = "2026-11-23";

fn register(market_code: &str, at: &str) -> VehicleCommand {
    VehicleCommand::Register {
        vehicle: vehicle_id(1),
        market: market(market_code),
        model: model("AURA"),
        options: options(&["PNT-RED"]),
        location: location(at),
    }
}

fn registered(market_code: &str, at: &str) -> Vec<VehicleEvent> {
    given::<Vehicle>(&[], register(market_code, at), TODAY).unwrap()
}

fn transfer(to: &str) -> VehicleCommand {
    VehicleCommand::Dispatch {
        shipment: shipment_id(1),
        to: location(to),
        eta: day("2026-12-01"),
    }
}

#[test]
fn a_de_car_cannot_be_registered_at_a_cn_dealer() {
    assert_eq!(
        given::<Vehicle>(&[], register("DE", "D-SHA-01"), TODAY),
        Err(VehicleError::LocationOutsideMarket {
            location: location("D-SHA-01"),
            location_market: market("CN"),
            vehicle_market: market("DE"),
        })
    );
}

#[test]
fn a_car_is_registered_at_a_dealer_of_its_market_or_at_any_plant() {
    assert_eq!(registered("CN", "D-SHA-01").len(), 1);
    assert_eq!(registered("CN", "P-LEIPZIG").len(), 1, "plants are exempt");
}

#[test]
fn a_de_car_cannot_be_transferred_to_a_cn_dealer() {
    assert_eq!(
        given::<Vehicle>(&registered("DE", "D-BER-01"), transfer("D-BJS-01"), TODAY),
        Err(VehicleError::LocationOutsideMarket {
            location: location("D-BJS-01"),
            location_market: market("CN"),
            vehicle_market: market("DE"),
        })
    );
}

#[test]
fn a_car_is_transferred_within_its_market_and_from_a_plant_abroad_to_its_market() {
    let moved = given::<Vehicle>(&registered("DE", "D-BER-01"), transfer("D-MUC-01"), TODAY);
    assert!(matches!(
        moved.as_deref(),
        Ok([VehicleEvent::Dispatched { .. }])
    ));
    let from_plant = given::<Vehicle>(&registered("CN", "P-LEIPZIG"), transfer("D-SHA-01"), TODAY);
    assert!(matches!(
        from_plant.as_deref(),
        Ok([VehicleEvent::Dispatched { .. }])
    ));
}
