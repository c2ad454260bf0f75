//! Lead: a person's interest in a model at a dealer, one stream per lead
//! (`lead-{uuid}`), worked by a sales consultant until it is sold or lost.
//!
//! It protects:
//! - **the 2-hour answer:** a new lead is to be answered within
//!   [`RESPONSE_WINDOW`]; the first contact records how long it took
//!   ([`FirstResponse`]), and a lead not answered by `respond_by` gets
//!   [`LeadEvent::SlaBreached`] exactly once, however often the check runs;
//! - **the cadence:** the next follow-up is due at the last contact plus the
//!   grade's interval ([`Grade::follow_up_every`]); before the first contact
//!   it is `respond_by` ([`Lead::next_follow_up`]);
//! - **ownership:** a lead assigned to a consultant is worked by that
//!   consultant (or a manager); a consultant's contact on an unassigned lead
//!   takes it; only a manager assigns;
//! - **F needs a manager:** asking for "lost" (with a reason) keeps the
//!   grade; only a manager approves (F) or refuses it, their own request
//!   included, a consultant never;
//! - **S is final and idempotent:** a lead becomes S once, for one order;
//!   the same order again is a no-op. A lead lost earlier may still be
//!   sold: the customer came back and bought, and the sale is the truth
//!   the KPIs must count;
//! - a closed lead (F or S) takes no contact, assignment or regrade.
//!
//! Notes are personal free text about a person: [`Sealed`] by the
//! application under the customer's key before a command is built.

mod decide;
mod grade;
mod state;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::decider::{Context, Decider};
use crate::values::{CustomerId, DealerId, LeadId, MarketCode, ModelCode, OrderId, Sealed, UserId};

pub use decide::decide;
pub use grade::{Grade, GradeError};
pub use state::{evolve, follow_up_due, overdue_at, Lead, LostRequest};

/// How long after its creation a lead must be answered.
pub const RESPONSE_WINDOW_HOURS: i64 = 2;

/// [`RESPONSE_WINDOW_HOURS`] as a duration.
pub fn response_window() -> Duration {
    Duration::hours(RESPONSE_WINDOW_HOURS)
}

/// Where a lead came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadSource {
    Web,
    Showroom,
    Phone,
    Event,
    LiveStream,
}

impl LeadSource {
    pub const ALL: [LeadSource; 5] = [
        LeadSource::Web,
        LeadSource::Showroom,
        LeadSource::Phone,
        LeadSource::Event,
        LeadSource::LiveStream,
    ];

    /// The serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadSource::Web => "web",
            LeadSource::Showroom => "showroom",
            LeadSource::Phone => "phone",
            LeadSource::Event => "event",
            LeadSource::LiveStream => "live_stream",
        }
    }
}

/// How a consultant reached the person.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactChannel {
    Phone,
    Email,
    Sms,
    Showroom,
    Video,
    /// A completed test drive.
    TestDrive,
}

impl ContactChannel {
    pub const ALL: [ContactChannel; 6] = [
        ContactChannel::Phone,
        ContactChannel::Email,
        ContactChannel::Sms,
        ContactChannel::Showroom,
        ContactChannel::Video,
        ContactChannel::TestDrive,
    ];

    /// The serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactChannel::Phone => "phone",
            ContactChannel::Email => "email",
            ContactChannel::Sms => "sms",
            ContactChannel::Showroom => "showroom",
            ContactChannel::Video => "video",
            ContactChannel::TestDrive => "test_drive",
        }
    }
}

/// How long the first answer took, as recorded with the first contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstResponse {
    /// Seconds from the lead's creation to the contact.
    pub after_seconds: i64,
    /// Whether it came before `respond_by` (the 2-hour answer was kept).
    pub in_time: bool,
}

/// What may be asked of a lead. Time comes from the [`Context`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadCommand {
    /// Open the lead `lead` (the stream's id) in an open grade (H to D).
    Create {
        lead: LeadId,
        customer: CustomerId,
        dealer: DealerId,
        model: ModelCode,
        source: LeadSource,
        grade: Grade,
        note: Option<Sealed>,
        assigned_to: Option<UserId>,
    },
    /// A consultant (or a manager) reached the person; may regrade (H to D).
    /// `by` is none for the outlet's shared account (a dealer token naming no
    /// person): it may work unassigned leads but takes none.
    RecordContact {
        by: Option<UserId>,
        by_manager: bool,
        channel: ContactChannel,
        note: Option<Sealed>,
        grade: Option<Grade>,
    },
    /// Give the lead to `user` (managers only).
    Assign { user: UserId, by_manager: bool },
    /// Ask for the lead to be closed as lost; the grade stays until a
    /// manager decides.
    RequestLost { by: Option<UserId>, reason: String },
    /// Approve (F) or refuse the pending request (managers only).
    DecideLost {
        by: Option<UserId>,
        by_manager: bool,
        approve: bool,
    },
    /// An order was placed for the lead: it is sold (S).
    MarkSold { order: OrderId },
    /// Raise an open lead to at least `grade` (an online test-drive booking
    /// keeps it at least C); nothing when it is there already.
    EnsureAtLeast { grade: Grade },
    /// Record the 2-hour answer missed, if it was and is not recorded yet.
    RecordBreach,
}

