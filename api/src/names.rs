//! Names instead of ids in what people read: the views keep ids (and sealed profiles), and
//! the API adds the customer's name (opened at read time, "erased customer" once erased)
//! and the dealer's name from the network, next to the ids.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use domain::order::OrderStatus;
use domain::values::{CustomerId, DealerId};
use projections::views::{BoardNames, CommissionStatement, InvoiceView, OrderView};
use store::Position;

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
        let name = name_of(people, &doc).await?;
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

/// The customers' names a dealer board is read with, kept up to date by the customer
/// documents changed since (`ReadModels::customers_changed_after`): a board read while
/// hundreds of orders a second arrive opens only the profiles that changed, not one per row.
///
/// **Why this is exact:** the customers projection commits documents and checkpoint in one
/// transaction, in log order, and a document's position is the last event that changed it,
/// so the documents changed after the highest position seen are every change since (the
/// board's own argument, `projections::views` board). The book is started again when a
/// name changes through this process (the profile is opened again, erased or not, without
/// waiting for the projection), and when the customers projection's checkpoint goes back
/// (a rebuild). Without a runner in the process (no checkpoint to watch) nothing is kept:
/// the board's customers are named as it is read.
#[derive(Clone, Default)]
pub struct NamedBoards {
    book: Arc<tokio::sync::Mutex<NameBook>>,
    /// Bumped whenever a person's name or erasure changes through this process.
    epoch: Arc<AtomicU64>,
}

#[derive(Default)]
struct NameBook {
    epoch: u64,
    /// The customers projection's checkpoint when the book was last brought up to date.
    checkpoint: u64,
    /// The highest position of the customer documents read.
    seen: Position,
    /// The name of every customer that has one (erased ones: [`ERASED_CUSTOMER`]).
    names: HashMap<CustomerId, String>,
}

impl NamedBoards {
    /// A name may have changed (a profile change, an erasure, a merge): read names again.
    pub fn names_changed(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }
}

/// The customers projection, whose documents hold the sealed profiles.
const CUSTOMERS: &str = "customers";

/// Brings the book up to date: opens the profiles of the customers changed since it was.
async fn update(state: &AppState, book: &mut NameBook) -> Result<(), ApiError> {
    let Some(people) = state.people.as_ref() else {
        return Ok(());
    };
    let epoch = state.named_boards.epoch.load(Ordering::SeqCst);
    let checkpoint = state.views.progress().snapshot().checkpoint(CUSTOMERS);
    let went_back = checkpoint.is_some_and(|c| c.0 < book.checkpoint);
    if book.epoch != epoch || went_back {
        *book = NameBook {
            epoch,
            ..NameBook::default()
        };
    } else if book.seen > Position(0) && checkpoint.is_some_and(|c| c.0 == book.checkpoint) {
        // Nothing was committed since the book was brought up to date.
        return Ok(());
    }
    let changed = state
        .views
        .customers_changed_after(book.seen)
        .await
        .map_err(read_error)?;
    for (position, doc) in changed {
        let name = name_of(people, &doc).await?;
        book.names.insert(doc.customer_id, name);
        book.seen = book.seen.max(position);
    }
    book.checkpoint = checkpoint.map_or(0, |c| c.0);
    Ok(())
}

/// A dealer's board JSON with `dealer_name` and each row's `customer_name`, without the
/// rows of `except` when given (the counts still count them).
pub async fn named_board(
    state: &AppState,
    dealer: &DealerId,
    except: Option<OrderStatus>,
) -> Result<Vec<u8>, ApiError> {
    if state
        .views
        .progress()
        .snapshot()
        .checkpoint(CUSTOMERS)
        .is_none()
    {
        let board = state.views.dealer_board(dealer).await.map_err(read_error)?;
        let customers = board.orders.iter().map(|r| r.customer_id.clone());
        let names = customer_names(state, customers.collect()).await?;
        return name_with(state, dealer, except, &names.into_iter().collect()).await;
    }
    let mut book = state.named_boards.book.lock().await;
    update(state, &mut book).await?;
    name_with(state, dealer, except, &book.names).await
}

/// The board named with `names`.
async fn name_with(
    state: &AppState,
    dealer: &DealerId,
    except: Option<OrderStatus>,
    names: &HashMap<CustomerId, String>,
) -> Result<Vec<u8>, ApiError> {
    let customer = |c: &CustomerId| names.get(c).map(String::as_str);
    let dealer_name = dealer_name(state, dealer);
    let names = BoardNames {
        dealer: dealer_name.as_deref(),
        customer: &customer,
    };
    state
        .views
        .dealer_board_named(dealer, except, &names)
        .await
        .map_err(read_error)
}

/// The name a page shows for the customer of `doc`: the profile opened, or
/// [`ERASED_CUSTOMER`] once erased (or its key shredded).
async fn name_of(
    people: &app::people::People,
    doc: &projections::models::customers::CustomerDoc,
) -> Result<String, ApiError> {
    Ok(match (&doc.profile, doc.erased) {
        (Some(sealed), false) => people
            .open_profile(&doc.customer_id, sealed)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .clear()
            .map_or_else(|| ERASED_CUSTOMER.to_owned(), |p| p.name.to_string()),
        _ => ERASED_CUSTOMER.to_owned(),
    })
}
