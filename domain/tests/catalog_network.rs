//! The dealers' showroom data in the catalog: time zones, opening hours and
//! demo cars, as loaded, checked and served.
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use chrono::{Datelike, Weekday};
use chrono_tz::Tz;
use domain::catalog::{Catalog, CatalogError, Hours};
use domain::values::TimeOfDay;

const DEMO: &str = include_str!("../catalog/demo.toml");

fn hours(open: &str, close: &str) -> Option<Hours> {
    Some(Hours {
        open: TimeOfDay::parse(open).unwrap(),
        close: TimeOfDay::parse(close).unwrap(),
    })
}

fn refused(text: &str) -> String {
    match Catalog::from_toml(text) {
        Err(CatalogError::Inconsistent(why)) => why,
        other => panic!("expected an inconsistent catalog, got {other:?}"),
    }
}

#[test]
fn every_demo_car_passes_the_catalogs_configuration_check_in_its_dealers_market() {
    let c = catalog();
    let mut cars = 0;
    for dealer in c.dealers() {
        let of_dealer = c.demo_cars_of(&dealer.id);
        assert!((2..=3).contains(&of_dealer.len()), "{}", dealer.id);
        for car in of_dealer {
            cars += 1;
            assert_eq!(car.dealer, dealer.id);
            let options: Vec<_> = car.options.clone();
            let checked = c.validate(&dealer.market, &car.model, &options).unwrap();
            assert_eq!(checked, car.configuration(), "{}", car.id);
            assert_eq!(c.demo_car(&car.id), Some(car));
        }
    }
    assert_eq!(cars, 12);
}

#[test]
fn demo_cars_are_found_by_id_and_by_dealer() {
    let c = catalog();
    let red = c.demo_car(&car("DC-BER-01-1")).unwrap();
    assert_eq!(red.dealer, dealer("D-BER-01"));
    assert_eq!(red.model, model("AURA"));
    assert_eq!(
        red.configuration(),
        configuration("DE", "AURA", &["PNT-RED", "WHL-20", "PKG-SPORT"])
    );
    assert_eq!(c.demo_car(&car("DC-XYZ-01-1")), None);
    assert!(c.demo_cars_of(&dealer("D-XYZ-01")).is_empty());
    let berlin: Vec<_> = c
        .demo_cars_of(&dealer("D-BER-01"))
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(berlin, ["DC-BER-01-1", "DC-BER-01-2", "DC-BER-01-3"]);
}

#[test]
fn german_dealers_keep_berlin_time_and_chinese_dealers_shanghai_time() {
    let c = catalog();
    for d in c.dealers() {
        let expected = if d.market == market("DE") {
            Tz::Europe__Berlin
        } else {
            Tz::Asia__Shanghai
        };
        assert_eq!(d.tz(), expected, "{}", d.id);
        assert_eq!(d.time_zone, expected.name());
    }
}

#[test]
fn opening_hours_are_read_per_local_weekday() {
    let c = catalog();
    let berlin = dealer("D-BER-01");
    // 2026-11-23 is a Monday.
    assert_eq!(day("2026-11-23").weekday(), Weekday::Mon);
    assert_eq!(
        c.hours_on(&berlin, day("2026-11-23")),
        hours("09:00", "19:00")
    );
    assert_eq!(
        c.hours_on(&berlin, day("2026-11-27")),
        hours("09:00", "19:00")
    );
    assert_eq!(
        c.hours_on(&berlin, day("2026-11-28")),
        hours("10:00", "16:00")
    );
    assert_eq!(c.hours_on(&berlin, day("2026-11-29")), None);
    let shanghai = dealer("D-SHA-01");
    assert_eq!(
        c.hours_on(&shanghai, day("2026-11-29")),
        hours("10:00", "20:00")
    );
    assert_eq!(c.hours_on(&dealer("D-XYZ-01"), day("2026-11-23")), None);
}

#[test]
fn the_catalog_json_names_zones_and_hours_as_plain_strings() {
    let json = serde_json::to_value(catalog()).unwrap();
    let berlin = &json["dealers"]["D-BER-01"];
    assert_eq!(berlin["time_zone"], "Europe/Berlin");
    assert_eq!(
        berlin["opening_hours"]["mon"],
        serde_json::json!({"open": "09:00", "close": "19:00"})
    );
    assert_eq!(berlin["opening_hours"]["sun"], serde_json::Value::Null);
    assert_eq!(
        berlin["demo_cars"][0],
        serde_json::json!({
            "id": "DC-BER-01-1",
            "dealer": "D-BER-01",
            "model": "AURA",
            "options": ["INT-CLOTH", "PKG-SPORT", "PNT-RED", "WHL-20"],
        })
    );
    assert!(berlin.get("tz").is_none());
}

#[test]
fn an_unknown_time_zone_is_refused() {
    let text = DEMO.replacen(
        "time_zone = \"Asia/Shanghai\"",
        "time_zone = \"Asia/Atlantis\"",
        1,
    );
    assert!(refused(&text).contains("Asia/Atlantis"));
}

#[test]
fn closing_before_opening_is_refused() {
    let text = DEMO.replacen("sat = \"10:00-16:00\"", "sat = \"16:00-10:00\"", 1);
    assert!(refused(&text).contains("sat"));
    let text = DEMO.replacen("sat = \"10:00-16:00\"", "sat = \"10:00-10:00\"", 1);
    assert!(refused(&text).contains("sat"));
}

#[test]
fn malformed_opening_hours_are_refused() {
    for bad in ["10-16", "10:00", "10:00-24:00", "open", ""] {
        let text = DEMO.replacen("sat = \"10:00-16:00\"", &format!("sat = \"{bad}\""), 1);
        assert!(refused(&text).contains("sat"), "{bad:?}");
    }
}

#[test]
fn a_day_left_out_of_the_opening_hours_is_a_syntax_error() {
    let text = DEMO.replacen(", sun = \"closed\"", "", 1);
    assert!(matches!(
        Catalog::from_toml(&text),
        Err(CatalogError::Syntax(_))
    ));
}

#[test]
fn a_demo_car_the_configuration_rules_refuse_is_refused() {
    // PKG-SPORT requires WHL-20.
    let text = DEMO.replacen(
        "options = [\"PNT-RED\", \"WHL-20\", \"PKG-SPORT\"]",
        "options = [\"PNT-RED\", \"PKG-SPORT\"]",
        1,
    );
    let why = refused(&text);
    assert!(
        why.contains("DC-BER-01-1") && why.contains("WHL-20"),
        "{why}"
    );
    // PKG-TOW is TERRA only.
    let text = DEMO.replacen(
        "id = \"DC-BER-01-3\"\nmodel = \"AURA\"\noptions = []",
        "id = \"DC-BER-01-3\"\nmodel = \"AURA\"\noptions = [\"PKG-TOW\"]",
        1,
    );
    assert!(refused(&text).contains("DC-BER-01-3"));
    let text = DEMO.replacen(
        "id = \"DC-BER-01-3\"\nmodel = \"AURA\"",
        "id = \"DC-BER-01-3\"\nmodel = \"NOVA\"",
        1,
    );
    assert!(refused(&text).contains("NOVA"));
}

#[test]
fn a_demo_car_id_is_unique_across_the_network() {
    let text = DEMO.replacen("id = \"DC-MUC-01-1\"", "id = \"DC-BER-01-1\"", 1);
    assert!(refused(&text).contains("DC-BER-01-1"));
}
