//! Leads: opening one for a person (found or registered by e-mail or phone, so no person
//! is recorded twice), and the dealer staff's work on it: contacts (the first answers the
//! 2-hour rule), assignment, and closing it as lost with a manager's approval.
//!
//! Every command on a lead is decided on the very state that authorizes it
//! ([`Executor::execute_guarded`](crate::Executor::execute_guarded)): a dealer acts only on
//! its own outlet's leads (someone else's is [`CommandError::NotYours`]); who of the outlet
//! may do what (assignment, managers) is the aggregate's rule. Notes are personal data:
//! they are sealed under the customer's key before the command is built.

mod open;

use domain::lead::{ContactChannel, Grade, Lead, LeadCommand};
use domain::user::{StaffRole, User};
use domain::values::{DealerId, LeadId, Sealed, UserId};
use store::{Metadata, Position};

use crate::people::profile::vault_failed;
use crate::people::People;
use crate::rejection::{Rejection, ServiceError};
use crate::steps::{load, run_guarded, Reached};
use crate::vault::Purpose;
use crate::CommandError;

pub use open::{LeadCustomer, LeadOpened, NewLead};

/// The vault field a lead's notes are sealed under (with the customer as subject).
pub const NOTE_FIELD: &str = "lead_note";

/// A member of a dealer's staff acting on a lead or a test drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// The outlet the caller works for.
    pub dealer: DealerId,
    /// The person (none: the outlet's shared account, which works unassigned leads but
    /// takes none).
    pub user: Option<UserId>,
    /// Whether the caller is the outlet's manager.
    pub manager: bool,
}

/// A lead after a command: its grade and the position reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadChanged {
    pub lead: LeadId,
    pub grade: Grade,
    /// Who works the lead now.
    pub assigned_to: Option<UserId>,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

/// A contact on a lead: how the person was reached, what was said, and a new grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub channel: ContactChannel,
    pub note: Option<String>,
    pub grade: Option<Grade>,
}

impl People {
    /// Records a contact on `lead` by `staff`: the first one answers the 2-hour rule, a
    /// consultant's contact on an unassigned lead takes it, and it may regrade (H to D).
    pub async fn record_contact(
        &self,
        lead: LeadId,
        staff: &Staff,
        contact: Contact,
        metadata: &Metadata,
    ) -> Result<LeadChanged, ServiceError> {
        let current = self.lead_of(lead, staff).await?;
        breach_if_missed(&self.exec, lead, &current, metadata).await?;
        let note = match &contact.note {
            Some(note) => Some(self.seal_note(&current, note).await?),
            None => None,
        };
        self.on_lead(lead, staff, metadata, |_| LeadCommand::RecordContact {
            by: staff.user.clone(),
            by_manager: staff.manager,
            channel: contact.channel,
            note: note.clone(),
            grade: contact.grade,
        })
        .await
    }

    /// Gives `lead` to `user`, a consultant of the same outlet (managers only).
    pub async fn assign_lead(
        &self,
        lead: LeadId,
        staff: &Staff,
        user: UserId,
        metadata: &Metadata,
    ) -> Result<LeadChanged, ServiceError> {
        if staff.manager {
            let account = load::<User>(&self.exec, &user).await?;
            let at_outlet = matches!(
                account.role(),
                Some(StaffRole::Dealer { dealer, .. }) if *dealer == staff.dealer
            );
            if !account.exists() || !account.active() || !at_outlet {
                return Err(CommandError::Rejected(Rejection::AssigneeNotAtDealer {
                    user,
                    dealer: staff.dealer.clone(),
                }));
            }
        }
        self.on_lead(lead, staff, metadata, |_| LeadCommand::Assign {
            user: user.clone(),
            by_manager: staff.manager,
        })
        .await
    }

    /// Asks for `lead` to be closed as lost with `reason`; the grade stays until a manager
    /// decides.
    pub async fn request_lost(
        &self,
        lead: LeadId,
        staff: &Staff,
        reason: String,
        metadata: &Metadata,
    ) -> Result<LeadChanged, ServiceError> {
        self.on_lead(lead, staff, metadata, |_| LeadCommand::RequestLost {
            by: staff.user.clone(),
            reason: reason.clone(),
        })
        .await
    }

    /// Approves (F) or refuses the pending request to close `lead` as lost (managers only,
    /// their own request included).
    pub async fn decide_lost(
        &self,
        lead: LeadId,
        staff: &Staff,
        approve: bool,
        metadata: &Metadata,
    ) -> Result<LeadChanged, ServiceError> {
        self.on_lead(lead, staff, metadata, |_| LeadCommand::DecideLost {
            by: staff.user.clone(),
            by_manager: staff.manager,
            approve,
        })
        .await
    }

    /// The lead, if it exists (404) and is the staff's outlet's (`NotYours`).
    async fn lead_of(&self, lead: LeadId, staff: &Staff) -> Result<Lead, ServiceError> {
        let state = load::<Lead>(&self.exec, &lead).await?;
        ours(&state, lead, staff)?;
        Ok(state)
    }

    /// Runs `command` on `lead`, authorized on the state it is decided on.
    async fn on_lead(
        &self,
        lead: LeadId,
        staff: &Staff,
        metadata: &Metadata,
        command: impl Fn(&Lead) -> LeadCommand,
    ) -> Result<LeadChanged, ServiceError> {
        let done = run_guarded::<Lead>(
            &self.exec,
            &lead,
            metadata,
            |state| ours(state, lead, staff).map(|()| command(state)),
            |_, _| Ok(()),
        )
        .await?;
        let reached = Reached::of(&done);
        Ok(LeadChanged {
            lead,
            grade: done.state.grade().unwrap_or(Grade::D),
            assigned_to: done.state.assigned_to().cloned(),
            position: reached.position(&self.exec).await?,
        })
    }

    /// Seals a note about the lead's customer under the customer's key.
    async fn seal_note(&self, lead: &Lead, note: &str) -> Result<Sealed, ServiceError> {
        let customer = lead
            .customer()
            .ok_or_else(|| CommandError::NotFound("lead".into()))?;
        self.vault
            .seal(
                customer.as_str(),
                Purpose::Profile,
                NOTE_FIELD,
                note.as_bytes(),
            )
            .await
            .map_err(vault_failed)
    }
}

/// Records the missed 2-hour answer of a lead about to be answered late, if the watcher has
/// not recorded it yet (it looks every 30 s): a late first answer always leaves its breach in
/// the log, once (the aggregate records one breach at most).
pub(crate) async fn breach_if_missed(
    exec: &crate::Executor,
    lead: LeadId,
    state: &Lead,
    metadata: &Metadata,
) -> Result<(), ServiceError> {
    let late = state
        .respond_by()
        .is_some_and(|by| exec.clock().now() >= by);
    if late && state.open() && state.first_contact_at().is_none() && !state.sla_breached() {
        crate::steps::run::<Lead>(exec, &lead, metadata, |_| LeadCommand::RecordBreach).await?;
    }
    Ok(())
}

/// Whether `staff` may act on the lead: it exists (404 otherwise) and is of its outlet.
fn ours(state: &Lead, lead: LeadId, staff: &Staff) -> Result<(), ServiceError> {
    match state.dealer() {
        None => Err(CommandError::NotFound(format!("lead {lead}"))),
        Some(dealer) if *dealer != staff.dealer => {
            Err(CommandError::NotYours(format!("lead {lead}")))
        }
        Some(_) => Ok(()),
    }
}
