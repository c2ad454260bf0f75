//! The LTO locator: exact matches first in the fulfilment order, then near
//! matches by fewest differences.
//!
//! The demo network on Monday 2026-11-23, looking for a red AURA in Germany:
//! Leipzig → Berlin 2 days, Hamburg → Berlin 1, Munich → Berlin 2,
//! Shanghai → Berlin 38.

#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use chrono::NaiveDate;
use domain::catalog::{Catalog, Configuration};
use domain::policy::*;
use domain::values::*;
use proptest::prelude::*;

const TODAY: &str = "2026-11-23";

fn today() -> NaiveDate {
    day(TODAY)
}

fn aura(opts: &[&str]) -> Configuration {
    configuration("DE", "AURA", opts)
}

/// A red AURA in Germany, to be delivered in Berlin.
fn query() -> LocateQuery {
    LocateQuery {
        market: market("DE"),
        configuration: aura(&["PNT-RED"]),
        dealer: Some(dealer("D-BER-01")),
    }
}

fn unit(n: u32, opts: &[&str], whereabouts: Whereabouts) -> StockUnit {
    StockUnit {
        vehicle: vehicle_id(n),
        market: market("DE"),
        configuration: aura(opts),
        whereabouts,
        reserved_by: None,
    }
}

fn red(n: u32, whereabouts: Whereabouts) -> StockUnit {
    unit(n, &["PNT-RED"], whereabouts)
}

fn standing_at(loc: &str) -> Whereabouts {
    Whereabouts::AtLocation(location(loc))
}

fn in_transit_to(loc: &str, eta: &str) -> Whereabouts {
    Whereabouts::InTransit {
        to: location(loc),
        eta: day(eta),
    }
}

fn in_production_at(p: &str, ready_on: &str) -> Whereabouts {
    Whereabouts::InProduction {
        plant: plant(p),
        ready_on: day(ready_on),
    }
}

fn find(query: &LocateQuery, stock: &[StockUnit]) -> Vec<Candidate> {
    locate(query, stock, today(), catalog())
}

/// The candidates as (vehicle, match kind, eta), the part most tests check.
fn ranking(candidates: &[Candidate]) -> Vec<(VehicleId, MatchKind, Option<NaiveDate>)> {
    candidates
        .iter()
        .map(|c| (c.vehicle, c.match_kind, c.eta))
        .collect()
}

fn exact(n: u32, eta: &str) -> (VehicleId, MatchKind, Option<NaiveDate>) {
    (vehicle_id(n), MatchKind::Exact, Some(day(eta)))
}

fn near(n: u32, eta: &str) -> (VehicleId, MatchKind, Option<NaiveDate>) {
    (vehicle_id(n), MatchKind::Near, Some(day(eta)))
}

// ---- ordering ----

#[test]
fn an_exact_match_in_production_comes_before_a_near_match_at_the_dealer() {
    let stock = [
        unit(1, &["PNT-BLK"], standing_at("D-BER-01")),
        red(2, in_production_at("P-LEIPZIG", "2026-12-20")),
    ];
    assert_eq!(
        ranking(&find(&query(), &stock)),
        vec![exact(2, "2026-12-22"), near(1, TODAY)]
    );
}

#[test]
fn with_a_dealer_exact_matches_follow_the_fulfilment_tiers_and_etas() {
    let stock = [
        red(1, in_production_at("P-LEIPZIG", "2026-11-30")),
        red(2, standing_at("D-MUC-01")),
        red(3, standing_at("D-HAM-01")),
        red(4, in_transit_to("D-BER-01", "2026-12-01")),
        red(5, standing_at("D-BER-01")),
    ];
    assert_eq!(
        ranking(&find(&query(), &stock)),
        vec![
            exact(5, TODAY),
            exact(4, "2026-12-01"),
            exact(3, "2026-11-24"),
            exact(2, "2026-11-25"),
            exact(1, "2026-12-02"),
        ]
    );
}

#[test]
fn the_first_exact_candidate_is_the_vehicle_fulfilment_reserves() {
    let stock = [
        red(1, in_production_at("P-LEIPZIG", "2026-11-30")),
        red(2, standing_at("D-MUC-01")),
        red(3, standing_at("D-HAM-01")),
    ];
    let demand = Demand {
        order: order_id(1),
        market: market("DE"),
        configuration: aura(&["PNT-RED"]),
        dealer: dealer("D-BER-01"),
    };
    let FulfilmentDecision::Reserve(choice) =
        decide_fulfilment(&demand, &stock, &[], today(), catalog())
    else {
        panic!("a red AURA is in stock");
    };
    let first = &find(&query(), &stock)[0];
    assert_eq!(
        (first.vehicle, first.eta),
        (choice.vehicle, Some(choice.eta))
    );
}

