//! The lists that grow with the business: orders and invoices, scoped by role, filtered,
//! searched (`q`) and paged (`limit`, `offset`; the total in `X-Total-Count`, the next page
//! in `Link`, see [`crate::paging`]). Without `limit` a list answers every match.

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderName, HeaderValue};
use chrono::NaiveDate;
use domain::invoice::InvoiceStatus;
use domain::order::OrderStatus;
use domain::values::{Currency, CustomerId, DealerId, MarketCode, Money, OrderId};
use projections::views::{InvoiceFilter, InvoiceView, OrderFilter, OrderView};
use serde::Deserialize;

use crate::auth::{Caller, Role};
use crate::extract::AppQuery;
use crate::paging::{Page, Paged, Search};
use crate::problem::{ApiError, Problem};
use crate::routes::reads::{caught_up, read_error};
use crate::AppState;

/// The filters every growing list shares beside its own: market, a date range (inclusive),
/// a search text.
struct Narrowing {
    market: Option<MarketCode>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    search: Option<Search>,
}

impl Narrowing {
    fn new(
        market: Option<MarketCode>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        q: Option<&str>,
    ) -> Result<Narrowing, ApiError> {
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                return Err(ApiError::BadRequest(format!(
                    "`to` ({to}) is before `from` ({from})"
                )));
            }
        }
        Ok(Narrowing {
            market,
            from,
            to,
            search: Search::new(q),
        })
    }

    fn admits(&self, market: &MarketCode, day: NaiveDate) -> bool {
        self.market.as_ref().is_none_or(|m| m == market)
            && self.from.is_none_or(|from| day >= from)
            && self.to.is_none_or(|to| day <= to)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdersQuery {
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub status: Option<OrderStatus>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub dealer_id: Option<DealerId>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub customer_id: Option<CustomerId>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub selling_dealer_id: Option<DealerId>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub market: Option<MarketCode>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub to: Option<NaiveDate>,
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    pub min_position: Option<u64>,
}

/// Orders, scoped by role: a customer sees its own, a dealer those it delivers or sold.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])),
    params(("status" = Option<OrderStatus>, Query), ("dealer_id" = Option<DealerId>, Query, description = "the delivering dealer"),
        ("customer_id" = Option<CustomerId>, Query),
        ("selling_dealer_id" = Option<DealerId>, Query, description = "the dealer that placed the order in its showroom"),
        ("market" = Option<MarketCode>, Query),
        ("from" = Option<NaiveDate>, Query, description = "placed on or after this day"),
        ("to" = Option<NaiveDate>, Query, description = "placed on or before this day"),
        ("q" = Option<String>, Query, description = "search: order id or the 8 characters shown (its end), customer name or number, dealer name or id, model, status"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "page size; without it every match"),
        ("offset" = Option<u32>, Query, description = "matches to skip"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, description = "the orders, newest first", body = [OrderView],
        headers(("X-Total-Count" = u64, description = "matches before paging"),
            ("Link" = String, description = "`<…&offset=N>; rel=\"next\"` while a next page exists"))),
        (status = 400, body = Problem, description = "a malformed parameter, or a limit out of 1..=500")))]
pub async fn list_orders(
    State(state): State<AppState>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    AppQuery(q): AppQuery<OrdersQuery>,
) -> Result<Paged<OrderView>, ApiError> {
    let page = Page::new(q.limit, q.offset)?;
    let narrowing = Narrowing::new(q.market, q.from, q.to, q.q.as_deref())?;
    caught_up(&state, q.min_position).await?;
    let filter = OrderFilter {
        status: q.status,
        dealer_id: q.dealer_id,
        customer_id: q.customer_id,
        selling_dealer_id: q.selling_dealer_id,
    };
    let mut orders = visible_orders(&state, &caller, filter).await?;
    orders.retain(|o| narrowing.admits(&o.market, o.placed_at.date_naive()));
    let named = match &narrowing.search {
        Some(search) => {
            crate::names::name_orders(&state, &mut orders).await?;
            orders.retain(|o| order_matches(search, o));
            true
        }
        None => false,
    };
    let mut paged = page.cut(orders, &uri);
    if !named {
        crate::names::name_orders(&state, paged.items_mut()).await?;
    }
    Ok(paged)
}

