//! The order's decisions.

use chrono::NaiveDate;

use super::{
    Action, Fulfilment, Order, OrderCommand, OrderError, OrderEvent, OrderStatus, PlacedOrder,
    VehicleSource, WaitReason,
};
use crate::catalog::Quote;
use crate::policy::build_eta;
use crate::rules;
use crate::values::{LocationId, OptionCode, OrderId, PlantId, VehicleId};
use crate::Context;

use super::terms;

pub(super) type Decision = Result<Vec<OrderEvent>, OrderError>;

/// Decides what `command` does to the order, or which rule it breaks.
pub fn decide(state: &Order, command: OrderCommand, ctx: &Context<'_>) -> Decision {
    let (o, command) = match (state, command) {
        (
            Order::New,
            OrderCommand::Place {
                order,
                customer,
                dealer,
                selling_dealer,
                market,
                model,
                options,
                channel,
                billing,
                lead,
            },
        ) => {
            let seller = selling_dealer;
            let mut placed = place(
                ctx, order, customer, dealer, seller, market, model, &options, channel, billing,
            )?;
            for event in &mut placed {
                if let OrderEvent::Placed { lead: named, .. } = event {
                    *named = lead;
                }
            }
            return Ok(placed);
        }
        (Order::Placed(o), OrderCommand::Place { .. }) => {
            return Err(OrderError::AlreadyPlaced(o.id));
        }
        (Order::New, _) => return Err(OrderError::NotPlaced),
        (Order::Placed(o), command) => (o.as_ref(), command),
    };
    match command {
        OrderCommand::Place { .. } => Err(OrderError::AlreadyPlaced(o.id)),
        OrderCommand::AwaitCapacity => await_capacity(o, ctx),
        OrderCommand::Allocate {
            vehicle,
            configuration,
            location,
            source,
            eta,
        } => {
            same_configuration(o, vehicle, &configuration)?;
            allocate(o, ctx, vehicle, location, source, eta)
        }
        OrderCommand::Schedule { plant, week } => schedule(o, ctx, plant, week),
        OrderCommand::StartProduction { vehicle, vin } => {
            require(o, Action::StartProduction, &[OrderStatus::Scheduled])?;
            Ok(vec![OrderEvent::ProductionStarted { vehicle, vin }])
        }
        OrderCommand::CompleteBuild { vehicle } => complete_build(o, vehicle),
        OrderCommand::Dispatch { shipment, eta } => {
            let stock_elsewhere = o.status == OrderStatus::Allocated && !o.dispatched;
            if !(o.status == OrderStatus::Built || stock_elsewhere) {
                return Err(not_allowed(o, Action::Dispatch));
            }
            not_in_past(eta, ctx)?;
            Ok(vec![OrderEvent::Dispatched { shipment, eta }])
        }
        OrderCommand::Delay { reason, new_eta } => {
            use OrderStatus::*;
            require(
                o,
                Action::Delay,
                &[Allocated, Scheduled, InProduction, Built, InTransit],
            )?;
            let reason = valid_reason(&reason)?;
            not_in_past(new_eta, ctx)?;
            Ok(vec![OrderEvent::Delayed { reason, new_eta }])
        }
        OrderCommand::Arrive { location } => arrive(o, ctx, location),
        OrderCommand::BookHandover { at } => {
            require(
                o,
                Action::BookHandover,
                &[OrderStatus::AtDealer, OrderStatus::HandoverScheduled],
            )?;
            if at < ctx.now {
                return Err(OrderError::HandoverInPast { at });
            }
            if o.handover_at == Some(at) {
                return Ok(vec![]);
            }
            Ok(vec![OrderEvent::HandoverBooked {
                at,
                booked_on: Some(ctx.today()),
            }])
        }
        OrderCommand::HandOver { invoice_paid } => {
            require(
                o,
                Action::HandOver,
                &[OrderStatus::AtDealer, OrderStatus::HandoverScheduled],
            )?;
            if !invoice_paid {
                return Err(OrderError::InvoiceNotPaid);
            }
            Ok(vec![OrderEvent::Delivered {
                delivered_at: ctx.now,
                vehicle: o.fulfilment.as_ref().and_then(Fulfilment::vehicle),
                net_price: o.price.net,
            }])
        }
        OrderCommand::Amend { options, invoice } => terms::amend(o, ctx, &options, invoice),
        OrderCommand::Cancel { reason, invoice } => terms::cancel(o, ctx, &reason, invoice),
        OrderCommand::TakeVehicle {
            vehicle,
            configuration,
            from_order,
            location,
            source,
            eta,
        } => {
            same_configuration(o, vehicle, &configuration)?;
            take_vehicle(o, ctx, vehicle, from_order, location, source, eta)
        }
        OrderCommand::GiveUpVehicle { vehicle, to_order } => {
            if o.status != OrderStatus::Allocated {
                return Err(OrderError::CannotGiveUpVehicle {
                    order: o.id,
                    vehicle,
                    status: o.status,
                });
            }
            let held = o.fulfilment.as_ref().and_then(Fulfilment::vehicle);
            if held != Some(vehicle) {
                return Err(OrderError::WrongVehicle {
                    expected: held,
                    got: vehicle,
                });
            }
            Ok(vec![OrderEvent::VehicleWithdrawn { vehicle, to_order }])
        }
    }
}

