//! The plan a property run plays: rounds of actors acting at once, each action a choice
//! among the targets the views offer when it is played; the demo network the actors work in.

use chrono::NaiveDate;
use proptest::collection::vec;
use proptest::prelude::*;

/// The first simulated day (a Monday; 2026-W50 is the first week a build can book).
pub(crate) const START: &str = "2026-11-23";

pub(crate) const DEALERS: [&str; 5] = ["D-BER-01", "D-MUC-01", "D-HAM-01", "D-SHA-01", "D-BJS-01"];
pub(crate) const PLANTS: [&str; 2] = ["P-LEIPZIG", "P-SHENYANG"];
pub(crate) const LOCATIONS: [&str; 7] = [
    "D-BER-01",
    "D-MUC-01",
    "D-HAM-01",
    "D-SHA-01",
    "D-BJS-01",
    "P-LEIPZIG",
    "P-SHENYANG",
];
/// Few configurations, so that orders and stock cars match and compete.
pub(crate) const CONFIGS: [(&str, &[&str]); 5] = [
    ("AURA", &[]),
    ("AURA", &["PNT-RED"]),
    ("AURA", &["WHL-20", "PKG-SPORT"]),
    ("TERRA", &[]),
    ("TERRA", &["PKG-TOW"]),
];
pub(crate) const REASONS: [&str; 3] = ["port congestion", "carrier capacity", "storm warning"];

pub(crate) fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// One thing an actor does. The numbers choose: a dealer, a configuration, a plant, or
/// (`pick`) one of the targets the views offer at that moment.
#[derive(Debug, Clone)]
pub(crate) enum Act {
    /// A customer orders a configuration from a dealer.
    Place { dealer: u8, config: u8 },
    /// Two customers order the same at the same instant.
    PlaceTwins { dealer: u8, config: u8 },
    /// A customer changes an open order to another configuration of its model.
    Amend { pick: u8, config: u8 },
    /// A customer cancels an order not yet delivered.
    Cancel { pick: u8 },
    /// A planner opens (or changes) a week `week` weeks from now with a few units.
    OpenCapacity { plant: u8, week: u8, units: u8 },
    /// A planner registers a free stock car.
    RegisterStock { location: u8, config: u8 },
    /// A planner gives a car to another order of its configuration.
    Reallocate { pick: u8, vehicle: u8 },
    /// A planner starts this week's production at a plant.
    StartProduction { plant: u8 },
    /// A planner records a build leaving the line.
    CompleteBuild { pick: u8 },
    /// A planner hands a built, reserved or free car to a carrier (free: a transfer).
    Dispatch { pick: u8, to: u8 },
    /// A carrier reports a delay.
    Delay { pick: u8, days: u8 },
    /// A car on its way arrives.
    Arrive { pick: u8 },
    /// Finance records a payment: the outstanding amount, half of it, or too much.
    Pay { pick: u8, portion: u8 },
    /// A dealer books a handover appointment.
    BookHandover { pick: u8, days: u8 },
    /// A dealer hands a car over (refused while the invoice is not paid).
    HandOver { pick: u8 },
}

/// Actors acting at the same time, then the clock moving.
#[derive(Debug, Clone)]
pub(crate) struct Round {
    /// One list of actions per actor.
    pub(crate) actors: Vec<Vec<Act>>,
    /// Days the clock moves after the round (none after the opening).
    pub(crate) advance: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Process-manager instances following the log (two: as two processes sharing one
    /// database, each with its own executor and checkpoints, racing to fulfil every order).
    pub(crate) instances: usize,
    /// Into how many partitions each instance splits the work (1: unsplit).
    pub(crate) partitions: usize,
    /// Before this round settles, the process managers crash (stopped mid-way, their
    /// checkpoints lost: everything is delivered again) and start again.
    pub(crate) crash_at: Option<usize>,
    pub(crate) rounds: Vec<Round>,
}

fn supply_act() -> impl Strategy<Value = Act> {
    let n = any::<u8>;
    prop_oneof![
        (n(), 0u8..7, 0u8..=3).prop_map(|(plant, week, units)| Act::OpenCapacity {
            plant,
            week,
            units
        }),
        (n(), n()).prop_map(|(location, config)| Act::RegisterStock { location, config }),
    ]
}

fn act() -> impl Strategy<Value = Act> {
    let n = any::<u8>;
    prop_oneof![
        6 => (n(), n()).prop_map(|(dealer, config)| Act::Place { dealer, config }),
        2 => (n(), n()).prop_map(|(dealer, config)| Act::PlaceTwins { dealer, config }),
        2 => (n(), n()).prop_map(|(pick, config)| Act::Amend { pick, config }),
        2 => n().prop_map(|pick| Act::Cancel { pick }),
        3 => supply_act(),
        2 => (n(), n()).prop_map(|(pick, vehicle)| Act::Reallocate { pick, vehicle }),
        2 => n().prop_map(|plant| Act::StartProduction { plant }),
        3 => n().prop_map(|pick| Act::CompleteBuild { pick }),
        4 => (n(), n()).prop_map(|(pick, to)| Act::Dispatch { pick, to }),
        1 => (n(), 1u8..=5).prop_map(|(pick, days)| Act::Delay { pick, days }),
        4 => n().prop_map(|pick| Act::Arrive { pick }),
        4 => (n(), 0u8..3).prop_map(|(pick, portion)| Act::Pay { pick, portion }),
        2 => (n(), 0u8..=3).prop_map(|(pick, days)| Act::BookHandover { pick, days }),
        4 => n().prop_map(|pick| Act::HandOver { pick }),
    ]
}

pub(crate) fn plan(instances: usize) -> impl Strategy<Value = Plan> {
    split_plan(instances, 1, false)
}

/// Plans whose process managers split the work into `partitions`; with `crash`, they crash
/// once, before one of the rounds settles.
pub(crate) fn split_plan(
    instances: usize,
    partitions: usize,
    crash: bool,
) -> impl Strategy<Value = Plan> {
    (4usize..=8)
        .prop_flat_map(|actors| {
            let opening =
                vec(vec(supply_act(), 2..=5), 2).prop_map(|actors| Round { actors, advance: 0 });
            let round = (vec(vec(act(), 1..=8), actors), 1u32..=5)
                .prop_map(|(actors, advance)| Round { actors, advance });
            (opening, vec(round, 8..=16), 1usize..8)
        })
        .prop_map(move |(opening, mut rounds, crash_at)| {
            rounds.insert(0, opening);
            Plan {
                instances,
                partitions,
                crash_at: crash.then_some(crash_at),
                rounds,
            }
        })
}
