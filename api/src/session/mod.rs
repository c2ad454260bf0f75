//! Signing in and out of the web UI and the API.
//!
//! `POST /api/v1/sessions {email, password}` checks the password on the
//! [`PasswordPool`] against the record the [`Accounts`] port finds, and
//! answers a token in the body and as the `otd_session` cookie (HttpOnly,
//! SameSite=Strict), with the session's CSRF token in the readable
//! `otd_csrf` cookie. A wrong password and an unknown e-mail get the same
//! answer and cost the same time; failures are throttled per e-mail.
//! `DELETE /api/v1/sessions` revokes the session and clears the cookies.
//! How a request is authenticated by the cookie, and the CSRF check of its
//! writes, live in [`crate::auth::authenticate`].

pub mod cookies;
mod revoked;

use std::sync::Arc;

use app::accounts::{
    Accounts, AccountsError, MemoryAccounts, Password, PasswordError, PasswordPool,
    PasswordRuleError, Role,
};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, SecondsFormat};
use domain::values::Email;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use revoked::RevokedSessions;

use crate::auth::Verified;
use crate::extract::AppJson;
use crate::problem::ApiError;
use crate::signin_throttle::SignInThrottle;
use crate::AppState;

/// How long a session lasts (the cookie's Max-Age and the token's expiry).
pub const SESSION_TTL_SECS: i64 = 8 * 60 * 60;

/// Everything signing in needs, in the application state.
#[derive(Clone)]
pub struct SignIn {
    /// Where sign-in records are found (the lead wires the log's).
    pub accounts: Arc<dyn Accounts>,
    /// Where passwords are hashed and verified.
    pub passwords: PasswordPool,
    /// Failed sign-ins per e-mail.
    pub throttle: SignInThrottle,
    /// Password-reset requests per e-mail (each counts, like a failed sign-in).
    pub resets: SignInThrottle,
    /// Sessions ended by signing out.
    pub revoked: RevokedSessions,
    /// Whether the cookies are `Secure` (HTTPS only).
    pub cookie_secure: bool,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("passwords", &self.passwords)
            .field("cookie_secure", &self.cookie_secure)
            .finish_non_exhaustive()
    }
}

impl Default for SignIn {
    /// No accounts (nobody can sign in yet), a pool sized for this machine,
    /// secure cookies.
    fn default() -> Self {
        SignIn::new(
            Arc::new(MemoryAccounts::new()),
            PasswordPool::for_this_machine(),
        )
    }
}

impl SignIn {
    /// Sign-in on `accounts` with `passwords`, the default throttle and
    /// secure cookies.
    pub fn new(accounts: Arc<dyn Accounts>, passwords: PasswordPool) -> SignIn {
        SignIn {
            accounts,
            passwords,
            throttle: SignInThrottle::default(),
            resets: SignInThrottle::default(),
            revoked: RevokedSessions::new(),
            cookie_secure: true,
        }
    }
}

/// A sign-in. (No `Debug`: it holds a password.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    /// 10 to 128 characters.
    pub password: String,
}

/// A session: its token (also set as the `otd_session` cookie) and who it
/// is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// A bearer token for the API (the same as the cookie's).
    pub token: String,
    pub role: Role,
    /// The customer, the dealer outlet, or the staff member's subject.
    pub sub: String,
    /// The person behind a staff account (`U-…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A dealer's staff member who manages the outlet.
    pub manager: bool,
    /// RFC 3339, UTC.
    #[schema(value_type = chrono::DateTime<chrono::Utc>)]
    pub expires_at: String,
}

