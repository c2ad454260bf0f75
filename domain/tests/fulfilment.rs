//! Fulfilment: locate first, build second (spec, "Fulfil").
//!
//! The demo network on Monday 2026-11-23, an AURA in red for the Berlin
//! dealer: Leipzig → Berlin 2 days, Hamburg → Berlin 1, Munich → Berlin 2,
//! Shenyang → Berlin 40. Week 2026-W50 starts on Monday 2026-12-07, exactly
//! fourteen days ahead, so it is the first week build-to-order may book.

#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use chrono::{Days, NaiveDate};
use domain::catalog::{Catalog, Configuration};
use domain::policy::*;
use domain::rules::is_bookable;
use domain::values::*;
use proptest::prelude::*;

const TODAY: &str = "2026-11-23";

fn today() -> NaiveDate {
    day(TODAY)
}

fn aura_red() -> Configuration {
    configuration("DE", "AURA", &["PNT-RED"])
}

/// An order for a red AURA in Germany, delivered in Berlin.
fn demand() -> Demand {
    Demand {
        order: order_id(1),
        market: market("DE"),
        configuration: aura_red(),
        dealer: dealer("D-BER-01"),
    }
}

/// A free red AURA for the German market.
fn unit(n: u32, whereabouts: Whereabouts) -> StockUnit {
    StockUnit {
        vehicle: vehicle_id(n),
        market: market("DE"),
        configuration: aura_red(),
        whereabouts,
        reserved_by: None,
    }
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

fn slot(p: &str, w: &str, capacity: u32, booked: u32) -> SlotAvailability {
    SlotAvailability {
        plant: plant(p),
        week: week(w),
        capacity,
        booked,
    }
}

fn reserve(n: u32, rank: LtoRank, loc: &str, eta: &str) -> FulfilmentDecision {
    FulfilmentDecision::Reserve(LtoChoice {
        vehicle: vehicle_id(n),
        rank,
        location: location(loc),
        eta: day(eta),
        at_dealer: rank == LtoRank::AtDealer,
    })
}

fn book(p: &str, w: &str, eta: &str) -> FulfilmentDecision {
    FulfilmentDecision::Book {
        plant: plant(p),
        week: week(w),
        eta: day(eta),
    }
}

/// When fulfilment runs for [`demand`] today with the demo catalog.
fn fulfil(stock: &[StockUnit], slots: &[SlotAvailability]) -> FulfilmentDecision {
    decide_fulfilment(&demand(), stock, slots, today(), catalog())
}

/// The demo catalog without the route between `a` and `b`.
fn catalog_without_route(a: &str, b: &str) -> Catalog {
    let demo = include_str!("../catalog/demo.toml");
    let route = format!("between = [\"{a}\", \"{b}\"]");
    let blocks: Vec<&str> = demo.split("\n\n").collect();
    let kept: Vec<&str> = blocks
        .iter()
        .copied()
        .filter(|b| !b.contains(&route))
        .collect();
    assert_eq!(kept.len() + 1, blocks.len(), "one route {a} - {b}");
    let without = kept.join("\n\n");
    Catalog::from_toml(&without).expect("the demo catalog without one route loads")
}

// ---- locate to order: the tiers ----

#[test]
fn a_vehicle_at_the_orders_dealer_beats_one_in_transit_to_it() {
    let stock = [
        unit(2, in_transit_to("D-BER-01", "2026-11-24")),
        unit(1, standing_at("D-BER-01")),
    ];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(1, LtoRank::AtDealer, "D-BER-01", TODAY)
    );
}

#[test]
fn a_vehicle_in_transit_to_the_dealer_beats_one_elsewhere_in_the_market_even_if_later() {
    let stock = [
        unit(1, standing_at("D-HAM-01")), // could be in Berlin tomorrow
        unit(2, in_transit_to("D-BER-01", "2026-12-10")),
    ];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(2, LtoRank::InTransitToDealer, "D-BER-01", "2026-12-10")
    );
}

