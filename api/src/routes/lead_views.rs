//! How leads read over HTTP: the inbox row, the detail (notes opened with the customer's
//! key), and the answers of the lead commands.

use chrono::{DateTime, Utc};
use domain::lead::{ContactChannel, Grade, LeadSource};
use projections::models::leads::LeadDoc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::people_access::people;
use crate::problem::ApiError;
use crate::AppState;
use app::leads::{LeadChanged, LeadOpened, NOTE_FIELD};
use app::vault::Opened;

/// What a note reads once its customer was erased.
const SHREDDED: &str = "(erased)";

/// A lead in the dealer's inbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadRow {
    #[schema(value_type = domain::values::LeadId)]
    pub lead_id: String,
    #[schema(value_type = domain::values::CustomerId)]
    pub customer_id: String,
    /// The customer's name (`null` when it cannot be read).
    pub name: Option<String>,
    #[schema(value_type = domain::values::ModelCode)]
    pub model: String,
    pub source: LeadSource,
    #[schema(value_type = String, example = "B")]
    pub grade: Grade,
    #[schema(value_type = Option<domain::values::UserId>)]
    pub assigned_to: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the first answer is due (creation + 2 h).
    pub respond_by: DateTime<Utc>,
    /// Whether the first answer was given.
    pub answered: bool,
    /// Seconds left to answer (negative: late); `null` once answered or closed.
    pub respond_in_seconds: Option<i64>,
    /// Before the first contact `respond_by`, after it the last contact + the grade's
    /// interval; `null` once closed.
    pub next_follow_up: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub sla_breached: bool,
    /// A request to close the lead as lost waits for a manager.
    pub lost_requested: bool,
}

/// The lead's inbox row at `now`.
pub fn row(lead: &LeadDoc, name: Option<String>, now: DateTime<Utc>) -> LeadRow {
    LeadRow {
        lead_id: lead.lead_id.to_string(),
        customer_id: lead.customer_id.to_string(),
        name,
        model: lead.model.to_string(),
        source: lead.source,
        grade: lead.grade,
        assigned_to: lead.assigned_to.as_ref().map(ToString::to_string),
        created_at: lead.created_at,
        respond_by: lead.respond_by,
        answered: lead.first_contact_at.is_some(),
        respond_in_seconds: lead
            .unanswered()
            .then(|| (lead.respond_by - now).num_seconds()),
        next_follow_up: lead.next_follow_up,
        overdue: lead.overdue(now),
        sla_breached: lead.sla_breached,
        lost_requested: lead.lost_request.is_some(),
    }
}

/// One contact.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    #[schema(value_type = Option<domain::values::UserId>)]
    pub by: Option<String>,
    pub channel: ContactChannel,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// One change of grade.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegradeView {
    #[schema(value_type = String)]
    pub from: Grade,
    #[schema(value_type = String)]
    pub to: Grade,
    /// `null`: the engine (an online booking raised it).
    #[schema(value_type = Option<domain::values::UserId>)]
    pub by: Option<String>,
    pub at: DateTime<Utc>,
}

/// A request to close the lead as lost, waiting for a manager.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LostRequestView {
    #[schema(value_type = Option<domain::values::UserId>)]
    pub by: Option<String>,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// The 2-hour answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlaView {
    pub respond_by: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub first_response_seconds: Option<i64>,
    pub in_time: Option<bool>,
    pub breached: bool,
    pub breached_at: Option<DateTime<Utc>>,
}

/// One lead in full.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadDetail {
    #[serde(flatten)]
    pub lead: LeadRow,
    #[schema(value_type = domain::values::DealerId)]
    pub dealer_id: String,
    pub note: Option<String>,
    pub sla: SlaView,
    pub lost_request: Option<LostRequestView>,
    pub lost_reason: Option<String>,
    #[schema(value_type = Option<domain::values::OrderId>)]
    pub sold_order: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub contacts: Vec<ContactView>,
    pub regrades: Vec<RegradeView>,
    #[schema(value_type = Vec<String>)]
    pub test_drives: Vec<String>,
}

