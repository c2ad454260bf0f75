//! Reading people: the customer 360, finding a dealer's customers, and the export of
//! everything held about a customer.

use app::people::Profile;
use app::vault::Opened;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use domain::customer::ConsentChange;
use domain::values::{CustomerId, DealerId, Email, Language, MarketCode, Phone};
use projections::models::customers::CustomerDoc;
use projections::views::{InvoiceFilter, InvoiceView, OrderFilter, OrderView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::people_input::AddressBody;
use super::reads::{caught_up, read_error};
use crate::auth::{Caller, Role};
use crate::extract::{AppPath, AppQuery};
use crate::people_access::{people, visible_customer};
use crate::problem::{ApiError, Problem};
use crate::AppState;

/// A marketing consent as recorded: given or withdrawn, when and where.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentView {
    pub granted: bool,
    pub at: DateTime<Utc>,
    /// `online`, `showroom` or `lead`.
    pub source: String,
}

/// Marketing consents per channel (`null`: never asked, so none). Transactional messages
/// need no consent.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ConsentsView {
    pub email: Option<ConsentView>,
    pub sms: Option<ConsentView>,
    pub phone: Option<ConsentView>,
}

impl ConsentsView {
    fn of(changes: &[ConsentChange]) -> ConsentsView {
        use domain::customer::MessageChannel;
        let view = |channel| {
            changes
                .iter()
                .find(|c| c.channel == channel)
                .map(|c| ConsentView {
                    granted: c.granted,
                    at: c.at,
                    source: serde_json::to_value(c.source)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                })
        };
        ConsentsView {
            email: view(MessageChannel::Email),
            sms: view(MessageChannel::Sms),
            phone: view(MessageChannel::Phone),
        }
    }
}

/// A handover, booked or done.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverView {
    #[schema(value_type = domain::values::OrderId)]
    pub order_id: String,
    #[schema(value_type = domain::values::DealerId)]
    pub dealer_id: String,
    pub at: Option<DateTime<Utc>>,
    pub delivered: bool,
}

/// The customer 360: everything about one customer on one page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Customer360 {
    #[schema(value_type = domain::values::CustomerId)]
    pub customer_id: String,
    /// `null` once erased (views then show "erased customer").
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = String, example = "de")]
    pub language: Language,
    #[schema(value_type = domain::values::MarketCode)]
    pub market: MarketCode,
    pub billing_address: Option<AddressBody>,
    pub consents: ConsentsView,
    /// Whether the customer signs in online, and whether the e-mail is verified.
    pub account: bool,
    pub verified: bool,
    /// The duplicates merged into this customer (their ids answer as this one).
    #[schema(value_type = Vec<domain::values::CustomerId>)]
    pub merged_ids: Vec<String>,
    pub orders: Vec<OrderView>,
    pub invoices: Vec<InvoiceView>,
    pub handovers: Vec<HandoverView>,
    /// The customer's leads (a dealer sees those at its outlet), newest first.
    pub leads: Vec<CustomerLead>,
    /// The customer's test drives (a dealer sees its own), latest first.
    pub test_drives: Vec<CustomerTestDrive>,
    /// Messages (filled as later work adds them).
    #[schema(value_type = Vec<Object>)]
    pub messages: Vec<serde_json::Value>,
    pub erased: bool,
    pub registered_at: DateTime<Utc>,
}

/// A lead in the customer 360.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerLead {
    #[serde(flatten)]
    pub lead: crate::routes::lead_views::LeadRow,
    #[schema(value_type = domain::values::DealerId)]
    pub dealer_id: String,
}

/// A test drive in the customer 360.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerTestDrive {
    #[schema(value_type = String)]
    pub test_drive_id: String,
    #[schema(value_type = domain::values::DealerId)]
    pub dealer_id: String,
    #[schema(value_type = String)]
    pub car_id: String,
    #[schema(value_type = domain::values::ModelCode)]
    pub model: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub status: domain::test_drive::TestDriveStatus,
    pub channel: domain::test_drive::BookingChannel,
    #[schema(value_type = Option<domain::values::LeadId>)]
    pub lead_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    pub min_position: Option<u64>,
}

