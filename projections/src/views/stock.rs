//! Stock by location: vehicles and the per-location summary.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::order::OrderStatus;
use domain::values::{
    DealerId, IsoWeek, LocationId, MarketCode, ModelCode, OptionCode, OrderId, PlantId, ShipmentId,
    VehicleId, Vin,
};
use domain::vehicle::VehicleStatus;
use serde::Serialize;

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::orders::OrderDoc;
use crate::models::stock::{LocationStockDoc, VehicleDoc};

/// `GET /api/v1/vehicles/{id}`: a vehicle with its configuration and whereabouts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VehicleView {
    pub vehicle_id: VehicleId,
    pub market: MarketCode,
    pub model: ModelCode,
    pub options: Vec<OptionCode>,
    /// `free`, `reserved`, `in_production`, `built`, `in_transit` or `delivered`.
    pub status: VehicleStatus,
    /// Where it stands; while in transit, where it is heading.
    pub location: LocationId,
    /// Where it left from, while in transit.
    pub origin: Option<LocationId>,
    /// The order it is reserved for (or was delivered to).
    pub order_id: Option<OrderId>,
    pub dealer_id: Option<DealerId>,
    pub vin: Option<Vin>,
    /// In transit: the expected arrival; in production: the end of its production week.
    pub eta: Option<NaiveDate>,
    pub plant: Option<PlantId>,
    pub week: Option<IsoWeek>,
    pub built_on: Option<NaiveDate>,
    pub shipment_id: Option<ShipmentId>,
    pub delay_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<VehicleDoc> for VehicleView {
    fn from(doc: VehicleDoc) -> Self {
        VehicleView {
            vehicle_id: doc.vehicle_id,
            market: doc.market,
            model: doc.model,
            options: doc.options,
            status: doc.status,
            location: doc.location,
            origin: doc.origin,
            order_id: doc.order_id,
            dealer_id: doc.dealer_id,
            vin: doc.vin,
            eta: doc.eta,
            plant: doc.plant,
            week: doc.week,
            built_on: doc.built_on,
            shipment_id: doc.shipment_id,
            delay_reason: doc.delay_reason,
            updated_at: doc.updated_at,
        }
    }
}

/// `GET /api/v1/vehicles` filters (all optional, combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VehicleFilter {
    pub location: Option<LocationId>,
    pub status: Option<VehicleStatus>,
    pub model: Option<ModelCode>,
}

/// `GET /api/v1/stock/summary`: one location's stock and the demand waiting there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LocationSummary {
    pub location: LocationId,
    pub free: u32,
    pub reserved: u32,
    /// Built for an order, waiting at the plant for dispatch.
    pub built: u32,
    /// On their way to this location.
    pub in_transit: u32,
    pub in_production: u32,
    /// Orders of this dealer waiting without a vehicle or slot.
    pub open_demand: u32,
}

impl LocationSummary {
    fn empty(location: LocationId) -> Self {
        LocationSummary {
            location,
            free: 0,
            reserved: 0,
            built: 0,
            in_transit: 0,
            in_production: 0,
            open_demand: 0,
        }
    }
}

impl From<LocationStockDoc> for LocationSummary {
    fn from(doc: LocationStockDoc) -> Self {
        LocationSummary {
            location: doc.location,
            free: doc.free,
            reserved: doc.reserved,
            built: doc.built,
            in_transit: doc.in_transit,
            in_production: doc.in_production,
            open_demand: 0,
        }
    }
}

impl ReadModels {
    /// One vehicle (`None`: unknown).
    pub async fn vehicle(&self, vehicle: VehicleId) -> Result<Option<VehicleView>, ReadModelError> {
        let doc = self.get::<VehicleDoc>(vehicle.to_string()).await?;
        Ok(doc.map(VehicleView::from))
    }

    /// The vehicles matching `filter`, by id.
    pub async fn vehicles(
        &self,
        filter: &VehicleFilter,
    ) -> Result<Vec<VehicleView>, ReadModelError> {
        let mut query = DocQuery::all();
        if let Some(location) = &filter.location {
            query = query.tag(0, location.as_str());
        }
        if let Some(status) = filter.status {
            query = query.tag(1, status.as_str());
        }
        let docs = self.find::<VehicleDoc>(query).await?;
        Ok(docs
            .into_iter()
            .filter(|d| match &filter.model {
                Some(model) => &d.model == model,
                None => true,
            })
            .map(VehicleView::from)
            .collect())
    }

    /// The vehicles of `market` and `model` that are not delivered (the supply fulfilment
    /// chooses from).
    pub async fn supply_vehicles(
        &self,
        market: &MarketCode,
        model: &ModelCode,
    ) -> Result<Vec<VehicleView>, ReadModelError> {
        let query = DocQuery::all().tag(2, VehicleDoc::supply_key(market, model));
        let docs = self.find::<VehicleDoc>(query).await?;
        Ok(docs.into_iter().map(VehicleView::from).collect())
    }

    /// Every location's stock and open demand, by location id (locations that never held a
    /// vehicle nor had demand are absent). The demand is the orders waiting without a vehicle
    /// or slot (`placed`), counted at their dealer.
    pub async fn stock_summary(&self) -> Result<Vec<LocationSummary>, ReadModelError> {
        let docs = self.find::<LocationStockDoc>(DocQuery::all()).await?;
        let mut summary: BTreeMap<LocationId, LocationSummary> = docs
            .into_iter()
            .map(|doc| (doc.location.clone(), LocationSummary::from(doc)))
            .collect();
        let waiting = DocQuery::all().tag(2, OrderStatus::Placed.as_str());
        for order in self.find::<OrderDoc>(waiting).await? {
            let location = LocationId::Dealer(order.dealer_id);
            summary
                .entry(location.clone())
                .or_insert_with(|| LocationSummary::empty(location))
                .open_demand += 1;
        }
        Ok(summary.into_values().collect())
    }
}
