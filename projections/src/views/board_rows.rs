//! One dealer's board rows, kept up to date one changed order at a time.
//!
//! Each row is kept with its JSON, encoded once when the order's row changes; the counts per
//! status are kept as rows come, go and change status. The board's JSON is then the dealer's
//! id, the counts and the rows' encodings concatenated in the board's order (newest first,
//! ties by id): byte for byte what serde writes for [`DealerBoard`], at the cost of one copy
//! of the answer instead of an encoding of every row.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use domain::order::OrderStatus;
use domain::values::{CustomerId, DealerId, OrderId};

use super::orders::{BoardRow, DealerBoard};

/// Newest first, ties by id.
type SortKey = (Reverse<DateTime<Utc>>, OrderId);

/// A row and its JSON.
struct Row {
    row: BoardRow,
    json: Box<[u8]>,
    /// Where `customer_name` goes in `json`: right after `customer_id`, where serde writes it.
    name_at: usize,
}

/// The names a board is read with: the dealer's, and each customer's that has one.
pub struct BoardNames<'a> {
    pub dealer: Option<&'a str>,
    pub customer: &'a (dyn Fn(&CustomerId) -> Option<&'a str> + Sync),
}

/// The rows of one dealer's board, in the board's order.
#[derive(Default)]
pub(crate) struct BoardRows {
    rows: BTreeMap<SortKey, Row>,
    keys: HashMap<OrderId, SortKey>,
    /// Rows per status, in the order of [`OrderStatus::ALL`].
    counts: [u32; OrderStatus::ALL.len()],
    /// The length of every row's JSON together (to size the answer).
    bytes: usize,
}

fn slot(status: OrderStatus) -> usize {
    OrderStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or_default()
}

impl BoardRows {
    /// Puts the order's row on the board, or replaces it; encodes it only when it changed.
    /// Returns whether the board changed.
    pub(crate) fn upsert(
        &mut self,
        placed_at: DateTime<Utc>,
        row: BoardRow,
    ) -> Result<bool, serde_json::Error> {
        let key = (Reverse(placed_at), row.order_id);
        if let Some(old_key) = self.keys.get(&row.order_id).copied() {
            if old_key == key && self.rows.get(&key).is_some_and(|old| old.row == row) {
                return Ok(false);
            }
            if let Some(old) = self.rows.remove(&old_key) {
                self.forget(&old);
            }
        }
        let json: Box<[u8]> = serde_json::to_vec(&row)?.into();
        let name_at = name_at(&row)?;
        self.counts[slot(row.status)] += 1;
        self.bytes += json.len();
        self.keys.insert(row.order_id, key);
        self.rows.insert(key, Row { row, json, name_at });
        Ok(true)
    }

    fn forget(&mut self, old: &Row) {
        let count = &mut self.counts[slot(old.row.status)];
        *count = count.saturating_sub(1);
        self.bytes = self.bytes.saturating_sub(old.json.len());
    }

    /// Rows per status, every status (zeros included).
    fn counts(&self) -> BTreeMap<String, u32> {
        OrderStatus::ALL
            .iter()
            .zip(self.counts)
            .map(|(status, n)| (status.as_str().to_owned(), n))
            .collect()
    }

    /// The typed board (clones every row: for the rare caller, not the hot path).
    pub(crate) fn board(&self, dealer: &DealerId) -> DealerBoard {
        DealerBoard {
            dealer_id: dealer.clone(),
            counts: self.counts(),
            orders: self.rows.values().map(|r| r.row.clone()).collect(),
        }
    }

    /// Every customer on the board (once per row).
    #[cfg(test)]
    pub(crate) fn customers(&self) -> impl Iterator<Item = &CustomerId> {
        self.rows.values().map(|r| &r.row.customer_id)
    }

    /// The board as JSON, the same bytes serde writes for [`BoardRows::board`]; without the
    /// rows of `except` when given (the counts still count them).
    pub(crate) fn json(
        &self,
        dealer: &DealerId,
        except: Option<OrderStatus>,
    ) -> Result<Vec<u8>, serde_json::Error> {
        self.named_json(dealer, except, None)
    }

    /// [`BoardRows::json`] with names: `dealer_name` after `dealer_id`, and each row's
    /// `customer_name` where serde writes it (the bytes serde writes for the rows with
    /// their names set).
    pub(crate) fn named_json(
        &self,
        dealer: &DealerId,
        except: Option<OrderStatus>,
        names: Option<&BoardNames<'_>>,
    ) -> Result<Vec<u8>, serde_json::Error> {
        let mut out = Vec::with_capacity(self.bytes + self.rows.len() * 48 + 512);
        out.extend_from_slice(b"{\"dealer_id\":");
        serde_json::to_writer(&mut out, dealer)?;
        if let Some(name) = names.and_then(|n| n.dealer) {
            out.extend_from_slice(b",\"dealer_name\":");
            serde_json::to_writer(&mut out, name)?;
        }
        out.extend_from_slice(b",\"counts\":");
        serde_json::to_writer(&mut out, &self.counts())?;
        out.extend_from_slice(b",\"orders\":[");
        let mut first = true;
        for row in self.rows.values() {
            if except == Some(row.row.status) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            match names.and_then(|n| (n.customer)(&row.row.customer_id)) {
                Some(name) => {
                    let (head, tail) = row.json.split_at(row.name_at);
                    out.extend_from_slice(head);
                    out.extend_from_slice(b",\"customer_name\":");
                    serde_json::to_writer(&mut out, name)?;
                    out.extend_from_slice(tail);
                }
                None => out.extend_from_slice(&row.json),
            }
        }
        out.extend_from_slice(b"]}");
        Ok(out)
    }
}

/// The length of `{"order_id":…,"customer_id":…` in the row's JSON (serde writes the
/// fields in their order, `customer_name` third).
fn name_at(row: &BoardRow) -> Result<usize, serde_json::Error> {
    Ok(r#"{"order_id":"#.len()
        + serde_json::to_vec(&row.order_id)?.len()
        + r#","customer_id":"#.len()
        + serde_json::to_vec(&row.customer_id)?.len())
}

#[cfg(test)]
#[path = "board_rows_tests.rs"]
mod tests;
