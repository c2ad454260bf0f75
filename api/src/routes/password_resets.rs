//! Account e-mails asked for by their holder: a password reset (asked for by e-mail
//! address, confirmed with the link's token) and the e-mail verification link again.
//!
//! `POST /api/v1/password-resets` answers 202 whatever the address (an unknown one, an
//! erased or deactivated account, a malformed-but-plausible one): nobody learns from it
//! whether an address has an account. Requests are throttled per address like sign-ins.
//! The request is a fact on the account's stream; the messages manager decides the mail,
//! and the sender makes the link when it sends it (no token is ever in the log).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use domain::values::Email;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, Role};
use crate::extract::AppJson;
use crate::people_access::people;
use crate::problem::ApiError;
use crate::{metadata, AppState};
use app::accounts::Password;

/// `POST /api/v1/password-resets`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestBody {
    /// The e-mail address the account signs in with.
    pub email: String,
}

/// `POST /api/v1/password-resets/confirm`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmBody {
    /// The token of the reset link (its `code`).
    pub token: String,
    /// The new password: 10 to 128 characters.
    pub password: String,
}

/// The answer to asking for a mail: it is on its way if there is anyone to send it to.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailRequestedView {
    /// Always `true`: the same answer whether or not a mail goes out.
    pub accepted: bool,
}

/// Asks for a password-reset e-mail. 202 whatever the address (no account enumeration);
/// the mail carries a link valid for one hour that works once.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "sessions",
    request_body = ResetRequestBody,
    responses(
        (status = 202, body = MailRequestedView, description = "asked: a mail goes out if the address signs in to a live account"),
        (status = 400, body = crate::problem::Problem),
        (status = 429, body = crate::problem::Problem, description = "5 requests for this e-mail within 15 minutes; `Retry-After` says when to try again"),
    ))]
pub async fn request_reset(
    State(state): State<AppState>,
    AppJson(body): AppJson<ResetRequestBody>,
) -> Result<(StatusCode, Json<MailRequestedView>), ApiError> {
    let people = people(&state)?;
    let accepted = (
        StatusCode::ACCEPTED,
        Json(MailRequestedView { accepted: true }),
    );
    // A malformed address has no account either: the same answer.
    let Ok(email) = Email::parse(&body.email) else {
        return Ok(accepted);
    };
    let throttle = &state.sign_in.resets;
    if let Err(wait) = throttle.check(&email) {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: wait.as_secs().saturating_add(1),
        });
    }
    throttle.failed(&email);
    people
        .request_password_reset(&email, &crate::anonymous_metadata())
        .await?;
    Ok(accepted)
}

/// Sets a new password with the token of a reset link. The link works once: it is bound
/// to the password it replaces. Sessions signed in before stay valid until they expire
/// (8 hours; see docs/domain.md).
#[utoipa::path(post, path = "/api/v1/password-resets/confirm", tag = "sessions",
    request_body = ResetConfirmBody,
    responses(
        (status = 204, description = "the new password is set"),
        (status = 400, body = crate::problem::Problem),
        (status = 422, body = crate::problem::Problem, description = "`invalid_password_reset`: a malformed, forged, expired or used link; `password_too_short`/`password_too_long`"),
        (status = 503, body = crate::problem::Problem, description = "too many passwords hashed at once; `Retry-After`"),
    ))]
pub async fn confirm_reset(
    State(state): State<AppState>,
    AppJson(body): AppJson<ResetConfirmBody>,
) -> Result<StatusCode, ApiError> {
    let people = people(&state)?;
    let grant = state.auth.reset_grant(&body.token)?;
    let password =
        Password::parse(body.password).map_err(|e| ApiError::rule(e.rule(), e.to_string()))?;
    people
        .reset_password(
            &grant.account,
            &grant.fingerprint,
            password,
            &crate::anonymous_metadata(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Asks for the e-mail verification link again, for the signed-in customer (nothing is
/// sent once the address is verified).
#[utoipa::path(post, path = "/api/v1/customers/verify/resend", tag = "people",
    security(("bearer" = [])),
    responses(
        (status = 202, body = MailRequestedView, description = "asked: the mail goes out unless the address is verified already"),
        (status = 401, body = crate::problem::Problem),
        (status = 403, body = crate::problem::Problem, description = "not a customer"),
        (status = 422, body = crate::problem::Problem, description = "`no_account`: the customer has no account to verify"),
    ))]
pub async fn resend_verification(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<(StatusCode, Json<MailRequestedView>), ApiError> {
    caller.require(&[Role::Customer])?;
    let people = people(&state)?;
    let customer = caller
        .customer()
        .ok_or_else(|| ApiError::Forbidden("not a customer".into()))?;
    people
        .request_verification(&customer, &metadata(&caller))
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(MailRequestedView { accepted: true }),
    ))
}
