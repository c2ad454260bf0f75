//! Signing in as a person: the sign-in record of an e-mail address (the
//! [`Accounts`] port, read from the log through the login claim), staff
//! accounts, and e-mail verification.

use async_trait::async_trait;
use domain::claim::ClaimOwner;
use domain::customer::{Channel, Customer, CustomerCommand};
use domain::user::{StaffRole, User, UserCommand};
use domain::values::{ClaimKind, CustomerId, Email, Sealed, UserId};
use store::Metadata;

use super::profile::{
    guard_live, taken_by, vault_failed, StaffProfile, PASSWORD_FIELD, PROFILE_FIELD,
};
use super::People;
use crate::accounts::{
    Accounts, AccountsError, Identity, Password, PasswordError, PasswordHash, Role, SignInRecord,
};
use crate::rejection::{Rejection, ServiceError};
use crate::services::Done;
use crate::steps::{load, run, Reached};
use crate::vault::{Opened, Purpose};
use crate::CommandError;

/// A staff account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaff {
    /// The new account's id (the caller makes a fresh one).
    pub user: UserId,
    pub profile: StaffProfile,
    pub role: StaffRole,
    pub password: Password,
}

impl People {
    /// Hashes a password on the bounded pool; a full pool is refused at once.
    pub async fn hash_password(&self, password: Password) -> Result<PasswordHash, ServiceError> {
        self.passwords.hash(password).await.map_err(password_failed)
    }

    /// Creates a staff account; its sign-in e-mail must not be anyone's yet.
    pub async fn create_staff(
        &self,
        new: NewStaff,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        let hash = self.hash_password(new.password.clone()).await?;
        let owner = ClaimOwner::User(new.user.clone());
        let login = self
            .vault
            .claim_key(ClaimKind::Login, new.profile.email.as_str());
        let mut reached = match self.claim(&login, &owner, metadata).await {
            Ok(reached) => reached,
            Err(e) if taken_by(&e).is_some() => {
                return Err(CommandError::Rejected(Rejection::LoginTaken))
            }
            Err(e) => return Err(e),
        };
        let subject = new.user.as_str();
        let profile = self
            .vault
            .seal_json(subject, Purpose::Profile, PROFILE_FIELD, &new.profile)
            .await
            .map_err(vault_failed)?;
        let password = self
            .vault
            .seal(
                subject,
                Purpose::Profile,
                PASSWORD_FIELD,
                hash.as_phc().as_bytes(),
            )
            .await
            .map_err(vault_failed)?;
        let at = self.exec.clock().now();
        let done = run::<User>(&self.exec, &new.user, metadata, |_| UserCommand::Create {
            user: new.user.clone(),
            profile: profile.clone(),
            role: new.role.clone(),
            login: login.clone(),
            password: password.clone(),
            at,
        })
        .await?;
        reached = reached.max(Reached::of(&done));
        Ok(Done {
            position: reached.position(&self.exec).await?,
        })
    }

    /// A staff member's profile in clear (`None`: no such user).
    pub async fn staff_profile(&self, user: &UserId) -> Result<Option<StaffProfile>, ServiceError> {
        let state = load::<User>(&self.exec, user).await?;
        let Some(sealed) = state.profile() else {
            return Ok(None);
        };
        self.open_staff_profile(user, sealed).await
    }

    /// A staff member's sealed profile (as a read model keeps it) in clear; `None` once
    /// its key is gone.
    pub async fn open_staff_profile(
        &self,
        user: &UserId,
        sealed: &Sealed,
    ) -> Result<Option<StaffProfile>, ServiceError> {
        let opened = self
            .vault
            .open_json::<StaffProfile>(user.as_str(), PROFILE_FIELD, sealed)
            .await
            .map_err(vault_failed)?;
        Ok(opened.clear())
    }

