//! The test-drive slot grid: 45-minute slots from opening while a whole
//! slot fits before closing, in the dealer's own time zone (daylight saving
//! included), and the free slots listed from it.
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use std::collections::BTreeMap;

use domain::catalog::{Catalog, Dealer};
use domain::test_drive::{check_start, free_slots, grid, FreeSlot, SlotRefusal, Span};
use domain::values::CarId;

const DEMO: &str = include_str!("../catalog/demo.toml");

fn berlin() -> &'static Dealer {
    catalog().dealer(&dealer("D-BER-01")).unwrap()
}

fn starts(slots: &[Span]) -> Vec<String> {
    slots
        .iter()
        .map(|s| s.start.format("%H:%M").to_string())
        .collect()
}

fn span(start: &str) -> Span {
    Span::drive_at(instant(start))
}

/// The demo catalog with Berlin open on Sundays `hours` (`"HH:MM-HH:MM"`).
fn berlin_open_on_sundays(hours: &str) -> Catalog {
    let berlin = "sat = \"10:00-16:00\", sun = \"closed\" }";
    assert!(DEMO.contains(berlin));
    let text = DEMO.replacen(
        berlin,
        &format!("sat = \"10:00-16:00\", sun = \"{hours}\" }}"),
        1,
    );
    Catalog::from_toml(&text).unwrap()
}

#[test]
fn a_weekday_in_berlin_has_thirteen_slots_from_nine_the_last_ending_before_seven() {
    // November: CET, UTC+1. 09:00-19:00 local = 08:00-18:00 UTC.
    let slots = grid(berlin(), day("2026-11-23"));
    assert_eq!(slots.len(), 13);
    assert_eq!(slots[0], span("2026-11-23T08:00:00Z"));
    assert_eq!(slots[1], span("2026-11-23T08:45:00Z"));
    assert_eq!(slots[12], span("2026-11-23T17:00:00Z"));
    assert!(slots.windows(2).all(|w| w[0].end == w[1].start));
    assert!(slots
        .iter()
        .all(|s| s.end - s.start == chrono::Duration::minutes(45)));
}

#[test]
fn saturday_has_the_short_hours_and_sunday_none_in_germany() {
    let saturday = grid(berlin(), day("2026-11-28"));
    assert_eq!(saturday.len(), 8);
    assert_eq!(saturday[0], span("2026-11-28T09:00:00Z"));
    assert_eq!(saturday[7].end, instant("2026-11-28T15:00:00Z"));
    assert!(grid(berlin(), day("2026-11-29")).is_empty());
}

#[test]
fn shanghai_opens_every_day_at_ten_china_time() {
    let shanghai = catalog().dealer(&dealer("D-SHA-01")).unwrap();
    let sunday = grid(shanghai, day("2026-11-29"));
    assert_eq!(sunday.len(), 13);
    assert_eq!(sunday[0], span("2026-11-29T02:00:00Z"));
    assert_eq!(sunday[12], span("2026-11-29T11:00:00Z"));
}

#[test]
fn the_slots_keep_local_time_across_the_change_to_summer_time() {
    // Summer time starts on Sunday 2026-03-29: Saturday is UTC+1, Monday UTC+2.
    let saturday = grid(berlin(), day("2026-03-28"));
    let monday = grid(berlin(), day("2026-03-30"));
    assert_eq!(saturday[0], span("2026-03-28T09:00:00Z"));
    assert_eq!(monday[0], span("2026-03-30T07:00:00Z"));
    assert_eq!(monday.len(), 13);
    // ... and back on Sunday 2026-10-25.
    assert_eq!(
        grid(berlin(), day("2026-10-23"))[0],
        span("2026-10-23T07:00:00Z")
    );
    assert_eq!(
        grid(berlin(), day("2026-10-26"))[0],
        span("2026-10-26T08:00:00Z")
    );
}

#[test]
fn on_the_night_the_clocks_spring_forward_the_day_is_an_hour_shorter() {
    // 01:00 CET (00:00Z) to 04:00 CEST (02:00Z): two hours of real time.
    let c = berlin_open_on_sundays("01:00-04:00");
    let berlin = c.dealer(&dealer("D-BER-01")).unwrap();
    let slots = grid(berlin, day("2026-03-29"));
    assert_eq!(starts(&slots), ["00:00", "00:45"]);
    assert!(slots
        .iter()
        .all(|s| s.end - s.start == chrono::Duration::minutes(45)));
}

