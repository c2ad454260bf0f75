//! What each vehicle command does, rule by rule.

use chrono::NaiveDate;

use super::{
    Build, Reservation, Unit, Vehicle, VehicleCommand, VehicleError, VehicleEvent, VehicleStatus,
};
use crate::catalog::Configuration;
use crate::decider::Context;
use crate::rules::{checked_reason, ReasonProblem, MAX_REASON_CHARS};
use crate::values::{
    DealerId, LocationId, MarketCode, ModelCode, OptionCode, OrderId, ShipmentId, VehicleId,
};

type Decision = Result<Vec<VehicleEvent>, VehicleError>;

/// Decides what a command does to a vehicle.
///
/// A command whose effect is already true is a no-op (`Ok(vec![])`): the
/// same registration or build start again, completing a completed build,
/// the same order reserving again, a reassignment that already took effect,
/// the same dispatch, the same delay, an arrival where the vehicle stands,
/// the same delivery again.
pub fn decide(state: &Vehicle, command: VehicleCommand, ctx: &Context<'_>) -> Decision {
    match command {
        VehicleCommand::Register {
            vehicle,
            market,
            model,
            options,
            location,
        } => register(state, vehicle, market, &model, &options, location, ctx),
        VehicleCommand::StartBuild {
            vehicle,
            market,
            configuration,
            plant,
            week,
            vin,
            order,
            order_dealer,
        } => {
            let reservation = match (order, order_dealer) {
                (Some(order), Some(dealer)) => Some(Reservation { order, dealer }),
                (None, None) => None,
                _ => return Err(VehicleError::IncompleteReservation),
            };
            let build = Build {
                plant,
                week,
                vin,
                built_on: None,
            };
            start_build(
                state,
                vehicle,
                market,
                &configuration,
                build,
                reservation,
                ctx,
            )
        }
        VehicleCommand::CompleteBuild => complete_build(existing(state)?, ctx),
        VehicleCommand::Reserve { order, dealer } => reserve(existing(state)?, order, dealer, ctx),
        VehicleCommand::Release { order } => release(existing(state)?, order),
        VehicleCommand::Reassign { from, to, dealer } => {
            reassign(existing(state)?, from, to, dealer, ctx)
        }
        VehicleCommand::Dispatch { shipment, to, eta } => {
            dispatch(existing(state)?, shipment, to, eta, ctx)
        }
        VehicleCommand::Delay { reason, new_eta } => delay(existing(state)?, &reason, new_eta, ctx),
        VehicleCommand::Arrive { location } => arrive(existing(state)?, location, ctx),
        VehicleCommand::Deliver { order } => deliver(state, order, ctx),
    }
}

/// The vehicle, if it exists and is not delivered (delivered is terminal).
fn existing(state: &Vehicle) -> Result<&Unit, VehicleError> {
    let unit = state.unit.as_ref().ok_or(VehicleError::NotFound)?;
    if unit.status == VehicleStatus::Delivered {
        return Err(VehicleError::AlreadyDelivered { vehicle: unit.id });
    }
    Ok(unit)
}

fn register(
    state: &Vehicle,
    vehicle: VehicleId,
    market: MarketCode,
    model: &ModelCode,
    options: &[OptionCode],
    location: LocationId,
    ctx: &Context<'_>,
) -> Decision {
    let configuration = ctx.catalog.validate(&market, model, options);
    if let Some(unit) = &state.unit {
        let same = unit.id == vehicle
            && unit.status == VehicleStatus::Free
            && unit.market == market
            && configuration
                .as_ref()
                .is_ok_and(|c| c == &unit.configuration)
            && unit.location == location;
        return if same {
            Ok(vec![])
        } else {
            Err(VehicleError::AlreadyExists { vehicle: unit.id })
        };
    }
    let configuration = configuration.map_err(VehicleError::InvalidConfiguration)?;
    known_location(&location, ctx)?;
    location_in_market(&location, &market, ctx)?;
    Ok(vec![VehicleEvent::Registered {
        vehicle,
        market,
        configuration,
        location,
    }])
}

fn start_build(
    state: &Vehicle,
    vehicle: VehicleId,
    market: MarketCode,
    configuration: &Configuration,
    build: Build,
    reservation: Option<Reservation>,
    ctx: &Context<'_>,
) -> Decision {
    // Checked again (and normalised, defaults filled in): a build for stock
    // names its configuration directly.
    let options: Vec<OptionCode> = configuration.options.iter().cloned().collect();
    let configuration = ctx
        .catalog
        .validate(&market, &configuration.model, &options);
    if let Some(unit) = &state.unit {
        let same = unit.id == vehicle
            && unit.status == VehicleStatus::InProduction
            && unit.market == market
            && configuration
                .as_ref()
                .is_ok_and(|c| c == &unit.configuration)
            && unit.build.as_ref() == Some(&build)
            && unit.reservation == reservation;
        return if same {
            Ok(vec![])
        } else {
            Err(VehicleError::AlreadyExists { vehicle: unit.id })
        };
    }
    let configuration = configuration.map_err(VehicleError::InvalidConfiguration)?;
    if ctx.catalog.plant(&build.plant).is_none() {
        return Err(VehicleError::UnknownPlant { plant: build.plant });
    }
    if let Some(model) = ctx.catalog.model(&configuration.model) {
        if model.plant != build.plant {
            return Err(VehicleError::WrongPlant {
                plant: build.plant,
                model: configuration.model,
                builds_at: model.plant.clone(),
            });
        }
    }
    if let Some(r) = &reservation {
        dealer_of_market(&r.dealer, &market, ctx)?;
    }
    let (order, dealer) = reservation.map(|r| (r.order, r.dealer)).unzip();
    Ok(vec![VehicleEvent::BuildStarted {
        vehicle,
        market,
        configuration,
        plant: build.plant,
        week: build.week,
        vin: build.vin,
        order,
        dealer,
    }])
}

