//! JWT tokens (HS256) with a role, a subject and, for staff, the person and
//! the manager flag; the keys they are signed with; and the extractors that
//! find the caller of a request, from `Authorization: Bearer` or from the
//! web UI's session cookie (see [`crate::session`] for sign-in, sign-out and
//! CSRF).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use chrono::{Duration, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use domain::values::{CustomerId, DealerId, UserId};

pub use crate::secret::{load_or_create_secret, MIN_SECRET_BYTES};
pub use app::accounts::{Identity, IdentityError, Role};

use crate::problem::ApiError;
use crate::session::{cookies, RevokedSessions};

/// The claims of an otd token. `user`, `manager` and `jti` are optional, so
/// tokens made before they existed stay valid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    pub exp: i64,
    #[serde(default)]
    pub iat: i64,
    /// The person behind a staff token (`U-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A dealer's staff member who manages the outlet.
    #[serde(default)]
    pub manager: bool,
    /// The session's id (tokens made by signing in), which sign-out revokes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error("the time to live must be positive")]
    BadTtl,
    #[error("cannot sign: {0}")]
    Sign(String),
}

/// A token just signed for a session.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    /// The session's id (the token's `jti`).
    pub jti: String,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
}

/// How long a verification link stays valid.
pub const VERIFICATION_TTL_DAYS: i64 = 7;
const VERIFY_EMAIL: &str = "verify-email";

/// The claims of an e-mail verification link.
#[derive(Debug, Serialize, Deserialize)]
struct VerificationClaims {
    sub: String,
    purpose: String,
    exp: i64,
}

/// A verified token: who, which session, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub caller: Caller,
    /// The session's id, for tokens made by signing in.
    pub jti: Option<String>,
    /// When the token expires (Unix seconds).
    pub expires_at: i64,
}

/// The signing secret, as keys.
#[derive(Clone)]
pub struct AuthKeys {
    encoding: Arc<EncodingKey>,
    decoding: Arc<DecodingKey>,
    /// The secret itself, keying the CSRF tokens.
    secret: Arc<[u8]>,
}

impl std::fmt::Debug for AuthKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthKeys(<secret>)")
    }
}

impl AuthKeys {
    pub fn from_secret(secret: &[u8]) -> AuthKeys {
        AuthKeys {
            encoding: Arc::new(EncodingKey::from_secret(secret)),
            decoding: Arc::new(DecodingKey::from_secret(secret)),
            secret: secret.into(),
        }
    }

