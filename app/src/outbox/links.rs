//! The links an account message carries, made when the message is sent.
//!
//! An account message (`account.verify_email`, `account.password_reset`) is queued with
//! only the account it is for; the sender asks a [`LinkSigner`] for the link just before
//! it sends the mail. So no token is ever in the log: rebuilding a view or replaying the
//! log exposes none, and a redelivery after a crash sends a fresh, equally valid link under
//! the same `Message-ID`. The API implements the signer with the server's secret and its
//! public URL (`OTD_PUBLIC_URL`).

use channels::outcome::{Failure, SendError};
use domain::claim::ClaimOwner;
use domain::message::{MessageKind, Queued, Recipient};
use domain::values::CustomerId;

use crate::people::{AccountHolder, People};
use crate::ServiceError;

/// A link to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountLink {
    /// Verifies the customer's e-mail address.
    VerifyEmail { customer: CustomerId },
    /// Sets a new password on `account`, while its password hash still has `fingerprint`
    /// (`app::people::password_fingerprint`): the link dies once the password changes.
    PasswordReset {
        account: AccountHolder,
        fingerprint: String,
    },
}

/// Why a link could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot make the link: {0}")]
pub struct LinkError(pub String);

/// Makes the links of account messages (whole URLs, token included).
pub trait LinkSigner: Send + Sync {
    /// The URL of `link`, valid from now for as long as the signer's policy says.
    fn sign(&self, link: &AccountLink) -> Result<String, LinkError>;
}

/// The link of the account message `queued`, made now (`Err` inside: a reason no retry
/// changes, e.g. the account has no password any more).
pub(super) async fn link_for(
    people: &People,
    signer: &dyn LinkSigner,
    queued: &Queued,
) -> Result<Result<String, SendError>, ServiceError> {
    let hopeless = |detail: &str| Ok(Err(SendError::new(Failure::Permanent, detail)));
    let account = match &queued.recipient {
        Recipient::Customer { customer } => ClaimOwner::Customer(customer.clone()),
        Recipient::User { user } | Recipient::Staff { user, .. } => ClaimOwner::User(user.clone()),
        Recipient::Webhook { .. } => return hopeless("an account message goes by e-mail only"),
    };
    let link = match (queued.kind, account) {
        (MessageKind::AccountVerifyEmail, ClaimOwner::Customer(customer)) => {
            AccountLink::VerifyEmail { customer }
        }
        (MessageKind::AccountPasswordReset, account) => {
            match people.current_fingerprint(&account).await? {
                Some(fingerprint) => AccountLink::PasswordReset {
                    account,
                    fingerprint,
                },
                None => return hopeless("the account has no password to reset any more"),
            }
        }
        _ => return hopeless("no link for this message"),
    };
    Ok(signer
        .sign(&link)
        .map_err(|e| SendError::new(Failure::Permanent, e.to_string())))
}
