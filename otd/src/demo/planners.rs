//! The OEM's supply planners: capacity, stock, production milestones and
//! transfers of free stock.
//!
//! A step that changes what fulfilment chooses from (capacity opened, stock
//! registered, a free build completed, a transfer, a free car arriving)
//! settles right after it, so the process managers handle it before the
//! next one; other steps settle once at the end.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use domain::catalog::Plant;
use domain::order::OrderStatus;
use domain::rules;
use domain::values::{DealerId, IsoWeek, LocationId, MarketCode, ModelCode, PlantId, VehicleId};
use domain::vehicle::VehicleStatus;
use projections::views::{OrderFilter, VehicleView};

use super::configs;
use super::world::World;
use super::DemoError;

/// Weeks a planner keeps open beyond the earliest bookable one.
pub(super) const HORIZON_WEEKS: u32 = 6;
/// The share of orders expected to be built to order (capacity is sized on it).
const BTO_SHARE: f64 = 0.7;
/// Orders in a week relative to a weekday's (Saturday 0.8, Sunday 0.4).
const WEEK_IN_DAYS: f64 = 6.2;
/// Free cars a showroom likes to have.
const SHOWROOM_STOCK: u32 = 2;
/// A dealer with at least this many free cars can give one away.
const SURPLUS: u32 = 4;
/// Transfers per market and day at most.
const TRANSFERS_PER_DAY: u32 = 2;

/// The first week build-to-order may book today.
fn earliest_bookable(today: NaiveDate) -> IsoWeek {
    let mut week = IsoWeek::containing(today);
    while !rules::is_bookable(week, today) {
        week = week.next();
    }
    week
}

/// The models `plant` builds that are sold in some market.
fn models_of<'c>(world: &'c World<'_>, plant: &PlantId) -> Vec<&'c ModelCode> {
    world
        .catalog
        .models()
        .filter(|m| &m.plant == plant)
        .map(|m| &m.code)
        .collect()
}

/// Opens the weeks from the earliest bookable one to the horizon at every
/// plant, sized on the demand expected there; on later Mondays also adds
/// an extra shift to the earliest bookable week when orders await
/// capacity.
pub(super) async fn open_capacity(world: &mut World<'_>, first_day: bool) -> Result<(), DemoError> {
    let today = world.today();
    let first = earliest_bookable(today);
    let plants: Vec<Plant> = world.catalog.plants().cloned().collect();
    let models = world.catalog.models().count().max(1) as f64;
    let weekly_orders = f64::from(world.orders_per_day) * WEEK_IN_DAYS;
    for plant in &plants {
        let share = models_of(world, &plant.id).len() as f64 / models;
        let expected = weekly_orders * share * BTO_SHARE;
        let mut week = first;
        for _ in 0..=HORIZON_WEEKS {
            if !world.opened.contains(&(plant.id.clone(), week)) {
                let factor = 0.75 + f64::from(world.between(0, 50)) / 100.0;
                let units = ((expected * factor).round() as u32).max(1);
                let result = world
                    .services
                    .set_capacity(plant.id.clone(), week, units, &world.planner())
                    .await;
                if world.judge("opening capacity", result)?.is_some() {
                    world.tally.capacity_weeks += 1;
                    world.tally.capacity_units += u64::from(units);
                    world.opened.insert((plant.id.clone(), week));
                }
                world.settle().await?;
            }
            week = week.next();
        }
        if !first_day {
            overtime(world, &plant.id, first).await?;
        }
    }
    Ok(())
}

