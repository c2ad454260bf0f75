//! The supply side a planner runs: capacity, stock, production.

use domain::order::{Fulfilment, Order, OrderCommand, OrderStatus, VehicleSource};
use domain::slot::{Build, Slot, SlotCommand};
use domain::streams::{order_stream, slot_stream, vehicle_stream};
use domain::values::{
    IsoWeek, LocationId, MarketCode, ModelCode, OptionCode, OrderId, PlantId, VehicleId, Vin,
};
use domain::vehicle::{Vehicle, VehicleCommand};
use store::{Metadata, Position};

use super::vin::derive_vin;
use super::{build_vehicle_id, Done, Services};
use crate::rejection::ServiceError;
use crate::steps::release::release_vehicle;
use crate::steps::{load, run, Progress};
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
        let mut progress = Progress::default();
        run::<Slot>(
            &self.exec,
            &slot_stream(&plant, week),
            metadata,
            &mut progress,
            |_| SlotCommand::SetCapacity {
                plant: plant.clone(),
                week,
                units,
            },
        )
        .await?;
        Ok(Done {
            position: progress.reached(&self.exec).await?,
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
        let mut progress = Progress::default();
        run::<Vehicle>(
            &self.exec,
            &vehicle_stream(vehicle),
            metadata,
            &mut progress,
            |_| VehicleCommand::Register {
                vehicle,
                market: market.clone(),
                model: model.clone(),
                options: options.clone(),
                location: location.clone(),
            },
        )
        .await?;
        Ok(Done {
            position: progress.reached(&self.exec).await?,
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
        let mut progress = Progress::default();
        let started = run::<Slot>(
            exec,
            &slot_stream(&plant, week),
            metadata,
            &mut progress,
            |slot| SlotCommand::StartProduction {
                builds: match slot.builds() {
                    Some(builds) => builds.to_vec(),
                    // Without VINs (never below 33^6 bookings) the slot
                    // refuses with `MissingBuild`.
                    None => planned_builds(slot, &plant, week).unwrap_or_default(),
                },
            },
        )
        .await?;
        let builds = started
            .state
            .builds()
            .map(<[Build]>::to_vec)
            .unwrap_or_default();
        for build in &builds {
            self.start_build(&plant, week, build, metadata, &mut progress)
                .await?;
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
            position: progress.reached(exec).await?,
        })
    }

    async fn start_build(
        &self,
        plant: &PlantId,
        week: IsoWeek,
        build: &Build,
        metadata: &Metadata,
        progress: &mut Progress,
    ) -> Result<(), ServiceError> {
        let exec = &self.exec;
        let order_state = load::<Order>(exec, &order_stream(build.order)).await?;
        let Some(o) = order_state.placed() else {
            return Err(CommandError::NotFound(format!("order {}", build.order)));
        };
        let cancelled = o.status == OrderStatus::Cancelled;
        let vehicle_stream = vehicle_stream(build.vehicle);
        if load::<Vehicle>(exec, &vehicle_stream).await?.exists() {
            progress.found_done();
        } else {
            let reservation = (!cancelled).then(|| (build.order, o.dealer.clone()));
            let built = run::<Vehicle>(exec, &vehicle_stream, metadata, progress, |_| {
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
            if let Err(refused) = built {
                // A production start racing us started this build first.
                if !load::<Vehicle>(exec, &vehicle_stream).await?.exists() {
                    return Err(refused);
                }
                progress.found_done();
            }
        }
        let started = o.fulfilment.as_ref().and_then(Fulfilment::vehicle) == Some(build.vehicle);
        if cancelled {
            release_vehicle(exec, build.vehicle, build.order, metadata, progress).await?;
        } else if started {
            progress.found_done();
        } else {
            let outcome =
                run::<Order>(exec, &order_stream(build.order), metadata, progress, |_| {
                    OrderCommand::StartProduction {
                        vehicle: build.vehicle,
                        vin: build.vin.clone(),
                    }
                })
                .await;
            if let Err(e) = outcome {
                let now = load::<Order>(exec, &order_stream(build.order)).await?;
                let holds_build = now
                    .placed()
                    .and_then(|o| o.fulfilment.as_ref())
                    .and_then(Fulfilment::vehicle)
                    == Some(build.vehicle);
                if now.status() == Some(OrderStatus::Cancelled) {
                    // Cancelled between our read and our write: the build
                    // is free stock.
                    release_vehicle(exec, build.vehicle, build.order, metadata, progress).await?;
                } else if holds_build {
                    // A production start racing us got there first.
                    progress.found_done();
                } else {
                    return Err(e);
                }
            }
        }
        Ok(())
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
        let stream = vehicle_stream(vehicle);
        if !load::<Vehicle>(exec, &stream).await?.exists() {
            return Err(CommandError::NotFound(format!("vehicle {vehicle}")));
        }
        let mut progress = Progress::default();
        let done = run::<Vehicle>(exec, &stream, metadata, &mut progress, |_| {
            VehicleCommand::CompleteBuild
        })
        .await?;
        let order = done.state.order();
        if let Some(order) = order {
            let state = load::<Order>(exec, &order_stream(order)).await?;
            if awaits_build(&state, vehicle) {
                run::<Order>(exec, &order_stream(order), metadata, &mut progress, |_| {
                    OrderCommand::CompleteBuild { vehicle }
                })
                .await?;
            }
        }
        Ok(BuildCompleted {
            vehicle,
            order,
            position: progress.reached(exec).await?,
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
