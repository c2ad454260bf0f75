//! Invariants 1–6 of `spec/domain.md` in the **projected** state (the read models the
//! dealer, the customer, the planner and finance work from) after random interleavings of
//! commands from many concurrent actors.
//!
//! `tests/tests/domain_invariants.rs` proves the same invariants on the pure deciders. Here
//! the engine is the real one, wired as `api/src/runtime.rs` wires it: commands go through
//! `app::Services` (the executor's optimistic concurrency and retries), the four process
//! managers of `app::process::standard_managers` run on their `ProcessRunner` (fulfilment reads its
//! supply from the projections through `projections::Supply`), and every projection of
//! `projections::all_projections()` runs on the projection runner. The property runs one
//! instance of the process managers, as deployed; an ignored variant runs two (as two
//! processes on one database, each with its own executor, racing to fulfil, invoice and
//! accrue for the same events) and checks one more rule, for the known failures documented
//! on it.
//!
//! **The plan.** An opening round in which two planners open small capacities and register a
//! few stock cars at once, then 8–16 rounds. In a round, 4–8 actors run as tokio tasks on a
//! multi-thread runtime, released together by a barrier, each playing its own list of
//! actions: customers place orders (some twice at the same instant, two identical orders
//! racing for the same car or the last unit of a week), amend and cancel; planners open
//! capacity, register stock, reallocate, start production, complete builds, dispatch, report
//! delays and arrivals; finance records payments (sometimes too much); dealers book
//! handovers and hand cars over. An actor picks its target from the views at the moment it
//! acts, as a user would, so it often acts on a stale read and races the others and the
//! process managers. Every append first yields to the other tasks (`Raced`), so that a
//! command's read and its append are apart even on the memory backend. Between rounds the
//! engine settles (the process managers and the projections reach the head of the log) and
//! the simulated clock moves 1–5 days, so freezes, production weeks and ETAs come and go. A
//! refusal by the domain (or a conflict that outlived the executor's retries) is an answer a
//! user gets; a store error or a panic fails the test.
//!
//! **An observer** follows every commit of the projections during the plan and checks what
//! must hold at every moment: no week is booked beyond its capacity (2), no invoice number is
//! on two documents (5); and it records every status each order's tracker shows.
//!
//! **After the plan**, on the views (order tracker and history, stock, capacity, invoices,
//! commission statements), cross-checked with the log where that makes a check stronger:
//!
//! 1. no vehicle is held by two orders (tracker) and no order holds two vehicles (stock
//!    view); tracker and stock view agree on who holds what; an order booking a week not yet
//!    started holds that week (tracker) and no vehicle, and books no other week;
//! 2. booked ≤ capacity for every plant-week in the capacity view, as in the log;
//! 3. each order's status history in the log only moves forward except cancellation,
//!    reallocation and an amendment or reallocation taking its stock car away; the tracker
//!    shows the last of it, the history timeline is those events, and every status the
//!    observer saw in the tracker is, in order, a status of that history;
//! 4. every invoice's net is the tracker's locked price, gross = net + VAT (at the market's
//!    rate), amount due = gross − the order's deposit; the tracker's invoice brief agrees;
//!    every order that reached its dealer is invoiced, a delivered one paid, a cancelled one
//!    credited;
//! 5. the invoice and credit note numbers of the finance view are 1..n per market and year,
//!    each once, and are exactly the numbers the registers assigned in the log;
//! 6. every delivered order has exactly one commission line, on its dealer's statement for
//!    the month of the handover, at the market's rate and fee; no other order has one (none
//!    for a cancelled order); the log accrued exactly those.
//!
//! `every_check_fails_on_views_that_break_its_invariant` shows that each check bites;
//! `two_planners_giving_one_car_to_one_order_at_once_leave_one_holder` pins a race the
//! property found.
//!
//! The parts are in `support/invariants/`: `plan` (the actions and their strategies),
//! `actors`, `engine` (the composition, the racing store, the observer) and `checks` (the
//! views, the log and the invariants), included by path so that the other test binaries do
//! not compile them.

