//! The production slot: capacity, bookings (never above capacity), freeze,
//! production start; racing bookings under optimistic concurrency.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod support;
use support::*;

use domain::slot::{Build, Slot, SlotCommand, SlotError, SlotEvent};
use domain::values::{IsoWeek, PlantId};
use domain::{Decider, DomainEvent};
use proptest::prelude::*;

// 2026-W52 starts on Monday 2026-12-21 and freezes on 2026-12-07.
const BEFORE_FREEZE: &str = "2026-11-23";
/// W52 (Monday 2026-12-21) is changeable until 2026-12-07, frozen from the 8th.
const FREEZE_DATE: &str = "2026-12-08";
const MONDAY: &str = "2026-12-21";
const SUNDAY: &str = "2026-12-27";

fn leipzig() -> PlantId {
    plant("P-LEIPZIG")
}

fn w52() -> IsoWeek {
    week("2026-W52")
}

fn capacity_set(units: u32) -> SlotEvent {
    SlotEvent::CapacitySet {
        plant: leipzig(),
        week: w52(),
        units,
    }
}

fn booked(n: u32) -> SlotEvent {
    SlotEvent::Booked {
        plant: leipzig(),
        week: w52(),
        order: order_id(n),
    }
}

fn released(n: u32) -> SlotEvent {
    SlotEvent::Released {
        plant: leipzig(),
        week: w52(),
        order: order_id(n),
    }
}

fn frozen() -> SlotEvent {
    SlotEvent::Frozen {
        plant: leipzig(),
        week: w52(),
        frozen_on: day(FREEZE_DATE),
        orders: vec![order_id(1)],
    }
}

fn set_capacity(units: u32) -> SlotCommand {
    SlotCommand::SetCapacity {
        plant: leipzig(),
        week: w52(),
        units,
    }
}

fn book(n: u32) -> SlotCommand {
    SlotCommand::Book {
        plant: leipzig(),
        week: w52(),
        order: order_id(n),
    }
}

fn book_many(orders: &[u32]) -> SlotCommand {
    SlotCommand::BookMany {
        plant: leipzig(),
        week: w52(),
        orders: orders.iter().map(|n| order_id(*n)).collect(),
    }
}

fn release(n: u32) -> SlotCommand {
    SlotCommand::Release { order: order_id(n) }
}

fn build(n: u32) -> Build {
    Build {
        order: order_id(n),
        vehicle: vehicle_id(n),
        vin: vin(&format!("WAUZZZ8V5KA{n:06}")),
    }
}

fn full() -> SlotError {
    SlotError::SlotFull {
        plant: leipzig(),
        week: w52(),
    }
}

fn started() -> SlotError {
    SlotError::ProductionAlreadyStarted {
        plant: leipzig(),
        week: w52(),
    }
}

fn production_started(orders: &[u32]) -> SlotEvent {
    SlotEvent::ProductionStarted {
        plant: leipzig(),
        week: w52(),
        builds: orders.iter().map(|n| build(*n)).collect(),
    }
}

// --- capacity ---------------------------------------------------------------

#[test]
fn a_planner_opens_a_slot_by_setting_its_capacity() {
    assert_eq!(
        given::<Slot>(&[], set_capacity(120), BEFORE_FREEZE),
        Ok(vec![capacity_set(120)])
    );
}

#[test]
fn setting_the_same_capacity_again_changes_nothing() {
    assert_eq!(
        given::<Slot>(&[capacity_set(3)], set_capacity(3), BEFORE_FREEZE),
        Ok(vec![])
    );
}

#[test]
fn capacity_at_a_plant_the_catalog_does_not_know_is_refused() {
    let nowhere = plant("P-NOWHERE");
    assert_eq!(
        given::<Slot>(
            &[],
            SlotCommand::SetCapacity {
                plant: nowhere.clone(),
                week: w52(),
                units: 5
            },
            BEFORE_FREEZE
        ),
        Err(SlotError::UnknownPlant { plant: nowhere })
    );
}

#[test]
fn capacity_below_the_orders_already_booked_is_refused() {
    let history = [capacity_set(3), booked(1), booked(2)];
    assert_eq!(
        given::<Slot>(&history, set_capacity(1), BEFORE_FREEZE),
        Err(SlotError::BelowBookings {
            units: 1,
            booked: 2
        })
    );
}

#[test]
fn capacity_may_shrink_down_to_the_orders_booked() {
    let history = [capacity_set(3), booked(1), booked(2)];
    assert_eq!(
        given::<Slot>(&history, set_capacity(2), BEFORE_FREEZE),
        Ok(vec![capacity_set(2)])
    );
}

