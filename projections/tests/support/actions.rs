//! Random business activity for properties: a sequence of actions played through the
//! world (the real deciders), rejections included (they append nothing).

use std::sync::Arc;

use chrono::Duration;
use domain::lead::{ContactChannel, Grade, LeadCommand, LeadSource};
use domain::test_drive::{grid, BookingChannel, TestDriveCommand};
use domain::values::{LeadId, OrderId, TestDriveId, UserId, VehicleId};
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
/// Consultants, and the outlet's shared account (`None`).
const STAFF: [Option<&str>; 4] = [Some("U-ANNA"), Some("U-BEN"), Some("U-CARL"), None];

/// One thing a user or process manager does.
#[derive(Debug, Clone)]
pub enum Action {
    Advance(u8),
    Register {
        config: u8,
        at: u8,
    },
    Open {
        week: u8,
        units: u8,
    },
    Place {
        config: u8,
        dealer: u8,
    },
    Allocate {
        order: u8,
        vehicle: u8,
    },
    Schedule {
        order: u8,
        week: u8,
    },
    Await(u8),
    Produce(u8),
    Build(u8),
    Dispatch(u8),
    Delay {
        pair: u8,
        days: u8,
    },
    Arrive(u8),
    Transfer {
        vehicle: u8,
        to: u8,
    },
    Invoice(u8),
    Pay {
        pair: u8,
        half: bool,
    },
    Handover(u8),
    Cancel(u8),
    Amend {
        order: u8,
        config: u8,
    },
    /// Minutes pass (5 to 300).
    Wait(u8),
    Lead {
        customer: u8,
        dealer: u8,
        source: u8,
        grade: u8,
        staff: u8,
    },
    Contact {
        lead: u8,
        staff: u8,
        grade: u8,
    },
    Breach(u8),
    Lose {
        lead: u8,
        approve: bool,
    },
    Sell {
        lead: u8,
        order: u8,
    },
    Book {
        car: u8,
        days: u8,
        slot: u8,
        customer: u8,
        lead: u8,
    },
    EndDrive {
        drive: u8,
        how: u8,
    },
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
        1 => (any::<u8>(), 1u8..30).prop_map(|(pair, days)| Action::Delay { pair, days }),
        3 => any::<u8>().prop_map(Action::Arrive),
        1 => (any::<u8>(), 0u8..5).prop_map(|(vehicle, to)| Action::Transfer { vehicle, to }),
        2 => any::<u8>().prop_map(Action::Invoice),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(pair, half)| Action::Pay { pair, half }),
        2 => any::<u8>().prop_map(Action::Handover),
        1 => any::<u8>().prop_map(Action::Cancel),
        1 => (any::<u8>(), 0u8..4).prop_map(|(order, config)| Action::Amend { order, config }),
        2 => (1u8..60).prop_map(Action::Wait),
        3 => (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(customer, dealer, source, grade, staff)| Action::Lead { customer, dealer, source, grade, staff }),
        3 => (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(lead, staff, grade)| Action::Contact { lead, staff, grade }),
        1 => any::<u8>().prop_map(Action::Breach),
        1 => (any::<u8>(), any::<bool>()).prop_map(|(lead, approve)| Action::Lose { lead, approve }),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(lead, order)| Action::Sell { lead, order }),
        3 => (any::<u8>(), 0u8..3, any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(car, days, slot, customer, lead)| Action::Book { car, days, slot, customer, lead }),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(drive, how)| Action::EndDrive { drive, how }),
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
    let mut leads: Vec<LeadId> = Vec::new();
    let mut drives: Vec<TestDriveId> = Vec::new();
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
            other => play_crm(&mut w, other, &orders, &mut leads, &mut drives).await,
        };
    }
    store
        .read_all(Position::START, usize::MAX)
        .await
        .unwrap_or_default()
}

