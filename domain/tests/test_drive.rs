//! Test drives: booking a demo car's slot, completing, cancelling and
//! marking no-shows, one stream per car and local date; and the properties
//! that two active drives of a car never overlap and that the free-slot
//! listing and the booking decision agree.
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use domain::catalog::Catalog;
use domain::streams::{stream_name, AnyEvent, AnyId};
use domain::test_drive::{
    free_slots, grid, BookingChannel, TestDrive, TestDriveCommand, TestDriveDay, TestDriveError,
    TestDriveEvent, TestDriveStatus,
};
use domain::values::{CarDayKey, CarId, CustomerId, LeadId, TestDriveId};
use domain::{Context, Decider, DomainEvent};
use proptest::prelude::*;

/// Sunday noon, the day before the Monday the drives are booked on.
const BEFORE: &str = "2026-11-22T12:00:00Z";
/// Monday 2026-11-23, 12:00 in Berlin (CET).
const ELEVEN: &str = "2026-11-23T11:00:00Z";

fn aura() -> CarId {
    car("DC-BER-01-1")
}

fn me() -> CustomerId {
    customer("C-1001")
}

fn other() -> CustomerId {
    customer("C-2002")
}

fn lead() -> LeadId {
    LeadId::derived("lead-1")
}

fn book(start: &str, who: CustomerId) -> TestDriveCommand {
    TestDriveCommand::Book {
        car: aura(),
        dealer: dealer("D-BER-01"),
        customer: who,
        lead: Some(lead()),
        start: instant(start),
        channel: BookingChannel::Online,
    }
}

fn when(
    now: &str,
    history: &[TestDriveEvent],
    command: TestDriveCommand,
) -> Result<Vec<TestDriveEvent>, TestDriveError> {
    TestDriveDay::decide(&TestDriveDay::replay(history), command, &ctx_at(now))
}

fn id(n: u32) -> TestDriveId {
    TestDriveId::new(CarDayKey::new(aura(), day("2026-11-23")), n).unwrap()
}

/// The drive I booked at 11:00Z.
fn my_drive() -> TestDrive {
    TestDrive {
        id: id(1),
        car: aura(),
        dealer: dealer("D-BER-01"),
        model: model("AURA"),
        customer: me(),
        lead: Some(lead()),
        start: instant(ELEVEN),
        end: instant("2026-11-23T11:45:00Z"),
        channel: BookingChannel::Online,
    }
}

fn booked() -> Vec<TestDriveEvent> {
    when(BEFORE, &[], book(ELEVEN, me())).unwrap()
}

fn then(
    mut history: Vec<TestDriveEvent>,
    now: &str,
    command: TestDriveCommand,
) -> Vec<TestDriveEvent> {
    history.extend(when(now, &history, command).unwrap());
    history
}

#[test]
fn a_free_slot_is_booked_with_every_fact_the_views_need() {
    assert_eq!(
        booked(),
        vec![TestDriveEvent::Booked {
            drive: my_drive(),
            at: instant(BEFORE),
        }]
    );
    assert_eq!(booked()[0].event_type(), "TestDriveBooked");
    let state = TestDriveDay::replay(&booked());
    assert_eq!(
        state.key(),
        Some(&CarDayKey::new(aura(), day("2026-11-23")))
    );
    assert_eq!(state.drive(&id(1)).unwrap().status, TestDriveStatus::Booked);
    assert_eq!(state.active_at(instant(ELEVEN)), Some(&my_drive()));
    assert_eq!(state.held().len(), 1);
}

#[test]
fn a_car_not_in_the_catalog_is_refused() {
    let mut command = book(ELEVEN, me());
    if let TestDriveCommand::Book { car: c, .. } = &mut command {
        *c = car("DC-BER-01-9");
    }
    assert_eq!(
        when(BEFORE, &[], command),
        Err(TestDriveError::UnknownCar {
            car: car("DC-BER-01-9")
        })
    );
}

#[test]
fn a_car_booked_at_a_dealer_that_does_not_have_it_is_refused() {
    let mut command = book(ELEVEN, me());
    if let TestDriveCommand::Book { dealer: d, .. } = &mut command {
        *d = dealer("D-MUC-01");
    }
    assert_eq!(
        when(BEFORE, &[], command),
        Err(TestDriveError::CarNotAtDealer {
            car: aura(),
            dealer: dealer("D-MUC-01")
        })
    );
}

#[test]
fn a_drive_outside_opening_hours_is_refused() {
    // 19:00 in Berlin: closed. 18:30 would end after closing. Sunday: closed.
    for start in [
        "2026-11-23T18:00:00Z",
        "2026-11-23T07:15:00Z",
        "2026-11-29T11:00:00Z",
    ] {
        assert_eq!(
            when(BEFORE, &[], book(start, me())),
            Err(TestDriveError::OutsideOpeningHours {
                start: instant(start)
            }),
            "{start}"
        );
    }
    let late = "2026-11-23T17:45:00Z";
    assert_eq!(
        when(BEFORE, &[], book(late, me())),
        Err(TestDriveError::OutsideOpeningHours {
            start: instant(late)
        })
    );
}

