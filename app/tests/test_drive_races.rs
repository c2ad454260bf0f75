//! Properties of test-drive booking on the real SQLite store: random concurrent bookings
//! (tokio tasks racing, online and in the showroom) never give one car two overlapping
//! drives, exactly one booking per contested slot wins and the others are told the slot was
//! taken; and a slot listed free online is exactly a slot the showroom can book at that
//! moment.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use app::leads::Staff;
use app::test_drives::{BookTestDrive, Canceller};
use app::{CommandError, Rejection};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::test_drive::{grid, BookingChannel, Span, TestDriveDay, TestDriveError};
use domain::values::{CarDayKey, CarId, CustomerId, DealerId, MarketCode};
use proptest::prelude::*;
use support::World;

fn dealer() -> DealerId {
    DealerId::parse("D-BER-01").unwrap()
}

fn car(n: u8) -> CarId {
    CarId::parse(&format!("DC-BER-01-{n}")).unwrap()
}

/// Slot `n` of the first day (08:00 UTC is the opening; the clock stands there, so slot 0
/// has started).
fn slot(n: u8) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap() + Duration::minutes(45 * i64::from(n))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn world_with_customers(n: usize) -> (World, Vec<CustomerId>) {
    let w = World::sqlite().await;
    let ids: Vec<CustomerId> = (0..n)
        .map(|i| CustomerId::parse(&format!("C-R{i}")).unwrap())
        .collect();
    w.people
        .register_examples(&ids, &MarketCode::parse("DE").unwrap(), &w.meta())
        .await
        .unwrap();
    (w, ids)
}

/// The active drives of each car, as the store holds them.
async fn held(w: &World) -> BTreeMap<CarId, Vec<Span>> {
    let mut held = BTreeMap::new();
    for n in 1..=3 {
        let key = CarDayKey::new(car(n), slot(0).date_naive());
        let day = w.exec.load::<TestDriveDay>(&key).await.unwrap().0;
        held.insert(car(n), day.held());
    }
    held
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_bookings_never_overlap_and_one_wins_each_contested_slot(
        requests in proptest::collection::vec((1u8..=3, 1u8..=6, any::<bool>()), 2..14)
    ) {
        runtime().block_on(async {
            let (w, customers) = world_with_customers(requests.len()).await;
            let mut tasks = Vec::new();
            for (i, (car_n, slot_n, online)) in requests.iter().copied().enumerate() {
                let services = w.services.clone();
                let meta = w.meta();
                let input = BookTestDrive {
                    dealer: dealer(),
                    car: car(car_n),
                    customer: customers[i].clone(),
                    start: slot(slot_n),
                    channel: if online { BookingChannel::Online } else { BookingChannel::Showroom },
                    lead: None,
                };
                tasks.push(tokio::spawn(async move {
                    ((car_n, slot_n), services.book_test_drive(input, &meta).await)
                }));
            }
            let mut won: BTreeMap<(u8, u8), usize> = BTreeMap::new();
            for task in tasks {
                let (wanted, outcome) = task.await.unwrap();
                match outcome {
                    Ok(_) => *won.entry(wanted).or_default() += 1,
                    Err(CommandError::Rejected(Rejection::TestDrive(TestDriveError::SlotTaken { .. }))) => {}
                    Err(other) => panic!("unexpected outcome {other:?}"),
                }
            }
            let contested: BTreeSet<(u8, u8)> = requests.iter().map(|(c, s, _)| (*c, *s)).collect();
            prop_assert_eq!(won.keys().copied().collect::<BTreeSet<_>>(), contested.clone());
            prop_assert!(won.values().all(|n| *n == 1), "exactly one booking wins each slot: {:?}", won);
            for spans in held(&w).await.values() {
                for (i, a) in spans.iter().enumerate() {
                    for b in &spans[i + 1..] {
                        prop_assert!(!a.overlaps(b), "{:?} overlaps {:?}", a, b);
                    }
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn a_slot_listed_free_online_is_exactly_a_slot_the_showroom_can_book(
        taken in proptest::collection::btree_set((1u8..=3, 1u8..=12), 0..12),
        minutes in 0u32..400,
    ) {
        runtime().block_on(async {
            let (w, customers) = world_with_customers(2).await;
            for (car_n, slot_n) in &taken {
                let input = BookTestDrive {
                    dealer: dealer(),
                    car: car(*car_n),
                    customer: customers[0].clone(),
                    start: slot(*slot_n),
                    channel: BookingChannel::Online,
                    lead: None,
                };
                w.services.book_test_drive(input, &w.meta()).await.unwrap();
            }
            w.clock.advance_minutes(minutes).unwrap();
            let date = slot(0).date_naive();
            let listed: BTreeSet<(CarId, DateTime<Utc>)> = w
                .services
                .free_test_drive_slots(&dealer(), date, None)
                .await
                .unwrap()
                .into_iter()
                .map(|s| (s.car, s.start))
                .collect();
            let outlet = w.exec.catalog().dealer(&dealer()).unwrap().clone();
            let staff = Staff { dealer: dealer(), user: None, manager: false };
            for n in 1..=3 {
                for span in grid(&outlet, date) {
                    let input = BookTestDrive {
                        dealer: dealer(),
                        car: car(n),
                        customer: customers[1].clone(),
                        start: span.start,
                        channel: BookingChannel::Showroom,
                        lead: None,
                    };
                    let booked = w.services.book_test_drive(input, &w.meta()).await;
                    let free = listed.contains(&(car(n), span.start));
                    prop_assert_eq!(booked.is_ok(), free, "car {} at {}: listed free {}, booked {:?}", n, span.start, free, booked);
                    if let Ok(drive) = booked {
                        w.services
                            .cancel_test_drive(&drive.test_drive, &Canceller::Dealer(staff.clone()), None, &w.meta())
                            .await
                            .unwrap();
                    }
                }
            }
            Ok(())
        })?;
    }
}