#[test]
fn capacity_of_a_week_that_is_over_is_refused() {
    assert_eq!(
        given::<Slot>(&[], set_capacity(5), "2026-12-28"),
        Err(SlotError::WeekInPast { week: w52() })
    );
}

#[test]
fn capacity_can_still_change_on_the_last_day_of_its_week() {
    assert_eq!(
        given::<Slot>(&[capacity_set(2)], set_capacity(5), SUNDAY),
        Ok(vec![capacity_set(5)])
    );
}

#[test]
fn capacity_cannot_change_after_production_started() {
    let history = [capacity_set(2), booked(1), production_started(&[1])];
    assert_eq!(
        given::<Slot>(&history, set_capacity(5), MONDAY),
        Err(started())
    );
}

#[test]
fn a_command_for_another_plant_week_is_refused() {
    let other = week("2026-W51");
    assert_eq!(
        given::<Slot>(
            &[capacity_set(2)],
            SlotCommand::Book {
                plant: leipzig(),
                week: other,
                order: order_id(1)
            },
            BEFORE_FREEZE
        ),
        Err(SlotError::WrongSlot {
            plant: leipzig(),
            week: w52(),
            requested_plant: leipzig(),
            requested_week: other
        })
    );
}

// --- booking ----------------------------------------------------------------

#[test]
fn an_order_books_a_free_unit() {
    assert_eq!(
        given::<Slot>(&[capacity_set(2)], book(1), BEFORE_FREEZE),
        Ok(vec![booked(1)])
    );
}

#[test]
fn a_full_slot_refuses_another_order() {
    let history = [capacity_set(2), booked(1), booked(2)];
    assert_eq!(given::<Slot>(&history, book(3), BEFORE_FREEZE), Err(full()));
}

#[test]
fn a_slot_that_was_never_opened_is_full() {
    assert_eq!(given::<Slot>(&[], book(1), BEFORE_FREEZE), Err(full()));
}

#[test]
fn booking_the_same_order_again_changes_nothing() {
    let history = [capacity_set(1), booked(1)];
    assert_eq!(given::<Slot>(&history, book(1), BEFORE_FREEZE), Ok(vec![]));
    // Still true after the freeze: the booking is what the retry asked for.
    assert_eq!(given::<Slot>(&history, book(1), FREEZE_DATE), Ok(vec![]));
}

#[test]
fn many_orders_book_their_units_in_one_decision() {
    assert_eq!(
        given::<Slot>(&[capacity_set(3)], book_many(&[1, 2, 3]), BEFORE_FREEZE),
        Ok(vec![booked(1), booked(2), booked(3)])
    );
}

#[test]
fn booking_many_books_all_or_none() {
    let history = [capacity_set(3), booked(1)];
    assert_eq!(
        given::<Slot>(&history, book_many(&[2, 3, 4]), BEFORE_FREEZE),
        Err(full())
    );
}

#[test]
fn booking_many_again_books_only_the_orders_not_booked_yet() {
    let history = [capacity_set(3), booked(1), booked(2)];
    assert_eq!(
        given::<Slot>(&history, book_many(&[1, 2, 3, 3]), BEFORE_FREEZE),
        Ok(vec![booked(3)])
    );
    assert_eq!(
        given::<Slot>(&history, book_many(&[2, 1]), FREEZE_DATE),
        Ok(vec![])
    );
}

#[test]
fn booking_many_into_a_frozen_week_is_refused() {
    let refused = given::<Slot>(&[capacity_set(3)], book_many(&[1, 2]), FREEZE_DATE);
    assert!(
        matches!(refused, Err(SlotError::SlotFrozen { .. })),
        "{refused:?}"
    );
}

#[test]
fn a_week_is_frozen_for_bookings_from_its_freeze_date() {
    // The BTO lead time says the same: bookable exactly while not frozen.
    assert!(!domain::rules::is_bookable(w52(), day(FREEZE_DATE)));
    assert_eq!(
        given::<Slot>(&[capacity_set(2)], book(1), FREEZE_DATE),
        Err(SlotError::SlotFrozen {
            plant: leipzig(),
            week: w52()
        })
    );
}

#[test]
fn the_day_before_its_freeze_date_a_week_still_takes_bookings() {
    assert_eq!(
        given::<Slot>(&[capacity_set(2)], book(1), "2026-12-07"),
        Ok(vec![booked(1)])
    );
}

#[test]
fn a_slot_frozen_explicitly_refuses_bookings() {
    let history = [capacity_set(2), booked(1), frozen()];
    assert_eq!(
        given::<Slot>(&history, book(2), FREEZE_DATE),
        Err(SlotError::SlotFrozen {
            plant: leipzig(),
            week: w52()
        })
    );
}

