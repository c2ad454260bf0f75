//! One simulated day, phase by phase.
//!
//! The clock stands at 08:00 of the day. Each phase reads the views once,
//! acts, and waits for the engine to settle before the next phase reads
//! again, so every phase sees what the previous one (and the process
//! managers reacting to it) did:
//!
//! 1. planners: open capacity (the first day and Mondays), register stock
//!    (seeded on the first day, built to stock on Mondays), start the
//!    week's production (Mondays), complete builds, transfer free stock
//!    toward dealers where demand waits (weekdays);
//! 2. logistics: dispatch built and reserved cars (not on Sundays), delay
//!    some on their way, record arrivals;
//! 3. customers change their minds: amendments and cancellations;
//! 4. customers order, online and in showrooms (fewer at weekends);
//! 5. finance records payments of open invoices; dealers book handover
//!    appointments and hand paid cars over (not on Sundays).

use chrono::{Datelike, Weekday};

use super::world::World;
use super::{customers, leads, logistics, office, planners, DemoError};

/// Plays day `day` (0 = the start) on the world's clock.
pub(super) async fn simulate_day(world: &mut World<'_>, day: u32) -> Result<(), DemoError> {
    let weekday = world.today().weekday();
    let monday = weekday == Weekday::Mon;
    let workday = weekday.number_from_monday() <= 5;
    let open = weekday != Weekday::Sun;

    if day == 0 || monday {
        planners::open_capacity(world, day == 0).await?;
    }
    if day == 0 {
        planners::seed_stock(world).await?;
    } else if monday {
        planners::build_to_stock(world).await?;
    }
    if monday {
        planners::start_production(world).await?;
    }
    planners::complete_builds(world).await?;
    if workday {
        planners::transfer_stock(world).await?;
    }

    if open {
        logistics::dispatch(world).await?;
    }
    logistics::delays_and_arrivals(world).await?;

    customers::amend(world).await?;
    customers::cancel(world).await?;

    customers::place_orders(world, weekday).await?;

    office::pay_invoices(world).await?;
    if open {
        office::handovers(world).await?;
    }
    world.settle().await?;

    leads::business_hours(world).await
}
