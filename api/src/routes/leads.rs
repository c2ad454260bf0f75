//! Leads: opening one (a dealer, a customer, or anyone through the web form), the dealer's
//! inbox and a lead's detail, and the staff's work on it (contacts, assignment, lost).
//!
//! Who may do what: a dealer's staff work their outlet's leads (someone else's outlet: 403);
//! within the outlet the lead aggregate decides (a lead assigned to another consultant:
//! 403 `assigned_to_another`; assigning and deciding "lost": 403 `manager_only`). In the
//! inbox a consultant sees their own and the unassigned leads, a manager (or the outlet's
//! shared account) all of the outlet's.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use domain::customer::{Channel, ConsentChoice};
use domain::lead::{ContactChannel, Grade, LeadSource};
use domain::values::{CustomerId, DealerId, Language, LeadId, ModelCode, UserId};
use serde::Deserialize;
use utoipa::ToSchema;

use super::lead_views::{detail, row, LeadChangedView, LeadDetail, LeadOpenedView, LeadRow};
use super::people_input::{parse_email, parse_name, parse_phone};
use super::reads::{caught_up, read_error};
use crate::auth::{Caller, MaybeCaller, Role};
use crate::extract::{AppJson, AppPath, AppQuery};
use crate::people_access::people;
use crate::problem::{ApiError, Problem};
use crate::{metadata, new_id, AppState};
use app::leads::{Contact, LeadCustomer, NewLead, Staff};
use app::people::{NewCustomer, Profile};
use projections::views::LeadFilter;

/// `POST /api/v1/leads`: a known customer (`customer_id`) or a person (`name` and `email`,
/// `phone` optional), found or registered by e-mail or phone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLeadBody {
    #[schema(value_type = Option<domain::values::CustomerId>)]
    pub customer_id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The language of a person registered by the lead (default: the market's).
    #[schema(value_type = Option<String>, example = "de")]
    pub language: Option<Language>,
    #[schema(value_type = domain::values::DealerId)]
    pub dealer_id: String,
    #[schema(value_type = domain::values::ModelCode)]
    pub model: String,
    pub source: LeadSource,
    /// H, A, B, C or D (default D).
    #[schema(value_type = Option<String>, example = "B")]
    pub grade: Option<String>,
    pub note: Option<String>,
}

/// `POST /api/v1/leads/{lead_id}/contacts`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    pub channel: ContactChannel,
    pub note: Option<String>,
    /// A new grade, H to D.
    #[schema(value_type = Option<String>, example = "A")]
    pub grade: Option<String>,
}

/// `POST /api/v1/leads/{lead_id}/assign`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    #[schema(value_type = domain::values::UserId)]
    pub user_id: String,
}

/// `POST /api/v1/leads/{lead_id}/lost`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LostBody {
    pub reason: String,
}

/// `POST /api/v1/leads/{lead_id}/lost/approve`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideLostBody {
    /// `true`: the lead is lost (F); `false`: it stays in its grade.
    pub approve: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadsQuery {
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub dealer_id: Option<DealerId>,
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub grade: Option<String>,
    /// `true` or `false`.
    #[serde(default, deserialize_with = "crate::extract::empty_as_none")]
    pub overdue: Option<String>,
    pub min_position: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    pub min_position: Option<u64>,
}

/// A grade named in a body or a query; F and S are the aggregate's to refuse.
fn grade(s: &str) -> Result<Grade, ApiError> {
    Grade::parse(s).map_err(|e| ApiError::BadRequest(e.to_string()))
}

fn bad<E: std::fmt::Display>(e: E) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

/// The staff member a dealer token stands for (403 for every other role).
pub fn staff(caller: &Caller) -> Result<Staff, ApiError> {
    let dealer = caller.dealer().ok_or_else(|| {
        ApiError::Forbidden(format!("the {} role does not work leads", caller.role))
    })?;
    Ok(Staff {
        dealer,
        user: caller.user.clone(),
        manager: caller.manager,
    })
}

/// The language a person registered in `market` reads by default.
fn market_language(market: &domain::values::MarketCode) -> Language {
    match market.as_str() {
        "DE" | "AT" | "CH" => Language::De,
        "CN" => Language::Zh,
        _ => Language::En,
    }
}