#![allow(clippy::unwrap_used)]

mod support;

#[path = "support/invariants/actors.rs"]
mod actors;
#[path = "support/invariants/checks.rs"]
mod checks;
#[path = "support/invariants/engine.rs"]
mod engine;
#[path = "support/invariants/plan.rs"]
mod plan;

use std::sync::{Arc, Mutex};

use domain::catalog::Catalog;
use domain::order::OrderStatus;
use domain::values::OrderId;
use projections::ReadModelStore;
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use store::EventStore;
use tokio::sync::watch;

use checks::{
    capacity_holds, check, commission_once, held_cars_match_their_orders, invoices_add_up,
    numbers_are_gapless, one_vehicle_one_order, statuses_move_forward, Logged, Projected,
};
use engine::{observe, Engine, Observed, Tally};
use plan::{plan, split_plan, Act, Plan, Round};

/// What a played plan left: the views, the log, what the observer saw.
#[derive(Clone)]
struct Played {
    projected: Projected,
    logged: Logged,
    observed: Observed,
    tally: Tally,
    /// The reactions the process managers gave up on (they explain many a failure).
    skipped: Vec<app::process::Skipped>,
}

/// Plays `plan` on a fresh engine over `events` and `read_models`, settles it and reads the
/// views and the log.
async fn play(
    plan: &Plan,
    events: Arc<dyn EventStore>,
    read_models: Arc<dyn ReadModelStore>,
) -> Result<Played, String> {
    let mut engine = Engine::start(events, read_models, plan.instances, plan.partitions).await;
    let observed = Arc::new(Mutex::new(Observed::default()));
    let (stop, stopped) = watch::channel(false);
    let observer = tokio::spawn(observe(
        engine.views.clone(),
        stopped,
        Arc::clone(&observed),
    ));
    let mut tally = Tally::default();
    let mut outcome = Ok(());
    for (number, round) in plan.rounds.iter().enumerate() {
        let played = match engine.play(number, round).await {
            Ok(played) => played,
            Err(e) => {
                outcome = Err(e);
                break;
            }
        };
        tally.add(&played);
        if plan.crash_at == Some(number) {
            if let Err(e) = engine.crash().await {
                outcome = Err(format!("crash after round {number}: {e}"));
                break;
            }
        }
        if let Err(e) = engine.settle().await {
            outcome = Err(format!("after round {number}: {e}"));
            break;
        }
        if round.advance > 0 {
            engine.clock.advance(round.advance).unwrap();
        }
    }
    stop.send_replace(true);
    let watched = observer
        .await
        .map_err(|e| format!("the observer panicked: {e}"))
        .and_then(|watched| watched);
    tally.lost_races = engine.lost_races();
    let skipped: Vec<_> = engine.process.iter().flat_map(|p| p.skipped()).collect();
    tally.skipped = skipped.len() as u64;
    let played = match outcome.and(watched) {
        Err(e) => Err(format!("{e}\nreactions given up on: {skipped:#?}")),
        Ok(()) => {
            async {
                Ok(Played {
                    projected: Projected::read(&engine).await?,
                    logged: Logged::read(&engine.events).await?,
                    observed: observed.lock().unwrap().clone(),
                    tally,
                    skipped,
                })
            }
            .await
        }
    };
    engine.stop().await;
    played
}

/// Plays `plan` and checks invariants 1–6 on the views, and that every car an order holds
/// is of its exact configuration.
async fn run(
    plan: &Plan,
    events: Arc<dyn EventStore>,
    read_models: Arc<dyn ReadModelStore>,
) -> Result<Tally, TestCaseError> {
    let mut played = play(plan, events, read_models)
        .await
        .map_err(TestCaseError::fail)?;
    let catalog = Catalog::demo();
    let Played {
        projected,
        logged,
        observed,
        tally,
        skipped,
    } = &mut played;
    let checked = check(projected, logged, observed, &catalog, tally)
        .and_then(|()| held_cars_match_their_orders(projected, logged));
    checked
        .map_err(|e| TestCaseError::fail(format!("{e}\nreactions given up on: {skipped:#?}")))?;
    Ok(played.tally)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
}

