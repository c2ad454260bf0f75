//! The dealer's commission statement: accrued exactly once per handover,
//! settled after the month.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod support;
use support::*;

use std::collections::BTreeSet;

use domain::catalog::Catalog;
use domain::commission::{
    CommissionCommand, CommissionError, CommissionEvent, CommissionStatement,
};
use domain::values::{Currency, Money, Month, Rate};
use domain::{Context, Decider, DomainEvent};
use proptest::prelude::*;

const TODAY: &str = "2026-11-23";
const DELIVERED: &str = "2026-11-20";
const NEXT_MONTH: &str = "2026-12-01";

fn november() -> Month {
    Month::parse("2026-11").unwrap()
}

fn accrue_in(
    dealer_id: &str,
    m: &str,
    n: u32,
    net: Money,
    delivered_on: &str,
) -> CommissionCommand {
    CommissionCommand::Accrue {
        dealer: dealer(dealer_id),
        month: november(),
        order: order_id(n),
        market: market(m),
        net_price: net,
        delivered_on: day(delivered_on),
    }
}

/// A red AURA in Germany handed over by Berlin: net 44,100.00 EUR.
fn accrue(n: u32) -> CommissionCommand {
    accrue_in("D-BER-01", "DE", n, eur(4_410_000), DELIVERED)
}

/// 4% of 44,100.00 = 1,764.00, plus 150.00.
fn accrued(n: u32) -> CommissionEvent {
    CommissionEvent::Accrued {
        dealer: dealer("D-BER-01"),
        month: november(),
        order: order_id(n),
        market: market("DE"),
        net_price: eur(4_410_000),
        rate: Rate::from_basis_points(400),
        fee: eur(15_000),
        commission: eur(191_400),
        delivered_on: day(DELIVERED),
    }
}

fn settled(orders: &[u32], total: i64, on: &str) -> CommissionEvent {
    CommissionEvent::Settled {
        dealer: dealer("D-BER-01"),
        month: november(),
        orders: orders.iter().map(|n| order_id(*n)).collect(),
        total: eur(total),
        settled_on: day(on),
    }
}

// --- accrual ----------------------------------------------------------------

#[test]
fn a_handover_in_germany_earns_four_percent_of_the_net_price_plus_150_euros() {
    assert_eq!(
        given::<CommissionStatement>(&[], accrue(1), TODAY),
        Ok(vec![accrued(1)])
    );
}

#[test]
fn a_handover_in_china_earns_three_percent_of_the_net_price_plus_800_yuan() {
    // A TERRA with tow package: net 303,900.00 CNY; 3% = 9,117.00.
    let command = accrue_in("D-SHA-01", "CN", 1, cny(30_390_000), DELIVERED);
    let events = given::<CommissionStatement>(&[], command, TODAY).unwrap();
    let statement = CommissionStatement::replay(&events);
    assert_eq!(statement.total(), Some(cny(911_700 + 80_000)));
    assert_eq!(statement.lines()[0].rate, Rate::from_basis_points(300));
}

#[test]
fn the_commission_is_rounded_half_up_to_the_minor_unit() {
    // 3% of 100,000.50 CNY is 3,000.015 -> 3,000.02.
    let command = accrue_in("D-SHA-01", "CN", 1, cny(10_000_050), DELIVERED);
    let events = given::<CommissionStatement>(&[], command, TODAY).unwrap();
    assert_eq!(
        CommissionStatement::replay(&events).total(),
        Some(cny(300_002 + 80_000))
    );
}

#[test]
fn an_order_accrued_again_earns_nothing_more() {
    let history = [accrued(1)];
    assert_eq!(
        given::<CommissionStatement>(&history, accrue(1), TODAY),
        Ok(vec![])
    );
    // Also after the line was settled.
    let history = [accrued(1), settled(&[1], 191_400, NEXT_MONTH)];
    assert_eq!(
        given::<CommissionStatement>(&history, accrue(1), NEXT_MONTH),
        Ok(vec![])
    );
}

#[test]
fn an_order_accrued_again_with_other_figures_is_refused() {
    let command = accrue_in("D-BER-01", "DE", 1, eur(4_290_000), DELIVERED);
    assert_eq!(
        given::<CommissionStatement>(&[accrued(1)], command, TODAY),
        Err(CommissionError::AlreadyAccrued {
            order: order_id(1),
            commission: eur(191_400)
        })
    );
}

#[test]
fn a_handover_outside_the_statements_month_is_refused() {
    let command = accrue_in("D-BER-01", "DE", 1, eur(4_410_000), "2026-10-31");
    assert_eq!(
        given::<CommissionStatement>(&[], command, TODAY),
        Err(CommissionError::WrongMonth {
            month: november(),
            delivered_on: day("2026-10-31")
        })
    );
}

#[test]
fn a_handover_that_has_not_happened_yet_is_refused() {
    let command = accrue_in("D-BER-01", "DE", 1, eur(4_410_000), "2026-11-24");
    assert_eq!(
        given::<CommissionStatement>(&[], command, TODAY),
        Err(CommissionError::DeliveredInFuture {
            delivered_on: day("2026-11-24")
        })
    );
}