fn complete_build(unit: &Unit, ctx: &Context<'_>) -> Decision {
    let Some(build) = &unit.build else {
        return Err(VehicleError::NotInProduction {
            status: unit.status,
        });
    };
    if unit.status != VehicleStatus::InProduction {
        return if build.built_on.is_some() {
            Ok(vec![])
        } else {
            Err(VehicleError::NotInProduction {
                status: unit.status,
            })
        };
    }
    Ok(vec![VehicleEvent::Built {
        vehicle: unit.id,
        plant: build.plant.clone(),
        vin: build.vin.clone(),
        order: unit.reservation.as_ref().map(|r| r.order),
        on: ctx.today(),
    }])
}

fn reserve(unit: &Unit, order: OrderId, dealer: DealerId, ctx: &Context<'_>) -> Decision {
    match &unit.reservation {
        Some(r) if r.order == order => return Ok(vec![]),
        Some(r) => {
            return Err(VehicleError::AlreadyReserved {
                vehicle: unit.id,
                by: r.order,
            })
        }
        None => {}
    }
    dealer_of_market(&dealer, &unit.market, ctx)?;
    Ok(vec![VehicleEvent::Reserved {
        vehicle: unit.id,
        order,
        dealer,
    }])
}

fn release(unit: &Unit, order: OrderId) -> Decision {
    match &unit.reservation {
        Some(r) if r.order == order => Ok(vec![VehicleEvent::Released {
            vehicle: unit.id,
            order,
            dealer: r.dealer.clone(),
        }]),
        _ => Err(VehicleError::NotReservedBy {
            vehicle: unit.id,
            order,
        }),
    }
}

fn reassign(
    unit: &Unit,
    from: OrderId,
    to: OrderId,
    dealer: DealerId,
    ctx: &Context<'_>,
) -> Decision {
    match &unit.reservation {
        // Already done, or from == to: nothing to move.
        Some(r) if r.order == to => Ok(vec![]),
        Some(r) if r.order == from => {
            dealer_of_market(&dealer, &unit.market, ctx)?;
            Ok(vec![VehicleEvent::Reassigned {
                vehicle: unit.id,
                from,
                from_dealer: r.dealer.clone(),
                to,
                to_dealer: dealer,
            }])
        }
        _ => Err(VehicleError::NotReservedBy {
            vehicle: unit.id,
            order: from,
        }),
    }
}

fn dispatch(
    unit: &Unit,
    shipment: ShipmentId,
    to: LocationId,
    eta: NaiveDate,
    ctx: &Context<'_>,
) -> Decision {
    if let Some(j) = &unit.journey {
        if j.shipment == shipment && j.destination == to {
            return Ok(vec![]);
        }
    }
    if !matches!(
        unit.status,
        VehicleStatus::Free | VehicleStatus::Reserved | VehicleStatus::Built
    ) {
        return Err(VehicleError::NotDispatchable {
            status: unit.status,
        });
    }
    known_location(&to, ctx)?;
    location_in_market(&to, &unit.market, ctx)?;
    if to == unit.location {
        return Err(VehicleError::AlreadyAt { location: to });
    }
    if let Some(r) = &unit.reservation {
        if to.dealer() != Some(&r.dealer) {
            return Err(VehicleError::MustGoToOrderDealer {
                vehicle: unit.id,
                dealer: r.dealer.clone(),
            });
        }
    }
    not_in_past(eta, ctx)?;
    Ok(vec![VehicleEvent::Dispatched {
        vehicle: unit.id,
        shipment,
        order: unit.reservation.as_ref().map(|r| r.order),
        from: unit.location.clone(),
        to,
        eta,
        on: ctx.today(),
    }])
}

