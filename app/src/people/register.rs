//! One record per person: registering a customer online (sign-up), in the
//! showroom or from a lead.
//!
//! The e-mail claim decides who the person is: the first registration to
//! claim an e-mail address owns it, and every later one (racing or not)
//! answers with that customer. A claim whose customer is not registered yet
//! (a registration in flight, or one that crashed after claiming) is
//! *adopted*: this registration completes that customer, so two racing
//! registrations of one address end as one record, whichever finishes.
//! The phone is claimed second; one that belongs to another customer makes
//! this registration answer with that customer and give its e-mail claim
//! back.

use domain::claim::ClaimOwner;
use domain::customer::{Channel, ConsentChoice, Customer, CustomerCommand, CustomerError};
use domain::values::{ClaimKind, CustomerId, Language, MarketCode};
use store::{Metadata, Position};

use super::profile::{taken_by, vault_failed, Profile, PASSWORD_FIELD};
use super::People;
use crate::accounts::Password;
use crate::rejection::{Rejection, ServiceError};
use crate::steps::{run, Reached};
use crate::vault::Purpose;
use crate::CommandError;

/// A customer to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    /// The id the customer gets if it is new (the caller makes a fresh one).
    pub customer: CustomerId,
    pub profile: Profile,
    pub language: Language,
    pub market: MarketCode,
    pub consents: ConsentChoice,
    pub channel: Channel,
    /// A sign-up's password: opens the customer's account.
    pub password: Option<Password>,
}

/// What a registration came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The customer: the new one, or the one the e-mail or phone belongs to.
    pub customer: CustomerId,
    /// Whether this call created it.
    pub created: bool,
    /// Whether the customer has an account whose e-mail must be verified.
    pub needs_verification: bool,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

impl People {
    /// Registers `new`, or answers with the customer its e-mail or phone
    /// belongs to (`created: false`, nothing changed: a password given then
    /// is not attached to the existing customer, who must take the password
    /// reset path, so nobody can pre-set a password on someone else's record).
    pub async fn register(
        &self,
        new: NewCustomer,
        metadata: &Metadata,
    ) -> Result<Registration, ServiceError> {
        // Hashed first: a busy pool refuses before anything is written.
        let hash = match &new.password {
            Some(password) => Some(self.hash_password(password.clone()).await?),
            None => None,
        };
        let email = self
            .vault
            .claim_key(ClaimKind::Email, new.profile.email.as_str());
        let mut reached = Reached::Nothing;
        let owner = ClaimOwner::Customer(new.customer.clone());
        // Who the person is: the holder of the e-mail claim.
        let id = match self.claim(&email, &owner, metadata).await {
            Ok(r) => {
                reached = reached.max(r);
                new.customer.clone()
            }
            Err(e) => match taken_by(&e) {
                Some(ClaimOwner::Customer(holder)) => {
                    let holder = holder.clone();
                    if self.customer(&holder).await?.registered() {
                        return self.existing(holder).await;
                    }
                    holder
                }
                Some(ClaimOwner::User(_)) | None => return Err(e),
            },
        };
        let mine = ClaimOwner::Customer(id.clone());
        if let Some(phone) = &new.profile.phone {
            let phone = self.vault.claim_key(ClaimKind::Phone, phone.as_str());
            match self.claim(&phone, &mine, metadata).await {
                Ok(r) => reached = reached.max(r),
                Err(e) => {
                    if id == new.customer {
                        self.release(&email, &mine, metadata).await?;
                    }
                    return match taken_by(&e) {
                        Some(ClaimOwner::Customer(holder))
                            if self.customer(holder).await?.registered() =>
                        {
                            self.existing(holder.clone()).await
                        }
                        // Held by a registration in flight: the caller may try again.
                        Some(_) => Err(CommandError::Conflict { attempts: 1 }),
                        None => Err(e),
                    };
                }
            }
        }
        let login = match &hash {
            Some(_) => {
                let login = self
                    .vault
                    .claim_key(ClaimKind::Login, new.profile.email.as_str());
                if let Err(e) = self.claim(&login, &mine, metadata).await {
                    if taken_by(&e).is_some() {
                        return Err(CommandError::Rejected(Rejection::LoginTaken));
                    }
                    return Err(e);
                }
                Some(login)
            }
            None => None,
        };
        let contacts = new.profile.contacts(self);
        let sealed = self
            .seal_profile(&id, &new.profile)
            .await
            .map_err(vault_failed)?;
        let at = self.exec.clock().now();
        let registered =
            run::<Customer>(&self.exec, &id, metadata, |_| CustomerCommand::Register {
                customer: id.clone(),
                profile: sealed.clone(),
                language: new.language,
                market: new.market.clone(),
                channel: new.channel.clone(),
                consents: new.consents,
                contacts: contacts.clone(),
                at,
            })
            .await;
        let created = match registered {
            Ok(done) => {
                reached = reached.max(Reached::of(&done));
                true
            }
            // A racing registration of the same person finished first.
            Err(CommandError::Rejected(Rejection::Customer(
                CustomerError::AlreadyRegistered { .. },
            ))) => return self.existing(id).await,
            Err(e) => return Err(e),
        };
        if let (Some(login), Some(hash)) = (login, hash) {
            let sealed = self
                .vault
                .seal(
                    id.as_str(),
                    Purpose::Profile,
                    PASSWORD_FIELD,
                    hash.as_phc().as_bytes(),
                )
                .await
                .map_err(vault_failed)?;
            let done = run::<Customer>(&self.exec, &id, metadata, |_| {
                CustomerCommand::OpenAccount {
                    login: login.clone(),
                    password: sealed.clone(),
                    at,
                }
            })
            .await?;
            reached = reached.max(Reached::of(&done));
        }
        let state = self.customer(&id).await?;
        Ok(Registration {
            customer: id,
            created,
            needs_verification: state.has_account() && !state.verified(),
            position: reached.position(&self.exec).await?,
        })
    }

    /// The answer for a person who is already a customer (the survivor if
    /// that record was merged).
    async fn existing(&self, customer: CustomerId) -> Result<Registration, ServiceError> {
        let customer = self.resolve(&customer).await?;
        let state = self.customer(&customer).await?;
        Ok(Registration {
            customer,
            created: false,
            needs_verification: state.has_account() && !state.verified(),
            position: self.exec.store().head().await?,
        })
    }
}