/// The customer 360 (the customer, its dealers, planners, finance, admins). A merged id
/// answers with its survivor; an erased customer shows `erased: true` and no personal data.
#[utoipa::path(get, path = "/api/v1/customers/{customer_id}", tag = "people", security(("bearer" = [])),
    params(("customer_id" = CustomerId, Path), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = Customer360), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn customer_360(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(customer): AppPath<CustomerId>,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<Customer360>, ApiError> {
    caught_up(&state, q.min_position).await?;
    let doc = visible_customer(&state, &caller, &customer).await?;
    Ok(Json(view_of(&state, &caller, doc).await?))
}

/// Builds the 360 of `doc` as `caller` may see it (a dealer sees the orders and invoices
/// it sold or delivers, others all).
pub async fn view_of(
    state: &AppState,
    caller: &Caller,
    doc: CustomerDoc,
) -> Result<Customer360, ApiError> {
    let people = people(state)?;
    let profile = match (&doc.profile, doc.erased) {
        (Some(sealed), false) => people
            .open_profile(&doc.customer_id, sealed)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .clear(),
        _ => None,
    };
    let ids: Vec<CustomerId> = std::iter::once(doc.customer_id.clone())
        .chain(doc.absorbed.iter().cloned())
        .collect();
    let dealer = caller.dealer();
    let mut orders = Vec::new();
    let mut invoices = Vec::new();
    for id in &ids {
        let filter = OrderFilter {
            customer_id: Some(id.clone()),
            ..OrderFilter::default()
        };
        let found = state.views.orders(&filter).await.map_err(read_error)?;
        orders.extend(found.into_iter().filter(|o| match &dealer {
            Some(d) => &o.dealer_id == d || o.selling_dealer_id.as_ref() == Some(d),
            None => true,
        }));
        let filter = InvoiceFilter {
            customer_id: Some(id.clone()),
            ..InvoiceFilter::default()
        };
        let found = state.views.invoices(&filter).await.map_err(read_error)?;
        invoices.extend(found.into_iter().filter(|i| match &dealer {
            Some(d) => &i.dealer_id == d,
            None => true,
        }));
    }
    orders.sort_by_key(|o| std::cmp::Reverse(o.placed_at));
    crate::names::name_orders(state, &mut orders).await?;
    let name = profile.as_ref().map(|p| p.name.to_string());
    let (leads, test_drives) = crm_of(state, dealer.as_ref(), &ids, name.as_ref()).await?;
    crate::names::name_invoices(state, &mut invoices).await?;
    let handovers = orders
        .iter()
        .filter(|o| o.handover_at.is_some() || o.status == domain::order::OrderStatus::Delivered)
        .map(|o| HandoverView {
            order_id: o.order_id.to_string(),
            dealer_id: o.dealer_id.to_string(),
            at: o.handover_at,
            delivered: o.status == domain::order::OrderStatus::Delivered,
        })
        .collect();
    Ok(Customer360 {
        customer_id: doc.customer_id.to_string(),
        name: profile.as_ref().map(|p| p.name.to_string()),
        email: profile.as_ref().map(|p| p.email.as_str().to_owned()),
        phone: profile
            .as_ref()
            .and_then(|p| p.phone.as_ref().map(|p| p.as_str().to_owned())),
        language: doc.language,
        market: doc.market.clone(),
        billing_address: profile
            .as_ref()
            .and_then(|p| p.billing_address.as_ref().map(AddressBody::of)),
        consents: ConsentsView::of(&doc.consents),
        account: doc.account,
        verified: doc.verified,
        merged_ids: doc.absorbed.iter().map(ToString::to_string).collect(),
        orders,
        invoices,
        handovers,
        leads,
        test_drives,
        messages: Vec::new(),
        erased: doc.erased,
        registered_at: doc.registered_at,
    })
}

/// The leads and test drives of the customer's `ids` (only those at `dealer`, for a dealer).
async fn crm_of(
    state: &AppState,
    dealer: Option<&DealerId>,
    ids: &[CustomerId],
    name: Option<&String>,
) -> Result<(Vec<CustomerLead>, Vec<CustomerTestDrive>), ApiError> {
    let now = state.clock.now();
    let mut leads = Vec::new();
    let mut drives = Vec::new();
    for id in ids {
        for lead in state
            .views
            .leads_of_customer(id)
            .await
            .map_err(read_error)?
        {
            if dealer.is_some_and(|d| *d != lead.dealer_id) {
                continue;
            }
            leads.push(CustomerLead {
                lead: crate::routes::lead_views::row(&lead, name.cloned(), now),
                dealer_id: lead.dealer_id.to_string(),
            });
        }
        for drive in state
            .views
            .test_drives_of_customer(id)
            .await
            .map_err(read_error)?
        {
            if dealer.is_some_and(|d| *d != drive.dealer_id) {
                continue;
            }
            drives.push(CustomerTestDrive {
                test_drive_id: drive.test_drive_id.to_string(),
                dealer_id: drive.dealer_id.to_string(),
                car_id: drive.car_id.to_string(),
                model: drive.model.to_string(),
                start: drive.start,
                end: drive.end,
                status: drive.status,
                channel: drive.channel,
                lead_id: drive.lead_id.map(|l| l.to_string()),
            });
        }
    }
    leads.sort_by_key(|l| std::cmp::Reverse(l.lead.created_at));
    drives.sort_by_key(|d| std::cmp::Reverse(d.start));
    Ok((leads, drives))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// A name (or part of it), an e-mail address or a phone number; empty: every customer
    /// the caller may see.
    pub q: Option<String>,
    pub min_position: Option<u64>,
}

/// One customer found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerHit {
    #[schema(value_type = domain::values::CustomerId)]
    pub customer_id: String,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
}

/// The most customers one search answers with.
pub const MAX_HITS: usize = 200;