#[test]
fn a_start_at_the_end_of_time_is_outside_opening_hours_not_a_panic() {
    let mut command = book(ELEVEN, me());
    let far = DateTime::<Utc>::MAX_UTC;
    if let TestDriveCommand::Book { start, .. } = &mut command {
        *start = far;
    }
    assert_eq!(
        when(BEFORE, &[], command),
        Err(TestDriveError::OutsideOpeningHours { start: far })
    );
}

#[test]
fn a_start_off_the_slot_grid_is_refused() {
    let start = "2026-11-23T11:30:00Z";
    assert_eq!(
        when(BEFORE, &[], book(start, me())),
        Err(TestDriveError::NotOnSlotGrid {
            start: instant(start)
        })
    );
}

#[test]
fn a_slot_that_has_started_cannot_be_booked() {
    assert_eq!(
        when(ELEVEN, &[], book(ELEVEN, me())),
        Err(TestDriveError::InThePast {
            start: instant(ELEVEN)
        })
    );
    assert!(when("2026-11-23T10:59:59Z", &[], book(ELEVEN, me())).is_ok());
}

#[test]
fn a_slot_held_by_another_customer_is_taken() {
    assert_eq!(
        when(BEFORE, &booked(), book(ELEVEN, other())),
        Err(TestDriveError::SlotTaken {
            car: aura(),
            start: instant(ELEVEN)
        })
    );
    let next = "2026-11-23T11:45:00Z";
    let events = when(BEFORE, &booked(), book(next, other())).unwrap();
    assert_eq!(events[0].drive().id, id(2));
}

#[test]
fn booking_my_own_slot_again_changes_nothing() {
    assert_eq!(when(BEFORE, &booked(), book(ELEVEN, me())), Ok(vec![]));
}

#[test]
fn a_cancelled_slot_is_free_again_under_a_new_id() {
    let cancel = TestDriveCommand::Cancel {
        id: id(1),
        by_customer: true,
        reason: None,
    };
    let history = then(booked(), BEFORE, cancel);
    let rebooked = when(BEFORE, &history, book(ELEVEN, other())).unwrap();
    assert_eq!(rebooked[0].drive().id, id(2));
    assert_eq!(rebooked[0].drive().customer, other());
}

#[test]
fn a_stream_holds_one_car_on_one_day() {
    let tuesday = "2026-11-24T11:45:00Z";
    assert_eq!(
        when(BEFORE, &booked(), book(tuesday, me())),
        Err(TestDriveError::WrongCarDay {
            holds: CarDayKey::new(aura(), day("2026-11-23")),
            requested: CarDayKey::new(aura(), day("2026-11-24")),
        })
    );
}

#[test]
fn a_drive_is_completed_once_its_start_has_come() {
    let complete = || TestDriveCommand::Complete { id: id(1) };
    assert_eq!(
        when("2026-11-23T10:59:00Z", &booked(), complete()),
        Err(TestDriveError::NotStarted {
            start: instant(ELEVEN)
        })
    );
    let done = when(ELEVEN, &booked(), complete()).unwrap();
    assert_eq!(
        done,
        vec![TestDriveEvent::Completed {
            drive: my_drive(),
            at: instant(ELEVEN)
        }]
    );
    let history = then(booked(), ELEVEN, complete());
    assert_eq!(
        TestDriveDay::replay(&history).drive(&id(1)).unwrap().status,
        TestDriveStatus::Completed
    );
    assert_eq!(
        when("2026-11-23T12:00:00Z", &history, complete()),
        Err(TestDriveError::AlreadyCompleted { id: id(1) })
    );
    let no_show = TestDriveCommand::NoShow { id: id(1) };
    assert_eq!(
        when("2026-11-23T12:00:00Z", &history, no_show),
        Err(TestDriveError::AlreadyCompleted { id: id(1) })
    );
}

#[test]
fn a_no_show_is_marked_once_the_start_has_come() {
    let no_show = || TestDriveCommand::NoShow { id: id(1) };
    assert_eq!(
        when(BEFORE, &booked(), no_show()),
        Err(TestDriveError::NotStarted {
            start: instant(ELEVEN)
        })
    );
    let late = "2026-11-23T11:20:00Z";
    let history = then(booked(), late, no_show());
    assert_eq!(history[1].event_type(), "TestDriveNoShow");
    assert_eq!(
        when(late, &history, no_show()),
        Err(TestDriveError::AlreadyNoShow { id: id(1) })
    );
    let complete = TestDriveCommand::Complete { id: id(1) };
    assert_eq!(
        when(late, &history, complete),
        Err(TestDriveError::AlreadyNoShow { id: id(1) })
    );
}

