//! Random business activity for properties: a sequence of actions played through the
//! world (the real deciders), rejections included (they append nothing).

use std::sync::Arc;

use domain::values::{OrderId, VehicleId};
use proptest::prelude::*;
use store::{EventStore, MemoryStore, Position, RecordedEvent};

use super::world::World;

const CONFIGS: [(&str, &str, &[&str]); 4] = [
    ("DE", "AURA", &[]),
    ("DE", "AURA", &["PNT-RED"]),
    ("DE", "AURA", &["WHL-20", "PKG-SPORT"]),
    ("CN", "TERRA", &[]),
];
const DEALERS: [(&str, &str); 4] = [
    ("DE", "D-BER-01"),
    ("DE", "D-MUC-01"),
    ("DE", "D-HAM-01"),
    ("CN", "D-SHA-01"),
];
const LOCATIONS: [&str; 5] = ["D-BER-01", "D-MUC-01", "D-HAM-01", "D-SHA-01", "P-LEIPZIG"];
const WEEKS: [&str; 3] = ["2026-W50", "2026-W51", "2026-W52"];

/// One thing a user or process manager does.
#[derive(Debug, Clone)]
pub enum Action {
    Advance(u8),
    Register { config: u8, at: u8 },
    Open { week: u8, units: u8 },
    Place { config: u8, dealer: u8 },
    Allocate { order: u8, vehicle: u8 },
    Schedule { order: u8, week: u8 },
    Await(u8),
    Produce(u8),
    Build(u8),
    Dispatch(u8),
    Delay { pair: u8, days: u8 },
    Arrive(u8),
    Transfer { vehicle: u8, to: u8 },
    Invoice(u8),
    Pay { pair: u8, half: bool },
    Handover(u8),
    Cancel(u8),
    Amend { order: u8, config: u8 },
}

pub fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        1 => (1u8..8).prop_map(Action::Advance),
        2 => (0u8..4, 0u8..5).prop_map(|(config, at)| Action::Register { config, at }),
        1 => (0u8..3, 1u8..4).prop_map(|(week, units)| Action::Open { week, units }),
        4 => (0u8..4, 0u8..4).prop_map(|(config, dealer)| Action::Place { config, dealer }),
        3 => (any::<u8>(), any::<u8>()).prop_map(|(order, vehicle)| Action::Allocate { order, vehicle }),
        3 => (any::<u8>(), 0u8..3).prop_map(|(order, week)| Action::Schedule { order, week }),
        1 => any::<u8>().prop_map(Action::Await),
        1 => (0u8..3).prop_map(Action::Produce),
        2 => any::<u8>().prop_map(Action::Build),
        3 => any::<u8>().prop_map(Action::Dispatch),
        1 => (any::<u8>(), 1u8..9).prop_map(|(pair, days)| Action::Delay { pair, days }),
        3 => any::<u8>().prop_map(Action::Arrive),
        1 => (any::<u8>(), 0u8..5).prop_map(|(vehicle, to)| Action::Transfer { vehicle, to }),
        2 => any::<u8>().prop_map(Action::Invoice),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(pair, half)| Action::Pay { pair, half }),
        2 => any::<u8>().prop_map(Action::Handover),
        1 => any::<u8>().prop_map(Action::Cancel),
        1 => (any::<u8>(), 0u8..4).prop_map(|(order, config)| Action::Amend { order, config }),
    ]
}

fn pick<T: Copy>(items: &[T], n: u8) -> Option<T> {
    (!items.is_empty()).then(|| items[usize::from(n) % items.len()])
}

