//! Leads: one document per lead, with what the dealer's lead list, the lead's own page, the
//! 2-hour answer's clock and the CRM KPIs read (its contacts, regrades and test drives
//! included).
//!
//! The follow-up rule is the domain's ([`follow_up_due`], [`overdue_at`]): the document keeps
//! the facts it needs (grade, `respond_by`, last contact) and stores its result, so a list
//! filters on it without knowing the cadence. Whether a lead is overdue depends on the
//! present, which a projection never reads: [`LeadDoc::overdue`] takes it.

use chrono::{DateTime, Utc};
use domain::lead::{follow_up_due, overdue_at, ContactChannel, Grade, LeadEvent, LeadSource};
use domain::streams::{Aggregate, AnyEvent, AnyId};
use domain::test_drive::TestDriveEvent;
use domain::values::{
    CustomerId, DealerId, LeadId, ModelCode, OrderId, Sealed, TestDriveId, UserId,
};
use serde::{Deserialize, Serialize};

use crate::docs::Docs;
use crate::document::{Document, Tags};
use crate::error::ProjectionError;
use crate::projection::{Envelope, Projection};

/// Tag 3 of a lead that is open and not answered yet: the 2-hour clock runs.
pub const UNANSWERED: &str = "unanswered";
/// Tag 3 of a lead that is open and was answered.
pub const ANSWERED: &str = "answered";
/// Tag 3 of a lead that is sold or lost.
pub const CLOSED: &str = "closed";

/// One lead.
///
/// Collection `leads`, key: the lead id; tag 1: the dealer, tag 2: the customer (the id the
/// lead was opened for: a merged duplicate's leads keep its id), tag 3: [`UNANSWERED`],
/// [`ANSWERED`] or [`CLOSED`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadDoc {
    pub lead_id: LeadId,
    pub customer_id: CustomerId,
    pub dealer_id: DealerId,
    pub model: ModelCode,
    pub source: LeadSource,
    pub grade: Grade,
    /// The note taken when the lead was opened (e.g. the web form's message), sealed under
    /// the customer's key (the API opens it).
    pub note: Option<Sealed>,
    pub assigned_to: Option<UserId>,
    pub created_at: DateTime<Utc>,
    /// When the first answer is due (2 hours after creation).
    pub respond_by: DateTime<Utc>,
    pub first_contact_at: Option<DateTime<Utc>>,
    /// Seconds from creation to the first contact.
    pub first_response_seconds: Option<i64>,
    /// Whether the first contact came before `respond_by`.
    pub answered_in_time: Option<bool>,
    pub last_contact_at: Option<DateTime<Utc>>,
    /// When the lead is to be followed up next; `None` once closed.
    pub next_follow_up: Option<DateTime<Utc>>,
    /// Whether the missed 2-hour answer was recorded.
    pub sla_breached: bool,
    pub breached_at: Option<DateTime<Utc>>,
    /// A request to close the lead as lost that a manager has not decided yet.
    pub lost_request: Option<LostRequestDoc>,
    /// Why the lead was lost (kept when a lost lead is sold later).
    pub lost_reason: Option<String>,
    pub sold_order: Option<OrderId>,
    /// When the lead was last closed (lost, or sold).
    pub closed_at: Option<DateTime<Utc>>,
    /// The grade the lead was in when it first closed: what conversion by grade counts (a
    /// lost lead sold later keeps the grade it was lost from, not F).
    pub closed_from: Option<Grade>,
    /// Whether the lead is still worked (H to D).
    pub open: bool,
    /// Every contact, in order.
    pub contacts: Vec<ContactDoc>,
    /// Every change of grade by a person or the engine (closing is not a regrade).
    pub regrades: Vec<RegradeDoc>,
    /// The test drives booked for the lead, in booking order.
    pub test_drives: Vec<TestDriveId>,
    pub updated_at: DateTime<Utc>,
}

/// A pending request to close a lead as lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostRequestDoc {
    /// Who asked (`None`: the outlet's shared account).
    pub by: Option<UserId>,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// One contact with the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDoc {
    /// Who reached the person (`None`: the outlet's shared account).
    pub by: Option<UserId>,
    pub channel: ContactChannel,
    pub at: DateTime<Utc>,
    /// The consultant's note, sealed under the customer's key (the API opens it).
    pub note: Option<Sealed>,
}

/// One change of grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegradeDoc {
    pub from: Grade,
    pub to: Grade,
    /// Who regraded (`None`: the engine, e.g. an online booking).
    pub by: Option<UserId>,
    pub at: DateTime<Utc>,
}