#[test]
fn a_drive_is_cancelled_before_its_end_with_an_optional_reason() {
    let cancel = |reason: Option<&str>| TestDriveCommand::Cancel {
        id: id(1),
        by_customer: false,
        reason: reason.map(str::to_owned),
    };
    // Even once started, until it ends.
    let during = "2026-11-23T11:44:59Z";
    assert_eq!(
        when(during, &booked(), cancel(Some("  car in service "))),
        Ok(vec![TestDriveEvent::Cancelled {
            drive: my_drive(),
            by_customer: false,
            reason: Some("car in service".into()),
            at: instant(during),
        }])
    );
    let blank = when(BEFORE, &booked(), cancel(Some("   "))).unwrap();
    assert!(matches!(
        &blank[0],
        TestDriveEvent::Cancelled { reason: None, .. }
    ));
    let end = "2026-11-23T11:45:00Z";
    assert_eq!(
        when(end, &booked(), cancel(None)),
        Err(TestDriveError::AlreadyOver { end: instant(end) })
    );
    let long = "x".repeat(201);
    assert_eq!(
        when(BEFORE, &booked(), cancel(Some(&long))),
        Err(TestDriveError::ReasonTooLong { max: 200 })
    );
    let history = then(booked(), BEFORE, cancel(None));
    assert_eq!(
        when(BEFORE, &history, cancel(None)),
        Err(TestDriveError::AlreadyCancelled { id: id(1) })
    );
    assert_eq!(
        when(ELEVEN, &history, TestDriveCommand::Complete { id: id(1) }),
        Err(TestDriveError::AlreadyCancelled { id: id(1) })
    );
}

#[test]
fn a_drive_that_is_not_booked_here_is_unknown() {
    let elsewhere = TestDriveId::new(CarDayKey::new(aura(), day("2026-11-24")), 1).unwrap();
    for unknown in [id(2), elsewhere] {
        assert_eq!(
            when(
                ELEVEN,
                &booked(),
                TestDriveCommand::Complete {
                    id: unknown.clone()
                }
            ),
            Err(TestDriveError::UnknownTestDrive { id: unknown })
        );
    }
    assert_eq!(
        when(ELEVEN, &[], TestDriveCommand::NoShow { id: id(1) }),
        Err(TestDriveError::UnknownTestDrive { id: id(1) })
    );
}

#[test]
fn the_id_names_the_stream_it_is_booked_in_and_the_stream_reads_back() {
    let drive = booked()[0].drive().clone();
    assert_eq!(drive.id.to_string(), "TD-DC-BER-01-1-20261123-1");
    let stream = stream_name::<TestDriveDay>(drive.id.key());
    assert_eq!(stream, "testdrives-DC-BER-01-1@2026-11-23");
    let parsed = TestDriveId::parse(&drive.id.to_string()).unwrap();
    assert_eq!(stream_name::<TestDriveDay>(parsed.key()), stream);
    let json = serde_json::to_string(&booked()[0]).unwrap();
    let decoded = AnyEvent::decode(&stream, &json).unwrap();
    assert_eq!(decoded.id, AnyId::TestDrives(drive.id.key().clone()));
    assert_eq!(decoded.event, AnyEvent::TestDrive(booked()[0].clone()));
    assert_eq!(decoded.event.event_type(), "TestDriveBooked");
}

#[test]
fn a_drives_day_is_the_dealers_local_date_not_the_utc_date() {
    // Berlin open on Sundays from 01:00 local: on 2026-10-25 (summer time
    // ends) the first slot starts at 23:00Z on the 24th.
    let demo = include_str!("../catalog/demo.toml");
    let text = demo.replacen(
        "sat = \"10:00-16:00\", sun = \"closed\" }",
        "sat = \"10:00-16:00\", sun = \"01:00-04:00\" }",
        1,
    );
    let night = Catalog::from_toml(&text).unwrap();
    let ctx = Context::new(instant("2026-10-20T12:00:00Z"), &night);
    let command = book("2026-10-24T23:00:00Z", me());
    let events = TestDriveDay::decide(&TestDriveDay::default(), command, &ctx).unwrap();
    assert_eq!(
        events[0].drive().id.to_string(),
        "TD-DC-BER-01-1-20261025-1"
    );
}

// Properties.