#[test]
fn vehicles_fulfilment_leaves_alone_are_listed_after_the_tiers_by_eta() {
    let stock = [
        red(1, standing_at("D-SHA-01")),                 // ocean leg: 38 days
        red(2, in_transit_to("D-MUC-01", "2026-11-25")), // then 2 days to Berlin
        red(3, in_production_at("P-LEIPZIG", "2026-12-20")),
    ];
    let found = find(&query(), &stock);
    assert_eq!(
        ranking(&found),
        vec![
            exact(3, "2026-12-22"),
            exact(2, "2026-11-27"),
            exact(1, "2026-12-31"),
        ]
    );
    assert_eq!(found[1].location, location("D-MUC-01"));
    assert_eq!(found[1].whereabouts, WhereaboutsKind::InTransit);
}

#[test]
fn a_vehicle_without_a_route_to_the_dealer_has_no_eta_and_comes_last() {
    let demo = include_str!("../catalog/demo.toml");
    let without_hamburg: Vec<&str> = demo
        .split("\n\n")
        .filter(|b| !b.contains("between = [\"D-BER-01\", \"D-HAM-01\"]"))
        .collect();
    let catalog = Catalog::from_toml(&without_hamburg.join("\n\n")).unwrap();
    let stock = [
        red(1, standing_at("D-HAM-01")),
        red(2, standing_at("D-SHA-01")),
        red(3, in_production_at("P-LEIPZIG", "2026-12-20")),
    ];
    assert_eq!(
        ranking(&locate(&query(), &stock, today(), &catalog)),
        vec![
            exact(3, "2026-12-22"),
            exact(2, "2026-12-31"),
            (vehicle_id(1), MatchKind::Exact, None)
        ]
    );
    // Fulfilment skips the unroutable car too: the first candidate stays its choice.
    let demand = Demand {
        order: order_id(1),
        market: market("DE"),
        configuration: aura(&["PNT-RED"]),
        dealer: dealer("D-BER-01"),
    };
    assert_eq!(
        locate_to_order(&demand, &stock, today(), &catalog).map(|c| c.vehicle),
        Some(vehicle_id(3))
    );
}

#[test]
fn without_a_dealer_vehicles_rank_standing_then_in_transit_then_in_production() {
    let anywhere = LocateQuery {
        dealer: None,
        ..query()
    };
    let stock = [
        red(1, in_production_at("P-LEIPZIG", "2026-11-25")),
        red(2, in_transit_to("D-MUC-01", "2026-11-30")),
        red(3, in_transit_to("D-HAM-01", "2026-11-24")),
        red(4, standing_at("D-SHA-01")),
    ];
    let found = find(&anywhere, &stock);
    assert_eq!(
        ranking(&found),
        vec![
            exact(4, TODAY),
            exact(3, "2026-11-24"),
            exact(2, "2026-11-30"),
            exact(1, "2026-11-25"),
        ]
    );
    let kinds: Vec<WhereaboutsKind> = found.iter().map(|c| c.whereabouts).collect();
    assert_eq!(
        kinds,
        vec![
            WhereaboutsKind::AtLocation,
            WhereaboutsKind::InTransit,
            WhereaboutsKind::InTransit,
            WhereaboutsKind::InProduction,
        ]
    );
    assert_eq!(found[3].location, location("P-LEIPZIG"));
}

#[test]
fn near_matches_come_by_fewest_differences_then_in_the_fulfilment_order() {
    let stock = [
        unit(1, &["PNT-BLK"], standing_at("D-BER-01")), // 2 differences
        unit(
            2,
            &["PNT-RED", "PKG-WINTER"],
            in_production_at("P-LEIPZIG", "2026-12-01"),
        ), // 1
        unit(3, &["PNT-RED", "PKG-WINTER"], standing_at("D-HAM-01")), // 1
    ];
    assert_eq!(
        ranking(&find(&query(), &stock)),
        vec![near(3, "2026-11-24"), near(2, "2026-12-03"), near(1, TODAY),]
    );
}

// ---- differences ----

#[test]
fn differences_say_what_the_vehicle_has_and_what_it_lacks() {
    let stock = [unit(1, &["PNT-BLK", "WHL-20"], standing_at("D-BER-01"))];
    let found = find(&query(), &stock);
    assert_eq!(found[0].match_kind, MatchKind::Near);
    // The vehicle has black paint and 20" wheels; it lacks the red paint and
    // the default 18" wheels the query asks for.
    assert_eq!(
        found[0].differences,
        vec!["+PNT-BLK", "+WHL-20", "-PNT-RED", "-WHL-18"]
    );
}