impl LeadDoc {
    /// Whether the follow-up is due at `now` and not done (the domain's rule: at the due
    /// instant the time is up).
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        overdue_at(self.next_follow_up, now)
    }

    /// Whether the lead is open and nobody has answered it yet.
    pub fn unanswered(&self) -> bool {
        self.open && self.first_contact_at.is_none()
    }

    /// [`UNANSWERED`], [`ANSWERED`] or [`CLOSED`].
    pub fn answer_state(&self) -> &'static str {
        if !self.open {
            CLOSED
        } else if self.first_contact_at.is_none() {
            UNANSWERED
        } else {
            ANSWERED
        }
    }

    /// The derived fields, after any change of the facts they come from.
    pub(crate) fn refresh(&mut self) {
        self.open = self.grade.is_open();
        self.next_follow_up = follow_up_due(self.grade, self.respond_by, self.last_contact_at);
    }
}

impl Document for LeadDoc {
    const COLLECTION: &'static str = "leads";

    fn tags(&self) -> Tags {
        Tags::new(
            Some(self.dealer_id.to_string()),
            Some(self.customer_id.to_string()),
            Some(self.answer_state().to_owned()),
        )
    }
}

/// The drives booked for a lead before the lead existed (an online booking names the lead it
/// opens, which is created after it), kept until the lead appears and takes them over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlyDrivesDoc {
    pub lead_id: LeadId,
    /// In booking order.
    pub test_drives: Vec<TestDriveId>,
}

impl Document for EarlyDrivesDoc {
    const COLLECTION: &'static str = "lead_early_drives";

    fn tags(&self) -> Tags {
        Tags::new(None, None, None)
    }
}

/// The `leads` projection: the lead streams, and the test-drive streams for the drives
/// booked for a lead.
#[derive(Debug, Clone, Copy, Default)]
pub struct LeadsProjection;

impl Projection for LeadsProjection {
    fn name(&self) -> &'static str {
        "leads"
    }

    fn version(&self) -> u32 {
        // 2: drives booked before their lead are kept for it (`lead_early_drives`).
        2
    }

    fn collections(&self) -> &'static [&'static str] {
        &["leads", "lead_early_drives"]
    }

    fn categories(&self) -> &'static [&'static str] {
        &[
            <domain::lead::Lead as Aggregate>::CATEGORY,
            <domain::test_drive::TestDriveDay as Aggregate>::CATEGORY,
        ]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        match (envelope.id, envelope.event) {
            (AnyId::Lead(lead), AnyEvent::Lead(event)) => apply_lead(envelope, lead, event, docs),
            // A drive booked for a lead joins its list. A booking naming a lead that does not
            // exist yet (an online booking opens its lead after it) waits for the lead.
            (_, AnyEvent::TestDrive(TestDriveEvent::Booked { drive, .. })) => {
                let Some(lead) = drive.lead else {
                    return Ok(());
                };
                let key = lead.to_string();
                if let Some(doc) = docs.get_mut::<LeadDoc>(&key)? {
                    if !doc.test_drives.contains(&drive.id) {
                        doc.test_drives.push(drive.id.clone());
                    }
                    doc.updated_at = envelope.occurred_at;
                    return Ok(());
                }
                match docs.get_mut::<EarlyDrivesDoc>(&key)? {
                    Some(early) => {
                        if !early.test_drives.contains(&drive.id) {
                            early.test_drives.push(drive.id.clone());
                        }
                        Ok(())
                    }
                    None => docs.insert(
                        &key,
                        EarlyDrivesDoc {
                            lead_id: lead,
                            test_drives: vec![drive.id.clone()],
                        },
                    ),
                }
            }
            _ => Ok(()),
        }
    }
}