/// Opens a lead: a dealer for its outlet (a consultant's own lead stays theirs), a customer
/// for itself, or anyone through the web form (name and e-mail; the person is found or
/// registered, never recorded twice). It is to be answered within 2 hours (`respond_by`).
#[utoipa::path(post, path = "/api/v1/leads", tag = "leads", request_body = NewLeadBody,
    responses((status = 201, body = LeadOpenedView),
        (status = 400, body = Problem, description = "a malformed id or grade; neither `customer_id` nor `name` and `email`"),
        (status = 403, body = Problem, description = "another dealer's outlet, another customer, a staff role other than dealer"),
        (status = 404, body = Problem, description = "no such customer"),
        (status = 422, body = Problem, description = "unknown dealer (`unknown_dealer`) or model, a closed grade (`grade_not_allowed`), a malformed e-mail or phone")))]
pub async fn create(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    headers: HeaderMap,
    AppJson(body): AppJson<NewLeadBody>,
) -> Result<(StatusCode, Json<LeadOpenedView>), ApiError> {
    let people = people(&state)?;
    let dealer = DealerId::parse(&body.dealer_id).map_err(bad)?;
    let assigned_to = may_open(caller.as_ref(), &body, &dealer)?;
    let customer = lead_customer(&state, caller.as_ref(), &body, &dealer)?;
    let metadata = caller
        .as_ref()
        .map_or_else(crate::anonymous_metadata, metadata);
    let anyone = Caller::of(Role::Customer, "web-form");
    let lead = LeadId::from_uuid(new_id(caller.as_ref().unwrap_or(&anyone), &headers, "lead"));
    let new = NewLead {
        lead,
        customer,
        dealer,
        model: ModelCode::parse(&body.model).map_err(bad)?,
        source: body.source,
        grade: body.grade.as_deref().map(grade).transpose()?,
        note: body.note,
        assigned_to,
    };
    let opened = people.open_lead(new, &metadata).await?;
    Ok((StatusCode::CREATED, Json(LeadOpenedView::of(&opened))))
}

/// Whether `caller` may open the lead `body` describes at `dealer`: a dealer for its own
/// outlet, a customer for itself, anyone through the web form (naming a person, not a
/// customer id). Answers who the lead goes to: the consultant who opens it.
fn may_open(
    caller: Option<&Caller>,
    body: &NewLeadBody,
    dealer: &DealerId,
) -> Result<Option<UserId>, ApiError> {
    match caller {
        Some(c) if c.role == Role::Dealer => {
            if c.dealer().as_ref() != Some(dealer) {
                return Err(ApiError::Forbidden(
                    "a dealer opens leads for its own outlet".into(),
                ));
            }
            Ok(c.user.clone().filter(|_| !c.manager))
        }
        Some(c) if c.role == Role::Customer => {
            let me = c.customer().map(|me| me.to_string());
            match (&me, body.customer_id.as_ref()) {
                (None, _) => Err(ApiError::Forbidden("not a customer".into())),
                (Some(me), Some(id)) if id != me => Err(ApiError::Forbidden(
                    "a customer opens leads only for itself".into(),
                )),
                _ => Ok(None),
            }
        }
        Some(c) => Err(ApiError::Forbidden(format!(
            "the {} role does not open leads",
            c.role
        ))),
        None if body.customer_id.is_some() => Err(ApiError::Forbidden(
            "the web form names the person (name and e-mail), not a customer id".into(),
        )),
        None => Ok(None),
    }
}

