//! The links account e-mails carry, signed with the server's secret: the port
//! [`app::outbox::LinkSigner`] the sender asks when it sends an account message, and the
//! reading of a password-reset token when the link is used.
//!
//! A link is a page of the web UI with a token in `?code=` (`/verify-email`,
//! `/reset-password`) under the public URL (`OTD_PUBLIC_URL`). A reset token names the
//! account, the fingerprint of the password hash it replaces (so it dies once the
//! password changes: single use) and expires after [`RESET_TTL_MINUTES`]. Tokens are
//! HS256 JWTs with a `purpose` no bearer check accepts (they have no role).

use app::outbox::{AccountLink, LinkError, LinkSigner};
use app::people::AccountHolder;
use chrono::{Duration, Utc};
use domain::claim::ClaimOwner;
use domain::values::{CustomerId, UserId};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::auth::AuthKeys;
use crate::problem::ApiError;

/// How long a password-reset link stays valid.
pub const RESET_TTL_MINUTES: i64 = 60;
const RESET_PASSWORD: &str = "reset-password";

/// The claims of a password-reset link.
#[derive(Debug, Serialize, Deserialize)]
struct ResetClaims {
    sub: String,
    purpose: String,
    /// The fingerprint of the password hash the link replaces.
    fp: String,
    exp: i64,
}

/// What a valid reset token grants: a new password on `account` while its password hash
/// still has `fingerprint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetGrant {
    pub account: AccountHolder,
    pub fingerprint: String,
}

impl AuthKeys {
    /// The path of the link that sets a new password on `account` (whose password hash has
    /// `fingerprint`), valid for [`RESET_TTL_MINUTES`] minutes.
    pub fn reset_link(
        &self,
        account: &AccountHolder,
        fingerprint: &str,
    ) -> Result<String, ApiError> {
        let claims = ResetClaims {
            sub: account_sub(account),
            purpose: RESET_PASSWORD.to_owned(),
            fp: fingerprint.to_owned(),
            exp: (Utc::now() + Duration::minutes(RESET_TTL_MINUTES)).timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, self.encoding())
            .map_err(|e| ApiError::Internal(format!("cannot sign a reset link: {e}")))?;
        Ok(format!("/reset-password?code={token}"))
    }

    /// What a reset token grants; a 422 `invalid_password_reset` for a token that is
    /// malformed, forged, expired or made for something else.
    pub fn reset_grant(&self, token: &str) -> Result<ResetGrant, ApiError> {
        let invalid = |why: String| {
            ApiError::rule(
                "invalid_password_reset",
                format!("the password-reset link is not valid: {why}"),
            )
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<ResetClaims>(token, self.decoding(), &validation)
            .map_err(|e| invalid(e.to_string()))?;
        if data.claims.purpose != RESET_PASSWORD {
            return Err(invalid("it was made for something else".into()));
        }
        let account =
            parse_account(&data.claims.sub).ok_or_else(|| invalid("it names no account".into()))?;
        Ok(ResetGrant {
            account,
            fingerprint: data.claims.fp,
        })
    }
}

/// An account as a token's subject: the customer's or the user's id.
fn account_sub(account: &AccountHolder) -> String {
    match account {
        ClaimOwner::Customer(customer) => customer.to_string(),
        ClaimOwner::User(user) => user.to_string(),
    }
}

fn parse_account(sub: &str) -> Option<AccountHolder> {
    if let Ok(customer) = CustomerId::parse(sub) {
        return Some(ClaimOwner::Customer(customer));
    }
    UserId::parse(sub).ok().map(ClaimOwner::User)
}

/// The links of account e-mails: the server's keys and its public URL.
#[derive(Debug, Clone)]
pub struct SignedLinks {
    keys: AuthKeys,
    base: url::Url,
}

impl SignedLinks {
    /// Links under `base` (e.g. `https://orders.example.com`), signed with `keys`.
    pub fn new(keys: AuthKeys, base: url::Url) -> SignedLinks {
        SignedLinks { keys, base }
    }
}

impl LinkSigner for SignedLinks {
    fn sign(&self, link: &AccountLink) -> Result<String, LinkError> {
        let path = match link {
            AccountLink::VerifyEmail { customer } => self.keys.verification_link(customer),
            AccountLink::PasswordReset {
                account,
                fingerprint,
            } => self.keys.reset_link(account, fingerprint),
        }
        .map_err(|e| LinkError(e.to_string()))?;
        self.base
            .join(&path)
            .map(String::from)
            .map_err(|e| LinkError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn keys() -> AuthKeys {
        AuthKeys::from_secret(b"links-test-secret-links-test-secret!")
    }

    fn token_of(path: &str) -> &str {
        path.split_once("code=").unwrap().1
    }

    #[test]
    fn a_reset_token_grants_its_account_and_fingerprint() {
        for account in [
            ClaimOwner::Customer(CustomerId::parse("C-1001").unwrap()),
            ClaimOwner::User(UserId::parse("U-7").unwrap()),
        ] {
            let path = keys().reset_link(&account, "abc").unwrap();
            let grant = keys().reset_grant(token_of(&path)).unwrap();
            assert_eq!(grant.account, account);
            assert_eq!(grant.fingerprint, "abc");
        }
    }

    #[test]
    fn a_forged_expired_or_verification_token_is_no_reset_grant() {
        let account = ClaimOwner::Customer(CustomerId::parse("C-1001").unwrap());
        let other = AuthKeys::from_secret(b"another-secret-another-secret-another");
        let forged = other.reset_link(&account, "abc").unwrap();
        let expired = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &ResetClaims {
                sub: "C-1001".into(),
                purpose: RESET_PASSWORD.into(),
                fp: "abc".into(),
                exp: (Utc::now() - Duration::minutes(1)).timestamp(),
            },
            keys().encoding(),
        )
        .unwrap();
        let verification = keys()
            .verification_link(&CustomerId::parse("C-1001").unwrap())
            .unwrap();
        for token in [token_of(&forged), &expired, token_of(&verification), "x"] {
            let refused = keys().reset_grant(token).unwrap_err();
            assert!(
                matches!(&refused, ApiError::Unprocessable { errors, .. }
                    if errors[0].rule == "invalid_password_reset"),
                "{refused:?}"
            );
        }
    }

    #[test]
    fn links_are_whole_urls_under_the_public_url() {
        let links = SignedLinks::new(keys(), "https://orders.example.com/".parse().unwrap());
        let link = links
            .sign(&AccountLink::VerifyEmail {
                customer: CustomerId::parse("C-1001").unwrap(),
            })
            .unwrap();
        assert!(
            link.starts_with("https://orders.example.com/verify-email?code="),
            "{link}"
        );
    }
}