    pub(crate) fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    pub(crate) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Signs a token for `identity`, valid for `ttl` (no session id: a
    /// script's or a test's token).
    pub fn issue(&self, identity: &Identity, ttl: Duration) -> Result<String, TokenError> {
        self.sign(identity, ttl, None).map(|t| t.token)
    }

    /// [`AuthKeys::issue`] for a role and a subject alone.
    pub fn issue_role(&self, role: Role, sub: &str, ttl: Duration) -> Result<String, TokenError> {
        self.issue(&Identity::of(role, sub), ttl)
    }

    /// Signs a session's token: with a fresh `jti` that sign-out can revoke.
    pub fn issue_session(
        &self,
        identity: &Identity,
        ttl: Duration,
    ) -> Result<IssuedToken, TokenError> {
        self.sign(
            identity,
            ttl,
            Some(uuid::Uuid::new_v4().simple().to_string()),
        )
    }

    fn sign(
        &self,
        identity: &Identity,
        ttl: Duration,
        jti: Option<String>,
    ) -> Result<IssuedToken, TokenError> {
        identity.check()?;
        if ttl <= Duration::zero() {
            return Err(TokenError::BadTtl);
        }
        let now = Utc::now();
        let claims = Claims {
            sub: identity.sub.clone(),
            role: identity.role,
            exp: (now + ttl).timestamp(),
            iat: now.timestamp(),
            user: identity.user.as_ref().map(|u| u.as_str().to_owned()),
            manager: identity.manager,
            jti: jti.clone(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Sign(e.to_string()))?;
        Ok(IssuedToken {
            token,
            jti: jti.unwrap_or_default(),
            expires_at: claims.exp,
        })
    }

    /// Verifies a token: HS256 only, signature, expiry, and an identity that
    /// holds together.
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        self.verify_token(token).map(|v| v.caller)
    }

    /// [`AuthKeys::verify`], also telling when the token expires (its `exp`,
    /// Unix seconds).
    pub fn verify_until(&self, token: &str) -> Result<(Caller, i64), ApiError> {
        self.verify_token(token).map(|v| (v.caller, v.expires_at))
    }

    /// [`AuthKeys::verify`], with the session id and the expiry.
    pub fn verify_token(&self, token: &str) -> Result<Verified, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| ApiError::Unauthorized(format!("invalid token: {e}")))?;
        let claims = data.claims;
        let user = claims
            .user
            .as_deref()
            .map(UserId::parse)
            .transpose()
            .map_err(|e| ApiError::Unauthorized(format!("invalid token user: {e}")))?;
        let identity = Identity {
            role: claims.role,
            sub: claims.sub,
            user,
            manager: claims.manager,
        };
        identity
            .check()
            .map_err(|e| ApiError::Unauthorized(format!("invalid token: {e}")))?;
        Ok(Verified {
            caller: Caller::from(identity),
            jti: claims.jti,
            expires_at: claims.exp,
        })
    }

    /// The path of the link that verifies `customer`'s e-mail address: a token signed with
    /// the server's secret, valid for [`VERIFICATION_TTL_DAYS`] days, that no bearer
    /// check accepts (it has no role) and that names its purpose.
    pub fn verification_link(&self, customer: &CustomerId) -> Result<String, ApiError> {
        let exp = (Utc::now() + Duration::days(VERIFICATION_TTL_DAYS)).timestamp();
        let claims = VerificationClaims {
            sub: customer.to_string(),
            purpose: VERIFY_EMAIL.to_owned(),
            exp,
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
                .map_err(|e| ApiError::Internal(format!("cannot sign a verification link: {e}")))?;
        Ok(format!("/verify-email?code={token}"))
    }

    /// The customer a verification token was made for; a 422 `invalid_verification`
    /// for a token that is malformed, forged, expired or made for something else.
    pub fn verified_customer(&self, token: &str) -> Result<CustomerId, ApiError> {
        let invalid = |why: String| {
            ApiError::rule(
                "invalid_verification",
                format!("the verification link is not valid: {why}"),
            )
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<VerificationClaims>(token, &self.decoding, &validation)
            .map_err(|e| invalid(e.to_string()))?;
        if data.claims.purpose != VERIFY_EMAIL {
            return Err(invalid("it was made for something else".into()));
        }
        CustomerId::parse(&data.claims.sub).map_err(|e| invalid(e.to_string()))
    }

    /// The CSRF token of a session: an HMAC of its id under the server's
    /// secret, so a client cannot make one up.
    pub fn csrf_token(&self, jti: &str) -> String {
        let mac = self.csrf_mac(jti);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Whether `presented` is the CSRF token of the session `jti` (in
    /// constant time).
    pub fn csrf_matches(&self, jti: &str, presented: &str) -> bool {
        let Some(bytes) = hex(presented) else {
            return false;
        };
        self.csrf_mac(jti).verify_slice(&bytes).is_ok()
    }

    fn csrf_mac(&self, jti: &str) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
        mac.update(b"otd-csrf:");
        mac.update(jti.as_bytes());
        mac
    }
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub role: Role,
    pub sub: String,
    /// The person behind a staff token, if the token names one.
    pub user: Option<UserId>,
    /// A dealer's staff member who manages the outlet.
    pub manager: bool,
}

impl From<Identity> for Caller {
    fn from(identity: Identity) -> Caller {
        Caller {
            role: identity.role,
            sub: identity.sub,
            user: identity.user,
            manager: identity.manager,
        }
    }
}

impl Caller {
    /// A caller with a role and a subject alone (no person, not a manager).
    pub fn of(role: Role, sub: impl Into<String>) -> Caller {
        Caller::from(Identity::of(role, sub))
    }

    /// The customer this caller is, if a customer.
    pub fn customer(&self) -> Option<CustomerId> {
        (self.role == Role::Customer)
            .then(|| CustomerId::parse(&self.sub).ok())
            .flatten()
    }

    /// The dealer this caller is, if a dealer.
    pub fn dealer(&self) -> Option<DealerId> {
        (self.role == Role::Dealer)
            .then(|| DealerId::parse(&self.sub).ok())
            .flatten()
    }

    /// Refuses unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role may not do this",
                self.role
            )))
        }
    }
}