#[test]
fn booking_at_a_plant_the_catalog_does_not_know_is_refused() {
    let nowhere = plant("P-NOWHERE");
    assert_eq!(
        given::<Slot>(
            &[],
            SlotCommand::Book {
                plant: nowhere.clone(),
                week: w52(),
                order: order_id(1)
            },
            BEFORE_FREEZE
        ),
        Err(SlotError::UnknownPlant { plant: nowhere })
    );
}

// --- release ----------------------------------------------------------------

#[test]
fn a_booked_order_releases_its_unit() {
    let history = [capacity_set(1), booked(1)];
    assert_eq!(
        given::<Slot>(&history, release(1), BEFORE_FREEZE),
        Ok(vec![released(1)])
    );
}

#[test]
fn releasing_an_order_that_never_booked_is_refused() {
    assert_eq!(
        given::<Slot>(&[capacity_set(1)], release(1), BEFORE_FREEZE),
        Err(SlotError::NotBooked { order: order_id(1) })
    );
}

#[test]
fn releasing_an_order_again_changes_nothing() {
    let history = [capacity_set(1), booked(1), released(1)];
    assert_eq!(
        given::<Slot>(&history, release(1), BEFORE_FREEZE),
        Ok(vec![])
    );
}

#[test]
fn a_frozen_slot_still_releases_a_cancelled_order() {
    let history = [capacity_set(1), booked(1), frozen()];
    assert_eq!(
        given::<Slot>(&history, release(1), "2026-12-10"),
        Ok(vec![released(1)])
    );
}

#[test]
fn a_released_unit_can_be_booked_by_another_order() {
    let history = [capacity_set(1), booked(1), released(1)];
    assert_eq!(
        given::<Slot>(&history, book(2), BEFORE_FREEZE),
        Ok(vec![booked(2)])
    );
}

#[test]
fn no_order_is_released_after_production_started() {
    let history = [capacity_set(1), booked(1), production_started(&[1])];
    assert_eq!(given::<Slot>(&history, release(1), MONDAY), Err(started()));
}

// --- freeze -----------------------------------------------------------------

#[test]
fn a_slot_freezes_on_its_freeze_date_with_its_booked_orders() {
    let history = [capacity_set(2), booked(1)];
    assert_eq!(
        given::<Slot>(&history, SlotCommand::Freeze, FREEZE_DATE),
        Ok(vec![frozen()])
    );
}

#[test]
fn freezing_before_the_freeze_date_is_refused() {
    assert_eq!(
        given::<Slot>(&[capacity_set(2)], SlotCommand::Freeze, "2026-12-07"),
        Err(SlotError::TooEarlyToFreeze {
            freezes_on: day(FREEZE_DATE)
        })
    );
}

#[test]
fn freezing_a_frozen_slot_changes_nothing() {
    let history = [capacity_set(2), booked(1), frozen()];
    assert_eq!(
        given::<Slot>(&history, SlotCommand::Freeze, "2026-12-09"),
        Ok(vec![])
    );
}

#[test]
fn a_slot_that_was_never_opened_cannot_freeze() {
    assert_eq!(
        given::<Slot>(&[], SlotCommand::Freeze, FREEZE_DATE),
        Err(SlotError::NotOpened)
    );
}

// --- production -------------------------------------------------------------

fn start(orders: &[u32]) -> SlotCommand {
    SlotCommand::StartProduction {
        builds: orders.iter().map(|n| build(*n)).collect(),
    }
}

fn two_booked() -> Vec<SlotEvent> {
    vec![capacity_set(3), booked(1), booked(2), frozen()]
}

#[test]
fn production_starts_in_its_week_with_one_build_per_booked_order() {
    assert_eq!(
        given::<Slot>(&two_booked(), start(&[2, 1]), MONDAY),
        Ok(vec![production_started(&[2, 1])])
    );
}

#[test]
fn production_cannot_start_before_the_monday_of_its_week() {
    assert_eq!(
        given::<Slot>(&two_booked(), start(&[1, 2]), "2026-12-20"),
        Err(SlotError::WeekNotStarted {
            starts_on: day(MONDAY)
        })
    );
}

#[test]
fn a_slot_without_bookings_has_nothing_to_build() {
    assert_eq!(
        given::<Slot>(&[capacity_set(3)], start(&[]), MONDAY),
        Err(SlotError::NothingToBuild)
    );
}