/// The leads and test-drive actions.
async fn play_crm(
    w: &mut World,
    action: Action,
    orders: &[OrderId],
    leads: &mut Vec<LeadId>,
    drives: &mut Vec<TestDriveId>,
) -> Result<(), String> {
    let staff = |n: u8| STAFF[usize::from(n) % STAFF.len()];
    match action {
        Action::Wait(minutes) => {
            w.advance_minutes(u32::from(minutes) * 5);
            Ok(())
        }
        Action::Lead {
            customer,
            dealer,
            source,
            grade,
            staff: by,
        } => {
            let (_, dealer) = DEALERS[usize::from(dealer) % DEALERS.len()];
            let model = ["AURA", "TERRA"][usize::from(source) % 2];
            let customer = format!("C-{}", 1000 + u32::from(customer % 7));
            let source = LeadSource::ALL[usize::from(source) % LeadSource::ALL.len()];
            let grade = Grade::ALL[usize::from(grade) % Grade::ALL.len()];
            w.open_lead(&customer, dealer, model, source, grade, staff(by))
                .await
                .map(|lead| leads.push(lead))
        }
        Action::Contact {
            lead,
            staff: by,
            grade,
        } => match pick(leads, lead) {
            Some(lead) => {
                let channel = ContactChannel::ALL[usize::from(grade) % ContactChannel::ALL.len()];
                let grade = Grade::ALL.get(usize::from(grade) % 8).copied();
                w.contact(lead, staff(by), channel, grade).await
            }
            None => Ok(()),
        },
        Action::Breach(lead) => match pick(leads, lead) {
            Some(lead) => w.lead_cmd(lead, LeadCommand::RecordBreach).await,
            None => Ok(()),
        },
        Action::Lose { lead, approve } => match pick(leads, lead) {
            Some(lead) => {
                let request = LeadCommand::RequestLost {
                    by: Some(UserId::parse("U-BEN").unwrap()),
                    reason: "no budget".into(),
                };
                w.lead_cmd(lead, request).await?;
                let decision = LeadCommand::DecideLost {
                    by: Some(UserId::parse("U-MGR").unwrap()),
                    by_manager: true,
                    approve,
                };
                w.lead_cmd(lead, decision).await
            }
            None => Ok(()),
        },
        Action::Sell { lead, order } => match pick(leads, lead) {
            Some(lead) => {
                let order = pick(orders, order)
                    .unwrap_or_else(|| OrderId::derived(&format!("sale-{lead}")));
                w.lead_cmd(lead, LeadCommand::MarkSold { order }).await
            }
            None => Ok(()),
        },
        Action::Book {
            car,
            days,
            slot,
            customer,
            lead,
        } => {
            let cars: Vec<_> = w
                .catalog
                .dealers()
                .flat_map(|d| d.demo_cars.iter())
                .map(|c| (c.id.clone(), c.dealer.clone()))
                .collect();
            let Some((car, dealer)) = cars.get(usize::from(car) % cars.len()).cloned() else {
                return Ok(());
            };
            let at_dealer = w.catalog.dealer(&dealer).ok_or("no dealer")?;
            let date = at_dealer.local_date(w.now()) + Duration::days(i64::from(days));
            let slots = grid(at_dealer, date);
            let Some(span) = pick(&slots, slot) else {
                return Ok(());
            };
            let customer = format!("C-{}", 1000 + u32::from(customer % 7));
            // Half the bookings serve a lead (any: the engine links what it is given).
            let lead = (lead % 2 == 0).then(|| pick(leads, lead / 2)).flatten();
            let channel = [BookingChannel::Online, BookingChannel::Showroom][usize::from(slot) % 2];
            let car = car.to_string();
            w.book_drive(&car, &customer, lead, span.start, channel)
                .await
                .map(|drive| drives.push(drive))
        }
        Action::EndDrive { drive, how } => match drives.len() {
            0 => Ok(()),
            n => {
                let id = drives[usize::from(drive) % n].clone();
                let command = match how % 3 {
                    0 => TestDriveCommand::Complete { id: id.clone() },
                    1 => TestDriveCommand::NoShow { id: id.clone() },
                    _ => TestDriveCommand::Cancel {
                        id: id.clone(),
                        by_customer: how % 2 == 0,
                        reason: None,
                    },
                };
                w.drive_cmd(&id, command).await
            }
        },
        _ => Ok(()),
    }
}