/// A vehicle is only ever matched to the order's exact configuration (spec: LTO matches
/// exactly; a reallocation needs a match too). Checked against the order as it is now, so a
/// decision taken before an amendment cannot deliver a car of the old configuration.
fn same_configuration(
    o: &PlacedOrder,
    vehicle: VehicleId,
    configuration: &crate::catalog::Configuration,
) -> Result<(), OrderError> {
    if &o.configuration == configuration {
        Ok(())
    } else {
        Err(OrderError::ConfigurationDiffers { vehicle })
    }
}

#[allow(clippy::too_many_arguments)]
fn place(
    ctx: &Context<'_>,
    order: OrderId,
    customer: crate::values::CustomerId,
    dealer: crate::values::DealerId,
    selling_dealer: Option<crate::values::DealerId>,
    market: crate::values::MarketCode,
    model: crate::values::ModelCode,
    options: &[OptionCode],
    channel: super::Channel,
    billing: Option<crate::values::Sealed>,
) -> Decision {
    if let Some(seller) = &selling_dealer {
        let sells_in = ctx
            .catalog
            .dealer(seller)
            .ok_or_else(|| OrderError::UnknownDealer(seller.clone()))?;
        if sells_in.market != market {
            return Err(OrderError::SellerNotInMarket {
                dealer: seller.clone(),
                market,
            });
        }
    }
    let quote = ctx
        .catalog
        .quote(&market, &model, options)
        .map_err(OrderError::InvalidConfiguration)?;
    let dealer_spec = ctx
        .catalog
        .dealer(&dealer)
        .ok_or_else(|| OrderError::UnknownDealer(dealer.clone()))?;
    if dealer_spec.market != market {
        return Err(OrderError::DealerNotInMarket { dealer, market });
    }
    let Quote {
        configuration,
        lines,
        price,
        deposit,
        sheet,
        ..
    } = quote;
    Ok(vec![OrderEvent::Placed {
        order,
        customer,
        dealer,
        selling_dealer,
        market,
        channel,
        configuration,
        sheet,
        lines,
        price,
        deposit,
        placed_at: ctx.now,
        billing,
        lead: None,
    }])
}

fn await_capacity(o: &PlacedOrder, ctx: &Context<'_>) -> Decision {
    require(o, Action::Fulfil, &[OrderStatus::Placed])?;
    if o.reason == Some(WaitReason::AwaitingCapacity) {
        return Ok(vec![]);
    }
    Ok(vec![OrderEvent::AwaitingCapacity { since: ctx.today() }])
}

fn allocate(
    o: &PlacedOrder,
    ctx: &Context<'_>,
    vehicle: VehicleId,
    location: LocationId,
    source: VehicleSource,
    eta: NaiveDate,
) -> Decision {
    if o.fulfilment.as_ref().and_then(Fulfilment::vehicle) == Some(vehicle)
        && matches!(o.fulfilment, Some(Fulfilment::Stock { .. }))
    {
        return Ok(vec![]);
    }
    require(o, Action::Fulfil, &[OrderStatus::Placed])?;
    not_in_past(eta, ctx)?;
    if source == VehicleSource::AtDealer {
        arrived_here(o, &location)?;
    }
    let mut events = vec![OrderEvent::Allocated {
        vehicle,
        location,
        source,
        eta,
    }];
    if source == VehicleSource::AtDealer {
        events.push(OrderEvent::ArrivedAtDealer {
            arrived_on: ctx.today(),
        });
    }
    Ok(events)
}

