//! The dealer board, kept warm.
//!
//! A dealer with thousands of orders would otherwise have every order document read and
//! decoded on every board request. The boards served last are kept in memory with the highest
//! document position they include; a request reads only the dealer's order documents changed
//! after that position (`DocQuery::changed_after`) and folds them in, in place
//! ([`BoardRows`]: each row keeps its JSON, encoded once per change of that row, and the
//! counts per status are kept as rows change). The JSON answer is then one concatenation of
//! the rows' encodings, shared by every request until the board changes: a refresh costs
//! the changed rows plus one copy of the answer, not an encoding of the whole board. The
//! API's board, with names, is the same concatenation with each name put where serde
//! writes it (`dealer_board_named`), one copy per request.
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
//! computes it once, and the kept boards are only ever changed under that lock. A request
//! keeps the `Arc` of the JSON it got; a later change builds a new one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use domain::order::OrderStatus;
use domain::values::DealerId;
use store::Position;

use super::board_rows::{BoardNames, BoardRows};
use super::orders::{BoardRow, DealerBoard};
use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::orders::OrderDoc;

/// The name of the projection the board is read from.
const ORDERS: &str = "orders";

/// One dealer's board as last served.
#[derive(Default)]
struct Cached {
    /// The highest position of the documents it includes.
    seen: Position,
    /// The orders projection's checkpoint before it was read: while the checkpoint stays
    /// there, nothing was committed since and the board is served without a query.
    checkpoint: u64,
    rows: BoardRows,
    /// The board as JSON (all rows), built by the first request that wants it after a change.
    json: Option<Arc<[u8]>>,
}

/// The boards served last, per dealer. Cheap to clone (shared).
#[derive(Clone, Default)]
pub(crate) struct BoardCache {
    boards: Arc<Mutex<HashMap<DealerId, Cached>>>,
    /// Held while a board is refreshed or read: requests that arrive meanwhile wait and then
    /// find it fresh, instead of each computing the same board (under load, many copies of a
    /// large board in flight is what exhausts memory and time).
    refreshing: Arc<tokio::sync::Mutex<()>>,
}

impl BoardCache {
    fn lock(&self) -> MutexGuard<'_, HashMap<DealerId, Cached>> {
        self.boards
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What a request wants of the board.
enum Want<'a, 'n> {
    Typed,
    Json(Option<OrderStatus>),
    Named(Option<OrderStatus>, &'a BoardNames<'n>),
}

/// What it gets.
enum Got {
    Typed(DealerBoard),
    Json(Arc<[u8]>),
    Named(Vec<u8>),
}

fn encoding(e: serde_json::Error) -> ReadModelError {
    ReadModelError::Backend(format!("the board cannot be encoded: {e}"))
}

impl ReadModels {
    /// The board of a dealer: every order it delivers, newest first, with counts per status.
    /// Builds the typed board from the kept rows (a copy of every row): the API serves
    /// [`ReadModels::dealer_board_named`]; this is for the rare caller that wants the types
    /// (the bench's checks, tests, the API's naming without a runner).
    pub async fn dealer_board(
        &self,
        dealer: &DealerId,
    ) -> Result<Arc<DealerBoard>, ReadModelError> {
        match self.cached_board(dealer, Want::Typed).await? {
            Got::Typed(board) => Ok(Arc::new(board)),
            _ => Err(ReadModelError::Backend("the board was not typed".into())),
        }
    }

    /// [`ReadModels::dealer_board`] as JSON (without names); built once per change of the
    /// board, however often it is read.
    pub async fn dealer_board_json(&self, dealer: &DealerId) -> Result<Arc<[u8]>, ReadModelError> {
        self.dealer_board_json_except(dealer, None).await
    }

    /// [`ReadModels::dealer_board_json`] without the rows of `except` (the counts still
    /// count them); without `except`, the shared JSON of the whole board.
    pub async fn dealer_board_json_except(
        &self,
        dealer: &DealerId,
        except: Option<OrderStatus>,
    ) -> Result<Arc<[u8]>, ReadModelError> {
        match self.cached_board(dealer, Want::Json(except)).await? {
            Got::Json(json) => Ok(json),
            _ => Err(ReadModelError::Backend("the board was not encoded".into())),
        }
    }