/// The detail of `doc`, its notes opened.
pub async fn detail(state: &AppState, doc: LeadDoc) -> Result<LeadDetail, ApiError> {
    let now = state.clock.now();
    let names = crate::names::customer_names(state, [doc.customer_id.clone()].into()).await?;
    let mut contacts = Vec::new();
    for c in &doc.contacts {
        contacts.push(ContactView {
            by: c.by.as_ref().map(ToString::to_string),
            channel: c.channel,
            at: c.at,
            note: open_note(state, &doc, c.note.as_ref()).await?,
        });
    }
    let note = open_note(state, &doc, doc.note.as_ref()).await?;
    Ok(LeadDetail {
        lead: row(&doc, names.get(&doc.customer_id).cloned(), now),
        dealer_id: doc.dealer_id.to_string(),
        note,
        sla: SlaView {
            respond_by: doc.respond_by,
            answered_at: doc.first_contact_at,
            first_response_seconds: doc.first_response_seconds,
            in_time: doc.answered_in_time,
            breached: doc.sla_breached,
            breached_at: doc.breached_at,
        },
        lost_request: doc.lost_request.as_ref().map(|r| LostRequestView {
            by: r.by.as_ref().map(ToString::to_string),
            reason: r.reason.clone(),
            at: r.at,
        }),
        lost_reason: doc.lost_reason.clone(),
        sold_order: doc.sold_order.map(|o| o.to_string()),
        closed_at: doc.closed_at,
        contacts,
        regrades: doc
            .regrades
            .iter()
            .map(|r| RegradeView {
                from: r.from,
                to: r.to,
                by: r.by.as_ref().map(ToString::to_string),
                at: r.at,
            })
            .collect(),
        test_drives: doc.test_drives.iter().map(ToString::to_string).collect(),
    })
}

/// A note about the lead's customer, opened with the customer's key.
async fn open_note(
    state: &AppState,
    doc: &LeadDoc,
    sealed: Option<&domain::values::Sealed>,
) -> Result<Option<String>, ApiError> {
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let opened = people(state)?
        .vault()
        .open(doc.customer_id.as_str(), NOTE_FIELD, sealed)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Some(match opened {
        Opened::Clear(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Opened::Shredded => SHREDDED.to_owned(),
    }))
}

/// The answer to opening a lead.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadOpenedView {
    #[schema(value_type = domain::values::LeadId)]
    pub lead_id: String,
    #[schema(value_type = domain::values::CustomerId)]
    pub customer_id: String,
    /// Whether the lead registered the person (`false`: found by id, e-mail or phone).
    pub customer_created: bool,
    #[schema(value_type = String, example = "D")]
    pub grade: Grade,
    pub respond_by: DateTime<Utc>,
    pub position: u64,
}

impl LeadOpenedView {
    pub fn of(opened: &LeadOpened) -> Self {
        LeadOpenedView {
            lead_id: opened.lead.to_string(),
            customer_id: opened.customer.to_string(),
            customer_created: opened.customer_created,
            grade: opened.grade,
            respond_by: opened.respond_by,
            position: opened.position.0,
        }
    }
}

/// The answer to a command on a lead.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadChangedView {
    #[schema(value_type = domain::values::LeadId)]
    pub lead_id: String,
    #[schema(value_type = String, example = "A")]
    pub grade: Grade,
    #[schema(value_type = Option<domain::values::UserId>)]
    pub assigned_to: Option<String>,
    pub position: u64,
}

impl LeadChangedView {
    pub fn of(changed: &LeadChanged) -> Self {
        LeadChangedView {
            lead_id: changed.lead.to_string(),
            grade: changed.grade,
            assigned_to: changed.assigned_to.as_ref().map(ToString::to_string),
            position: changed.position.0,
        }
    }
}