/// An extra shift in `week` for the orders of `plant` awaiting capacity.
async fn overtime(world: &mut World<'_>, plant: &PlantId, week: IsoWeek) -> Result<(), DemoError> {
    let models: BTreeSet<ModelCode> = models_of(world, plant).into_iter().cloned().collect();
    let waiting = OrderFilter {
        status: Some(OrderStatus::Placed),
        ..OrderFilter::default()
    };
    let awaiting = world
        .views
        .orders(&waiting)
        .await?
        .iter()
        .filter(|o| o.fulfilment.is_none() && models.contains(&o.model))
        .count() as u32;
    if awaiting == 0 {
        return Ok(());
    }
    let today = world.today();
    let current = world
        .views
        .plant_capacity(plant, week, week, today)
        .await?
        .first()
        .map_or(0, |w| w.capacity);
    let extra = awaiting.min(10);
    let result = world
        .services
        .set_capacity(plant.clone(), week, current + extra, &world.planner())
        .await;
    if world.judge("adding a shift", result)?.is_some() {
        world.tally.overtime_units += u64::from(extra);
        world.opened.insert((plant.clone(), week));
    }
    world.settle().await
}

/// Registers one free stock car (popular configurations mostly).
async fn register(
    world: &mut World<'_>,
    market: &MarketCode,
    model: &ModelCode,
    location: LocationId,
) -> Result<(), DemoError> {
    let options = if world.chance(0.8) {
        world
            .configs
            .popular(&world.catalog, &mut world.rng, market, model)
    } else {
        configs::valid(&world.catalog, &mut world.rng, market, model)
    };
    let vehicle = VehicleId::derived(&format!(
        "demo:{}:stock:{}",
        world.seed, world.tally.stock_registered
    ));
    let result = world
        .services
        .register_vehicle(
            vehicle,
            market.clone(),
            model.clone(),
            options,
            location,
            &world.planner(),
        )
        .await;
    if world.judge("registering stock", result)?.is_some() {
        world.tally.stock_registered += 1;
    }
    world.settle().await
}

/// The stock the network starts with: a few cars at every dealer and at
/// every plant.
pub(super) async fn seed_stock(world: &mut World<'_>) -> Result<(), DemoError> {
    let dealers: Vec<_> = world.catalog.dealers().cloned().collect();
    for dealer in &dealers {
        let models: Vec<ModelCode> = configs::offers(&world.catalog)
            .into_iter()
            .filter(|(m, _)| m == &dealer.market)
            .map(|(_, model)| model)
            .collect();
        for _ in 0..world.between(3, 5) {
            if let Some(model) = world.pick(&models).cloned() {
                let at = LocationId::Dealer(dealer.id.clone());
                register(world, &dealer.market, &model, at).await?;
            }
        }
    }
    for _ in 0..2 {
        build_to_stock(world).await?;
    }
    Ok(())
}

/// A few cars built without an order at every plant, for its own market.
pub(super) async fn build_to_stock(world: &mut World<'_>) -> Result<(), DemoError> {
    let plants: Vec<Plant> = world.catalog.plants().cloned().collect();
    for plant in &plants {
        let models: Vec<ModelCode> = models_of(world, &plant.id)
            .into_iter()
            .filter(|m| {
                world
                    .catalog
                    .model(m)
                    .is_some_and(|m| m.prices.contains_key(&plant.market))
            })
            .cloned()
            .collect();
        for _ in 0..world.between(2, 4) {
            if let Some(model) = world.pick(&models).cloned() {
                let at = LocationId::Plant(plant.id.clone());
                register(world, &plant.market, &model, at).await?;
            }
        }
    }
    Ok(())
}

/// Starts this week's production at every plant that has bookings.
pub(super) async fn start_production(world: &mut World<'_>) -> Result<(), DemoError> {
    let today = world.today();
    let week = IsoWeek::containing(today);
    let plants: Vec<Plant> = world.catalog.plants().cloned().collect();
    for plant in &plants {
        let slot = world
            .views
            .plant_capacity(&plant.id, week, week, today)
            .await?;
        let due = slot
            .first()
            .is_some_and(|w| w.booked > 0 && !w.production_started);
        if !due {
            continue;
        }
        let result = world
            .services
            .start_production(plant.id.clone(), week, &world.planner())
            .await;
        if let Some(started) = world.judge("starting production", result)? {
            world.tally.builds_started += started.builds.len() as u64;
        }
        world.settle().await?;
    }
    Ok(())
}