/// The orders `caller` may list under `filter`, newest first.
async fn visible_orders(
    state: &AppState,
    caller: &Caller,
    mut filter: OrderFilter,
) -> Result<Vec<OrderView>, ApiError> {
    match caller.role {
        Role::Customer => {
            let mine = crate::access::customer_ids(state, caller).await?;
            let ids = match filter.customer_id.take() {
                Some(id) if mine.contains(&id) => vec![id],
                Some(_) => {
                    return Err(ApiError::Forbidden(
                        "a customer sees only its own orders".into(),
                    ))
                }
                None => mine,
            };
            let mut orders = Vec::new();
            for id in ids {
                filter.customer_id = Some(id);
                orders.extend(state.views.orders(&filter).await.map_err(read_error)?);
            }
            orders.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
            return Ok(orders);
        }
        Role::Dealer => {
            let me = caller
                .dealer()
                .ok_or_else(|| ApiError::Forbidden("not a dealer".into()))?;
            let mine = |d: &Option<DealerId>| d.as_ref() == Some(&me);
            if filter.dealer_id.is_none() && filter.selling_dealer_id.is_none() {
                return state
                    .views
                    .orders_of_dealer(&me, &filter)
                    .await
                    .map_err(read_error);
            }
            if !mine(&filter.dealer_id) && !mine(&filter.selling_dealer_id) {
                return Err(ApiError::Forbidden(
                    "a dealer sees only the orders it delivers or sold".into(),
                ));
            }
        }
        Role::Planner | Role::Finance => {}
        Role::Admin => {
            return Err(ApiError::Forbidden(
                "the admin role may not see orders".into(),
            ))
        }
    }
    state.views.orders(&filter).await.map_err(read_error)
}

/// What a person may type to find an order: its id (the 8 characters shown are its
/// end), the customer's name or number, the dealer's name or id, model, market, status.
fn order_matches(search: &Search, o: &OrderView) -> bool {
    let id = o.order_id.to_string();
    search.matches([
        id.as_str(),
        o.customer_name.as_deref().unwrap_or(""),
        o.customer_id.as_str(),
        o.dealer_name.as_deref().unwrap_or(""),
        o.dealer_id.as_str(),
        o.model.as_str(),
        o.market.as_str(),
        o.status.as_str(),
    ])
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoicesQuery {
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub order_id: Option<OrderId>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub status: Option<InvoiceStatus>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub dealer_id: Option<DealerId>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub market: Option<MarketCode>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub to: Option<NaiveDate>,
    pub paid: Option<bool>,
    pub newest_first: Option<bool>,
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    pub min_position: Option<u64>,
}

/// Invoices (finance; a customer sees its own), by number.
#[utoipa::path(get, path = "/api/v1/invoices", tag = "finance", security(("bearer" = [])),
    params(("order_id" = Option<OrderId>, Query), ("status" = Option<InvoiceStatus>, Query),
        ("dealer_id" = Option<DealerId>, Query, description = "the invoicing dealer"),
        ("market" = Option<MarketCode>, Query),
        ("from" = Option<NaiveDate>, Query, description = "issued on or after this day"),
        ("to" = Option<NaiveDate>, Query, description = "issued on or before this day"),
        ("paid" = Option<bool>, Query, description = "true: only invoices with a payment received (the payments list); false: none received"),
        ("newest_first" = Option<bool>, Query, description = "true: highest number first"),
        ("q" = Option<String>, Query, description = "search: invoice number, order id or the 8 characters shown (its end), customer name or number, dealer name or id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "page size; without it every match"),
        ("offset" = Option<u32>, Query, description = "matches to skip"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = [InvoiceView],
        headers(("X-Total-Count" = u64, description = "matches before paging"),
            ("Link" = String, description = "`<…&offset=N>; rel=\"next\"` while a next page exists"),
            ("X-Total-Gross" = String, description = "the gross of every match (not only the page) per currency, in minor units: `EUR=5652500, CNY=30510000` (empty when nothing matched)"),
            ("X-Total-Outstanding" = String, description = "what is outstanding on every match per currency, in minor units, as `X-Total-Gross`"))),
        (status = 400, body = Problem, description = "a malformed parameter, or a limit out of 1..=500")))]