#[test]
fn an_exact_match_has_no_differences() {
    let found = find(&query(), &[red(1, standing_at("D-BER-01"))]);
    assert_eq!(found[0].match_kind, MatchKind::Exact);
    assert!(found[0].differences.is_empty());
}

// ---- what is never listed ----

#[test]
fn reserved_vehicles_and_other_markets_and_models_are_never_listed() {
    let mut reserved = red(1, standing_at("D-BER-01"));
    reserved.reserved_by = Some(order_id(7));
    let mut chinese = red(2, standing_at("D-BER-01"));
    chinese.market = market("CN");
    let mut terra = red(3, standing_at("D-BER-01"));
    terra.configuration = configuration("DE", "TERRA", &["PNT-RED"]);
    let free = red(4, standing_at("D-MUC-01"));
    assert_eq!(
        ranking(&find(&query(), &[reserved, chinese, terra, free])),
        vec![exact(4, "2026-11-25")]
    );
}

#[test]
fn an_empty_stock_finds_nothing() {
    assert_eq!(find(&query(), &[]), vec![]);
}

// ---- the cap ----

#[test]
fn near_matches_are_capped_but_exact_matches_never_are() {
    let mut stock: Vec<StockUnit> = (0..3)
        .map(|n| red(n, in_production_at("P-LEIPZIG", "2026-12-01")))
        .collect();
    stock.push(unit(10, &["PNT-BLK"], standing_at("D-BER-01"))); // 2 differences
    stock.push(unit(11, &["PNT-RED", "WHL-20"], standing_at("D-MUC-01"))); // 2
    stock.push(unit(
        12,
        &["PNT-RED", "PKG-WINTER"],
        standing_at("D-MUC-01"),
    )); // 1
    let found = locate_with_limit(&query(), &stock, today(), catalog(), 2);
    let exact_count = found
        .iter()
        .filter(|c| c.match_kind == MatchKind::Exact)
        .count();
    assert_eq!(exact_count, 3);
    let nears: Vec<VehicleId> = found
        .iter()
        .filter(|c| c.match_kind == MatchKind::Near)
        .map(|c| c.vehicle)
        .collect();
    assert_eq!(nears, vec![vehicle_id(12), vehicle_id(10)]);
}

#[test]
fn by_default_at_most_twenty_near_matches_are_listed() {
    let stock: Vec<StockUnit> = (0..30)
        .map(|n| unit(n, &["PNT-BLK"], standing_at("D-MUC-01")))
        .collect();
    assert_eq!(NEAR_MATCH_LIMIT, 20);
    assert_eq!(find(&query(), &stock).len(), NEAR_MATCH_LIMIT);
}

// ---- the wire ----

#[test]
fn a_candidate_serializes_with_snake_case_kinds() {
    let found = find(&query(), &[red(1, standing_at("D-BER-01"))]);
    let json = serde_json::to_value(&found[0]).unwrap();
    assert_eq!(json["match_kind"], "exact");
    assert_eq!(json["whereabouts"], "at_location");
    assert_eq!(json["location"], "D-BER-01");
    assert_eq!(json["eta"], "2026-11-23");
    assert_eq!(json["vehicle"], vehicle_id(1).to_string());
    let back: Candidate = serde_json::from_value(json).unwrap();
    assert_eq!(back, found[0]);
}

// ---- properties ----

const DEALERS: [(&str, &str); 5] = [
    ("D-BER-01", "DE"),
    ("D-MUC-01", "DE"),
    ("D-HAM-01", "DE"),
    ("D-SHA-01", "CN"),
    ("D-BJS-01", "CN"),
];
const LOCATIONS: [&str; 7] = [
    "D-BER-01",
    "D-MUC-01",
    "D-HAM-01",
    "D-SHA-01",
    "D-BJS-01",
    "P-LEIPZIG",
    "P-SHENYANG",
];
const PLANTS: [&str; 2] = ["P-LEIPZIG", "P-SHENYANG"];
const CONFIGURATIONS: [(&str, &[&str]); 6] = [
    ("AURA", &[]),
    ("AURA", &["PNT-RED"]),
    ("AURA", &["PNT-RED", "WHL-20"]),
    ("AURA", &["PNT-BLK", "WHL-20", "PKG-SPORT"]),
    ("TERRA", &[]),
    ("TERRA", &["PKG-TOW"]),
];

fn offset(days: i64) -> NaiveDate {
    day("2026-11-01") + chrono::Duration::days(days)
}

fn any_configuration() -> impl Strategy<Value = Configuration> {
    (0..CONFIGURATIONS.len()).prop_map(|i| {
        let (m, opts) = CONFIGURATIONS[i];
        configuration("DE", m, opts)
    })
}