/// Who the lead is about: the customer id given (or the calling customer), else the person
/// named by `name` and `email` (registered in the dealer's market when new).
fn lead_customer(
    state: &AppState,
    caller: Option<&Caller>,
    body: &NewLeadBody,
    dealer: &DealerId,
) -> Result<LeadCustomer, ApiError> {
    if let Some(id) = &body.customer_id {
        return Ok(LeadCustomer::Known(CustomerId::parse(id).map_err(bad)?));
    }
    if let Some(me) = caller.and_then(Caller::customer) {
        return Ok(LeadCustomer::Known(me));
    }
    let market = state
        .catalog
        .dealer(dealer)
        .map(|d| d.market.clone())
        .ok_or_else(|| {
            ApiError::rule(
                "unknown_dealer",
                format!("dealer {dealer} is not in the catalog"),
            )
        })?;
    let (Some(name), Some(email)) = (&body.name, &body.email) else {
        return Err(ApiError::BadRequest(
            "a lead names its customer: customer_id, or name and email".into(),
        ));
    };
    let profile = Profile {
        name: parse_name(name)?,
        email: parse_email(email)?,
        phone: body
            .phone
            .as_deref()
            .map(|p| parse_phone(p, &market))
            .transpose()?,
        billing_address: None,
    };
    Ok(LeadCustomer::Person(Box::new(NewCustomer {
        customer: super::customers::fresh_customer(),
        profile,
        language: body.language.unwrap_or_else(|| market_language(&market)),
        market,
        consents: ConsentChoice::default(),
        channel: Channel::Lead {
            dealer: dealer.clone(),
        },
        password: None,
    })))
}

/// A dealer's leads, overdue follow-ups first (then the soonest due): a consultant sees
/// their own and the unassigned ones, a manager and the outlet's shared account all of the
/// outlet's.
#[utoipa::path(get, path = "/api/v1/leads", tag = "leads", security(("bearer" = [])),
    params(("dealer_id" = Option<DealerId>, Query, description = "the caller's outlet (default)"),
        ("grade" = Option<String>, Query, description = "H, A, B, C, D, F or S"),
        ("overdue" = Option<bool>, Query, description = "only leads whose follow-up is overdue (or not)"),
        ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = [LeadRow]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    AppQuery(q): AppQuery<LeadsQuery>,
) -> Result<Json<Vec<LeadRow>>, ApiError> {
    caught_up(&state, q.min_position).await?;
    let me = staff(&caller)?;
    if q.dealer_id.as_ref().is_some_and(|d| *d != me.dealer) {
        return Err(ApiError::Forbidden(
            "a dealer sees only its own leads".into(),
        ));
    }
    let wanted = match q.overdue.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "overdue is true or false, not {other:?}"
            )))
        }
    };
    let consultant = me.user.clone().filter(|_| !me.manager);
    let filter = LeadFilter {
        grade: q.grade.as_deref().map(grade).transpose()?,
        unassigned_too: consultant.is_some(),
        assigned_to: consultant,
        open_only: false,
    };
    let now = state.clock.now();
    let leads = state
        .views
        .leads_of_dealer(&me.dealer, &filter)
        .await
        .map_err(read_error)?;
    let mut rows = Vec::new();
    let names = crate::names::customer_names(
        &state,
        leads.iter().map(|l| l.customer_id.clone()).collect(),
    )
    .await?;
    for lead in leads {
        let overdue = lead.overdue(now);
        if wanted.is_some_and(|wanted| wanted != overdue) {
            continue;
        }
        rows.push(row(&lead, names.get(&lead.customer_id).cloned(), now));
    }
    rows.sort_by_key(|r| (!r.overdue, r.next_follow_up.is_none(), r.next_follow_up));
    Ok(Json(rows))
}

/// One lead with its contacts, regrades, test drives, the pending "lost" request and the
/// 2-hour answer (its outlet's staff; a consultant not their own assigned lead: 403).
#[utoipa::path(get, path = "/api/v1/leads/{lead_id}", tag = "leads", security(("bearer" = [])),
    params(("lead_id" = LeadId, Path), ("min_position" = Option<u64>, Query)),
    responses((status = 200, body = LeadDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_lead(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(lead): AppPath<LeadId>,
    AppQuery(q): AppQuery<AtQuery>,
) -> Result<Json<LeadDetail>, ApiError> {
    caught_up(&state, q.min_position).await?;
    let me = staff(&caller)?;
    let doc = state
        .views
        .lead(&lead)
        .await
        .map_err(read_error)?
        .ok_or_else(|| ApiError::NotFound(format!("lead {lead}")))?;
    let others = match (&doc.assigned_to, &me.user) {
        (Some(assignee), Some(user)) => assignee != user && !me.manager,
        _ => false,
    };
    if doc.dealer_id != me.dealer || others {
        return Err(ApiError::Forbidden(format!("lead {lead} is not yours")));
    }
    Ok(Json(detail(&state, doc).await?))
}

/// Records a contact on a lead: the first one answers the 2-hour rule; a consultant's
/// contact takes an unassigned lead; it may regrade (H to D).
#[utoipa::path(post, path = "/api/v1/leads/{lead_id}/contacts", tag = "leads", request_body = ContactBody,
    security(("bearer" = [])), params(("lead_id" = LeadId, Path)),
    responses((status = 200, body = LeadChangedView),
        (status = 403, body = Problem, description = "another outlet's lead, or assigned to another consultant (`assigned_to_another`)"),
        (status = 404, body = Problem),
        (status = 422, body = Problem, description = "a closed lead (`lead_closed`), F or S as a grade (`grade_not_allowed`)")))]