/// Anything that holds the keys and the revoked sessions (the application
/// state).
pub trait HasAuth {
    fn auth(&self) -> &AuthKeys;
    fn revoked(&self) -> &RevokedSessions;
}

/// Where a request's token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// `Authorization: Bearer <token>` (scripts, the API): no CSRF check.
    Bearer(&'a str),
    /// The `otd_session` cookie (the web UI): writes need `X-CSRF-Token`.
    Cookie(&'a str),
}

/// The token a request carries: the bearer token if there is one, else the
/// session cookie.
pub fn credential(headers: &HeaderMap) -> Result<Option<Credential<'_>>, ApiError> {
    if let Some(value) = headers.get(axum::http::header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
        let token = value.strip_prefix("Bearer ").ok_or_else(|| {
            ApiError::Unauthorized("expected Authorization: Bearer <token>".into())
        })?;
        return Ok(Some(Credential::Bearer(token.trim())));
    }
    Ok(cookies::get(headers, cookies::SESSION).map(Credential::Cookie))
}

/// Whether a request with `method` may change state (and so needs the CSRF
/// token when it is authenticated by the cookie).
pub fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Authenticates a request: verifies its token (bearer or cookie), refuses a
/// revoked session, and, for a write authenticated by the cookie, requires
/// `X-CSRF-Token` to be the session's CSRF token (403 otherwise).
/// `Ok(None)`: the request carries no token.
pub fn authenticate<S: HasAuth>(
    state: &S,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Option<Verified>, ApiError> {
    let Some(credential) = credential(headers)? else {
        return Ok(None);
    };
    let token = match credential {
        Credential::Bearer(token) | Credential::Cookie(token) => token,
    };
    let verified = state.auth().verify_token(token)?;
    if let Some(jti) = &verified.jti {
        if state.revoked().contains(jti) {
            return Err(ApiError::Unauthorized("the session has ended".into()));
        }
    }
    if matches!(credential, Credential::Cookie(_)) && changes_state(method) {
        let presented = headers
            .get(cookies::CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        let valid = match (&verified.jti, presented) {
            (Some(jti), Some(presented)) => state.auth().csrf_matches(jti, presented),
            _ => false,
        };
        if !valid {
            return Err(ApiError::Csrf(
                "a change made with the session cookie needs the X-CSRF-Token header of the session"
                    .into(),
            ));
        }
    }
    Ok(Some(verified))
}

impl<S: HasAuth + Send + Sync> FromRequestParts<S> for Verified {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        authenticate(state, &parts.method, &parts.headers)?
            .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))
    }
}

impl<S: HasAuth + Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Verified::from_request_parts(parts, state)
            .await
            .map(|v| v.caller)
    }
}

/// A caller who may or may not be signed in (public routes); a token that
/// is present must be valid.
pub struct MaybeCaller(pub Option<Caller>);

impl<S: HasAuth + Send + Sync> FromRequestParts<S> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        authenticate(state, &parts.method, &parts.headers).map(|v| MaybeCaller(v.map(|v| v.caller)))
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