fn schedule(
    o: &PlacedOrder,
    ctx: &Context<'_>,
    plant: PlantId,
    week: crate::values::IsoWeek,
) -> Decision {
    if let Some(Fulfilment::Build {
        plant: p, week: w, ..
    }) = &o.fulfilment
    {
        if *p == plant && *w == week {
            return Ok(vec![]);
        }
    }
    require(o, Action::Fulfil, &[OrderStatus::Placed])?;
    let builds_at = ctx
        .catalog
        .model(&o.configuration.model)
        .map(|m| m.plant.clone())
        .ok_or_else(|| OrderError::ModelNotInCatalog(o.configuration.model.clone()))?;
    if builds_at != plant {
        return Err(OrderError::WrongPlant {
            model: o.configuration.model.clone(),
            plant,
            builds_at,
        });
    }
    if !rules::is_bookable(week, ctx.today()) {
        return Err(OrderError::WeekTooSoon {
            week,
            earliest: rules::add_days(ctx.today(), rules::BTO_LEAD_DAYS as u32),
        });
    }
    let eta =
        build_eta(&plant, week, &o.dealer, ctx.catalog).ok_or_else(|| OrderError::NoRoute {
            from: LocationId::Plant(plant.clone()),
            to: LocationId::Dealer(o.dealer.clone()),
        })?;
    Ok(vec![OrderEvent::Scheduled {
        plant,
        week,
        changeable_until: rules::changeable_until(week),
        eta,
    }])
}

fn complete_build(o: &PlacedOrder, vehicle: VehicleId) -> Decision {
    let held = o.fulfilment.as_ref().and_then(Fulfilment::vehicle);
    let from_production = matches!(
        o.fulfilment,
        Some(Fulfilment::Stock {
            source: VehicleSource::InProduction,
            ..
        })
    ) && o.status == OrderStatus::Allocated;
    if !(o.status == OrderStatus::InProduction || from_production) {
        return Err(not_allowed(o, Action::CompleteBuild));
    }
    if held != Some(vehicle) {
        return Err(OrderError::WrongVehicle {
            expected: held,
            got: vehicle,
        });
    }
    Ok(vec![OrderEvent::Built { vehicle }])
}

fn arrive(o: &PlacedOrder, ctx: &Context<'_>, location: LocationId) -> Decision {
    let on_its_way =
        o.status == OrderStatus::InTransit || (o.status == OrderStatus::Allocated && o.dispatched);
    if !on_its_way {
        if matches!(
            o.status,
            OrderStatus::AtDealer | OrderStatus::HandoverScheduled
        ) && location == LocationId::Dealer(o.dealer.clone())
        {
            return Ok(vec![]);
        }
        return Err(not_allowed(o, Action::Arrive));
    }
    arrived_here(o, &location)?;
    Ok(vec![OrderEvent::ArrivedAtDealer {
        arrived_on: ctx.today(),
    }])
}

fn arrived_here(o: &PlacedOrder, location: &LocationId) -> Result<(), OrderError> {
    if location.dealer() != Some(&o.dealer) {
        return Err(OrderError::WrongLocation {
            dealer: o.dealer.clone(),
            location: location.clone(),
        });
    }
    Ok(())
}

fn take_vehicle(
    o: &PlacedOrder,
    ctx: &Context<'_>,
    vehicle: VehicleId,
    from_order: Option<OrderId>,
    location: LocationId,
    source: VehicleSource,
    eta: NaiveDate,
) -> Decision {
    if o.fulfilment.as_ref().and_then(Fulfilment::vehicle) == Some(vehicle) {
        return Ok(vec![]);
    }
    require(
        o,
        Action::Reallocate,
        &[
            OrderStatus::Placed,
            OrderStatus::Allocated,
            OrderStatus::Scheduled,
        ],
    )?;
    not_in_past(eta, ctx)?;
    if source == VehicleSource::AtDealer {
        arrived_here(o, &location)?;
    }
    let mut events = vec![OrderEvent::Reallocated {
        vehicle,
        from_order,
        location,
        source,
        eta,
        released: o.fulfilment.clone(),
    }];
    if source == VehicleSource::AtDealer {
        events.push(OrderEvent::ArrivedAtDealer {
            arrived_on: ctx.today(),
        });
    }
    Ok(events)
}

fn require(o: &PlacedOrder, action: Action, allowed: &[OrderStatus]) -> Result<(), OrderError> {
    if allowed.contains(&o.status) {
        Ok(())
    } else {
        Err(not_allowed(o, action))
    }
}

pub(super) fn not_allowed(o: &PlacedOrder, action: Action) -> OrderError {
    OrderError::NotAllowed {
        action,
        status: o.status,
    }
}

fn not_in_past(eta: NaiveDate, ctx: &Context<'_>) -> Result<(), OrderError> {
    if eta < ctx.today() {
        return Err(OrderError::EtaInPast { eta });
    }
    Ok(())
}

pub(super) fn valid_reason(reason: &str) -> Result<String, OrderError> {
    rules::checked_reason(reason).map_err(|_| OrderError::InvalidReason)
}