impl From<PasswordError> for ApiError {
    fn from(error: PasswordError) -> ApiError {
        match error {
            PasswordError::Busy => ApiError::Overloaded {
                retry_after_secs: 1,
            },
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<PasswordRuleError> for ApiError {
    fn from(error: PasswordRuleError) -> ApiError {
        ApiError::rule(error.rule(), error.to_string())
    }
}

impl From<AccountsError> for ApiError {
    fn from(error: AccountsError) -> ApiError {
        ApiError::Unavailable(error.to_string())
    }
}

/// Signs in with an e-mail and a password.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", request_body = SignInRequest,
    responses(
        (status = 200, body = SessionView, description = "signed in; `Set-Cookie` sets `otd_session` (HttpOnly) and `otd_csrf`"),
        (status = 400, body = crate::problem::Problem),
        (status = 401, body = crate::problem::Problem, description = "`invalid_credentials`: a wrong password, an unknown e-mail or an inactive account (one answer for all)"),
        (status = 429, body = crate::problem::Problem, description = "5 failed sign-ins of this e-mail within 15 minutes; `Retry-After` says when to try again"),
        (status = 503, body = crate::problem::Problem, description = "too many sign-ins at once; `Retry-After`"),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    AppJson(request): AppJson<SignInRequest>,
) -> Result<Response, ApiError> {
    let sign_in = &state.sign_in;
    let email = Email::parse(&request.email).map_err(|_| ApiError::InvalidCredentials)?;
    if let Err(wait) = sign_in.throttle.check(&email) {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: wait.as_secs().saturating_add(1),
        });
    }
    let Ok(password) = Password::parse(request.password) else {
        // No account has a password of this length: a failure like any other.
        sign_in.throttle.failed(&email);
        return Err(ApiError::InvalidCredentials);
    };
    let record = sign_in.accounts.sign_in_record(&email).await?;
    let matches = sign_in
        .passwords
        .verify(password, record.as_ref().map(|r| &r.password_hash))
        .await?;
    let record = match record {
        Some(record) if matches && record.active => record,
        _ => {
            sign_in.throttle.failed(&email);
            return Err(ApiError::InvalidCredentials);
        }
    };
    sign_in.throttle.succeeded(&email);
    let issued = state
        .auth
        .issue_session(&record.identity, Duration::seconds(SESSION_TTL_SECS))
        .map_err(|e| ApiError::Internal(format!("cannot sign a session token: {e}")))?;
    let csrf = state.auth.csrf_token(&issued.jti);
    let expires_at = DateTime::from_timestamp(issued.expires_at, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default();
    let secure = sign_in.cookie_secure;
    let cookies = [
        cookies::session(&issued.token, SESSION_TTL_SECS, secure),
        cookies::csrf(&csrf, SESSION_TTL_SECS, secure),
    ];
    let identity = record.identity;
    let body = SessionView {
        token: issued.token,
        role: identity.role,
        sub: identity.sub,
        user: identity.user.map(|u| u.as_str().to_owned()),
        manager: identity.manager,
        expires_at,
    };
    with_cookies(Json(body).into_response(), &cookies)
}

/// Signs out: the session's token stops working and both cookies are
/// cleared. With the cookie, it needs `X-CSRF-Token` like every write.
#[utoipa::path(delete, path = "/api/v1/sessions", tag = "sessions",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "signed out; `Set-Cookie` clears `otd_session` and `otd_csrf`"),
        (status = 401, body = crate::problem::Problem),
        (status = 403, body = crate::problem::Problem, description = "`csrf`: the session cookie without its `X-CSRF-Token`"),
    ))]
pub async fn sign_out(
    State(state): State<AppState>,
    session: Verified,
) -> Result<Response, ApiError> {
    if let Some(jti) = &session.jti {
        state.sign_in.revoked.revoke(jti, session.expires_at);
    }
    with_cookies(
        StatusCode::NO_CONTENT.into_response(),
        &cookies::cleared(state.sign_in.cookie_secure),
    )
}

fn with_cookies(mut response: Response, cookies: &[String]) -> Result<Response, ApiError> {
    for cookie in cookies {
        let value = HeaderValue::from_str(cookie)
            .map_err(|e| ApiError::Internal(format!("cannot set a cookie: {e}")))?;
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