#[test]
fn an_opening_time_the_clocks_skip_falls_as_far_after_the_jump() {
    // 02:30 does not exist on 2026-03-29: it reads as 03:30 CEST (01:30Z).
    let c = berlin_open_on_sundays("02:30-05:00");
    let berlin = c.dealer(&dealer("D-BER-01")).unwrap();
    let slots = grid(berlin, day("2026-03-29"));
    assert_eq!(starts(&slots), ["01:30", "02:15"]);
    assert_eq!(
        berlin.opening(day("2026-03-29")),
        Some((
            instant("2026-03-29T01:30:00Z"),
            instant("2026-03-29T03:00:00Z")
        ))
    );
}

#[test]
fn on_the_night_the_clocks_fall_back_the_day_is_an_hour_longer() {
    // 01:00 CEST (23:00Z the day before) to 04:00 CET (03:00Z): four hours.
    let c = berlin_open_on_sundays("01:00-04:00");
    let berlin = c.dealer(&dealer("D-BER-01")).unwrap();
    let slots = grid(berlin, day("2026-10-25"));
    assert_eq!(
        starts(&slots),
        ["23:00", "23:45", "00:30", "01:15", "02:00"]
    );
    assert_eq!(slots[0].start, instant("2026-10-24T23:00:00Z"));
    // A time shown twice is its first showing: 02:30 CEST is 00:30Z.
    let c = berlin_open_on_sundays("02:30-05:00");
    let berlin = c.dealer(&dealer("D-BER-01")).unwrap();
    assert_eq!(
        berlin.opening(day("2026-10-25")),
        Some((
            instant("2026-10-25T00:30:00Z"),
            instant("2026-10-25T04:00:00Z")
        ))
    );
    // Each slot of that day belongs to it: its local date is 2026-10-25.
    for slot in grid(berlin, day("2026-10-25")) {
        assert_eq!(berlin.local_date(slot.start), day("2026-10-25"));
        let now = instant("2026-10-20T00:00:00Z");
        assert_eq!(check_start(berlin, slot.start, &[], now), Ok(slot));
    }
}

#[test]
fn a_start_is_checked_against_hours_grid_time_and_bookings_in_that_order() {
    // Berlin's grid on Monday 2026-11-23 starts at 08:00Z: 08:00, 08:45, ... 17:00.
    let now = instant("2026-11-23T10:00:00Z");
    let check = |start: &str, held: &[Span]| check_start(berlin(), instant(start), held, now);
    assert_eq!(
        check("2026-11-23T11:00:00Z", &[]),
        Ok(span("2026-11-23T11:00:00Z"))
    );
    // Before opening, a drive that would end after closing, a closed Sunday.
    assert_eq!(
        check("2026-11-23T07:15:00Z", &[]),
        Err(SlotRefusal::OutsideOpeningHours)
    );
    assert_eq!(
        check("2026-11-24T17:45:00Z", &[]),
        Err(SlotRefusal::OutsideOpeningHours)
    );
    assert_eq!(
        check("2026-11-29T11:00:00Z", &[]),
        Err(SlotRefusal::OutsideOpeningHours)
    );
    assert_eq!(
        check("2026-11-23T11:20:00Z", &[]),
        Err(SlotRefusal::NotOnSlotGrid)
    );
    assert_eq!(
        check("2026-11-23T11:00:01Z", &[]),
        Err(SlotRefusal::NotOnSlotGrid)
    );
    // A slot that has started is not free, even at its first instant.
    assert_eq!(
        check("2026-11-23T09:30:00Z", &[]),
        Err(SlotRefusal::InThePast)
    );
    let at_its_start = instant("2026-11-23T10:15:00Z");
    assert_eq!(
        check_start(berlin(), at_its_start, &[], at_its_start),
        Err(SlotRefusal::InThePast)
    );
    assert!(check("2026-11-23T10:15:00Z", &[]).is_ok());
    let held = [span("2026-11-23T11:00:00Z")];
    assert_eq!(
        check("2026-11-23T11:00:00Z", &held),
        Err(SlotRefusal::Taken)
    );
    assert!(check("2026-11-23T11:45:00Z", &held).is_ok());
    // An overlapping booking of another shape (hours changed since) holds too.
    let odd = [Span {
        start: instant("2026-11-23T11:50:00Z"),
        end: instant("2026-11-23T12:10:00Z"),
    }];
    assert_eq!(check("2026-11-23T11:45:00Z", &odd), Err(SlotRefusal::Taken));
    assert!(check("2026-11-23T12:30:00Z", &odd).is_ok());
}

