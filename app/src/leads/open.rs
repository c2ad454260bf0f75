//! Opening a lead: the person is found by id, or by e-mail or phone (registered if new, so
//! a web form sent twice or a walk-in who is already a customer never makes a second
//! person), then the lead is created.

use chrono::{DateTime, Utc};
use domain::lead::{Grade, Lead, LeadCommand, LeadError, LeadSource};
use domain::values::{CustomerId, DealerId, LeadId, ModelCode, UserId};
use store::{Metadata, Position};

use super::NOTE_FIELD;
use crate::people::profile::vault_failed;
use crate::people::{NewCustomer, People};
use crate::rejection::{Rejection, ServiceError};
use crate::steps::{load, run, Reached};
use crate::vault::Purpose;
use crate::CommandError;

/// Who the lead is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadCustomer {
    /// A customer already registered and not erased (a merged duplicate answers as its
    /// survivor).
    Known(CustomerId),
    /// A person found by e-mail or phone, registered when nobody holds them.
    Person(Box<NewCustomer>),
}

/// A lead to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLead {
    /// The new lead's id (the API derives it from the request's idempotency key).
    pub lead: LeadId,
    pub customer: LeadCustomer,
    pub dealer: DealerId,
    pub model: ModelCode,
    pub source: LeadSource,
    /// The grade it opens in (default D: no clear intent yet).
    pub grade: Option<Grade>,
    pub note: Option<String>,
    /// The consultant it goes to (a consultant opening a lead in the showroom keeps it).
    pub assigned_to: Option<UserId>,
}

/// An opened lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadOpened {
    pub lead: LeadId,
    pub customer: CustomerId,
    /// Whether this call registered the person.
    pub customer_created: bool,
    pub grade: Grade,
    pub respond_by: DateTime<Utc>,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

impl People {
    /// Opens a lead. The same lead id again with the same content (a retried request)
    /// answers the lead as it was opened; with another dealer or customer it is refused
    /// ([`LeadError::AlreadyCreated`]).
    pub async fn open_lead(
        &self,
        new: NewLead,
        metadata: &Metadata,
    ) -> Result<LeadOpened, ServiceError> {
        // Refused before anybody is registered for a lead that cannot be opened.
        let catalog = self.exec.catalog();
        if catalog.dealer(&new.dealer).is_none() {
            let dealer = new.dealer.clone();
            return Err(CommandError::Rejected(Rejection::Lead(
                LeadError::UnknownDealer { dealer },
            )));
        }
        if catalog.model(&new.model).is_none() {
            let model = new.model.clone();
            return Err(CommandError::Rejected(Rejection::Lead(
                LeadError::UnknownModel { model },
            )));
        }
        let mut reached = Reached::Nothing;
        let (customer, customer_created) = match new.customer {
            LeadCustomer::Known(id) => (
                crate::people::privacy::known_person(&self.exec, &id).await?,
                false,
            ),
            LeadCustomer::Person(person) => {
                let registration = self.register(*person, metadata).await?;
                reached = reached.max(Reached::Appended(registration.position));
                (registration.customer, registration.created)
            }
        };
        let note = match &new.note {
            Some(note) => Some(
                self.vault
                    .seal(
                        customer.as_str(),
                        Purpose::Profile,
                        NOTE_FIELD,
                        note.as_bytes(),
                    )
                    .await
                    .map_err(vault_failed)?,
            ),
            None => None,
        };
        let grade = new.grade.unwrap_or(Grade::D);
        let created = run::<Lead>(&self.exec, &new.lead, metadata, |_| LeadCommand::Create {
            lead: new.lead,
            customer: customer.clone(),
            dealer: new.dealer.clone(),
            model: new.model.clone(),
            source: new.source,
            grade,
            note: note.clone(),
            assigned_to: new.assigned_to.clone(),
        })
        .await;
        let state = match created {
            Ok(done) => {
                reached = reached.max(Reached::of(&done));
                done.state
            }
            Err(CommandError::Rejected(Rejection::Lead(LeadError::AlreadyCreated { .. }))) => {
                let state = load::<Lead>(&self.exec, &new.lead).await?;
                let same =
                    state.dealer() == Some(&new.dealer) && state.customer() == Some(&customer);
                if !same {
                    return Err(CommandError::Rejected(Rejection::Lead(
                        LeadError::AlreadyCreated { lead: new.lead },
                    )));
                }
                reached = reached.max(Reached::FoundDone);
                state
            }
            Err(e) => return Err(e),
        };
        Ok(LeadOpened {
            lead: new.lead,
            customer,
            customer_created,
            grade: state.grade().unwrap_or(grade),
            respond_by: state.respond_by().unwrap_or_default(),
            position: reached.position(&self.exec).await?,
        })
    }
}