pub async fn contact(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(lead): AppPath<LeadId>,
    AppJson(body): AppJson<ContactBody>,
) -> Result<Json<LeadChangedView>, ApiError> {
    let me = staff(&caller)?;
    let contact = Contact {
        channel: body.channel,
        note: body.note,
        grade: body.grade.as_deref().map(grade).transpose()?,
    };
    let changed = people(&state)?
        .record_contact(lead, &me, contact, &metadata(&caller))
        .await?;
    Ok(Json(LeadChangedView::of(&changed)))
}

/// Gives a lead to a consultant of the outlet (the outlet's manager).
#[utoipa::path(post, path = "/api/v1/leads/{lead_id}/assign", tag = "leads", request_body = AssignBody,
    security(("bearer" = [])), params(("lead_id" = LeadId, Path)),
    responses((status = 200, body = LeadChangedView),
        (status = 403, body = Problem, description = "not the outlet's manager (`manager_only`)"),
        (status = 404, body = Problem),
        (status = 422, body = Problem, description = "not a consultant of the outlet (`assignee_not_at_dealer`), a closed lead")))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(lead): AppPath<LeadId>,
    AppJson(body): AppJson<AssignBody>,
) -> Result<Json<LeadChangedView>, ApiError> {
    let me = staff(&caller)?;
    let user = UserId::parse(&body.user_id).map_err(bad)?;
    let changed = people(&state)?
        .assign_lead(lead, &me, user, &metadata(&caller))
        .await?;
    Ok(Json(LeadChangedView::of(&changed)))
}

/// Asks for a lead to be closed as lost; it keeps its grade until a manager decides.
#[utoipa::path(post, path = "/api/v1/leads/{lead_id}/lost", tag = "leads", request_body = LostBody,
    security(("bearer" = [])), params(("lead_id" = LeadId, Path)),
    responses((status = 200, body = LeadChangedView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "no reason (`reason_missing`), a request pending (`lost_already_requested`), a closed lead")))]
pub async fn request_lost(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(lead): AppPath<LeadId>,
    AppJson(body): AppJson<LostBody>,
) -> Result<Json<LeadChangedView>, ApiError> {
    let me = staff(&caller)?;
    let changed = people(&state)?
        .request_lost(lead, &me, body.reason, &metadata(&caller))
        .await?;
    Ok(Json(LeadChangedView::of(&changed)))
}

/// Approves (the lead is lost: F) or refuses the request (the outlet's manager, their own
/// request included; a consultant never).
#[utoipa::path(post, path = "/api/v1/leads/{lead_id}/lost/approve", tag = "leads", request_body = DecideLostBody,
    security(("bearer" = [])), params(("lead_id" = LeadId, Path)),
    responses((status = 200, body = LeadChangedView),
        (status = 403, body = Problem, description = "not the outlet's manager (`manager_only`)"),
        (status = 404, body = Problem),
        (status = 422, body = Problem, description = "nothing requested (`no_lost_request`), a closed lead")))]
pub async fn decide_lost(
    State(state): State<AppState>,
    caller: Caller,
    AppPath(lead): AppPath<LeadId>,
    AppJson(body): AppJson<DecideLostBody>,
) -> Result<Json<LeadChangedView>, ApiError> {
    let me = staff(&caller)?;
    let changed = people(&state)?
        .decide_lost(lead, &me, body.approve, &metadata(&caller))
        .await?;
    Ok(Json(LeadChangedView::of(&changed)))
}