/// Builds leave the line from the Wednesday of their week; all are done by
/// the Friday.
pub(super) async fn complete_builds(world: &mut World<'_>) -> Result<(), DemoError> {
    let today = world.today();
    let building = world.vehicles(VehicleStatus::InProduction).await?;
    for v in building {
        let Some(week) = v.week else { continue };
        let days = (today - week.monday()).num_days();
        if !(days >= 4 || (days >= 2 && world.chance(0.4))) {
            continue;
        }
        let result = world
            .services
            .complete_build(v.vehicle_id, &world.planner())
            .await;
        if world.judge("completing a build", result)?.is_some() {
            world.tally.builds_completed += 1;
        }
        if v.order_id.is_none() {
            world.settle().await?;
        }
    }
    world.settle().await
}

/// Moves free stock toward the dealers where demand waits or whose
/// showroom is empty: from plants first, else from a dealer with a surplus.
pub(super) async fn transfer_stock(world: &mut World<'_>) -> Result<(), DemoError> {
    let summary = world.views.stock_summary().await?;
    let mut free = world.vehicles(VehicleStatus::Free).await?;
    let mut incoming: BTreeMap<LocationId, u32> = BTreeMap::new();
    for v in world.vehicles(VehicleStatus::InTransit).await? {
        if v.order_id.is_none() {
            *incoming.entry(v.location.clone()).or_default() += 1;
        }
    }
    let markets: Vec<MarketCode> = world.catalog.markets().map(|m| m.code.clone()).collect();
    for market in &markets {
        // (open demand, free + incoming) per dealer of the market.
        let mut dealers: BTreeMap<DealerId, (u32, u32)> = world
            .catalog
            .dealers()
            .filter(|d| &d.market == market)
            .map(|d| {
                let at = LocationId::Dealer(d.id.clone());
                let here = summary.iter().find(|s| s.location == at);
                let demand = here.map_or(0, |s| s.open_demand);
                let stock = here.map_or(0, |s| s.free) + incoming.get(&at).copied().unwrap_or(0);
                (d.id.clone(), (demand, stock))
            })
            .collect();
        for _ in 0..TRANSFERS_PER_DAY {
            let target = dealers
                .iter()
                .filter(|(_, (demand, stock))| *demand > 0 || *stock < SHOWROOM_STOCK)
                .min_by_key(|(id, (demand, stock))| (u32::MAX - demand, *stock, (*id).clone()))
                .map(|(id, _)| id.clone());
            let Some(target) = target else { break };
            let to = LocationId::Dealer(target.clone());
            let surplus = |v: &VehicleView| match &v.location {
                LocationId::Plant(_) => true,
                LocationId::Dealer(d) => {
                    d != &target && dealers.get(d).is_some_and(|(_, stock)| *stock >= SURPLUS)
                }
            };
            let candidates: Vec<usize> = free
                .iter()
                .enumerate()
                .filter(|(_, v)| &v.market == market && surplus(v))
                .map(|(i, _)| i)
                .collect();
            let from_plant: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|i| matches!(free[*i].location, LocationId::Plant(_)))
                .collect();
            let pool = if from_plant.is_empty() {
                candidates
            } else {
                from_plant
            };
            let Some(&index) = world.pick(&pool) else {
                break;
            };
            let v = free.remove(index);
            let result = world
                .services
                .dispatch(v.vehicle_id, Some(to), &world.planner())
                .await;
            if world.judge("transferring stock", result)?.is_some() {
                world.tally.transfers += 1;
                world.tally.dispatches += 1;
                if let Some((_, stock)) = dealers.get_mut(&target) {
                    *stock += 1;
                }
                if let LocationId::Dealer(d) = &v.location {
                    if let Some((_, stock)) = dealers.get_mut(d) {
                        *stock = stock.saturating_sub(1);
                    }
                }
            }
            world.settle().await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_bookable_week_starts_at_least_14_days_ahead() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        assert_eq!(earliest_bookable(monday).to_string(), "2026-W50");
        let tuesday = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default();
        assert_eq!(earliest_bookable(tuesday).to_string(), "2026-W51");
    }
}