    /// Marks the customer's account e-mail verified (a no-op when it is).
    pub async fn verify_email(
        &self,
        customer: &CustomerId,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        let state = self.customer(customer).await?;
        guard_live(&state)?;
        let at = self.exec.clock().now();
        let done = run::<Customer>(&self.exec, customer, metadata, |_| {
            CustomerCommand::VerifyEmail { at }
        })
        .await?;
        Ok(Done {
            position: Reached::of(&done).position(&self.exec).await?,
        })
    }

    /// The sign-in record of `email`, read from the log.
    async fn record_of(&self, email: &Email) -> Result<Option<SignInRecord>, ServiceError> {
        let login = self.vault.claim_key(ClaimKind::Login, email.as_str());
        match self.holder(&login).await? {
            None => Ok(None),
            Some(ClaimOwner::Customer(customer)) => self.customer_record(&customer).await,
            Some(ClaimOwner::User(user)) => self.staff_record(&user).await,
        }
    }

    async fn customer_record(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<SignInRecord>, ServiceError> {
        let state = self.customer(customer).await?;
        if state.erased() {
            return Ok(None);
        }
        let Some(hash) = self
            .password_of(customer.as_str(), state.password())
            .await?
        else {
            return Ok(None);
        };
        let survivor = self.resolve(customer).await?;
        // An account opened online may sign in before its e-mail is verified
        // (it cannot order yet); one added to a showroom customer only after,
        // so nobody signs in to a record by knowing its e-mail address.
        let online = matches!(state.channel(), Some(Channel::Online));
        Ok(Some(SignInRecord {
            identity: Identity::of(Role::Customer, survivor.as_str()),
            password_hash: hash,
            verified: state.verified(),
            active: state.verified() || online,
        }))
    }

    async fn staff_record(&self, user: &UserId) -> Result<Option<SignInRecord>, ServiceError> {
        let state = load::<User>(&self.exec, user).await?;
        let (Some(role), Some(hash)) = (
            state.role().cloned(),
            self.password_of(user.as_str(), state.password()).await?,
        ) else {
            return Ok(None);
        };
        let identity = match role {
            StaffRole::Dealer { dealer, manager } => Identity {
                role: Role::Dealer,
                sub: dealer.to_string(),
                user: Some(user.clone()),
                manager,
            },
            StaffRole::Planner => staff(Role::Planner, user),
            StaffRole::Finance => staff(Role::Finance, user),
            StaffRole::Admin => staff(Role::Admin, user),
        };
        Ok(Some(SignInRecord {
            identity,
            password_hash: hash,
            verified: true,
            active: state.active(),
        }))
    }

    /// The password hash sealed as `sealed` under `subject`'s key (`None`: no password,
    /// or its key is destroyed).
    pub(super) async fn password_of(
        &self,
        subject: &str,
        sealed: Option<&Sealed>,
    ) -> Result<Option<PasswordHash>, ServiceError> {
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let Opened::Clear(bytes) = self
            .vault
            .open(subject, PASSWORD_FIELD, sealed)
            .await
            .map_err(vault_failed)?
        else {
            return Ok(None);
        };
        let phc = String::from_utf8(bytes).map_err(|_| CommandError::Corrupt {
            stream: subject.to_owned(),
            reason: "a sealed password hash is not text".into(),
        })?;
        PasswordHash::from_phc(phc)
            .map(Some)
            .map_err(|e| CommandError::Corrupt {
                stream: subject.to_owned(),
                reason: e.to_string(),
            })
    }
}

fn staff(role: Role, user: &UserId) -> Identity {
    Identity {
        role,
        sub: user.to_string(),
        user: Some(user.clone()),
        manager: false,
    }
}

fn password_failed(error: PasswordError) -> ServiceError {
    match error {
        PasswordError::Busy => CommandError::Rejected(Rejection::PasswordsBusy),
        other => CommandError::Corrupt {
            stream: "password pool".into(),
            reason: other.to_string(),
        },
    }
}

#[async_trait]
impl Accounts for People {
    async fn sign_in_record(&self, email: &Email) -> Result<Option<SignInRecord>, AccountsError> {
        self.record_of(email)
            .await
            .map_err(|e| AccountsError::Unavailable(e.to_string()))
    }
}