#[test]
fn a_vehicle_elsewhere_in_the_market_beats_one_in_production() {
    let stock = [
        unit(1, in_production_at("P-LEIPZIG", "2026-11-20")),
        unit(2, standing_at("D-MUC-01")),
    ];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(2, LtoRank::ElsewhereInMarket, "D-MUC-01", "2026-11-25")
    );
}

#[test]
fn a_vehicle_in_production_beats_booking_a_build_slot() {
    let stock = [unit(1, in_production_at("P-LEIPZIG", "2026-12-20"))];
    let slots = [slot("P-LEIPZIG", "2026-W50", 10, 0)];
    assert_eq!(
        fulfil(&stock, &slots),
        reserve(1, LtoRank::InProduction, "P-LEIPZIG", "2026-12-22")
    );
}

#[test]
fn a_vehicle_standing_at_a_plant_of_the_market_is_transferred_from_there() {
    let stock = [unit(1, standing_at("P-LEIPZIG"))];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(1, LtoRank::ElsewhereInMarket, "P-LEIPZIG", "2026-11-25")
    );
}

// ---- locate to order: within a tier ----

#[test]
fn elsewhere_in_the_market_the_shortest_transfer_wins() {
    let stock = [
        unit(1, standing_at("D-MUC-01")), // 2 days to Berlin
        unit(2, standing_at("D-HAM-01")), // 1 day
    ];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(2, LtoRank::ElsewhereInMarket, "D-HAM-01", "2026-11-24")
    );
}

#[test]
fn in_transit_to_the_dealer_the_soonest_arrival_wins() {
    let stock = [
        unit(1, in_transit_to("D-BER-01", "2026-11-30")),
        unit(2, in_transit_to("D-BER-01", "2026-11-26")),
    ];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(2, LtoRank::InTransitToDealer, "D-BER-01", "2026-11-26")
    );
}

#[test]
fn in_production_the_soonest_eta_at_the_dealer_wins() {
    let stock = [
        unit(1, in_production_at("P-LEIPZIG", "2026-12-09")),
        unit(2, in_production_at("P-LEIPZIG", "2026-12-02")),
    ];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(2, LtoRank::InProduction, "P-LEIPZIG", "2026-12-04")
    );
}

#[test]
fn a_late_shipment_is_expected_today_not_in_the_past() {
    let stock = [unit(1, in_transit_to("D-BER-01", "2026-11-20"))];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(1, LtoRank::InTransitToDealer, "D-BER-01", TODAY)
    );
}

#[test]
fn a_late_build_counts_from_today_plus_transport_days() {
    let stock = [unit(1, in_production_at("P-LEIPZIG", "2026-11-16"))];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(1, LtoRank::InProduction, "P-LEIPZIG", "2026-11-25")
    );
}

#[test]
fn equal_candidates_are_broken_on_the_vehicle_id_whatever_the_order_of_the_stock() {
    let stock = [
        unit(1, standing_at("D-BER-01")),
        unit(2, standing_at("D-BER-01")),
        unit(3, standing_at("D-BER-01")),
    ];
    let first = [1, 2, 3]
        .into_iter()
        .min_by_key(|n| vehicle_id(*n))
        .unwrap();
    let expected = reserve(first, LtoRank::AtDealer, "D-BER-01", TODAY);
    assert_eq!(fulfil(&stock, &[]), expected);
    let mut reversed = stock.to_vec();
    reversed.reverse();
    assert_eq!(fulfil(&reversed, &[]), expected);
}

// ---- locate to order: what is never chosen ----

#[test]
fn a_reserved_vehicle_is_never_chosen() {
    let mut taken = unit(1, standing_at("D-BER-01"));
    taken.reserved_by = Some(order_id(9));
    let stock = [taken, unit(2, standing_at("D-MUC-01"))];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(2, LtoRank::ElsewhereInMarket, "D-MUC-01", "2026-11-25")
    );
}

#[test]
fn a_vehicle_reserved_by_the_same_order_is_not_offered_again() {
    let mut mine = unit(1, standing_at("D-BER-01"));
    mine.reserved_by = Some(order_id(1));
    assert_eq!(fulfil(&[mine], &[]), FulfilmentDecision::AwaitCapacity);
}

