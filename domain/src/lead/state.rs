//! What a lead is after its events (the state the decisions read and the
//! views ask: grade, owner, the next follow-up), and how each event
//! changes it.

use chrono::{DateTime, Utc};

use super::{Grade, LeadEvent, LeadSource};
use crate::values::{CustomerId, DealerId, LeadId, ModelCode, OrderId, UserId};

/// The state of one lead; the default is a lead not created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lead {
    pub(super) record: Option<Record>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Record {
    pub(super) id: LeadId,
    pub(super) customer: CustomerId,
    pub(super) dealer: DealerId,
    pub(super) model: ModelCode,
    pub(super) source: LeadSource,
    pub(super) grade: Grade,
    pub(super) assigned_to: Option<UserId>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) respond_by: DateTime<Utc>,
    pub(super) first_contact_at: Option<DateTime<Utc>>,
    pub(super) last_contact_at: Option<DateTime<Utc>>,
    pub(super) sla_breached: bool,
    pub(super) lost_request: Option<LostRequest>,
    pub(super) sold_with: Option<OrderId>,
}

/// A pending request to close the lead as lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostRequest {
    pub by: Option<UserId>,
    pub reason: String,
    pub at: DateTime<Utc>,
}

impl Lead {
    pub fn exists(&self) -> bool {
        self.record.is_some()
    }

    pub fn id(&self) -> Option<LeadId> {
        self.record.as_ref().map(|r| r.id)
    }

    pub fn customer(&self) -> Option<&CustomerId> {
        self.record.as_ref().map(|r| &r.customer)
    }

    pub fn dealer(&self) -> Option<&DealerId> {
        self.record.as_ref().map(|r| &r.dealer)
    }

    pub fn model(&self) -> Option<&ModelCode> {
        self.record.as_ref().map(|r| &r.model)
    }

    pub fn source(&self) -> Option<LeadSource> {
        self.record.as_ref().map(|r| r.source)
    }

    pub fn grade(&self) -> Option<Grade> {
        self.record.as_ref().map(|r| r.grade)
    }

    /// Whether the lead is created and still worked (H to D).
    pub fn open(&self) -> bool {
        self.grade().is_some_and(Grade::is_open)
    }

    /// The consultant who works the lead.
    pub fn assigned_to(&self) -> Option<&UserId> {
        self.record.as_ref().and_then(|r| r.assigned_to.as_ref())
    }

    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.record.as_ref().map(|r| r.created_at)
    }

    /// When the first answer is due (2 hours after creation).
    pub fn respond_by(&self) -> Option<DateTime<Utc>> {
        self.record.as_ref().map(|r| r.respond_by)
    }

    /// When the person was first reached.
    pub fn first_contact_at(&self) -> Option<DateTime<Utc>> {
        self.record.as_ref().and_then(|r| r.first_contact_at)
    }

    pub fn last_contact_at(&self) -> Option<DateTime<Utc>> {
        self.record.as_ref().and_then(|r| r.last_contact_at)
    }

    /// Whether the 2-hour answer was recorded as missed.
    pub fn sla_breached(&self) -> bool {
        self.record.as_ref().is_some_and(|r| r.sla_breached)
    }

    /// The request to close the lead as lost, while a manager has not decided.
    pub fn lost_request(&self) -> Option<&LostRequest> {
        self.record.as_ref().and_then(|r| r.lost_request.as_ref())
    }

    /// The order the lead became.
    pub fn sold_with(&self) -> Option<OrderId> {
        self.record.as_ref().and_then(|r| r.sold_with)
    }

    /// When the lead is to be followed up next: before the first contact,
    /// its `respond_by`; after, the last contact plus the grade's interval;
    /// `None` once it is closed (or not created).
    pub fn next_follow_up(&self) -> Option<DateTime<Utc>> {
        let r = self.record.as_ref()?;
        follow_up_due(r.grade, r.respond_by, r.last_contact_at)
    }

    /// Whether the follow-up is due at `now` and not done: at the due
    /// instant the time is up (as for the 2-hour answer).
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        overdue_at(self.next_follow_up(), now)
    }
}

/// When a lead in `grade` is to be followed up next: before any contact,
/// its `respond_by`; after, the last contact plus the grade's interval;
/// `None` for a closed grade. The one rule [`Lead::next_follow_up`] and
/// the read models (which hold these facts, not a `Lead`) both apply.
pub fn follow_up_due(
    grade: Grade,
    respond_by: DateTime<Utc>,
    last_contact_at: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let every = grade.follow_up_every()?;
    match last_contact_at {
        None => Some(respond_by),
        Some(last) => last.checked_add_signed(every),
    }
}

/// Whether a follow-up due at `due` is overdue at `now`: at the due
/// instant the time is up; nothing due is never overdue.
pub fn overdue_at(due: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    due.is_some_and(|due| now >= due)
}

/// Folds one event into the lead. Events before the lead's creation (never
/// emitted by [`decide`](super::decide)) are ignored.
pub fn evolve(mut state: Lead, event: &LeadEvent) -> Lead {
    if let LeadEvent::Created {
        lead,
        customer,
        dealer,
        model,
        source,
        grade,
        assigned_to,
        respond_by,
        at,
        ..
    } = event
    {
        if state.record.is_none() {
            state.record = Some(Record {
                id: *lead,
                customer: customer.clone(),
                dealer: dealer.clone(),
                model: model.clone(),
                source: *source,
                grade: *grade,
                assigned_to: assigned_to.clone(),
                created_at: *at,
                respond_by: *respond_by,
                first_contact_at: None,
                last_contact_at: None,
                sla_breached: false,
                lost_request: None,
                sold_with: None,
            });
        }
        return state;
    }
    let Some(r) = &mut state.record else {
        return state;
    };
    match event {
        LeadEvent::Created { .. } => {}
        LeadEvent::Assigned { user, .. } => r.assigned_to = Some(user.clone()),
        LeadEvent::ContactRecorded { at, .. } => {
            r.first_contact_at.get_or_insert(*at);
            r.last_contact_at = Some(*at);
        }
        LeadEvent::Regraded { to, .. } => r.grade = *to,
        LeadEvent::LostRequested { by, reason, at } => {
            r.lost_request = Some(LostRequest {
                by: by.clone(),
                reason: reason.clone(),
                at: *at,
            });
        }
        LeadEvent::Lost { .. } => {
            r.grade = Grade::F;
            r.lost_request = None;
        }
        LeadEvent::LostRefused { .. } => r.lost_request = None,
        LeadEvent::Sold { order, .. } => {
            r.grade = Grade::S;
            r.sold_with = Some(*order);
            r.lost_request = None;
        }
        LeadEvent::SlaBreached { .. } => r.sla_breached = true,
    }
    state
}