fn any_whereabouts() -> impl Strategy<Value = Whereabouts> {
    prop_oneof![
        (0..LOCATIONS.len()).prop_map(|i| Whereabouts::AtLocation(location(LOCATIONS[i]))),
        (0..LOCATIONS.len(), 0i64..90).prop_map(|(i, d)| Whereabouts::InTransit {
            to: location(LOCATIONS[i]),
            eta: offset(d),
        }),
        (0..PLANTS.len(), 0i64..120).prop_map(|(i, d)| Whereabouts::InProduction {
            plant: plant(PLANTS[i]),
            ready_on: offset(d),
        }),
    ]
}

/// Up to 16 vehicles with distinct ids.
fn any_stock() -> impl Strategy<Value = Vec<StockUnit>> {
    prop::collection::vec(
        (
            prop::bool::ANY,
            any_configuration(),
            any_whereabouts(),
            prop::option::weighted(0.3, 0u32..3),
        ),
        0..16,
    )
    .prop_map(|units| {
        units
            .into_iter()
            .enumerate()
            .map(
                |(i, (german, configuration, whereabouts, reserved))| StockUnit {
                    vehicle: vehicle_id(i as u32),
                    market: market(if german { "DE" } else { "CN" }),
                    configuration,
                    whereabouts,
                    reserved_by: reserved.map(order_id),
                },
            )
            .collect()
    })
}

fn any_query() -> impl Strategy<Value = LocateQuery> {
    (
        any_configuration(),
        0..DEALERS.len(),
        prop::bool::weighted(0.7),
    )
        .prop_map(|(configuration, d, with_dealer)| {
            let (dealer_code, market_code) = DEALERS[d];
            LocateQuery {
                market: market(market_code),
                configuration,
                dealer: with_dealer.then(|| dealer(dealer_code)),
            }
        })
}

proptest! {
    #[test]
    fn the_locator_lists_free_vehicles_of_the_market_and_model_exact_ones_first(
        stock in any_stock(),
        query in any_query(),
        today in (0i64..40).prop_map(offset),
        limit in 0usize..5,
    ) {
        let found = locate_with_limit(&query, &stock, today, catalog(), limit);
        let unit_of = |v: VehicleId| stock.iter().find(|u| u.vehicle == v).unwrap();
        let wanted = |u: &&StockUnit| {
            u.reserved_by.is_none()
                && u.market == query.market
                && u.configuration.model == query.configuration.model
        };

        for c in &found {
            let u = unit_of(c.vehicle);
            prop_assert!(u.reserved_by.is_none());
            prop_assert_eq!(&u.market, &query.market);
            prop_assert_eq!(&u.configuration.model, &query.configuration.model);
            let is_exact = u.configuration == query.configuration;
            prop_assert_eq!(c.match_kind == MatchKind::Exact, is_exact);
            prop_assert_eq!(c.differences.is_empty(), is_exact);
            prop_assert_eq!(&c.differences, &u.configuration.differences(&query.configuration));
            prop_assert_eq!(&c.location, &u.whereabouts.location());
            prop_assert!(!matches!(c.eta, Some(eta) if eta < today));
        }

        // Exact ones first, all of them; near ones by fewest differences, capped.
        let kinds: Vec<MatchKind> = found.iter().map(|c| c.match_kind).collect();
        let mut sorted = kinds.clone();
        sorted.sort();
        prop_assert_eq!(kinds, sorted);
        let exact_in_stock = stock
            .iter()
            .filter(wanted)
            .filter(|u| u.configuration == query.configuration)
            .count();
        let near_in_stock = stock.iter().filter(wanted).count() - exact_in_stock;
        let exact_found = found.iter().filter(|c| c.match_kind == MatchKind::Exact).count();
        prop_assert_eq!(exact_found, exact_in_stock);
        prop_assert_eq!(found.len() - exact_found, near_in_stock.min(limit));
        let near_sizes: Vec<usize> = found[exact_found..].iter().map(|c| c.differences.len()).collect();
        prop_assert!(near_sizes.windows(2).all(|w| w[0] <= w[1]));

        // For a dealer, the first candidate is what fulfilment reserves.
        if let Some(dealer) = &query.dealer {
            let demand = Demand {
                order: order_id(100),
                market: query.market.clone(),
                configuration: query.configuration.clone(),
                dealer: dealer.clone(),
            };
            if let FulfilmentDecision::Reserve(choice) =
                decide_fulfilment(&demand, &stock, &[], today, catalog())
            {
                prop_assert_eq!(found[0].vehicle, choice.vehicle);
                prop_assert_eq!(found[0].eta, Some(choice.eta));
            }
        }
    }
}