#[test]
fn a_net_price_in_another_currency_than_the_markets_is_refused() {
    let command = accrue_in("D-BER-01", "DE", 1, cny(4_410_000), DELIVERED);
    assert_eq!(
        given::<CommissionStatement>(&[], command, TODAY),
        Err(CommissionError::WrongCurrency {
            expected: Currency::EUR,
            found: Currency::CNY
        })
    );
}

#[test]
fn a_net_price_of_zero_or_less_is_refused() {
    for minor in [0, -1] {
        let command = accrue_in("D-BER-01", "DE", 1, eur(minor), DELIVERED);
        assert_eq!(
            given::<CommissionStatement>(&[], command, TODAY),
            Err(CommissionError::NonPositiveNetPrice {
                net_price: eur(minor)
            })
        );
    }
}

#[test]
fn a_market_or_dealer_the_catalog_does_not_know_is_refused() {
    let command = accrue_in("D-BER-01", "US", 1, eur(4_410_000), DELIVERED);
    assert_eq!(
        given::<CommissionStatement>(&[], command, TODAY),
        Err(CommissionError::UnknownMarket {
            market: market("US")
        })
    );
    let command = accrue_in("D-XYZ-01", "DE", 1, eur(4_410_000), DELIVERED);
    assert_eq!(
        given::<CommissionStatement>(&[], command, TODAY),
        Err(CommissionError::UnknownDealer {
            dealer: dealer("D-XYZ-01")
        })
    );
}

#[test]
fn a_dealer_earns_only_in_its_own_market() {
    let command = accrue_in("D-BER-01", "CN", 1, cny(30_390_000), DELIVERED);
    assert_eq!(
        given::<CommissionStatement>(&[], command, TODAY),
        Err(CommissionError::DealerNotInMarket {
            dealer: dealer("D-BER-01"),
            market: market("CN")
        })
    );
}

#[test]
fn a_statement_holds_one_currency_even_if_its_dealer_moves_market() {
    // The catalog is data: Berlin is moved to China after a euro line.
    let moved = include_str!("../catalog/demo.toml").replace(
        "id = \"D-BER-01\"\nname = \"Berlin\"\nmarket = \"DE\"",
        "id = \"D-BER-01\"\nname = \"Berlin\"\nmarket = \"CN\"",
    );
    let catalog = Catalog::from_toml(&moved).unwrap();
    assert_eq!(
        catalog
            .dealer(&dealer("D-BER-01"))
            .map(|d| d.market.clone()),
        Some(market("CN"))
    );
    let state = CommissionStatement::replay(&[accrued(1)]);
    let command = accrue_in("D-BER-01", "CN", 2, cny(30_390_000), DELIVERED);
    assert_eq!(
        domain::commission::decide(&state, command, &Context::new(at(TODAY), &catalog)),
        Err(CommissionError::MixedCurrency {
            statement: Currency::EUR,
            found: Currency::CNY
        })
    );
}

#[test]
fn a_command_for_another_statement_is_refused() {
    let command = accrue_in("D-MUC-01", "DE", 2, eur(4_410_000), DELIVERED);
    assert_eq!(
        given::<CommissionStatement>(&[accrued(1)], command, TODAY),
        Err(CommissionError::WrongStatement {
            dealer: dealer("D-BER-01"),
            month: november(),
            requested_dealer: dealer("D-MUC-01"),
            requested_month: november()
        })
    );
}

// --- settlement -------------------------------------------------------------

#[test]
fn finance_settles_the_open_lines_once_the_month_is_over() {
    let history = [accrued(1), accrued(2)];
    assert_eq!(
        given::<CommissionStatement>(&history, CommissionCommand::Settle, NEXT_MONTH),
        Ok(vec![settled(&[1, 2], 382_800, NEXT_MONTH)])
    );
}

#[test]
fn a_month_that_is_not_over_cannot_be_settled() {
    assert_eq!(
        given::<CommissionStatement>(&[accrued(1)], CommissionCommand::Settle, "2026-11-30"),
        Err(CommissionError::MonthNotOver {
            month: november(),
            settles_from: day(NEXT_MONTH)
        })
    );
}

#[test]
fn a_statement_with_no_open_line_has_nothing_to_settle() {
    assert_eq!(
        given::<CommissionStatement>(&[], CommissionCommand::Settle, NEXT_MONTH),
        Err(CommissionError::NothingToSettle)
    );
    let history = [accrued(1), settled(&[1], 191_400, NEXT_MONTH)];
    assert_eq!(
        given::<CommissionStatement>(&history, CommissionCommand::Settle, "2026-12-02"),
        Err(CommissionError::NothingToSettle)
    );
}