/// Finds customers by name, e-mail or phone: a dealer among its own customers, planners and
/// admins among all. Erased and merged-away customers are not found.
#[utoipa::path(get, path = "/api/v1/customers", tag = "people", security(("bearer" = [])),
    params(("q" = Option<String>, Query, description = "name (part), e-mail or phone"), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = [CustomerHit]), (status = 403, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<SearchQuery>,
) -> Result<Json<Vec<CustomerHit>>, ApiError> {
    caught_up(&state, q.min_position).await?;
    let people = people(&state)?;
    let candidates = match caller.role {
        Role::Dealer => {
            let dealer = caller
                .dealer()
                .ok_or_else(|| ApiError::Forbidden("not a dealer".into()))?;
            state.views.customers_of_dealer(&dealer).await
        }
        Role::Planner | Role::Admin => state.views.all_customers().await,
        Role::Customer | Role::Finance => {
            return Err(ApiError::Forbidden(
                "dealers, planners and admins search customers".into(),
            ))
        }
    }
    .map_err(read_error)?;
    let needle = Needle::of(q.q.as_deref().unwrap_or(""));
    let mut hits = Vec::new();
    for doc in candidates {
        let (false, None, Some(sealed)) = (doc.erased, &doc.merged_into, &doc.profile) else {
            continue;
        };
        let Opened::Clear(profile) = people
            .open_profile(&doc.customer_id, sealed)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
        else {
            continue;
        };
        if needle.matches(&profile, &doc.market) {
            hits.push(CustomerHit {
                customer_id: doc.customer_id.to_string(),
                name: profile.name.to_string(),
                email: profile.email.as_str().to_owned(),
                phone: profile.phone.as_ref().map(|p| p.as_str().to_owned()),
            });
            if hits.len() == MAX_HITS {
                break;
            }
        }
    }
    hits.sort_by_key(|hit| hit.name.to_lowercase());
    Ok(Json(hits))
}

/// What a search looks for.
enum Needle {
    Everything,
    Email(Email),
    Text(String),
}

impl Needle {
    fn of(q: &str) -> Needle {
        let q = q.trim();
        if q.is_empty() {
            return Needle::Everything;
        }
        if q.contains('@') {
            if let Ok(email) = Email::parse(q) {
                return Needle::Email(email);
            }
        }
        Needle::Text(q.to_lowercase())
    }

    fn matches(&self, profile: &Profile, market: &MarketCode) -> bool {
        match self {
            Needle::Everything => true,
            Needle::Email(email) => &profile.email == email,
            Needle::Text(text) => {
                if profile
                    .name
                    .to_string()
                    .to_lowercase()
                    .contains(text.as_str())
                    || profile.email.as_str().contains(text.as_str())
                {
                    return true;
                }
                match (&profile.phone, Phone::parse(text, Some(market))) {
                    (Some(phone), Ok(asked)) => phone == &asked,
                    (Some(phone), Err(_)) => {
                        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                        digits.len() >= 4 && phone.as_str().contains(&digits)
                    }
                    (None, _) => false,
                }
            }
        }
    }
}

/// Everything held about a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerExport {
    pub exported_at: DateTime<Utc>,
    pub customer: Customer360,
    /// Every marketing consent given or withdrawn, oldest first.
    #[schema(value_type = Vec<Object>)]
    pub consent_history: Vec<serde_json::Value>,
    /// The facts of the customer's own record, oldest first.
    pub record: Vec<RecordEntryView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordEntryView {
    pub position: u64,
    #[serde(rename = "type")]
    pub event_type: String,
    pub at: DateTime<Utc>,
}

/// Everything otd holds about a customer, as JSON (the customer, an admin): GDPR art. 15
/// and 20. Generated on request, never stored.
#[utoipa::path(get, path = "/api/v1/customers/{customer_id}/export", tag = "people", security(("bearer" = [])),
    params(("customer_id" = CustomerId, Path), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = CustomerExport), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "the customer was erased: nothing personal is left to export")))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(customer): AppPath<CustomerId>,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<CustomerExport>, ApiError> {
    if !matches!(caller.role, Role::Customer | Role::Admin) {
        return Err(ApiError::Forbidden(
            "only the customer or an admin exports a customer's data".into(),
        ));
    }
    caught_up(&state, q.min_position).await?;
    let doc = visible_customer(&state, &caller, &customer).await?;
    if doc.erased {
        return Err(ApiError::rule(
            "customer_erased",
            "the customer was erased: nothing personal is left to export",
        ));
    }
    let people = people(&state)?;
    let mut record = Vec::new();
    let mut consent_history = Vec::new();
    let ids: Vec<CustomerId> = std::iter::once(doc.customer_id.clone())
        .chain(doc.absorbed.iter().cloned())
        .collect();
    for id in &ids {
        for entry in people.record(id).await? {
            record.push(RecordEntryView {
                position: entry.position.0,
                event_type: entry.event_type,
                at: entry.at,
            });
        }
        let docs = state.views.customer(id).await.map_err(read_error)?;
        if let Some(d) = docs {
            consent_history.extend(
                d.consents
                    .iter()
                    .filter_map(|c| serde_json::to_value(c).ok()),
            );
        }
    }
    let customer = view_of(&state, &caller, doc).await?;
    Ok(Json(CustomerExport {
        exported_at: state.clock.now(),
        customer,
        consent_history,
        record,
    }))
}
