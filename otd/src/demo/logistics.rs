//! The yard and the carriers, as a planner (or the receiving dealer)
//! records them: dispatch of cars ready to leave, delays reported on the
//! way, arrivals. Planning the moves is the logistics process manager's
//! job; these milestones are never automatic in the server.

use chrono::Days;
use domain::values::LocationId;
use domain::vehicle::VehicleStatus;
use projections::views::VehicleView;

use super::world::World;
use super::DemoError;
use api::auth::Role;

/// Shipments delayed on the way.
const DELAYED: f64 = 0.12;
/// What holds cars up on their way.
const DELAY_REASONS: &[&str] = &[
    "port congestion",
    "carrier capacity",
    "storm warning",
    "customs inspection",
    "damaged on loading",
    "rail strike",
];

/// The yard hands cars to carriers: builds for orders, and reserved stock
/// that must come to its order's dealer (most of them the day they are
/// ready, the rest the day after or later).
pub(super) async fn dispatch(world: &mut World<'_>) -> Result<(), DemoError> {
    let mut ready = world.vehicles(VehicleStatus::Built).await?;
    ready.extend(
        world
            .vehicles(VehicleStatus::Reserved)
            .await?
            .into_iter()
            .filter(|v| match &v.dealer_id {
                Some(dealer) => v.location != LocationId::Dealer(dealer.clone()),
                None => false,
            }),
    );
    for v in ready {
        if !world.chance(0.75) {
            continue;
        }
        let result = world
            .services
            .dispatch(v.vehicle_id, None, &world.planner())
            .await;
        if world.judge("dispatching", result)?.is_some() {
            world.tally.dispatches += 1;
        }
    }
    world.settle().await
}

/// The cars due today arrive, recorded by the planner or the receiving
/// dealer, except a few whose carrier reports a delay instead (once per
/// shipment, with a reason and a new ETA).
pub(super) async fn delays_and_arrivals(world: &mut World<'_>) -> Result<(), DemoError> {
    let today = world.today();
    let due: Vec<VehicleView> = world
        .vehicles(VehicleStatus::InTransit)
        .await?
        .into_iter()
        .filter(|v| v.eta.is_some_and(|eta| eta <= today))
        .collect();
    for v in &due {
        let once = v.shipment_id.is_some_and(|s| !world.delayed.contains(&s));
        if once && world.chance(DELAYED) {
            let days = world.between(1, 6);
            let new_eta = today + Days::new(u64::from(days));
            let reason = world
                .pick(DELAY_REASONS)
                .copied()
                .unwrap_or("carrier capacity");
            let result = world
                .services
                .delay(v.vehicle_id, reason, new_eta, &world.planner())
                .await;
            if world.judge("recording a delay", result)?.is_some() {
                world.tally.delays += 1;
                world.tally.delay_days += u64::from(days);
                world.delayed.extend(v.shipment_id);
                continue;
            }
        }
        let metadata = match v.location.dealer() {
            Some(dealer) if world.chance(0.5) => world.by(Role::Dealer, dealer.as_str()),
            _ => world.planner(),
        };
        let result = world.services.arrive(v.vehicle_id, &metadata).await;
        if world.judge("recording an arrival", result)?.is_some() {
            world.tally.arrivals += 1;
        }
        if v.order_id.is_none() {
            world.settle().await?;
        }
    }
    world.settle().await
}