#[test]
fn a_vehicle_built_for_another_market_is_never_chosen() {
    let mut chinese = unit(1, standing_at("D-BER-01"));
    chinese.market = market("CN");
    assert_eq!(fulfil(&[chinese], &[]), FulfilmentDecision::AwaitCapacity);
}

#[test]
fn a_near_match_is_never_chosen() {
    let mut black = unit(1, standing_at("D-BER-01"));
    black.configuration = configuration("DE", "AURA", &["PNT-BLK"]);
    let mut red_with_more = unit(2, standing_at("D-BER-01"));
    red_with_more.configuration = configuration("DE", "AURA", &["PNT-RED", "PKG-WINTER"]);
    let slots = [slot("P-LEIPZIG", "2026-W50", 10, 0)];
    assert_eq!(
        fulfil(&[black, red_with_more], &slots),
        book("P-LEIPZIG", "2026-W50", "2026-12-15")
    );
}

#[test]
fn a_vehicle_in_transit_to_another_location_is_left_alone() {
    let stock = [unit(1, in_transit_to("D-MUC-01", "2026-11-24"))];
    assert_eq!(fulfil(&stock, &[]), FulfilmentDecision::AwaitCapacity);
}

#[test]
fn a_vehicle_standing_in_another_market_is_left_alone() {
    // A German-market car parked in Shanghai would need the ocean leg: a
    // planner's call (the locator shows it), not fulfilment's.
    let stock = [unit(1, standing_at("D-SHA-01"))];
    assert_eq!(fulfil(&stock, &[]), FulfilmentDecision::AwaitCapacity);
}

#[test]
fn a_finished_build_of_the_orders_market_at_a_foreign_plant_is_still_located() {
    // A German-market car built in Shenyang waits at the plant for its first
    // move: it is in the German pipeline, 40 days from Berlin.
    let stock = [unit(1, standing_at("P-SHENYANG"))];
    assert_eq!(
        fulfil(&stock, &[]),
        reserve(1, LtoRank::ElsewhereInMarket, "P-SHENYANG", "2027-01-02")
    );
}

#[test]
fn a_vehicle_without_a_route_to_the_dealer_is_skipped() {
    let no_hamburg = catalog_without_route("D-BER-01", "D-HAM-01");
    let stock = [
        unit(1, standing_at("D-HAM-01")),
        unit(2, standing_at("D-MUC-01")),
    ];
    assert_eq!(
        decide_fulfilment(&demand(), &stock, &[], today(), &no_hamburg),
        reserve(2, LtoRank::ElsewhereInMarket, "D-MUC-01", "2026-11-25")
    );
}

// ---- build to order ----

#[test]
fn without_matching_stock_the_earliest_week_with_capacity_is_booked() {
    let slots = [
        slot("P-LEIPZIG", "2026-W52", 10, 0),
        slot("P-LEIPZIG", "2026-W50", 10, 9),
        slot("P-LEIPZIG", "2026-W51", 10, 0),
    ];
    // Sunday 2026-12-13 plus two days from Leipzig to Berlin.
    assert_eq!(
        fulfil(&[], &slots),
        book("P-LEIPZIG", "2026-W50", "2026-12-15")
    );
}

#[test]
fn a_full_week_is_skipped() {
    let slots = [
        slot("P-LEIPZIG", "2026-W50", 10, 10),
        slot("P-LEIPZIG", "2026-W51", 0, 0),
        slot("P-LEIPZIG", "2026-W52", 5, 4),
    ];
    assert_eq!(
        fulfil(&[], &slots),
        book("P-LEIPZIG", "2026-W52", "2026-12-29")
    );
}

#[test]
fn a_week_starting_less_than_fourteen_days_ahead_is_skipped() {
    let slots = [
        slot("P-LEIPZIG", "2026-W48", 10, 0), // this week
        slot("P-LEIPZIG", "2026-W49", 10, 0), // Monday 2026-11-30: 7 days
        slot("P-LEIPZIG", "2026-W51", 10, 0),
    ];
    assert_eq!(
        fulfil(&[], &slots),
        book("P-LEIPZIG", "2026-W51", "2026-12-22")
    );
}

