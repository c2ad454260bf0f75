//! The supply side a planner runs: capacity, stock, production.

use domain::order::{Fulfilment, Order, OrderCommand, OrderStatus, VehicleSource};
use domain::slot::{Build, Slot, SlotCommand};
use domain::values::{
    IsoWeek, LocationId, MarketCode, ModelCode, OptionCode, OrderId, PlantId, SlotKey, VehicleId,
    Vin,
};
use domain::vehicle::{Vehicle, VehicleCommand};
use store::{Metadata, Position};

use super::vin::derive_vin;
use super::{build_vehicle_id, Done, Services};
use crate::rejection::ServiceError;
use crate::steps::release::release_vehicle;
use crate::steps::{load, run, Reached};
use crate::CommandError;

/// One build put into production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedBuild {
    pub order: OrderId,
    pub vehicle: VehicleId,
    pub vin: Vin,
}

/// The builds a production start put on the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductionStart {
    pub builds: Vec<StartedBuild>,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

/// A build that left the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildCompleted {
    pub vehicle: VehicleId,
    /// The order it is built for (`None`: free stock at the plant).
    pub order: Option<OrderId>,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

impl Services {
    /// Opens a plant-week or changes its capacity. Fulfilment then retries
    /// the orders awaiting capacity.
    pub async fn set_capacity(
        &self,
        plant: PlantId,
        week: IsoWeek,
        units: u32,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        let slot = SlotKey::new(plant.clone(), week);
        let done = run::<Slot>(&self.exec, &slot, metadata, |_| SlotCommand::SetCapacity {
            plant: plant.clone(),
            week,
            units,
        })
        .await?;
        Ok(Done {
            position: Reached::of(&done).position(&self.exec).await?,
        })
    }

    /// Registers a free stock vehicle at a location. `vehicle` is the new
    /// id (the API derives it from the idempotency key); registering the
    /// same vehicle again is a no-op.
    pub async fn register_vehicle(
        &self,
        vehicle: VehicleId,
        market: MarketCode,
        model: ModelCode,
        options: Vec<OptionCode>,
        location: LocationId,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        let done = run::<Vehicle>(&self.exec, &vehicle, metadata, |_| {
            VehicleCommand::Register {
                vehicle,
                market: market.clone(),
                model: model.clone(),
                options: options.clone(),
                location: location.clone(),
            }
        })
        .await?;
        Ok(Done {
            position: Reached::of(&done).position(&self.exec).await?,
        })
    }

    /// Starts production of a plant-week: one build per booked order, with
    /// the vehicle id [`build_vehicle_id`] of the order and a VIN derived
    /// from the plant, the week and the booking's index
    /// ([`derive_vin`](super::derive_vin)). The slot decides first (the week
    /// has begun, production did not start yet); then each build's vehicle
    /// starts (reserved for its order) and each order goes `in_production`.
    /// Starting a started week again completes what an interrupted attempt
    /// left undone and returns the same builds. An order cancelled in
    /// between gets no build of its own: its vehicle is built as free
    /// stock.
    pub async fn start_production(
        &self,
        plant: PlantId,
        week: IsoWeek,
        metadata: &Metadata,
    ) -> Result<ProductionStart, ServiceError> {
        let exec = &self.exec;
        let slot = SlotKey::new(plant.clone(), week);
        let started = run::<Slot>(exec, &slot, metadata, |slot| {
            SlotCommand::StartProduction {
                builds: match slot.builds() {
                    Some(builds) => builds.to_vec(),
                    // Without VINs (never below 33^6 bookings) the slot
                    // refuses with `MissingBuild`.
                    None => planned_builds(slot, &plant, week).unwrap_or_default(),
                },
            }
        })
        .await?;
        let mut reached = Reached::of(&started);
        let builds = started
            .state
            .builds()
            .map(<[Build]>::to_vec)
            .unwrap_or_default();
        for build in &builds {
            let built = self.start_build(&plant, week, build, metadata).await?;
            reached = reached.max(built);
        }
        let builds = builds
            .into_iter()
            .map(|b| StartedBuild {
                order: b.order,
                vehicle: b.vehicle,
                vin: b.vin,
            })
            .collect();
        Ok(ProductionStart {
            builds,
            position: reached.position(exec).await?,
        })
    }

