//! Stock by location: every vehicle with its whereabouts and a per-location summary kept as
//! counters. The open demand by location (orders waiting without a vehicle or slot, by their
//! dealer) is read from the order documents when the summary is asked for: the orders
//! projection already indexes orders by status.

mod apply;

use chrono::{DateTime, NaiveDate, Utc};
use domain::values::{
    DealerId, IsoWeek, LocationId, MarketCode, ModelCode, OptionCode, OrderId, PlantId, ShipmentId,
    VehicleId, Vin,
};
use domain::vehicle::VehicleStatus;
use serde::{Deserialize, Serialize};

use crate::document::{Document, Tags};
use crate::models::fields;

pub use apply::StockProjection;

/// One vehicle as the planner sees it.
///
/// Collection `vehicles`, key: the vehicle id; tags: location (where it stands or, in
/// transit, where it is heading), status, and `MARKET/MODEL` while it is not delivered (the
/// supply fulfilment chooses from).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleDoc {
    pub vehicle_id: VehicleId,
    pub market: MarketCode,
    pub model: ModelCode,
    /// The complete configuration's options, sorted.
    pub options: Vec<OptionCode>,
    pub status: VehicleStatus,
    /// Where it stands; while in transit, where it is heading.
    pub location: LocationId,
    /// Where it left from, while in transit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<LocationId>,
    /// In transit: the expected arrival; in production: the end of its production week.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fields::opt_date"
    )]
    pub eta: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dealer_id: Option<DealerId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vin: Option<Vin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plant: Option<PlantId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub week: Option<IsoWeek>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "fields::opt_date"
    )]
    pub built_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<ShipmentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_reason: Option<String>,
    #[serde(serialize_with = "fields::instant")]
    pub updated_at: DateTime<Utc>,
}

impl VehicleDoc {
    /// `MARKET/MODEL`, the tag the supply view selects by.
    pub fn supply_key(market: &MarketCode, model: &ModelCode) -> String {
        format!("{market}/{model}")
    }
}

impl Document for VehicleDoc {
    const COLLECTION: &'static str = "vehicles";

    fn tags(&self) -> Tags {
        let supply = (self.status != VehicleStatus::Delivered)
            .then(|| VehicleDoc::supply_key(&self.market, &self.model));
        Tags::new(
            Some(self.location.to_string()),
            Some(self.status.as_str().to_owned()),
            supply,
        )
    }
}

/// The vehicles at (or heading to) one location, by status, and the demand waiting there.
///
/// Collection `location_stock`, key: the location id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationStockDoc {
    pub location: LocationId,
    pub free: u32,
    pub reserved: u32,
    /// Built for an order, waiting at the plant for dispatch.
    pub built: u32,
    pub in_production: u32,
    /// On their way to this location.
    pub in_transit: u32,
}

impl LocationStockDoc {
    fn empty(location: LocationId) -> Self {
        LocationStockDoc {
            location,
            free: 0,
            reserved: 0,
            built: 0,
            in_production: 0,
            in_transit: 0,
        }
    }

    fn counter(&mut self, status: VehicleStatus) -> Option<&mut u32> {
        match status {
            VehicleStatus::Free => Some(&mut self.free),
            VehicleStatus::Reserved => Some(&mut self.reserved),
            VehicleStatus::Built => Some(&mut self.built),
            VehicleStatus::InProduction => Some(&mut self.in_production),
            VehicleStatus::InTransit => Some(&mut self.in_transit),
            VehicleStatus::Delivered => None,
        }
    }
}

impl Document for LocationStockDoc {
    const COLLECTION: &'static str = "location_stock";
}