#[test]
fn a_week_starting_exactly_fourteen_days_ahead_is_bookable_but_not_a_day_later() {
    let slots = [
        slot("P-LEIPZIG", "2026-W50", 10, 0),
        slot("P-LEIPZIG", "2026-W51", 10, 0),
    ];
    let tomorrow = day("2026-11-24");
    assert_eq!(
        decide_fulfilment(&demand(), &[], &slots, tomorrow, catalog()),
        book("P-LEIPZIG", "2026-W51", "2026-12-22")
    );
}

#[test]
fn capacity_at_another_plant_is_not_booked() {
    let slots = [
        slot("P-SHENYANG", "2026-W50", 10, 0),
        slot("P-LEIPZIG", "2026-W53", 10, 0),
    ];
    assert_eq!(
        fulfil(&[], &slots),
        book("P-LEIPZIG", "2026-W53", "2027-01-05")
    );
}

#[test]
fn a_build_at_a_plant_overseas_adds_the_ocean_leg_to_the_eta() {
    let terra = Demand {
        configuration: configuration("DE", "TERRA", &[]),
        ..demand()
    };
    let slots = [
        slot("P-LEIPZIG", "2026-W50", 10, 0),
        slot("P-SHENYANG", "2026-W51", 10, 0),
    ];
    // Sunday 2026-12-20 plus 40 days from Shenyang to Berlin.
    assert_eq!(
        decide_fulfilment(&terra, &[], &slots, today(), catalog()),
        book("P-SHENYANG", "2026-W51", "2027-01-29")
    );
}

#[test]
fn without_stock_or_bookable_capacity_the_order_awaits_capacity() {
    let slots = [
        slot("P-LEIPZIG", "2026-W49", 10, 0),
        slot("P-LEIPZIG", "2026-W50", 10, 10),
        slot("P-SHENYANG", "2026-W51", 10, 0),
    ];
    assert_eq!(fulfil(&[], &slots), FulfilmentDecision::AwaitCapacity);
    assert_eq!(fulfil(&[], &[]), FulfilmentDecision::AwaitCapacity);
}

#[test]
fn without_a_route_from_the_plant_no_eta_can_be_promised_so_the_order_waits() {
    let no_route = catalog_without_route("P-LEIPZIG", "D-BER-01");
    let stock = [unit(1, in_production_at("P-LEIPZIG", "2026-12-01"))];
    let slots = [slot("P-LEIPZIG", "2026-W50", 10, 0)];
    assert_eq!(
        decide_fulfilment(&demand(), &stock, &slots, today(), &no_route),
        FulfilmentDecision::AwaitCapacity
    );
}

// ---- helpers the application uses ----

#[test]
fn a_build_reaches_the_dealer_on_the_weeks_sunday_plus_transport_days() {
    let leipzig = plant("P-LEIPZIG");
    assert_eq!(
        build_eta(&leipzig, week("2026-W50"), &dealer("D-MUC-01"), catalog()),
        Some(day("2026-12-17"))
    );
}

#[test]
fn no_build_is_promised_past_the_end_of_the_business_calendar() {
    // 9999-W51 ends on 9999-12-26, the last week that ends in the calendar.
    assert_eq!(
        build_eta(
            &plant("P-LEIPZIG"),
            week("9999-W51"),
            &dealer("D-MUC-01"),
            catalog()
        ),
        Some(day("9999-12-30")),
        "four days of transport stay in 9999"
    );
    assert_eq!(
        build_eta(
            &plant("P-SHENYANG"),
            week("9999-W51"),
            &dealer("D-SHA-01"),
            catalog()
        ),
        None,
        "nine days would reach 10000-01-04: nothing is promised"
    );
}

#[test]
fn a_vehicle_elsewhere_reaches_the_dealer_today_plus_transport_days() {
    assert_eq!(
        eta_at_dealer(
            &standing_at("D-HAM-01"),
            &dealer("D-MUC-01"),
            today(),
            catalog()
        ),
        Some(day("2026-11-26"))
    );
}