#[test]
fn every_booked_order_needs_a_build() {
    assert_eq!(
        given::<Slot>(&two_booked(), start(&[1]), MONDAY),
        Err(SlotError::MissingBuild { order: order_id(2) })
    );
}

#[test]
fn a_build_for_an_order_not_booked_here_is_refused() {
    assert_eq!(
        given::<Slot>(&two_booked(), start(&[1, 2, 3]), MONDAY),
        Err(SlotError::BuildForUnbookedOrder { order: order_id(3) })
    );
}

#[test]
fn two_builds_for_one_order_are_refused() {
    let mut second = build(1);
    second.vehicle = vehicle_id(9);
    second.vin = vin("WAUZZZ8V5KA000009");
    let builds = vec![build(1), build(2), second];
    assert_eq!(
        given::<Slot>(
            &two_booked(),
            SlotCommand::StartProduction { builds },
            MONDAY
        ),
        Err(SlotError::DuplicateBuild { order: order_id(1) })
    );
}

#[test]
fn one_vehicle_in_two_builds_is_refused() {
    let mut second = build(2);
    second.vehicle = vehicle_id(1);
    let builds = vec![build(1), second];
    assert_eq!(
        given::<Slot>(
            &two_booked(),
            SlotCommand::StartProduction { builds },
            MONDAY
        ),
        Err(SlotError::DuplicateVehicle {
            vehicle: vehicle_id(1)
        })
    );
}

#[test]
fn one_vin_in_two_builds_is_refused() {
    let mut second = build(2);
    second.vin = build(1).vin;
    let builds = vec![build(1), second];
    assert_eq!(
        given::<Slot>(
            &two_booked(),
            SlotCommand::StartProduction { builds },
            MONDAY
        ),
        Err(SlotError::DuplicateVin { vin: build(1).vin })
    );
}

#[test]
fn starting_production_again_with_the_same_builds_changes_nothing() {
    let mut history = two_booked();
    history.push(production_started(&[1, 2]));
    assert_eq!(
        given::<Slot>(&history, start(&[2, 1]), "2026-12-22"),
        Ok(vec![])
    );
}

#[test]
fn starting_production_again_with_other_builds_is_refused() {
    let mut history = two_booked();
    history.push(production_started(&[1, 2]));
    let mut other = build(2);
    other.vin = vin("WAUZZZ8V5KA999999");
    assert_eq!(
        given::<Slot>(
            &history,
            SlotCommand::StartProduction {
                builds: vec![build(1), other]
            },
            "2026-12-22"
        ),
        Err(started())
    );
}

#[test]
fn a_slot_reports_what_it_holds() {
    let mut history = two_booked();
    history.push(production_started(&[1, 2]));
    let slot = Slot::replay(&history);
    assert_eq!(slot.plant(), Some(&leipzig()));
    assert_eq!(slot.week(), Some(w52()));
    assert_eq!((slot.capacity(), slot.booked(), slot.free()), (3, 2, 1));
    assert!(slot.is_booked(&order_id(1)));
    assert_eq!(slot.frozen_on(), Some(day(FREEZE_DATE)));
    assert_eq!(slot.builds().map(<[Build]>::len), Some(2));
    assert!(slot.production_started());
}

#[test]
fn slot_events_are_stored_under_their_pinned_names() {
    let events = [
        capacity_set(1),
        booked(1),
        released(1),
        frozen(),
        production_started(&[1]),
    ];
    let names: Vec<&str> = events.iter().map(DomainEvent::event_type).collect();
    assert_eq!(
        names,
        [
            "CapacitySet",
            "SlotBooked",
            "SlotReleased",
            "SlotFrozen",
            "ProductionStarted"
        ]
    );
    for event in &events {
        let json = serde_json::to_value(event).unwrap();
        assert_eq!(json["type"], event.event_type());
        let back: SlotEvent = serde_json::from_value(json).unwrap();
        assert_eq!(&back, event);
    }
}

// --- concurrency: one stream, optimistic appends ----------------------------

/// A stream appended to under an expected version, as the store does it.
#[derive(Default)]
struct Stream {
    events: Vec<SlotEvent>,
}

impl Stream {
    fn read(&self) -> (Slot, usize) {
        (Slot::replay(&self.events), self.events.len())
    }

    /// Appends when `expected` is still the stream's version.
    fn append(&mut self, expected: usize, events: Vec<SlotEvent>) -> bool {
        if expected != self.events.len() {
            return false;
        }
        self.events.extend(events);
        true
    }
}