/// One step of a random session on Berlin's AURA on Monday 2026-11-23.
#[derive(Debug, Clone)]
enum Step {
    /// Book the `slot`-th start of the grid (some past its end), offset by
    /// `off` minutes, for customer `who`.
    Book { slot: usize, off: i64, who: u8 },
    /// Cancel the `n`-th booking.
    Cancel { n: u32 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..15usize, prop_oneof![4 => Just(0i64), 1 => -30..30i64], 0..3u8)
            .prop_map(|(slot, off, who)| Step::Book { slot, off, who }),
        1 => (1..12u32).prop_map(|n| Step::Cancel { n }),
    ]
}

fn monday_grid() -> Vec<DateTime<Utc>> {
    let berlin = catalog().dealer(&dealer("D-BER-01")).unwrap();
    grid(berlin, day("2026-11-23"))
        .iter()
        .map(|s| s.start)
        .collect()
}

proptest! {
    #[test]
    fn two_active_drives_of_a_car_never_overlap(steps in prop::collection::vec(step(), 1..40)) {
        let starts = monday_grid();
        let ctx = ctx_at(BEFORE);
        let mut state = TestDriveDay::default();
        let mut history = Vec::new();
        for step in steps {
            let command = match step {
                Step::Book { slot, off, who } => {
                    let first = starts[0];
                    let start = first + Duration::minutes(45 * slot as i64 + off);
                    TestDriveCommand::Book {
                        car: aura(),
                        dealer: dealer("D-BER-01"),
                        customer: customer(&format!("C-{who}")),
                        lead: None,
                        start,
                        channel: BookingChannel::Showroom,
                    }
                }
                Step::Cancel { n } => TestDriveCommand::Cancel {
                    id: id(n),
                    by_customer: true,
                    reason: None,
                },
            };
            if let Ok(events) = TestDriveDay::decide(&state, command, &ctx) {
                for event in &events {
                    state = TestDriveDay::evolve(state, event);
                }
                history.extend(events);
            }
            let held = state.held();
            for (i, a) in held.iter().enumerate() {
                for b in &held[i + 1..] {
                    prop_assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
                }
                prop_assert!(starts.contains(&a.start));
            }
        }
        prop_assert_eq!(TestDriveDay::replay(&history), state);
    }

    #[test]
    fn every_slot_listed_free_can_be_booked_and_every_other_start_is_refused(
        taken in prop::collection::vec((0..3usize, 0..13usize), 0..20),
        minutes_into_day in 0..(12 * 60i64),
        only_terra in any::<bool>(),
    ) {
        let cars: Vec<CarId> = catalog()
            .demo_cars_of(&dealer("D-BER-01"))
            .iter()
            .map(|c| c.id.clone())
            .collect();
        let starts = monday_grid();
        // Book the `taken` slots the day before.
        let before = ctx_at(BEFORE);
        let mut days: BTreeMap<CarId, TestDriveDay> = BTreeMap::new();
        for (c, s) in taken {
            let state = days.entry(cars[c].clone()).or_default();
            let command = TestDriveCommand::Book {
                car: cars[c].clone(),
                dealer: dealer("D-BER-01"),
                customer: customer("C-1"),
                lead: None,
                start: starts[s],
                channel: BookingChannel::Online,
            };
            for event in TestDriveDay::decide(state, command, &before).unwrap_or_default() {
                *state = TestDriveDay::evolve(state.clone(), &event);
            }
        }
        let now = instant("2026-11-23T07:00:00Z") + Duration::minutes(minutes_into_day);
        let ctx = Context::new(now, catalog());
        let held: BTreeMap<CarId, Vec<_>> =
            days.iter().map(|(car, day)| (car.clone(), day.held())).collect();
        let terra = model("TERRA");
        let wanted = only_terra.then_some(&terra);
        let free = free_slots(catalog(), &dealer("D-BER-01"), day("2026-11-23"), wanted, &held, now);
        for car_id in &cars {
            let demo = catalog().demo_car(car_id).unwrap();
            let state = days.get(car_id).cloned().unwrap_or_default();
            for start in &starts {
                let listed = free.iter().any(|f| &f.car == car_id && f.start == *start);
                let command = TestDriveCommand::Book {
                    car: car_id.clone(),
                    dealer: dealer("D-BER-01"),
                    customer: customer("C-2"),
                    lead: None,
                    start: *start,
                    channel: BookingChannel::Showroom,
                };
                let decided = TestDriveDay::decide(&state, command, &ctx);
                if wanted.is_some_and(|m| &demo.model != m) {
                    prop_assert!(!listed);
                    continue;
                }
                if listed {
                    prop_assert!(
                        matches!(decided.as_deref(), Ok([TestDriveEvent::Booked { .. }])),
                        "{car_id} at {start} listed free but {decided:?}"
                    );
                } else {
                    prop_assert!(
                        matches!(
                            decided,
                            Err(TestDriveError::InThePast { .. } | TestDriveError::SlotTaken { .. })
                        ),
                        "{car_id} at {start} not listed but {decided:?}"
                    );
                }
            }
        }
    }
}