#[test]
fn a_line_accrued_late_stays_open_for_a_later_settlement() {
    let late = CommissionCommand::Accrue {
        dealer: dealer("D-BER-01"),
        month: november(),
        order: order_id(2),
        market: market("DE"),
        net_price: eur(4_410_000),
        delivered_on: day("2026-11-30"),
    };
    let mut history = vec![accrued(1), settled(&[1], 191_400, NEXT_MONTH)];
    let events = given::<CommissionStatement>(&history, late, "2026-12-03").unwrap();
    history.extend(events);
    let statement = CommissionStatement::replay(&history);
    assert_eq!(statement.open_total(), Some(eur(191_400)));
    assert_eq!(
        given::<CommissionStatement>(&history, CommissionCommand::Settle, "2026-12-04"),
        Ok(vec![settled(&[2], 191_400, "2026-12-04")])
    );
}

#[test]
fn a_statement_sums_its_lines_settled_and_open() {
    let mut history = vec![accrued(1), settled(&[1], 191_400, NEXT_MONTH)];
    let mut second = accrued(2);
    if let CommissionEvent::Accrued { commission, .. } = &mut second {
        *commission = eur(200_000);
    }
    history.push(second);
    let statement = CommissionStatement::replay(&history);
    assert_eq!(statement.dealer(), Some(&dealer("D-BER-01")));
    assert_eq!(statement.month(), Some(november()));
    assert_eq!(statement.lines().len(), 2);
    assert_eq!(statement.total(), Some(eur(391_400)));
    assert_eq!(statement.settled_total(), Some(eur(191_400)));
    assert_eq!(statement.open_total(), Some(eur(200_000)));
    assert_eq!(CommissionStatement::default().total(), None);
}

#[test]
fn commission_events_are_stored_under_their_pinned_names() {
    let events = [accrued(1), settled(&[1], 191_400, NEXT_MONTH)];
    let names: Vec<&str> = events.iter().map(DomainEvent::event_type).collect();
    assert_eq!(names, ["CommissionAccrued", "StatementSettled"]);
    for event in &events {
        let json = serde_json::to_value(event).unwrap();
        assert_eq!(json["type"], event.event_type());
        assert_eq!(
            &serde_json::from_value::<CommissionEvent>(json).unwrap(),
            event
        );
    }
}

// --- properties -------------------------------------------------------------

#[derive(Debug, Clone)]
enum Step {
    Accrue { order: u32, net: i64, day: u32 },
    Settle,
    NextDay,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0u32..8, 1i64..10_000_000, 1u32..=30)
            .prop_map(|(order, net, day)| Step::Accrue { order, net, day }),
        1 => Just(Step::Settle),
        1 => Just(Step::NextDay),
    ]
}

proptest! {
    #[test]
    fn commission_accrues_once_per_order_whatever_the_repetitions(
        steps in prop::collection::vec(step(), 0..60)
    ) {
        let mut today = day("2026-11-28");
        let mut state = CommissionStatement::default();
        let mut accepted: Vec<CommissionEvent> = Vec::new();
        let mut first_net: std::collections::BTreeMap<u32, i64> = Default::default();
        for step in steps {
            let command = match step {
                Step::Accrue { order, net, day: d } => {
                    // A retried handover repeats the figures it was first sent with.
                    let net = *first_net.entry(order).or_insert(net);
                    let delivered = format!("2026-11-{:02}", d.min(28));
                    accrue_in("D-BER-01", "DE", order, eur(net), &delivered)
                }
                Step::Settle => CommissionCommand::Settle,
                Step::NextDay => {
                    today = today.succ_opt().unwrap();
                    continue;
                }
            };
            let context = Context::new(at(&today.format("%Y-%m-%d").to_string()), catalog());
            if let Ok(events) = domain::commission::decide(&state, command, &context) {
                for event in &events {
                    state = domain::commission::evolve(state, event);
                }
                accepted.extend(events);
            }
            let orders: Vec<_> = state.lines().iter().map(|l| l.order).collect();
            let unique: BTreeSet<_> = orders.iter().collect();
            prop_assert_eq!(unique.len(), orders.len(), "one line per order");
            for line in state.lines() {
                let expected = line.net_price.apply_rate(Rate::from_basis_points(400)).unwrap();
                prop_assert_eq!(line.commission, expected.checked_add(eur(15_000)).unwrap());
            }
            if let Some(total) = state.total() {
                let parts = state.settled_total().unwrap().checked_add(state.open_total().unwrap());
                prop_assert_eq!(parts, Ok(total));
            }
            let settled_orders: Vec<&Vec<_>> = accepted
                .iter()
                .filter_map(|e| match e {
                    CommissionEvent::Settled { orders, .. } => Some(orders),
                    CommissionEvent::Accrued { .. } => None,
                })
                .collect();
            let settled_once: Vec<_> = settled_orders.iter().flat_map(|o| o.iter()).collect();
            let settled_unique: BTreeSet<_> = settled_once.iter().collect();
            prop_assert_eq!(settled_unique.len(), settled_once.len(), "each line settled once");
        }
        prop_assert_eq!(CommissionStatement::replay(&accepted), state);
    }
}