    async fn start_build(
        &self,
        plant: &PlantId,
        week: IsoWeek,
        build: &Build,
        metadata: &Metadata,
    ) -> Result<Reached, ServiceError> {
        let exec = &self.exec;
        let order_state = load::<Order>(exec, &build.order).await?;
        let Some(o) = order_state.placed() else {
            return Err(CommandError::NotFound(format!("order {}", build.order)));
        };
        let cancelled = o.status == OrderStatus::Cancelled;
        let mut reached = if load::<Vehicle>(exec, &build.vehicle).await?.exists() {
            Reached::FoundDone
        } else {
            let reservation = (!cancelled).then(|| (build.order, o.dealer.clone()));
            let built = run::<Vehicle>(exec, &build.vehicle, metadata, |_| {
                VehicleCommand::StartBuild {
                    vehicle: build.vehicle,
                    market: o.market.clone(),
                    configuration: o.configuration.clone(),
                    plant: plant.clone(),
                    week,
                    vin: build.vin.clone(),
                    order: reservation.as_ref().map(|r| r.0),
                    order_dealer: reservation.as_ref().map(|r| r.1.clone()),
                }
            })
            .await;
            match built {
                Ok(done) => Reached::of(&done),
                // A production start racing us started this build first.
                Err(refused) => {
                    if !load::<Vehicle>(exec, &build.vehicle).await?.exists() {
                        return Err(refused);
                    }
                    Reached::FoundDone
                }
            }
        };
        let started = o.fulfilment.as_ref().and_then(Fulfilment::vehicle) == Some(build.vehicle);
        if cancelled {
            let released = release_vehicle(exec, build.vehicle, build.order, metadata).await?;
            reached = reached.max(released);
        } else if started {
            reached = Reached::FoundDone;
        } else {
            let outcome = run::<Order>(exec, &build.order, metadata, |_| {
                OrderCommand::StartProduction {
                    vehicle: build.vehicle,
                    vin: build.vin.clone(),
                }
            })
            .await;
            match outcome {
                Ok(done) => reached = reached.max(Reached::of(&done)),
                Err(e) => {
                    let now = load::<Order>(exec, &build.order).await?;
                    let holds_build = now
                        .placed()
                        .and_then(|o| o.fulfilment.as_ref())
                        .and_then(Fulfilment::vehicle)
                        == Some(build.vehicle);
                    if now.status() == Some(OrderStatus::Cancelled) {
                        // Cancelled between our read and our write: the build
                        // is free stock.
                        let released =
                            release_vehicle(exec, build.vehicle, build.order, metadata).await?;
                        reached = reached.max(released);
                    } else if holds_build {
                        // A production start racing us got there first.
                        reached = Reached::FoundDone;
                    } else {
                        return Err(e);
                    }
                }
            }
        }
        Ok(reached)
    }

    /// Records that a build left the line: the vehicle is `built` (free
    /// stock at the plant when built without an order), and its order is
    /// `built`. The logistics process manager then plans the shipment to
    /// the order's dealer.
    pub async fn complete_build(
        &self,
        vehicle: VehicleId,
        metadata: &Metadata,
    ) -> Result<BuildCompleted, ServiceError> {
        let exec = &self.exec;
        if !load::<Vehicle>(exec, &vehicle).await?.exists() {
            return Err(CommandError::NotFound(format!("vehicle {vehicle}")));
        }
        let done =
            run::<Vehicle>(exec, &vehicle, metadata, |_| VehicleCommand::CompleteBuild).await?;
        let mut reached = Reached::of(&done);
        let order = done.state.order();
        if let Some(order) = order {
            let state = load::<Order>(exec, &order).await?;
            if awaits_build(&state, vehicle) {
                let done = run::<Order>(exec, &order, metadata, |_| OrderCommand::CompleteBuild {
                    vehicle,
                })
                .await?;
                reached = reached.max(Reached::of(&done));
            }
        }
        Ok(BuildCompleted {
            vehicle,
            order,
            position: reached.position(exec).await?,
        })
    }
}

/// Whether the order holds `vehicle` and waits for its build to complete.
fn awaits_build(state: &Order, vehicle: VehicleId) -> bool {
    let Some(o) = state.placed() else {
        return false;
    };
    if o.fulfilment.as_ref().and_then(Fulfilment::vehicle) != Some(vehicle) {
        return false;
    }
    let from_production = matches!(
        o.fulfilment,
        Some(Fulfilment::Stock {
            source: VehicleSource::InProduction,
            ..
        })
    ) && o.status == OrderStatus::Allocated;
    o.status == OrderStatus::InProduction || from_production
}

/// One build per booked order, in booking-id order, VINs by index; `None`
/// past the VINs a week can have.
fn planned_builds(slot: &Slot, plant: &PlantId, week: IsoWeek) -> Option<Vec<Build>> {
    slot.bookings()
        .iter()
        .enumerate()
        .map(|(index, order)| {
            let vin = derive_vin(plant, week, u32::try_from(index).ok()?).ok()?;
            Some(Build {
                order: *order,
                vehicle: build_vehicle_id(*order),
                vin,
            })
        })
        .collect()
}