/// Plays `actions` on a fresh in-memory log and returns every event it stored.
pub async fn play(actions: &[Action]) -> Vec<RecordedEvent> {
    let store: Arc<dyn EventStore> = Arc::new(MemoryStore::new());
    let mut w = World::new(Arc::clone(&store));
    let mut orders: Vec<OrderId> = Vec::new();
    let mut vehicles: Vec<VehicleId> = Vec::new();
    // Orders that hold a vehicle: (order, vehicle).
    let mut pairs: Vec<(OrderId, VehicleId)> = Vec::new();
    for action in actions {
        // A rejection is part of the story: it stores nothing.
        let _ = match action.clone() {
            Action::Advance(days) => {
                w.advance(u32::from(days));
                Ok(())
            }
            Action::Register { config, at } => {
                let (market, model, options) = CONFIGS[usize::from(config) % CONFIGS.len()];
                let at = LOCATIONS[usize::from(at) % LOCATIONS.len()];
                // Stock stays in its market: a dealer abroad gives way to the plant.
                let abroad = DEALERS.iter().any(|(m, d)| *d == at && *m != market);
                let at = if abroad { "P-LEIPZIG" } else { at };
                let vehicle = w.register_stock(market, model, options, at).await;
                vehicles.push(vehicle);
                Ok(())
            }
            Action::Open { week, units } => {
                let week = WEEKS[usize::from(week) % WEEKS.len()];
                let _ = w.open_capacity("P-SHENYANG", week, u32::from(units)).await;
                w.open_capacity("P-LEIPZIG", week, u32::from(units)).await
            }
            Action::Place { config, dealer } => {
                let (market, model, options) = CONFIGS[usize::from(config) % CONFIGS.len()];
                let dealers: Vec<&str> = DEALERS
                    .iter()
                    .filter(|(m, _)| *m == market)
                    .map(|(_, d)| *d)
                    .collect();
                let dealer = dealers[usize::from(dealer) % dealers.len()];
                let customer = format!("C-{}", 1000 + orders.len() % 7);
                w.place(&customer, dealer, market, model, options)
                    .await
                    .map(|order| orders.push(order))
            }
            Action::Allocate { order, vehicle } => {
                match (pick(&orders, order), pick(&vehicles, vehicle)) {
                    (Some(order), Some(vehicle)) => w
                        .allocate(order, vehicle)
                        .await
                        .map(|()| pairs.push((order, vehicle))),
                    _ => Ok(()),
                }
            }
            Action::Schedule { order, week } => match pick(&orders, order) {
                Some(order) => {
                    w.schedule(order, WEEKS[usize::from(week) % WEEKS.len()])
                        .await
                }
                None => Ok(()),
            },
            Action::Await(order) => match pick(&orders, order) {
                Some(order) => w.await_capacity(order).await,
                None => Ok(()),
            },
            Action::Produce(week) => {
                let week = WEEKS[usize::from(week) % WEEKS.len()];
                w.start_production("P-LEIPZIG", week).await.map(|started| {
                    for (order, vehicle) in started {
                        vehicles.push(vehicle);
                        pairs.push((order, vehicle));
                    }
                })
            }
            Action::Build(pair) => match pick(&pairs, pair) {
                Some((order, vehicle)) => w.complete_build(order, vehicle).await,
                None => Ok(()),
            },
            Action::Dispatch(pair) => match pick(&pairs, pair) {
                Some((order, vehicle)) => w.dispatch(order, vehicle).await.map(|_| ()),
                None => Ok(()),
            },
            Action::Delay { pair, days } => match pick(&pairs, pair) {
                Some((order, vehicle)) => {
                    w.delay(Some(order), vehicle, "port congestion", i64::from(days))
                        .await
                }
                None => Ok(()),
            },
            Action::Arrive(pair) => match pick(&pairs, pair) {
                Some((order, vehicle)) => w.arrive(Some(order), vehicle).await,
                None => Ok(()),
            },
            Action::Transfer { vehicle, to } => match pick(&vehicles, vehicle) {
                Some(vehicle) => {
                    let to = LOCATIONS[usize::from(to) % LOCATIONS.len()];
                    let moved = w.transfer(vehicle, to).await;
                    if moved.is_ok() {
                        let _ = w.arrive(None, vehicle).await;
                    }
                    moved
                }
                None => Ok(()),
            },
            Action::Invoice(pair) => match pick(&pairs, pair) {
                Some((order, _)) => w.invoice(order).await.map(|_| ()),
                None => Ok(()),
            },
            Action::Pay { pair, half } => match pick(&pairs, pair) {
                Some((order, _)) => {
                    let due = w.outstanding_if_issued(order).await;
                    match due {
                        Some(mut due) if due.is_positive() => {
                            if half && due.amount_minor > 1 {
                                due.amount_minor /= 2;
                            }
                            w.pay(order, due).await
                        }
                        _ => Ok(()),
                    }
                }
                None => Ok(()),
            },
            Action::Handover(pair) => match pick(&pairs, pair) {
                Some((order, _)) => {
                    let _ = w.book_handover(order, 1).await;
                    w.hand_over(order).await
                }
                None => Ok(()),
            },
            Action::Cancel(order) => match pick(&orders, order) {
                Some(order) => w.cancel(order, "changed plans").await,
                None => Ok(()),
            },
            Action::Amend { order, config } => match pick(&orders, order) {
                Some(order) => {
                    let (_, _, options) = CONFIGS[usize::from(config) % CONFIGS.len()];
                    w.amend(order, options).await
                }
                None => Ok(()),
            },
        };
    }
    store
        .read_all(Position::START, usize::MAX)
        .await
        .unwrap_or_default()
}