fn delay(unit: &Unit, reason: &str, new_eta: NaiveDate, ctx: &Context<'_>) -> Decision {
    let Some(journey) = &unit.journey else {
        return Err(VehicleError::NotInTransit {
            status: unit.status,
        });
    };
    let reason = checked_reason(reason).map_err(|problem| match problem {
        ReasonProblem::Missing => VehicleError::ReasonMissing,
        ReasonProblem::TooLong => VehicleError::ReasonTooLong {
            max: MAX_REASON_CHARS,
        },
    })?;
    not_in_past(new_eta, ctx)?;
    if journey.eta == new_eta && journey.delay_reason.as_deref() == Some(reason.as_str()) {
        return Ok(vec![]);
    }
    Ok(vec![VehicleEvent::Delayed {
        vehicle: unit.id,
        shipment: journey.shipment,
        order: unit.reservation.as_ref().map(|r| r.order),
        reason,
        new_eta,
        on: ctx.today(),
    }])
}

fn arrive(unit: &Unit, location: LocationId, ctx: &Context<'_>) -> Decision {
    let Some(journey) = &unit.journey else {
        let standing_there = matches!(unit.status, VehicleStatus::Free | VehicleStatus::Reserved)
            && unit.location == location;
        return if standing_there {
            Ok(vec![])
        } else {
            Err(VehicleError::NotInTransit {
                status: unit.status,
            })
        };
    };
    if journey.destination != location {
        return Err(VehicleError::WrongDestination {
            destination: journey.destination.clone(),
            location,
        });
    }
    Ok(vec![VehicleEvent::Arrived {
        vehicle: unit.id,
        shipment: journey.shipment,
        order: unit.reservation.as_ref().map(|r| r.order),
        at: location,
        on: ctx.today(),
    }])
}

impl Vehicle {
    /// Whether the vehicle can be handed over to `order`'s customer: `Ok(true)` when it is
    /// reserved by the order and stands at the order's dealer, `Ok(false)` when it was
    /// already handed over to it, otherwise the rule it breaks. `Deliver` decides with
    /// this, and the handover use case asks it before the order moves (the order's
    /// handover cannot be undone, so the vehicle must not refuse afterwards).
    pub fn handover_to(&self, order: OrderId) -> Result<bool, VehicleError> {
        let unit = self.unit.as_ref().ok_or(VehicleError::NotFound)?;
        let reserved_by_order = unit.reservation.as_ref().filter(|r| r.order == order);
        if unit.status == VehicleStatus::Delivered {
            return match reserved_by_order {
                Some(_) => Ok(false),
                None => Err(VehicleError::AlreadyDelivered { vehicle: unit.id }),
            };
        }
        let Some(reservation) = reserved_by_order else {
            return Err(VehicleError::NotReservedBy {
                vehicle: unit.id,
                order,
            });
        };
        let at_dealer = unit.status == VehicleStatus::Reserved
            && unit.location.dealer() == Some(&reservation.dealer);
        if !at_dealer {
            return Err(VehicleError::NotAtOrderDealer {
                vehicle: unit.id,
                dealer: reservation.dealer.clone(),
            });
        }
        Ok(true)
    }
}

fn deliver(state: &Vehicle, order: OrderId, ctx: &Context<'_>) -> Decision {
    if !state.handover_to(order)? {
        return Ok(vec![]);
    }
    let (Some(unit), Some(reservation)) = (&state.unit, state.reservation()) else {
        return Err(VehicleError::NotFound);
    };
    Ok(vec![VehicleEvent::Delivered {
        vehicle: unit.id,
        order,
        dealer: reservation.dealer.clone(),
        on: ctx.today(),
    }])
}

fn known_location(location: &LocationId, ctx: &Context<'_>) -> Result<(), VehicleError> {
    if ctx.catalog.knows_location(location) {
        Ok(())
    } else {
        Err(VehicleError::UnknownLocation {
            location: location.clone(),
        })
    }
}

/// A vehicle stands and moves only within its market (a DE car is never
/// registered at nor transferred to a CN dealer); plants, which build for
/// several markets, are exempt.
fn location_in_market(
    location: &LocationId,
    market: &MarketCode,
    ctx: &Context<'_>,
) -> Result<(), VehicleError> {
    let LocationId::Dealer(dealer) = location else {
        return Ok(());
    };
    match ctx.catalog.dealer(dealer) {
        Some(known) if &known.market != market => Err(VehicleError::LocationOutsideMarket {
            location: location.clone(),
            location_market: known.market.clone(),
            vehicle_market: market.clone(),
        }),
        _ => Ok(()),
    }
}

/// The dealer is in the network and sells in the vehicle's market.
fn dealer_of_market(
    dealer: &DealerId,
    market: &MarketCode,
    ctx: &Context<'_>,
) -> Result<(), VehicleError> {
    let known = ctx
        .catalog
        .dealer(dealer)
        .ok_or_else(|| VehicleError::UnknownDealer {
            dealer: dealer.clone(),
        })?;
    if &known.market != market {
        return Err(VehicleError::DealerOutsideMarket {
            dealer: dealer.clone(),
            dealer_market: known.market.clone(),
            vehicle_market: market.clone(),
        });
    }
    Ok(())
}

fn not_in_past(eta: NaiveDate, ctx: &Context<'_>) -> Result<(), VehicleError> {
    let today = ctx.today();
    if eta < today {
        Err(VehicleError::EtaInPast { eta, today })
    } else {
        Ok(())
    }
}
