//! JWT bearer tokens (HS256) with a role and a subject, and the secret they
//! are signed with.

use std::path::Path;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use domain::values::{CustomerId, DealerId};

use crate::problem::ApiError;

/// Who may do what (spec: roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Dealer,
    Planner,
    Finance,
}

impl Role {
    /// Every role, in the order the spec lists them.
    pub const ALL: [Role; 4] = [Role::Customer, Role::Dealer, Role::Planner, Role::Finance];

    /// The role's one written form: its serde name, as tokens, the problem
    /// details, the actor of an event and the keys derived from a caller write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Dealer => "dealer",
            Role::Planner => "planner",
            Role::Finance => "finance",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a role (customer, dealer, planner, finance)"))
    }
}

/// The claims of an otd token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    pub exp: i64,
    #[serde(default)]
    pub iat: i64,
}

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("subject {sub:?} does not fit role {role}: {reason}")]
    BadSubject {
        sub: String,
        role: Role,
        reason: String,
    },
    #[error("the time to live must be positive")]
    BadTtl,
    #[error("cannot sign: {0}")]
    Sign(String),
}

/// The signing secret, as keys.
#[derive(Clone)]
pub struct AuthKeys {
    encoding: Arc<EncodingKey>,
    decoding: Arc<DecodingKey>,
}

impl std::fmt::Debug for AuthKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthKeys(<secret>)")
    }
}

/// The smallest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

impl AuthKeys {
    pub fn from_secret(secret: &[u8]) -> AuthKeys {
        AuthKeys {
            encoding: Arc::new(EncodingKey::from_secret(secret)),
            decoding: Arc::new(DecodingKey::from_secret(secret)),
        }
    }

    /// Signs a token for `role` and `sub`, valid for `ttl`.
    pub fn issue(&self, role: Role, sub: &str, ttl: Duration) -> Result<String, TokenError> {
        check_subject(role, sub).map_err(|reason| TokenError::BadSubject {
            sub: sub.to_owned(),
            role,
            reason,
        })?;
        if ttl <= Duration::zero() {
            return Err(TokenError::BadTtl);
        }
        let now = Utc::now();
        let claims = Claims {
            sub: sub.to_owned(),
            role,
            exp: (now + ttl).timestamp(),
            iat: now.timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Sign(e.to_string()))
    }

    /// Verifies a token: HS256 only, signature, expiry, and a subject that
    /// fits the role.
    pub fn verify(&self, token: &str) -> Result<Caller, ApiError> {
        self.verify_until(token).map(|(caller, _)| caller)
    }

    /// [`AuthKeys::verify`], also telling when the token expires (its `exp`,
    /// Unix seconds).
    pub fn verify_until(&self, token: &str) -> Result<(Caller, i64), ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|e| ApiError::Unauthorized(format!("invalid token: {e}")))?;
        let claims = data.claims;
        check_subject(claims.role, &claims.sub)
            .map_err(|reason| ApiError::Unauthorized(format!("invalid token subject: {reason}")))?;
        let caller = Caller {
            role: claims.role,
            sub: claims.sub,
        };
        Ok((caller, claims.exp))
    }
}

fn check_subject(role: Role, sub: &str) -> Result<(), String> {
    match role {
        Role::Customer => CustomerId::parse(sub)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Role::Dealer => DealerId::parse(sub).map(|_| ()).map_err(|e| e.to_string()),
        Role::Planner | Role::Finance => {
            if sub.trim().is_empty() || sub.len() > 100 {
                Err("a subject of 1 to 100 characters".into())
            } else {
                Ok(())
            }
        }
    }
}

/// Loads the secret from `OTD_JWT_SECRET` (given) or from `jwt-secret` in
/// the data folder, making one there (owner-only permissions) on first use.
pub fn load_or_create_secret(given: Option<&str>, data_dir: &Path) -> Result<Vec<u8>, String> {
    if let Some(secret) = given {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "OTD_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes"
            ));
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join("jwt-secret");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= MIN_SECRET_BYTES => return Ok(bytes),
        Ok(_) => return Err(format!("{} is too short to be a secret", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_owner_only(&path, secret.as_bytes())?;
    Ok(secret.into_bytes())
}

fn write_owner_only(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub role: Role,
    pub sub: String,
}

impl Caller {
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

/// Anything that holds the keys (the application state).
pub trait HasAuth {
    fn auth(&self) -> &AuthKeys;
}

fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("malformed Authorization header".into()))?;
    let token = value
        .strip_prefix("Bearer ")
        .ok_or_else(|| ApiError::Unauthorized("expected Authorization: Bearer <token>".into()))?;
    Ok(Some(token.trim()))
}

impl<S: HasAuth + Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?
            .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".into()))?;
        state.auth().verify(token)
    }
}

/// A caller who may or may not be signed in (public routes); a token that
/// is present must be valid.
pub struct MaybeCaller(pub Option<Caller>);

impl<S: HasAuth + Send + Sync> FromRequestParts<S> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match bearer(parts)? {
            None => Ok(MaybeCaller(None)),
            Some(token) => state.auth().verify(token).map(|c| MaybeCaller(Some(c))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> AuthKeys {
        AuthKeys::from_secret(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn a_token_round_trips_with_its_role_and_subject() {
        let token = keys()
            .issue(Role::Dealer, "D-BER-01", Duration::hours(1))
            .unwrap();
        assert_eq!(
            keys().verify(&token).unwrap(),
            Caller {
                role: Role::Dealer,
                sub: "D-BER-01".into()
            }
        );
    }

    #[test]
    fn forged_expired_and_wrong_algorithm_tokens_are_unauthorized() {
        let other = AuthKeys::from_secret(b"another-secret-another-secret-xx");
        let forged = other
            .issue(Role::Planner, "alice", Duration::hours(1))
            .unwrap();
        assert!(matches!(
            keys().verify(&forged),
            Err(ApiError::Unauthorized(_))
        ));

        let claims = Claims {
            sub: "alice".into(),
            role: Role::Planner,
            exp: Utc::now().timestamp() - 10,
            iat: 0,
        };
        let secret = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
        let expired =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &secret).unwrap();
        assert!(matches!(
            keys().verify(&expired),
            Err(ApiError::Unauthorized(_))
        ));

        let claims = Claims {
            exp: Utc::now().timestamp() + 600,
            ..claims
        };
        let hs512 = jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims, &secret).unwrap();
        assert!(matches!(
            keys().verify(&hs512),
            Err(ApiError::Unauthorized(_))
        ));

        // alg "none": header {"alg":"none"} with no signature.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJwbGFubmVyIiwiZXhwIjo0MTAyNDQ0ODAwfQ.";
        assert!(matches!(
            keys().verify(none),
            Err(ApiError::Unauthorized(_))
        ));
    }

    #[test]
    fn a_subject_must_fit_its_role() {
        assert!(keys()
            .issue(Role::Customer, "D-BER-01", Duration::hours(1))
            .is_err());
        assert!(keys()
            .issue(Role::Dealer, "C-1001", Duration::hours(1))
            .is_err());
        assert!(keys()
            .issue(Role::Customer, "C-1001", Duration::zero())
            .is_err());
    }

    #[test]
    fn the_secret_is_made_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_secret(None, dir.path()).unwrap();
        let second = load_or_create_secret(None, dir.path()).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("jwt-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(load_or_create_secret(Some("short"), dir.path()).is_err());
    }
}
