//! The dealer board, kept warm.
//!
//! A dealer with thousands of orders would otherwise have every order document read and
//! decoded on every board request. The boards served last are kept in memory with the highest
//! document position they include; a request reads only the dealer's order documents changed
//! after that position (`DocQuery::changed_after`), folds them in, and shares the result.
//!
//! **Why this is exact:** the projections commit documents and checkpoint in one transaction,
//! in log order, and a document's position is the last event that changed it. A document
//! committed after a read therefore carries a position above every position that read saw, so
//! "changed after the highest position seen" misses nothing. While the orders projection's
//! checkpoint has not moved since a board was read, nothing was committed and the board is
//! served as it is, without a query. When the checkpoint goes back (a rebuild started), the
//! cache is dropped; without a runner in the process (detached progress) nothing is cached.
//!
//! Refreshes are single-flight: one at a time, so a burst of requests for a changed board
//! computes it once.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use chrono::{DateTime, Utc};
use domain::order::OrderStatus;
use domain::values::{DealerId, OrderId};
use store::Position;

use super::orders::{BoardRow, DealerBoard};
use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::orders::OrderDoc;

/// The name of the projection the board is read from.
const ORDERS: &str = "orders";

/// Newest first, ties by id.
type SortKey = (Reverse<DateTime<Utc>>, OrderId);

/// One dealer's board as last served.
struct Cached {
    /// The highest position of the documents it includes.
    seen: Position,
    /// The orders projection's checkpoint before it was read: while the checkpoint stays
    /// there, nothing was committed since and the board is served without a query.
    checkpoint: AtomicU64,
    rows: BTreeMap<SortKey, (OrderStatus, BoardRow)>,
    keys: HashMap<OrderId, SortKey>,
    board: Arc<DealerBoard>,
    /// `board` as JSON, encoded by the first request that wants it.
    json: OnceLock<Arc<[u8]>>,
}

/// The boards served last, per dealer. Cheap to clone (shared).
#[derive(Clone, Default)]
pub(crate) struct BoardCache {
    boards: Arc<Mutex<HashMap<DealerId, Arc<Cached>>>>,
    /// Held while a board is refreshed: requests that arrive meanwhile wait and then find it
    /// fresh, instead of each computing the same board (under load, many copies of a large
    /// board in flight is what exhausts memory and time).
    refreshing: Arc<tokio::sync::Mutex<()>>,
}

impl BoardCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<DealerId, Arc<Cached>>> {
        self.boards
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ReadModels {
    /// The board of a dealer: every order it delivers, newest first, with counts per status.
    pub async fn dealer_board(
        &self,
        dealer: &DealerId,
    ) -> Result<Arc<DealerBoard>, ReadModelError> {
        Ok(Arc::clone(&self.cached_board(dealer, false).await?.board))
    }

    /// [`ReadModels::dealer_board`] as JSON; encoded once per change of the board, however
    /// often it is read.
    pub async fn dealer_board_json(&self, dealer: &DealerId) -> Result<Arc<[u8]>, ReadModelError> {
        let cached = self.cached_board(dealer, true).await?;
        cached
            .json
            .get()
            .map(Arc::clone)
            .ok_or_else(|| ReadModelError::Backend("the board was not encoded".into()))
    }

    /// The dealer's board, refreshed and (with `encode`) encoded as JSON under the
    /// single-flight lock, so a burst of requests refreshes and encodes it once.
    async fn cached_board(
        &self,
        dealer: &DealerId,
        encode: bool,
    ) -> Result<Arc<Cached>, ReadModelError> {
        let _single_flight = self.boards.refreshing.lock().await;
        let cached = self.refresh(dealer).await?;
        if encode && cached.json.get().is_none() {
            let encoded: Arc<[u8]> = serde_json::to_vec(&*cached.board)
                .map_err(|e| ReadModelError::Backend(format!("the board cannot be encoded: {e}")))?
                .into();
            let _ = cached.json.set(encoded);
        }
        Ok(cached)
    }

    /// The dealer's board, refreshed with the documents changed since it was cached.
    async fn refresh(&self, dealer: &DealerId) -> Result<Arc<Cached>, ReadModelError> {
        let checkpoint = self.progress().snapshot().checkpoint(ORDERS);
        let cached = match checkpoint {
            Some(checkpoint) => {
                let mut boards = self.boards.lock();
                // A checkpoint that went back means the projection is being rebuilt.
                let went_back =
                    |c: &Arc<Cached>| c.checkpoint.load(Ordering::Acquire) > checkpoint.0;
                if boards.get(dealer).is_some_and(went_back) {
                    boards.clear();
                }
                boards.get(dealer).cloned()
            }
            None => None,
        };
        if let (Some(cached), Some(checkpoint)) = (&cached, checkpoint) {
            if cached.checkpoint.load(Ordering::Acquire) == checkpoint.0 {
                return Ok(Arc::clone(cached));
            }
        }
        let mut query = DocQuery::all().tag(0, dealer.as_str());
        if let Some(cached) = &cached {
            query = query.changed_after(cached.seen);
        }
        let changed = self.find_with_positions::<OrderDoc>(query).await?;
        if let Some(cached) = &cached {
            if changed.is_empty() {
                if let Some(checkpoint) = checkpoint {
                    cached.checkpoint.store(checkpoint.0, Ordering::Release);
                }
                return Ok(Arc::clone(cached));
            }
        }
        let (mut seen, mut rows, mut keys) = match cached {
            Some(cached) => (cached.seen, cached.rows.clone(), cached.keys.clone()),
            None => (Position(0), BTreeMap::new(), HashMap::new()),
        };
        for (position, doc) in &changed {
            seen = seen.max(*position);
            let key = (Reverse(doc.placed_at), doc.order_id);
            if let Some(old) = keys.insert(doc.order_id, key) {
                rows.remove(&old);
            }
            rows.insert(key, (doc.status, BoardRow::from(doc)));
        }
        let next = Arc::new(Cached {
            seen,
            checkpoint: AtomicU64::new(checkpoint.map_or(0, |c| c.0)),
            board: Arc::new(board(dealer, &rows)),
            rows,
            keys,
            json: OnceLock::new(),
        });
        if checkpoint.is_some() {
            let mut boards = self.boards.lock();
            let newer = boards.get(dealer).is_none_or(|c| c.seen <= next.seen);
            if newer {
                boards.insert(dealer.clone(), Arc::clone(&next));
            }
        }
        Ok(next)
    }
}

fn board(dealer: &DealerId, rows: &BTreeMap<SortKey, (OrderStatus, BoardRow)>) -> DealerBoard {
    let mut counts: BTreeMap<String, u32> = OrderStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for (status, _) in rows.values() {
        *counts.entry(status.as_str().to_owned()).or_default() += 1;
    }
    DealerBoard {
        dealer_id: dealer.clone(),
        counts,
        orders: rows.values().map(|(_, row)| row.clone()).collect(),
    }
}