pub async fn list_invoices(
    State(state): State<AppState>,
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    AppQuery(q): AppQuery<InvoicesQuery>,
) -> Result<Paged<InvoiceView>, ApiError> {
    let page = Page::new(q.limit, q.offset)?;
    let narrowing = Narrowing::new(q.market, q.from, q.to, q.q.as_deref())?;
    let mut filter = InvoiceFilter {
        order_id: q.order_id,
        status: q.status,
        customer_id: None,
    };
    // A customer's invoices are those of every id it answers for.
    let customers = match caller.role {
        Role::Finance => vec![None],
        Role::Customer => crate::access::customer_ids(&state, &caller)
            .await?
            .into_iter()
            .map(Some)
            .collect(),
        Role::Dealer | Role::Planner | Role::Admin => {
            return Err(ApiError::Forbidden(
                "finance and the invoiced customer see invoices".into(),
            ))
        }
    };
    caught_up(&state, q.min_position).await?;
    let mut invoices = Vec::new();
    for customer in customers {
        filter.customer_id = customer;
        invoices.extend(state.views.invoices(&filter).await.map_err(read_error)?);
    }
    invoices.retain(|i| {
        narrowing.admits(&i.market, i.issued_on)
            && q.dealer_id.as_ref().is_none_or(|d| *d == i.dealer_id)
            && q.paid.is_none_or(|paid| paid == (i.paid.amount_minor > 0))
    });
    if q.newest_first == Some(true) {
        invoices.sort_by(|a, b| b.number.cmp(&a.number));
    }
    let named = match &narrowing.search {
        Some(search) => {
            crate::names::name_invoices(&state, &mut invoices).await?;
            invoices.retain(|i| invoice_matches(search, i));
            true
        }
        None => false,
    };
    let totals = [
        (TOTAL_GROSS, per_currency(invoices.iter().map(|i| i.gross))),
        (
            TOTAL_OUTSTANDING,
            per_currency(invoices.iter().map(|i| i.outstanding)),
        ),
    ];
    let mut paged = page.cut(invoices, &uri);
    paged.extra.extend(totals);
    if !named {
        crate::names::name_invoices(&state, paged.items_mut()).await?;
    }
    Ok(paged)
}

/// The header with the gross of every matching invoice, per currency.
pub const TOTAL_GROSS: HeaderName = HeaderName::from_static("x-total-gross");
/// The header with what is outstanding on every matching invoice, per currency.
pub const TOTAL_OUTSTANDING: HeaderName = HeaderName::from_static("x-total-outstanding");

/// `EUR=5652500, CNY=30510000`: the sum per currency in minor units, currencies in the
/// order met, never two currencies added together (empty when nothing matched).
fn per_currency(amounts: impl Iterator<Item = Money>) -> HeaderValue {
    let mut sums: Vec<(Currency, i128)> = Vec::new();
    for m in amounts {
        match sums.iter_mut().find(|(c, _)| *c == m.currency) {
            Some((_, sum)) => *sum += i128::from(m.amount_minor),
            None => sums.push((m.currency, i128::from(m.amount_minor))),
        }
    }
    let text: Vec<String> = sums.iter().map(|(c, sum)| format!("{c}={sum}")).collect();
    HeaderValue::from_str(&text.join(", ")).unwrap_or(HeaderValue::from_static(""))
}

/// What a person may type to find an invoice: its number, the order's id (or its start),
/// the customer's name or number, the dealer's name or id.
fn invoice_matches(search: &Search, i: &InvoiceView) -> bool {
    let number = i.number.to_string();
    let order = i.order_id.to_string();
    search.matches([
        number.as_str(),
        order.as_str(),
        i.customer_name.as_deref().unwrap_or(""),
        i.customer_id.as_str(),
        i.dealer_name.as_deref().unwrap_or(""),
        i.dealer_id.as_str(),
    ])
}
