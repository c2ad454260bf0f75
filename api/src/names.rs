//! Names instead of ids in what people read: the views keep ids (and sealed profiles), and
//! the API adds the customer's name (opened at read time, "erased customer" once erased)
//! and the dealer's name from the network, next to the ids.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::values::{CustomerId, DealerId};
use projections::views::{CommissionStatement, InvoiceView, OrderView};

use crate::problem::ApiError;
use crate::routes::reads::read_error;
use crate::AppState;

/// What a person reads instead of the name of an erased customer.
pub const ERASED_CUSTOMER: &str = "erased customer";

/// The names of `customers` that are registered (an id without a record has none).
pub async fn customer_names(
    state: &AppState,
    customers: BTreeSet<CustomerId>,
) -> Result<BTreeMap<CustomerId, String>, ApiError> {
    let mut names = BTreeMap::new();
    let Some(people) = state.people.as_ref() else {
        return Ok(names);
    };
    let ids: Vec<CustomerId> = customers.into_iter().collect();
    for doc in state.views.customers(&ids).await.map_err(read_error)? {
        let name = match (&doc.profile, doc.erased) {
            (Some(sealed), false) => people
                .open_profile(&doc.customer_id, sealed)
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .clear()
                .map_or_else(|| ERASED_CUSTOMER.to_owned(), |p| p.name.to_string()),
            _ => ERASED_CUSTOMER.to_owned(),
        };
        names.insert(doc.customer_id, name);
    }
    Ok(names)
}

/// The dealer's name in the network.
pub fn dealer_name(state: &AppState, dealer: &DealerId) -> Option<String> {
    state.catalog.dealer(dealer).map(|d| d.name.clone())
}

/// Adds the customer's and the dealer's names to orders.
pub async fn name_orders(state: &AppState, orders: &mut [OrderView]) -> Result<(), ApiError> {
    let names = customer_names(
        state,
        orders.iter().map(|o| o.customer_id.clone()).collect(),
    )
    .await?;
    for order in orders {
        order.customer_name = names.get(&order.customer_id).cloned();
        order.dealer_name = dealer_name(state, &order.dealer_id);
    }
    Ok(())
}

/// Adds the customer's and the dealer's names to invoices.
pub async fn name_invoices(state: &AppState, invoices: &mut [InvoiceView]) -> Result<(), ApiError> {
    let names = customer_names(
        state,
        invoices.iter().map(|i| i.customer_id.clone()).collect(),
    )
    .await?;
    for invoice in invoices {
        invoice.customer_name = names.get(&invoice.customer_id).cloned();
        invoice.dealer_name = dealer_name(state, &invoice.dealer_id);
        // Who it is made out to: its own sealed billing identity, readable until the
        // invoice's retention ends (an erasure of the profile leaves it).
        if let (Some(people), Some(sealed)) = (state.people.as_ref(), invoice.billing.as_ref()) {
            invoice.billed_to = people
                .vault()
                .open_json::<app::people::BillingIdentity>(
                    invoice.customer_id.as_str(),
                    app::people::BILLING_FIELD,
                    sealed,
                )
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .clear()
                .map(|identity| identity.line());
        }
    }
    Ok(())
}

/// Adds the dealer's name to a commission statement.
pub fn name_statement(state: &AppState, statement: &mut CommissionStatement) {
    statement.dealer_name = dealer_name(state, &statement.dealer_id);
}

/// How long a named board is served without looking at the names again: a name changed
/// by another process (several `otd serve` on one database) shows within this time; one
/// changed through this process at once.
const NAMED_BOARD_TTL: Duration = Duration::from_secs(2);

/// The named JSON of each dealer's board, kept as long as the board itself (the same
/// encoded bytes), no name changed through this process, and [`NAMED_BOARD_TTL`]: a board
/// read at 100/s is named once per change, not per read.
#[derive(Clone, Default)]
pub struct NamedBoards {
    boards: Arc<Mutex<HashMap<DealerId, NamedBoard>>>,
    /// Bumped whenever a person's name or erasure changes through this process.
    epoch: Arc<AtomicU64>,
}

struct NamedBoard {
    source: Arc<[u8]>,
    epoch: u64,
    at: Instant,
    named: Arc<[u8]>,
}

impl NamedBoards {
    /// A name may have changed (a profile change, an erasure, a merge): name boards again.
    pub fn names_changed(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    fn get(&self, dealer: &DealerId, source: &Arc<[u8]>) -> Option<Arc<[u8]>> {
        let boards = self
            .boards
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        boards.get(dealer).and_then(|b| {
            (Arc::ptr_eq(&b.source, source)
                && b.epoch == self.epoch.load(Ordering::SeqCst)
                && b.at.elapsed() < NAMED_BOARD_TTL)
                .then(|| Arc::clone(&b.named))
        })
    }

    fn put(&self, dealer: &DealerId, source: Arc<[u8]>, epoch: u64, named: Arc<[u8]>) {
        let mut boards = self
            .boards
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        boards.insert(
            dealer.clone(),
            NamedBoard {
                source,
                epoch,
                at: Instant::now(),
                named,
            },
        );
    }
}

/// A dealer's board JSON with names ([`name_board`]), from the cache while it holds.
pub async fn named_board(
    state: &AppState,
    dealer: &DealerId,
    board: Arc<[u8]>,
) -> Result<Arc<[u8]>, ApiError> {
    if let Some(named) = state.named_boards.get(dealer, &board) {
        return Ok(named);
    }
    let epoch = state.named_boards.epoch.load(Ordering::SeqCst);
    let named: Arc<[u8]> = name_board(state, &board).await?.into();
    state
        .named_boards
        .put(dealer, board, epoch, Arc::clone(&named));
    Ok(named)
}

/// Adds `dealer_name` and each row's `customer_name` to a dealer board's JSON (the board is
/// kept as JSON text for speed).
pub async fn name_board(state: &AppState, board: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut json: serde_json::Value =
        serde_json::from_slice(board).map_err(|e| ApiError::Internal(e.to_string()))?;
    let customers: BTreeSet<CustomerId> = json["orders"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row["customer_id"].as_str())
        .filter_map(|id| CustomerId::parse(id).ok())
        .collect();
    let names = customer_names(state, customers).await?;
    if let Some(dealer) = json["dealer_id"]
        .as_str()
        .and_then(|d| DealerId::parse(d).ok())
    {
        if let Some(name) = dealer_name(state, &dealer) {
            json["dealer_name"] = name.into();
        }
    }
    for row in json["orders"].as_array_mut().into_iter().flatten() {
        let name = row["customer_id"]
            .as_str()
            .and_then(|id| CustomerId::parse(id).ok())
            .and_then(|id| names.get(&id).cloned());
        if let (Some(name), Some(object)) = (name, row.as_object_mut()) {
            object.insert("customer_name".into(), name.into());
        }
    }
    serde_json::to_vec(&json).map_err(|e| ApiError::Internal(e.to_string()))
}
