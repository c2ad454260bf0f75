//! Account links: asking for the e-mail verification link again, asking for a password
//! reset, and setting a new password with a reset link.
//!
//! Asking records a fact on the account's stream (`CustomerVerificationRequested`,
//! `CustomerPasswordResetRequested`, `UserPasswordResetRequested`); the messages manager
//! decides the e-mail from it, and the sender makes the link when it sends the mail
//! (`app::outbox::LinkSigner`). No token is ever written into the log.
//!
//! A reset link names the account and a **fingerprint of the password hash it replaces**
//! ([`password_fingerprint`]): once the password changes (by this link or otherwise) the
//! fingerprint no longer matches and the link is dead, so a link works once without any
//! record of used links.

use domain::claim::ClaimOwner;
use domain::customer::{Customer, CustomerCommand};
use domain::user::{User, UserCommand};
use domain::values::{ClaimKind, CustomerId, Email, Sealed};
use sha2::{Digest, Sha256};
use store::Metadata;

use super::profile::{guard_live, vault_failed, PASSWORD_FIELD};
use super::People;
use crate::accounts::{Password, PasswordHash};
use crate::rejection::{Rejection, ServiceError};
use crate::services::Done;
use crate::steps::{load, run, Reached};
use crate::vault::Purpose;
use crate::CommandError;

/// Whose account: a customer's or a staff member's (the login claim's owner).
pub type AccountHolder = ClaimOwner;

/// The fingerprint of a password hash a reset link is bound to: 32 hex digits of
/// SHA-256 over the hash's PHC string (salted already; it reveals nothing of the password).
pub fn password_fingerprint(hash: &PasswordHash) -> String {
    let digest = Sha256::new()
        .chain_update(b"otd-password-reset:")
        .chain_update(hash.as_phc().as_bytes())
        .finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

impl People {
    /// Asks for the customer's verification link again (a no-op once verified).
    pub async fn request_verification(
        &self,
        customer: &CustomerId,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        guard_live(&self.customer(customer).await?)?;
        let at = self.exec.clock().now();
        let done = run::<Customer>(&self.exec, customer, metadata, |_| {
            CustomerCommand::RequestVerification { at }
        })
        .await?;
        Ok(Done {
            position: Reached::of(&done).position(&self.exec).await?,
        })
    }

    /// Asks for a password reset of the live account signing in with `email`: records it on
    /// the account's stream, whence the manager decides the mail. `Ok(None)` when no live
    /// account signs in with it (the caller answers the same either way).
    pub async fn request_password_reset(
        &self,
        email: &Email,
        metadata: &Metadata,
    ) -> Result<Option<Done>, ServiceError> {
        let login = self.vault.claim_key(ClaimKind::Login, email.as_str());
        let at = self.exec.clock().now();
        let done = match self.holder(&login).await? {
            None => return Ok(None),
            Some(ClaimOwner::Customer(customer)) => {
                run::<Customer>(&self.exec, &customer, metadata, |_| {
                    CustomerCommand::RequestPasswordReset { at }
                })
                .await
                .map(|done| Reached::of(&done))
            }
            Some(ClaimOwner::User(user)) => run::<User>(&self.exec, &user, metadata, |_| {
                UserCommand::RequestPasswordReset { at }
            })
            .await
            .map(|done| Reached::of(&done)),
        };
        match done {
            Ok(reached) => Ok(Some(Done {
                position: reached.position(&self.exec).await?,
            })),
            // No account, erased, merged away, deactivated: nobody to reset.
            Err(CommandError::Rejected(_) | CommandError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The fingerprint of the account's current password hash (`None`: no live account
    /// with a password).
    pub async fn current_fingerprint(
        &self,
        account: &AccountHolder,
    ) -> Result<Option<String>, ServiceError> {
        let (subject, sealed) = self.sealed_password(account).await?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        Ok(self
            .password_of(&subject, Some(&sealed))
            .await?
            .map(|hash| password_fingerprint(&hash)))
    }

    /// Sets `password` on the account with a reset link made for the password whose
    /// fingerprint is `fingerprint`; refused with [`Rejection::ResetLinkUsed`] when the
    /// password changed since (the link was used, or the password changed otherwise). A
    /// customer's e-mail address counts as verified afterwards: the link came to it.
    pub async fn reset_password(
        &self,
        account: &AccountHolder,
        fingerprint: &str,
        password: Password,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        if self.current_fingerprint(account).await?.as_deref() != Some(fingerprint) {
            return Err(CommandError::Rejected(Rejection::ResetLinkUsed));
        }
        let hash = self.hash_password(password).await?;
        let (subject, _) = self.sealed_password(account).await?;
        let sealed = self
            .vault
            .seal(
                &subject,
                Purpose::Profile,
                PASSWORD_FIELD,
                hash.as_phc().as_bytes(),
            )
            .await
            .map_err(vault_failed)?;
        let at = self.exec.clock().now();
        let mut reached = Reached::Nothing;
        match account {
            ClaimOwner::Customer(customer) => {
                let done = run::<Customer>(&self.exec, customer, metadata, |_| {
                    CustomerCommand::ChangePassword {
                        password: sealed.clone(),
                        at,
                    }
                })
                .await?;
                reached = reached.max(Reached::of(&done));
                let done = run::<Customer>(&self.exec, customer, metadata, |_| {
                    CustomerCommand::VerifyEmail { at }
                })
                .await?;
                reached = reached.max(Reached::of(&done));
            }
            ClaimOwner::User(user) => {
                let done = run::<User>(&self.exec, user, metadata, |_| {
                    UserCommand::ChangePassword {
                        password: sealed.clone(),
                        at,
                    }
                })
                .await?;
                reached = reached.max(Reached::of(&done));
            }
        }
        Ok(Done {
            position: reached.position(&self.exec).await?,
        })
    }

    /// The subject an account's password is sealed under, and the sealed hash.
    async fn sealed_password(
        &self,
        account: &AccountHolder,
    ) -> Result<(String, Option<Sealed>), ServiceError> {
        Ok(match account {
            ClaimOwner::Customer(customer) => {
                let state = self.customer(customer).await?;
                let live = state.registered() && !state.erased() && state.merged_into().is_none();
                (
                    customer.to_string(),
                    state.password().filter(|_| live).cloned(),
                )
            }
            ClaimOwner::User(user) => {
                let state = load::<User>(&self.exec, user).await?;
                (
                    user.to_string(),
                    state.password().filter(|_| state.active()).cloned(),
                )
            }
        })
    }
}