fn config(cases: u32, seed: RngSeed) -> Config {
    Config {
        cases,
        rng_seed: seed,
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    }
}

/// Random plans on the memory backend with `instances` process-manager instances
/// (`PROPTEST_CASES` sets how many, 16 by default). Afterwards, the runs together are
/// asserted to have reached every part of the lifecycle the invariants speak of, so the
/// property is known not to hold vacuously.
fn property(instances: usize) {
    property_of(plan(instances));
}

/// [`property`] over the plans of `plans`.
fn property_of(plans: impl Strategy<Value = Plan>) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(16);
    let mut runner = TestRunner::new(config(cases, RngSeed::Random));
    let total = Mutex::new(Tally::default());
    let result = runner.run(&plans, |plan| {
        let (events, read_models) = support::memory();
        let tally = runtime().block_on(run(&plan, events, read_models))?;
        total.lock().unwrap().add(&tally);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let total = total.into_inner().unwrap();
    eprintln!("{total:?}");
    assert!(
        total.lost_races > 0,
        "no command ever lost a race: {total:?}"
    );
    assert!(total.delivered > 0, "no order was delivered: {total:?}");
    assert!(total.cancelled > 0, "no order was cancelled: {total:?}");
    assert!(total.built > 0, "no order went into production: {total:?}");
    assert!(total.reallocated > 0, "no order was reallocated: {total:?}");
    assert!(
        total.back_moves > 0,
        "no order went back to fulfilment: {total:?}"
    );
    assert!(total.invoices > 1, "fewer than two invoices: {total:?}");
    assert!(total.commission_lines > 0, "no commission: {total:?}");
}

/// The engine as deployed: one process, one instance of each process manager.
#[test]
fn invariants_1_to_6_hold_in_the_read_models_under_concurrent_actors() {
    property(1);
}

/// One instance splitting the work into 2 partitions, crashing once mid-way (every event
/// delivered again): an order's work stays in one partition, so the partitions never race
/// for one order as two instances do.
#[test]
fn invariants_1_to_6_hold_with_the_work_in_2_partitions_and_a_crash() {
    property_of(split_plan(1, 2, true));
}

/// The same with 4 partitions.
#[test]
fn invariants_1_to_6_hold_with_the_work_in_4_partitions_and_a_crash() {
    property_of(split_plan(1, 4, true));
}

/// KNOWN FAILURE with two process-manager instances, found by this property; run with
/// `PROPTEST_CASES=500 cargo test -p projections --test projected_invariants -- --ignored`.
/// Both cases below came from one gap: the order's `Allocate` and `TakeVehicle` did not say
/// what the decision to send them was based on, so the executor decided them again against
/// the order as it was when appended, and a `placed` (or `scheduled`) order accepted any
/// vehicle. Since then both commands carry the vehicle's configuration and the order refuses
/// them once its own differs (`OrderError::ConfigurationDiffers`): case 2 and the amendment
/// variant of case 1 are fixed, and `held_cars_match_their_orders` is checked by every
/// property here. What can remain is case 1's reallocation variant with two process-manager
/// instances (the order went back to fulfilment with its configuration unchanged). The
/// deployment therefore runs one instance per log: `otd serve` on PostgreSQL takes an
/// advisory lock before its process managers run (docs/decisions/0005), and this test runs
/// two instances without it on purpose.
///
/// 1. Two process-manager instances on one log (two `otd serve` on one database), invariant
///    1: an order holds a car reserved for another order. Instance two decides to fulfil
///    order A from an old state (placed); meanwhile instance one reserves car V for A and
///    allocates it (positions 28, 31 of an observed log), the customer amends A to another
///    configuration, so A lets V go (32) and V is released (33); instance two's `Reserve`
///    of V for A had come in between and was a no-op, and its `Allocate` now lands on A,
///    placed again (34). V, free, is later reserved by order B (88): A and B both hold V.
///    The same with a reallocation taking V from A in between.
/// 2. One instance, not one of invariants 1–6 (checked here by
///    `held_cars_match_their_orders`): an order holds a car of another configuration. A
///    planner reallocates free car V (red) to scheduled order A, whose configuration
///    matches; V is reserved for A (65); the customer amends A to sport wheels (67, allowed
///    before the freeze); the reallocation's `TakeVehicle` lands (71) and A is delivered
///    the red car (242) at the amended price. The same between fulfilment's `Reserve` and
///    `Allocate` (observed: reserved 419, amended to add the tow bar 420, allocated 422).
///
#[test]
#[ignore = "known failure with two process-manager instances (see the comment)"]
fn known_failures_two_process_manager_instances_and_configuration_races() {
    property(2);
}

/// One plan of a fixed seed on SQLite (the embedded default), where the store's single
/// writer, the read models' own connection and the process managers' checkpoints really run
/// side by side.
#[test]
fn invariants_1_to_6_hold_in_the_read_models_on_sqlite() {
    on_sqlite(plan(1));
}

/// The same on SQLite with the work in 4 partitions and a crash.
#[test]
fn invariants_1_to_6_hold_in_the_read_models_on_sqlite_in_4_partitions() {
    on_sqlite(split_plan(1, 4, true));
}

/// One plan of a fixed seed of `plans` on SQLite.
fn on_sqlite(plans: impl Strategy<Value = Plan>) {
    let mut runner = TestRunner::new(config(1, RngSeed::Fixed(20261123)));
    let result = runner.run(&plans, |plan| {
        let rt = runtime();
        let tally = rt.block_on(async {
            let (events, read_models, _dir) = support::sqlite().await;
            run(&plan, events, read_models).await
        })?;
        eprintln!("{tally:?}");
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A story of one actor per round, so that it does not depend on timing: a car in stock at
/// Berlin and one unit of 2026-W50 at Leipzig; an order takes the car (at the dealer at once),
/// another books the unit; the handover is booked, so the order is invoiced; the invoice is paid;
/// the car is handed over.
fn story() -> Plan {
    let round = |acts: Vec<Act>, advance| Round {
        actors: vec![acts],
        advance,
    };
    Plan {
        instances: 1,
        partitions: 1,
        crash_at: None,
        rounds: vec![
            round(
                vec![
                    Act::OpenCapacity {
                        plant: 0,
                        week: 2,
                        units: 1,
                    },
                    Act::RegisterStock {
                        location: 0,
                        config: 0,
                    },
                ],
                0,
            ),
            round(
                vec![
                    Act::Place {
                        dealer: 0,
                        config: 0,
                    },
                    Act::Place {
                        dealer: 1,
                        config: 1,
                    },
                ],
                1,
            ),
            round(vec![Act::BookHandover { pick: 0, days: 1 }], 0),
            round(
                vec![Act::Pay {
                    pick: 0,
                    portion: 0,
                }],
                1,
            ),
            round(vec![Act::HandOver { pick: 1 }], 1),
        ],
    }
}

fn order_in(p: &Played, status: OrderStatus) -> OrderId {
    p.projected
        .orders
        .values()
        .find(|o| o.status == status)
        .map(|o| o.order_id)
        .unwrap()
}

/// Each check bites: the story passes them all, and views broken in the way each invariant
/// forbids fail the check of that invariant.
#[test]
fn every_check_fails_on_views_that_break_its_invariant() {
    let played = runtime()
        .block_on(async {
            let (events, read_models) = support::memory();
            play(&story(), events, read_models).await
        })
        .unwrap();
    let catalog = Catalog::demo();
    let mut tally = Tally::default();
    check(
        &played.projected,
        &played.logged,
        &played.observed,
        &catalog,
        &mut tally,
    )
    .unwrap();
    assert_eq!(
        (tally.delivered, tally.invoices, tally.commission_lines),
        (1, 1, 1)
    );

    type Tamper = fn(&mut Played);
    type Check = fn(&Played, &Catalog) -> Result<(), TestCaseError>;
    let cases: [(&str, Tamper, Check); 6] = [
        (
            "1: the scheduled order also holds the delivered order's car",
            |p| {
                let car = p.projected.vehicles.keys().next().copied();
                let scheduled = order_in(p, OrderStatus::Scheduled);
                let o = p.projected.orders.get_mut(&scheduled).unwrap();
                o.fulfilment.as_mut().unwrap().vehicle_id = car;
            },
            |p, _| one_vehicle_one_order(&p.projected, &p.logged),
        ),
        (
            "2: a week booked beyond its capacity",
            |p| {
                let week = &mut p.projected.weeks[0].1;
                week.booked = week.capacity + 1;
            },
            |p, _| capacity_holds(&p.projected, &p.logged),
        ),
        (
            "3: the tracker showed the delivered order back at its dealer",
            |p| {
                let delivered = order_in(p, OrderStatus::Delivered);
                let seen = p.observed.statuses.get_mut(&delivered).unwrap();
                seen.push(OrderStatus::AtDealer);
            },
            |p, _| {
                statuses_move_forward(&p.projected, &p.logged, &p.observed, &mut Tally::default())
            },
        ),
        (
            "4: an amount due that forgot the deposit",
            |p| {
                let invoice = &mut p.projected.invoices[0];
                invoice.amount_due = invoice.gross;
            },
            |p, catalog| invoices_add_up(&p.projected, &p.logged, catalog),
        ),
        (
            "5: the first number of the year skipped",
            |p| p.projected.invoices[0].number.sequence = 2,
            |p, _| numbers_are_gapless(&p.projected, &p.logged),
        ),
        (
            "6: the commission line of the handover twice",
            |p| {
                let line = p.projected.lines[0].clone();
                p.projected.lines.push(line);
            },
            |p, catalog| commission_once(&p.projected, &p.logged, catalog),
        ),
    ];
    for (what, tamper, check) in cases {
        let mut broken = played.clone();
        tamper(&mut broken);
        let failed = check(&broken, &catalog);
        assert!(failed.is_err(), "invariant {what}: not detected");
        eprintln!("invariant {what}: {}", failed.unwrap_err());
    }
}

/// Two planners give the same car to the same order at the same instant, ten times over,
/// back and forth between two orders. The car must end with the order that holds it.
///
/// Found by the property: the slower reallocation found the car already moved (its
/// reassignment a no-op), asked the giving order, already withdrawn by the faster one, to
/// give the car up, was refused, and "compensated" by reassigning the car back to the giving
/// order, which no longer held it: the car was then reserved for an order that did not hold
/// it while the taker did (invariant 1). `Services::reallocate` now gives the car back only
/// to a giver that still holds it.
#[test]
fn two_planners_giving_one_car_to_one_order_at_once_leave_one_holder() {
    let race = Round {
        actors: vec![
            vec![Act::Reallocate {
                pick: 0,
                vehicle: 0,
            }];
            2
        ],
        advance: 0,
    };
    let mut rounds = vec![
        // A car at Munich; no capacity anywhere, so a second order waits.
        Round {
            actors: vec![vec![Act::RegisterStock {
                location: 1,
                config: 0,
            }]],
            advance: 0,
        },
        // Two orders at Berlin: the first takes the car, the second waits.
        Round {
            actors: vec![vec![Act::Place {
                dealer: 0,
                config: 0,
            }]],
            advance: 0,
        },
        Round {
            actors: vec![vec![Act::Place {
                dealer: 0,
                config: 0,
            }]],
            advance: 0,
        },
    ];
    for _ in 0..10 {
        rounds.push(race.clone());
    }
    let plan = Plan {
        instances: 1,
        partitions: 1,
        crash_at: None,
        rounds,
    };
    let played = runtime()
        .block_on(async {
            let (events, read_models) = support::memory();
            play(&plan, events, read_models).await
        })
        .unwrap();
    let mut tally = Tally::default();
    check(
        &played.projected,
        &played.logged,
        &played.observed,
        &Catalog::demo(),
        &mut tally,
    )
    .unwrap();
    assert_eq!(tally.orders, 2);
    assert!(tally.reallocated > 0, "{tally:?}");
}