#[test]
fn two_orders_racing_for_the_last_unit_cannot_both_book_it() {
    let mut stream = Stream {
        events: vec![capacity_set(2), booked(1)],
    };
    let today = ctx(BEFORE_FREEZE);
    let (state, version) = stream.read();
    // Both decide against the same state: each sees one free unit.
    let first = domain::slot::decide(&state, book(2), &today).unwrap();
    let second = domain::slot::decide(&state, book(3), &today).unwrap();
    assert!(stream.append(version, first));
    assert!(
        !stream.append(version, second),
        "the stale decision conflicts"
    );
    // The loser reloads and decides again.
    let (state, _) = stream.read();
    assert_eq!(domain::slot::decide(&state, book(3), &today), Err(full()));
    assert_eq!(state.booked(), 2);
}

proptest! {
    /// Racers decide against stale snapshots; only decisions made against
    /// the current version are appended, the others reload and retry.
    #[test]
    fn racing_bookings_never_exceed_capacity(
        capacity in 0u32..5,
        racers in 1u32..8,
        schedule in prop::collection::vec((0u32..8, any::<bool>()), 0..60),
    ) {
        let today = ctx(BEFORE_FREEZE);
        let mut stream = Stream::default();
        if capacity > 0 {
            stream.events.push(capacity_set(capacity));
        }
        let mut snapshots: Vec<(Slot, usize)> = (0..racers).map(|_| stream.read()).collect();
        let mut outcome: Vec<Option<Result<(), SlotError>>> = vec![None; racers as usize];
        let steps = schedule.into_iter().chain((0..racers * (racers + 2)).map(|i| (i, false)));
        for (pick, reload) in steps {
            let r = (pick % racers) as usize;
            if outcome[r].is_some() {
                continue;
            }
            if reload {
                snapshots[r] = stream.read();
                continue;
            }
            let (state, version) = &snapshots[r];
            match domain::slot::decide(state, book(r as u32 + 1), &today) {
                Ok(events) => {
                    if stream.append(*version, events) {
                        outcome[r] = Some(Ok(()));
                    } else {
                        snapshots[r] = stream.read();
                    }
                }
                Err(e) => outcome[r] = Some(Err(e)),
            }
        }
        let (slot, _) = stream.read();
        prop_assert!(slot.booked() <= capacity);
        prop_assert_eq!(slot.booked(), capacity.min(racers));
        for (r, result) in outcome.iter().enumerate() {
            match result {
                Some(Ok(())) => prop_assert!(slot.is_booked(&order_id(r as u32 + 1))),
                Some(Err(e)) => prop_assert_eq!(e, &full()),
                None => prop_assert!(false, "racer {} never finished", r),
            }
        }
    }
}

// --- properties -------------------------------------------------------------

#[derive(Debug, Clone)]
enum Step {
    Capacity(u32),
    Book(u32),
    BookMany(Vec<u32>),
    Release(u32),
    Freeze,
    NextDay,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        1 => (0u32..6).prop_map(Step::Capacity),
        4 => (1u32..8).prop_map(Step::Book),
        2 => prop::collection::vec(1u32..8, 0..5).prop_map(Step::BookMany),
        2 => (1u32..8).prop_map(Step::Release),
        1 => Just(Step::Freeze),
        1 => Just(Step::NextDay),
    ]
}

proptest! {
    #[test]
    fn bookings_never_exceed_capacity_and_replay_reproduces_the_state(
        steps in prop::collection::vec(step(), 0..80)
    ) {
        let mut today = day("2026-11-30");
        let mut state = Slot::default();
        let mut accepted: Vec<SlotEvent> = Vec::new();
        for step in steps {
            let command = match step {
                Step::Capacity(units) => set_capacity(units),
                Step::Book(n) => book(n),
                Step::BookMany(orders) => book_many(&orders),
                Step::Release(n) => release(n),
                Step::Freeze => SlotCommand::Freeze,
                Step::NextDay => {
                    today = today.succ_opt().unwrap();
                    continue;
                }
            };
            let context = domain::Context::new(
                at(&today.format("%Y-%m-%d").to_string()),
                catalog(),
            );
            if let Ok(events) = domain::slot::decide(&state, command, &context) {
                for event in &events {
                    state = domain::slot::evolve(state, event);
                }
                accepted.extend(events);
            }
            prop_assert!(state.booked() <= state.capacity());
            let frozen = state.is_frozen() || domain::rules::is_frozen(w52(), today);
            // No new booking into a frozen week: every booking predates it.
            if frozen {
                prop_assert!(domain::slot::decide(&state, book(99), &context).is_err());
                prop_assert!(domain::slot::decide(&state, book_many(&[98, 99]), &context).is_err());
            }
        }
        prop_assert_eq!(Slot::replay(&accepted), state);
    }
}