#[test]
fn a_start_beyond_the_business_calendar_is_outside_opening_hours() {
    let far = chrono::DateTime::<chrono::Utc>::MAX_UTC;
    let now = instant("2026-11-23T10:00:00Z");
    for far in [far, chrono::DateTime::<chrono::Utc>::MIN_UTC] {
        assert_eq!(
            check_start(berlin(), far, &[], now),
            Err(SlotRefusal::OutsideOpeningHours)
        );
    }
    assert!(grid(berlin(), chrono::NaiveDate::MAX).is_empty());
    assert!(grid(berlin(), chrono::NaiveDate::MIN).is_empty());
    assert_eq!(berlin().opening(chrono::NaiveDate::MAX), None);
}

fn free_at(
    now: &str,
    model_code: Option<&str>,
    held: &BTreeMap<CarId, Vec<Span>>,
) -> Vec<FreeSlot> {
    let model_code = model_code.map(model);
    free_slots(
        catalog(),
        &dealer("D-BER-01"),
        day("2026-11-23"),
        model_code.as_ref(),
        held,
        instant(now),
    )
}

#[test]
fn the_free_slots_are_every_cars_grid_less_what_has_started_or_is_held() {
    let all = free_at("2026-11-22T12:00:00Z", None, &BTreeMap::new());
    assert_eq!(all.len(), 3 * 13);
    assert_eq!(all[0].car, car("DC-BER-01-1"));
    assert_eq!(all[0].start, instant("2026-11-23T08:00:00Z"));
    assert_eq!(all[0].end, instant("2026-11-23T08:45:00Z"));
    assert_eq!(all[2].car, car("DC-BER-01-3"));
    assert!(all
        .windows(2)
        .all(|w| (w[0].start, &w[0].car) < (w[1].start, &w[1].car)));

    let terra = free_at("2026-11-22T12:00:00Z", Some("TERRA"), &BTreeMap::new());
    assert_eq!(terra.len(), 13);
    assert!(terra
        .iter()
        .all(|s| s.car == car("DC-BER-01-2") && s.model == model("TERRA")));

    let held = BTreeMap::from([(
        car("DC-BER-01-2"),
        vec![span("2026-11-23T11:00:00Z"), span("2026-11-23T11:45:00Z")],
    )]);
    let later = free_at("2026-11-23T10:00:00Z", Some("TERRA"), &held);
    let later: Vec<String> = later
        .iter()
        .map(|s| s.start.format("%H:%M").to_string())
        .collect();
    assert_eq!(
        later,
        ["10:15", "12:30", "13:15", "14:00", "14:45", "15:30", "16:15", "17:00"]
    );
}

#[test]
fn the_free_slots_of_an_unknown_dealer_or_a_closed_day_are_none() {
    let none = free_slots(
        catalog(),
        &dealer("D-XYZ-01"),
        day("2026-11-23"),
        None,
        &BTreeMap::new(),
        instant("2026-11-22T12:00:00Z"),
    );
    assert!(none.is_empty());
    let sunday = free_slots(
        catalog(),
        &dealer("D-BER-01"),
        day("2026-11-29"),
        None,
        &BTreeMap::new(),
        instant("2026-11-22T12:00:00Z"),
    );
    assert!(sunday.is_empty());
}

#[test]
fn a_free_slot_is_written_as_the_api_lists_it() {
    let slot = &free_at("2026-11-22T12:00:00Z", None, &BTreeMap::new())[0];
    assert_eq!(
        serde_json::to_value(slot).unwrap(),
        serde_json::json!({
            "car_id": "DC-BER-01-1",
            "model": "AURA",
            "start": "2026-11-23T08:00:00Z",
            "end": "2026-11-23T08:45:00Z",
        })
    );
}