crate::event_enum! {
    /// What happened to a lead.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum LeadEvent {
        /// The lead was opened; it is to be answered by `respond_by`.
        Created as "LeadCreated" {
            lead: LeadId,
            customer: CustomerId,
            dealer: DealerId,
            model: ModelCode,
            source: LeadSource,
            grade: Grade,
            note: Option<Sealed>,
            assigned_to: Option<UserId>,
            respond_by: DateTime<Utc>,
            at: DateTime<Utc>,
        },
        /// `user` works the lead from now on.
        Assigned as "LeadAssigned" { user: UserId, at: DateTime<Utc> },
        /// `by` reached the person; the first contact carries how long the
        /// answer took.
        ContactRecorded as "LeadContactRecorded" {
            by: Option<UserId>,
            channel: ContactChannel,
            note: Option<Sealed>,
            first_response: Option<FirstResponse>,
            at: DateTime<Utc>,
        },
        /// The grade changed (`by` none: raised by the engine, e.g. an
        /// online booking).
        Regraded as "LeadRegraded" {
            from: Grade,
            to: Grade,
            by: Option<UserId>,
            at: DateTime<Utc>,
        },
        /// `by` asked for the lead to be closed as lost.
        LostRequested as "LeadLostRequested" { by: Option<UserId>, reason: String, at: DateTime<Utc> },
        /// A manager approved the request: the lead is lost (F).
        Lost as "LeadLost" {
            by: Option<UserId>,
            requested_by: Option<UserId>,
            reason: String,
            from: Grade,
            at: DateTime<Utc>,
        },
        /// A manager refused the request: the lead stays in its grade.
        LostRefused as "LeadLostRefused" {
            by: Option<UserId>,
            requested_by: Option<UserId>,
            reason: String,
            at: DateTime<Utc>,
        },
        /// An order was placed for the lead: it is sold (S).
        Sold as "LeadSold" { order: OrderId, from: Grade, at: DateTime<Utc> },
        /// The lead was not answered by `respond_by`.
        SlaBreached as "LeadSlaBreached" { respond_by: DateTime<Utc>, at: DateTime<Utc> },
    }
}

/// The rule of a lead a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeadError {
    #[error("the lead does not exist")]
    NotCreated,
    #[error("lead {lead} already exists")]
    AlreadyCreated { lead: LeadId },
    #[error("dealer {dealer} is not in the catalog")]
    UnknownDealer { dealer: DealerId },
    #[error("model {model} is not in the catalog")]
    UnknownModel { model: ModelCode },
    #[error("model {model} is not sold in market {market}")]
    ModelNotSoldInMarket {
        model: ModelCode,
        market: MarketCode,
    },
    #[error("grade {grade} is not an open grade (H, A, B, C or D)")]
    GradeNotAllowed { grade: Grade },
    #[error("the lead is closed (grade {grade})")]
    LeadClosed { grade: Grade },
    #[error("the lead is assigned to {assignee}")]
    AssignedToAnother { assignee: UserId },
    #[error("only a dealer manager may do this")]
    NotManager,
    #[error("{} already asked for the lead to be closed as lost", by.as_ref().map_or("the outlet".to_owned(), ToString::to_string))]
    LostAlreadyRequested { by: Option<UserId> },
    #[error("nobody asked for the lead to be closed as lost")]
    NoLostRequest,
    #[error("a reason is required")]
    ReasonMissing,
    #[error("the reason is longer than {max} characters")]
    ReasonTooLong { max: usize },
    #[error("the lead was already sold with order {order}")]
    AlreadySold { order: OrderId },
}

impl Decider for Lead {
    type State = Lead;
    type Command = LeadCommand;
    type Event = LeadEvent;
    type Error = LeadError;

    fn decide(
        state: &Lead,
        command: LeadCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<LeadEvent>, LeadError> {
        decide(state, command, ctx)
    }

    fn evolve(state: Lead, event: &LeadEvent) -> Lead {
        evolve(state, event)
    }
}
