#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::order::OrderStatus;
use domain::values::{CustomerId, DealerId, ModelCode, OrderId};
use proptest::prelude::*;

use super::{BoardNames, BoardRows};
use crate::views::orders::{BoardRow, DealerBoard};

/// A change of one order: which, when placed, and its row's fields.
#[derive(Debug, Clone)]
struct Change {
    order: u8,
    placed: i64,
    status: usize,
    delayed: bool,
    reason: Option<u8>,
}

fn change() -> impl Strategy<Value = Change> {
    (
        0u8..12,
        0i64..5,
        0..OrderStatus::ALL.len(),
        any::<bool>(),
        prop::option::of(0u8..3),
    )
        .prop_map(|(order, placed, status, delayed, reason)| Change {
            order,
            placed,
            status,
            delayed,
            reason,
        })
}

fn at(placed: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + placed * 60, 0).unwrap()
}

fn row(c: &Change) -> BoardRow {
    let status = OrderStatus::ALL[c.status];
    BoardRow {
        order_id: OrderId::derived(&format!("order-{}", c.order)),
        customer_id: CustomerId::parse(&format!("C-{}", 1000 + u32::from(c.order))).unwrap(),
        customer_name: None,
        model: ModelCode::parse("AURA").unwrap(),
        status,
        status_reason: c.reason.map(|r| format!("reason \"{r}\" é")),
        eta: c
            .delayed
            .then(|| NaiveDate::from_ymd_opt(2027, 1, 1 + u32::from(c.order)).unwrap()),
        delayed: c.delayed,
        handover_at: (status == OrderStatus::Delivered).then(|| at(c.placed + 100)),
        invoice_status: None,
        vehicle_in_transit: status == OrderStatus::Allocated && c.delayed,
    }
}

/// The board computed from scratch from each order's last row, as the board was first
/// written: sorted newest first (ties by id), counted, encoded by serde.
fn from_scratch(dealer: &DealerId, changes: &[Change]) -> DealerBoard {
    let mut last: HashMap<u8, &Change> = HashMap::new();
    for c in changes {
        last.insert(c.order, c);
    }
    let mut rows: Vec<(DateTime<Utc>, BoardRow)> =
        last.values().map(|c| (at(c.placed), row(c))).collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.order_id.cmp(&b.1.order_id)));
    let mut counts: BTreeMap<String, u32> = OrderStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for (_, row) in &rows {
        *counts.entry(row.status.as_str().to_owned()).or_default() += 1;
    }
    DealerBoard {
        dealer_id: dealer.clone(),
        counts,
        orders: rows.into_iter().map(|(_, row)| row).collect(),
    }
}

fn without(board: &DealerBoard, status: OrderStatus) -> DealerBoard {
    DealerBoard {
        orders: board
            .orders
            .iter()
            .filter(|r| r.status != status)
            .cloned()
            .collect(),
        ..board.clone()
    }
}

/// The board as the API serves it with names, for comparison.
#[derive(serde::Serialize)]
struct Named<'a> {
    dealer_id: &'a DealerId,
    dealer_name: &'a str,
    counts: &'a BTreeMap<String, u32>,
    orders: Vec<BoardRow>,
}

/// Every third customer has no name; the others' names need escaping.
fn name_of(customer: &CustomerId) -> Option<String> {
    let n: u32 = customer.as_str()[2..].parse().unwrap();
    (!n.is_multiple_of(3)).then(|| format!("Zoë \"{n}\" 李"))
}

fn named(board: &DealerBoard) -> Vec<u8> {
    let orders = board
        .orders
        .iter()
        .map(|r| BoardRow {
            customer_name: name_of(&r.customer_id),
            ..r.clone()
        })
        .collect();
    serde_json::to_vec(&Named {
        dealer_id: &board.dealer_id,
        dealer_name: "Autohaus \"Berlin\"",
        counts: &board.counts,
        orders,
    })
    .unwrap()
}

proptest! {
    /// After any changes, folded in any number of refreshes, the kept board is the board
    /// computed from scratch, and its JSON is serde's encoding of it, byte for byte (also
    /// without the rows of a status).
    #[test]
    fn a_kept_board_is_the_board_from_scratch(
        changes in prop::collection::vec(change(), 0..60),
        refreshes in prop::collection::vec(0usize..60, 0..8),
        except in 0..OrderStatus::ALL.len(),
    ) {
        let dealer = DealerId::parse("D-BER-01").unwrap();
        let mut kept = BoardRows::default();
        for (i, c) in changes.iter().enumerate() {
            kept.upsert(at(c.placed), row(c)).unwrap();
            if refreshes.contains(&i) || i + 1 == changes.len() {
                let fresh = from_scratch(&dealer, &changes[..=i]);
                prop_assert_eq!(&kept.board(&dealer), &fresh);
                let json = kept.json(&dealer, None).unwrap();
                prop_assert_eq!(
                    String::from_utf8(json).unwrap(),
                    serde_json::to_string(&fresh).unwrap()
                );
                let status = OrderStatus::ALL[except];
                let json = kept.json(&dealer, Some(status)).unwrap();
                prop_assert_eq!(
                    String::from_utf8(json).unwrap(),
                    serde_json::to_string(&without(&fresh, status)).unwrap()
                );
                let names: HashMap<CustomerId, String> = kept
                    .customers()
                    .filter_map(|c| name_of(c).map(|n| (c.clone(), n)))
                    .collect();
                let lookup = |c: &CustomerId| names.get(c).map(String::as_str);
                let with = BoardNames { dealer: Some("Autohaus \"Berlin\""), customer: &lookup };
                let json = kept.named_json(&dealer, None, Some(&with)).unwrap();
                prop_assert_eq!(
                    String::from_utf8(json).unwrap(),
                    String::from_utf8(named(&fresh)).unwrap()
                );
                let json = kept.named_json(&dealer, Some(status), Some(&with)).unwrap();
                prop_assert_eq!(
                    String::from_utf8(json).unwrap(),
                    String::from_utf8(named(&without(&fresh, status))).unwrap()
                );
            }
        }
        if changes.is_empty() {
            prop_assert_eq!(
                kept.json(&dealer, None).unwrap(),
                serde_json::to_vec(&from_scratch(&dealer, &[])).unwrap()
            );
        }
    }
}

#[test]
fn an_unchanged_row_is_not_encoded_again() {
    let dealer = DealerId::parse("D-BER-01").unwrap();
    let c = Change {
        order: 1,
        placed: 0,
        status: 0,
        delayed: false,
        reason: None,
    };
    let mut kept = BoardRows::default();
    assert!(kept.upsert(at(0), row(&c)).unwrap());
    assert!(!kept.upsert(at(0), row(&c)).unwrap());
    let moved = Change { status: 2, ..c };
    assert!(kept.upsert(at(0), row(&moved)).unwrap());
    let board = kept.board(&dealer);
    assert_eq!(board.counts["placed"], 0);
    assert_eq!(board.counts["scheduled"], 1);
}
