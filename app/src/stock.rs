//! How a vehicle looks to the fulfilment policy, and what a policy's choice
//! means for the order that takes the vehicle.
//!
//! The reallocation service reads one vehicle's state and ranks it for the
//! receiving order exactly as fulfilment would; a read model that keeps the
//! vehicle aggregate's state can fill the
//! [`SupplyView`](crate::SupplyView) with [`stock_unit`].

use domain::order::VehicleSource;
use domain::policy::{LtoRank, StockUnit, Whereabouts};
use domain::vehicle::{Vehicle, VehicleStatus};

/// Where the vehicle is in the pipeline: standing somewhere, on its way
/// (to its destination, expected on its ETA), or being built (expected on
/// the Sunday of its production week). `None` for a vehicle that does not
/// exist or is delivered.
pub fn whereabouts_of(vehicle: &Vehicle) -> Option<Whereabouts> {
    Some(match vehicle.status()? {
        VehicleStatus::Delivered => return None,
        VehicleStatus::InTransit => Whereabouts::InTransit {
            to: vehicle.destination()?.clone(),
            eta: vehicle.eta()?,
        },
        VehicleStatus::InProduction => Whereabouts::InProduction {
            plant: vehicle.plant()?.clone(),
            ready_on: vehicle.week()?.sunday(),
        },
        VehicleStatus::Free | VehicleStatus::Reserved | VehicleStatus::Built => {
            Whereabouts::AtLocation(vehicle.location()?.clone())
        }
    })
}

/// The vehicle as the fulfilment policy sees it (`None` when it does not
/// exist or is delivered).
pub fn stock_unit(vehicle: &Vehicle) -> Option<StockUnit> {
    Some(StockUnit {
        vehicle: vehicle.id()?,
        market: vehicle.market()?.clone(),
        configuration: vehicle.configuration()?.clone(),
        whereabouts: whereabouts_of(vehicle)?,
        reserved_by: vehicle.order(),
    })
}

/// Where an allocated vehicle comes from, as the order records it.
pub fn source_of(rank: LtoRank) -> VehicleSource {
    match rank {
        LtoRank::AtDealer => VehicleSource::AtDealer,
        LtoRank::InTransitToDealer => VehicleSource::InTransitToDealer,
        LtoRank::ElsewhereInMarket => VehicleSource::AtOtherLocation,
        LtoRank::InProduction => VehicleSource::InProduction,
    }
}