fn apply_lead(
    envelope: &Envelope<'_>,
    lead: &LeadId,
    event: &LeadEvent,
    docs: &mut Docs<'_>,
) -> Result<(), ProjectionError> {
    let key = lead.to_string();
    if let LeadEvent::Created {
        lead,
        customer,
        dealer,
        model,
        source,
        grade,
        note,
        assigned_to,
        respond_by,
        at,
    } = event
    {
        if docs.get::<LeadDoc>(&key)?.is_some() {
            return Ok(());
        }
        // The drives booked for it before it existed.
        let early = match docs.get::<EarlyDrivesDoc>(&key)? {
            Some(early) => {
                let drives = early.test_drives.clone();
                docs.remove::<EarlyDrivesDoc>(&key)?;
                drives
            }
            None => Vec::new(),
        };
        let mut doc = LeadDoc {
            lead_id: *lead,
            customer_id: customer.clone(),
            dealer_id: dealer.clone(),
            model: model.clone(),
            source: *source,
            grade: *grade,
            note: note.clone(),
            assigned_to: assigned_to.clone(),
            created_at: *at,
            respond_by: *respond_by,
            first_contact_at: None,
            first_response_seconds: None,
            answered_in_time: None,
            last_contact_at: None,
            next_follow_up: None,
            sla_breached: false,
            breached_at: None,
            lost_request: None,
            lost_reason: None,
            sold_order: None,
            closed_at: None,
            closed_from: None,
            open: true,
            contacts: Vec::new(),
            regrades: Vec::new(),
            test_drives: early,
            updated_at: envelope.occurred_at,
        };
        doc.refresh();
        return docs.insert(&key, doc);
    }
    let Some(doc) = docs.get_mut::<LeadDoc>(&key)? else {
        return Err(envelope.inconsistent("a lead event before its creation"));
    };
    doc.updated_at = envelope.occurred_at;
    match event {
        LeadEvent::Created { .. } => {}
        LeadEvent::Assigned { user, .. } => doc.assigned_to = Some(user.clone()),
        LeadEvent::ContactRecorded {
            by,
            channel,
            note,
            first_response,
            at,
        } => {
            if doc.first_contact_at.is_none() {
                doc.first_contact_at = Some(*at);
                doc.first_response_seconds = first_response.map(|f| f.after_seconds);
                doc.answered_in_time = first_response.map(|f| f.in_time);
            }
            doc.last_contact_at = Some(*at);
            doc.contacts.push(ContactDoc {
                by: by.clone(),
                channel: *channel,
                at: *at,
                note: note.clone(),
            });
        }
        LeadEvent::Regraded { from, to, by, at } => {
            doc.grade = *to;
            doc.regrades.push(RegradeDoc {
                from: *from,
                to: *to,
                by: by.clone(),
                at: *at,
            });
        }
        LeadEvent::LostRequested { by, reason, at } => {
            doc.lost_request = Some(LostRequestDoc {
                by: by.clone(),
                reason: reason.clone(),
                at: *at,
            });
        }
        LeadEvent::Lost {
            reason, from, at, ..
        } => {
            doc.grade = Grade::F;
            doc.lost_request = None;
            doc.lost_reason = Some(reason.clone());
            doc.closed_at = Some(*at);
            doc.closed_from.get_or_insert(*from);
        }
        LeadEvent::LostRefused { .. } => doc.lost_request = None,
        LeadEvent::Sold { order, from, at } => {
            doc.grade = Grade::S;
            doc.lost_request = None;
            doc.sold_order = Some(*order);
            doc.closed_at = Some(*at);
            doc.closed_from.get_or_insert(*from);
        }
        LeadEvent::SlaBreached { at, .. } => {
            doc.sla_breached = true;
            doc.breached_at.get_or_insert(*at);
        }
    }
    doc.refresh();
    Ok(())
}

/// A lead created 2026-11-23 08:00 UTC at D-BER-01 for C-1001 (AURA, web, grade B), not
/// answered yet: a starting point for unit tests.
#[cfg(test)]
pub(crate) fn sample_lead() -> LeadDoc {
    use chrono::TimeZone;
    let created_at = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    let respond_by = created_at + domain::lead::response_window();
    let mut lead = LeadDoc {
        lead_id: LeadId::derived("sample"),
        customer_id: CustomerId::parse("C-1001").unwrap(),
        dealer_id: DealerId::parse("D-BER-01").unwrap(),
        model: ModelCode::parse("AURA").unwrap(),
        source: LeadSource::Web,
        grade: Grade::B,
        note: None,
        assigned_to: None,
        created_at,
        respond_by,
        first_contact_at: None,
        first_response_seconds: None,
        answered_in_time: None,
        last_contact_at: None,
        next_follow_up: None,
        sla_breached: false,
        breached_at: None,
        lost_request: None,
        lost_reason: None,
        sold_order: None,
        closed_at: None,
        closed_from: None,
        open: true,
        contacts: Vec::new(),
        regrades: Vec::new(),
        test_drives: Vec::new(),
        updated_at: created_at,
    };
    lead.refresh();
    lead
}