#[test]
fn the_earliest_bookable_week_ignores_full_early_and_foreign_weeks() {
    let slots = [
        slot("P-LEIPZIG", "2026-W49", 10, 0),
        slot("P-LEIPZIG", "2026-W50", 10, 10),
        slot("P-SHENYANG", "2026-W50", 10, 0),
        slot("P-LEIPZIG", "2027-W02", 1, 0),
        slot("P-LEIPZIG", "2026-W53", 1, 0),
    ];
    assert_eq!(
        earliest_bookable_week(&plant("P-LEIPZIG"), &slots, today()),
        Some(week("2026-W53"))
    );
}

#[test]
fn a_decision_tells_its_eta() {
    assert_eq!(
        book("P-LEIPZIG", "2026-W50", "2026-12-15").eta(),
        Some(day("2026-12-15"))
    );
    assert_eq!(FulfilmentDecision::AwaitCapacity.eta(), None);
}

#[test]
fn a_decision_serializes_with_snake_case_names() {
    let json =
        serde_json::to_value(reserve(1, LtoRank::InTransitToDealer, "D-BER-01", TODAY)).unwrap();
    assert_eq!(json["decision"], "reserve");
    assert_eq!(json["rank"], "in_transit_to_dealer");
    assert_eq!(json["location"], "D-BER-01");
    assert_eq!(json["eta"], "2026-11-23");
    let json = serde_json::to_value(FulfilmentDecision::AwaitCapacity).unwrap();
    assert_eq!(json["decision"], "await_capacity");
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
const CONFIGURATIONS: [(&str, &[&str]); 5] = [
    ("AURA", &[]),
    ("AURA", &["PNT-RED"]),
    ("AURA", &["WHL-20"]),
    ("TERRA", &[]),
    ("TERRA", &["PKG-TOW"]),
];

fn base_day() -> NaiveDate {
    day("2026-11-01")
}

fn offset(days: i64) -> NaiveDate {
    base_day() + chrono::Duration::days(days)
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

/// Up to 12 vehicles with distinct ids.
fn any_stock() -> impl Strategy<Value = Vec<StockUnit>> {
    prop::collection::vec(
        (
            prop::bool::ANY,
            any_configuration(),
            any_whereabouts(),
            prop::option::weighted(0.3, 0u32..3),
        ),
        0..12,
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

fn any_slots() -> impl Strategy<Value = Vec<SlotAvailability>> {
    prop::collection::vec((0..PLANTS.len(), 0usize..16, 0u32..3, 0u32..4), 0..10).prop_map(
        |slots| {
            slots
                .into_iter()
                .map(|(p, w, capacity, booked)| {
                    let start = IsoWeek::containing(base_day());
                    let week = (0..w).fold(start, |wk, _| wk.next());
                    SlotAvailability {
                        plant: plant(PLANTS[p]),
                        week,
                        capacity,
                        booked,
                    }
                })
                .collect()
        },
    )
}

fn any_demand() -> impl Strategy<Value = Demand> {
    (any_configuration(), 0..DEALERS.len()).prop_map(|(configuration, d)| {
        let (dealer_code, market_code) = DEALERS[d];
        Demand {
            order: order_id(100),
            market: market(market_code),
            configuration,
            dealer: dealer(dealer_code),
        }
    })
}

fn any_today() -> impl Strategy<Value = NaiveDate> {
    (0i64..40).prop_map(offset)
}

/// The spec's ranking, written out independently: `(tier, eta)` of a unit
/// fulfilment may choose, lower is better.
fn spec_rank(unit: &StockUnit, demand: &Demand, today: NaiveDate) -> Option<(u8, NaiveDate)> {
    if unit.reserved_by.is_some()
        || unit.market != demand.market
        || unit.configuration != demand.configuration
    {
        return None;
    }
    let at_dealer = LocationId::Dealer(demand.dealer.clone());
    let (tier, from, ready) = match &unit.whereabouts {
        Whereabouts::AtLocation(at) if *at == at_dealer => (0, at.clone(), today),
        Whereabouts::InTransit { to, eta } if *to == at_dealer => (1, to.clone(), *eta),
        Whereabouts::AtLocation(at)
            if catalog().location_market(at) == Some(&demand.market)
                || matches!(at, LocationId::Plant(_)) =>
        {
            (2, at.clone(), today)
        }
        Whereabouts::InProduction { plant, ready_on } => {
            (3, LocationId::Plant(plant.clone()), *ready_on)
        }
        _ => return None,
    };
    let days = catalog().transport_days(&from, &at_dealer)?;
    Some((tier, ready.max(today) + Days::new(u64::from(days))))
}

fn tier_of(rank: LtoRank) -> u8 {
    match rank {
        LtoRank::AtDealer => 0,
        LtoRank::InTransitToDealer => 1,
        LtoRank::ElsewhereInMarket => 2,
        LtoRank::InProduction => 3,
    }
}

/// Whether a slot is one build-to-order may book for `demand` today.
fn qualifies(s: &SlotAvailability, demand: &Demand, today: NaiveDate) -> bool {
    let model_plant = &catalog()
        .model(&demand.configuration.model)
        .expect("a demo model")
        .plant;
    &s.plant == model_plant && s.booked < s.capacity && is_bookable(s.week, today)
}

proptest! {
    #[test]
    fn the_chosen_vehicle_is_a_free_exact_match_and_none_ranks_strictly_better(
        stock in any_stock(), slots in any_slots(), demand in any_demand(), today in any_today()
    ) {
        let decision = decide_fulfilment(&demand, &stock, &slots, today, catalog());
        let best = stock.iter().filter_map(|u| spec_rank(u, &demand, today)).min();
        match decision {
            FulfilmentDecision::Reserve(choice) => {
                let chosen = stock.iter().find(|u| u.vehicle == choice.vehicle).unwrap();
                prop_assert!(chosen.reserved_by.is_none());
                prop_assert_eq!(&chosen.market, &demand.market);
                prop_assert_eq!(&chosen.configuration, &demand.configuration);
                prop_assert_eq!(choice.location.clone(), chosen.whereabouts.location());
                prop_assert_eq!(choice.at_dealer, choice.rank == LtoRank::AtDealer);
                prop_assert!(choice.eta >= today);
                let mine = (tier_of(choice.rank), choice.eta);
                prop_assert_eq!(spec_rank(chosen, &demand, today), Some(mine));
                prop_assert_eq!(best, Some(mine));
            }
            _ => prop_assert_eq!(best, None),
        }
    }

    #[test]
    fn a_booked_week_has_free_capacity_at_the_models_plant_and_no_earlier_week_qualifies(
        slots in any_slots(), demand in any_demand(), today in any_today()
    ) {
        let earliest = slots
            .iter()
            .filter(|s| qualifies(s, &demand, today))
            .map(|s| s.week)
            .min();
        match decide_fulfilment(&demand, &[], &slots, today, catalog()) {
            FulfilmentDecision::Book { plant, week, eta } => {
                prop_assert!(slots.iter().any(|s| s.plant == plant
                    && s.week == week
                    && qualifies(s, &demand, today)));
                prop_assert!(week.monday() >= today + Days::new(14));
                prop_assert_eq!(Some(week), earliest);
                prop_assert_eq!(Some(eta), build_eta(&plant, week, &demand.dealer, catalog()));
                prop_assert!(eta > week.sunday());
            }
            FulfilmentDecision::AwaitCapacity => prop_assert_eq!(earliest, None),
            FulfilmentDecision::Reserve(_) => prop_assert!(false, "no stock, nothing to reserve"),
        }
    }

    #[test]
    fn the_decision_does_not_depend_on_the_order_of_the_snapshot(
        stock in any_stock(), slots in any_slots(), demand in any_demand(), today in any_today()
    ) {
        let decision = decide_fulfilment(&demand, &stock, &slots, today, catalog());
        let mut stock_reversed = stock.clone();
        stock_reversed.reverse();
        let mut slots_reversed = slots.clone();
        slots_reversed.reverse();
        prop_assert_eq!(
            decide_fulfilment(&demand, &stock_reversed, &slots_reversed, today, catalog()),
            decision
        );
    }
}