    /// [`ReadModels::dealer_board_json_except`] with names (`dealer_name`, and each row's
    /// `customer_name` that `names` knows): built per request from the kept rows' JSON, a
    /// copy of the answer with the names put in.
    pub async fn dealer_board_named(
        &self,
        dealer: &DealerId,
        except: Option<OrderStatus>,
        names: &BoardNames<'_>,
    ) -> Result<Vec<u8>, ReadModelError> {
        match self
            .cached_board(dealer, Want::Named(except, names))
            .await?
        {
            Got::Named(json) => Ok(json),
            _ => Err(ReadModelError::Backend("the board was not named".into())),
        }
    }

    /// The dealer's board, refreshed and made into what is wanted under the single-flight
    /// lock, so a burst of requests refreshes and encodes it once.
    async fn cached_board(
        &self,
        dealer: &DealerId,
        want: Want<'_, '_>,
    ) -> Result<Got, ReadModelError> {
        let _single_flight = self.boards.refreshing.lock().await;
        let checkpoint = self.progress().snapshot().checkpoint(ORDERS).map(|c| c.0);
        let seen = match checkpoint {
            Some(checkpoint) => {
                let mut boards = self.boards.lock();
                // A checkpoint that went back means the projection is being rebuilt.
                if boards
                    .get(dealer)
                    .is_some_and(|c| c.checkpoint > checkpoint)
                {
                    boards.clear();
                }
                match boards.get_mut(dealer) {
                    Some(cached) if cached.checkpoint == checkpoint => {
                        return serve(cached, dealer, want);
                    }
                    cached => cached.map(|c| c.seen),
                }
            }
            None => None,
        };
        let mut query = DocQuery::all().tag(0, dealer.as_str());
        if let Some(seen) = seen {
            query = query.changed_after(seen);
        }
        let changed = self.find_with_positions::<OrderDoc>(query).await?;
        let Some(checkpoint) = checkpoint else {
            // Nothing is kept without a runner: this board is for this request only.
            let mut board = Cached::default();
            fold(&mut board, &changed)?;
            return serve(&mut board, dealer, want);
        };
        let mut boards = self.boards.lock();
        let board = boards.entry(dealer.clone()).or_default();
        fold(board, &changed)?;
        board.checkpoint = checkpoint;
        serve(board, dealer, want)
    }
}

/// Folds the changed documents into the board, in place.
fn fold(board: &mut Cached, changed: &[(Position, OrderDoc)]) -> Result<(), ReadModelError> {
    for (position, doc) in changed {
        if board
            .rows
            .upsert(doc.placed_at, BoardRow::from(doc))
            .map_err(encoding)?
        {
            board.json = None;
        }
        board.seen = board.seen.max(*position);
    }
    Ok(())
}

/// What is wanted of the board; the JSON of the whole board is built once and kept.
fn serve(board: &mut Cached, dealer: &DealerId, want: Want<'_, '_>) -> Result<Got, ReadModelError> {
    match want {
        Want::Named(except, names) => Ok(Got::Named(
            board
                .rows
                .named_json(dealer, except, Some(names))
                .map_err(encoding)?,
        )),
        Want::Typed => Ok(Got::Typed(board.rows.board(dealer))),
        Want::Json(Some(except)) => Ok(Got::Json(
            board
                .rows
                .json(dealer, Some(except))
                .map_err(encoding)?
                .into(),
        )),
        Want::Json(None) => {
            if let Some(json) = &board.json {
                return Ok(Got::Json(Arc::clone(json)));
            }
            let json: Arc<[u8]> = board.rows.json(dealer, None).map_err(encoding)?.into();
            board.json = Some(Arc::clone(&json));
            Ok(Got::Json(json))
        }
    }
}
