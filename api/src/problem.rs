//! RFC 9457 problem details: every error the API returns has this shape.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One violated rule of a validation problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RuleViolation {
    /// The rule's stable name, e.g. `requires`, `excludes`, `amend_after_freeze`.
    pub rule: String,
    pub message: String,
    /// The option the rule is about, for a configurator to show it next to (configuration
    /// rules only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
}

/// `application/problem+json` (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type, e.g. `/problems/validation`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For validation problems: every violated rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RuleViolation>,
}

/// Everything a handler can fail with, mapped explicitly to a status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body or a parameter is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no, an invalid or an expired token.
    #[error("{0}")]
    Unauthorized(String),
    /// 401 `invalid_credentials`: a sign-in with a wrong password, an unknown
    /// e-mail or an inactive account (one answer for all).
    #[error("the e-mail or the password is wrong")]
    InvalidCredentials,
    /// 403: the role or the ownership does not allow it.
    #[error("{0}")]
    Forbidden(String),
    /// 403 `csrf`: a write authenticated by the session cookie without the
    /// session's `X-CSRF-Token`.
    #[error("{0}")]
    Csrf(String),
    /// 403 with the rule that refused: the caller's part does not allow it (a lead
    /// worked by another consultant, a manager's decision).
    #[error("{detail}")]
    ForbiddenRule { rule: &'static str, detail: String },
    /// 404: an unknown id.
    #[error("{0}")]
    NotFound(String),
    /// 409: a conflict that outlived retries, or a reused idempotency key.
    #[error("{0}")]
    Conflict(String),
    /// 409 with the rule that refused: someone else got the one thing first (a demo
    /// car's slot).
    #[error("{detail}")]
    ConflictRule { rule: &'static str, detail: String },
    /// 413: the body is over the limit.
    #[error("request body is over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 422: a business rule is violated.
    #[error("{detail}")]
    Unprocessable {
        title: String,
        detail: String,
        errors: Vec<RuleViolation>,
    },
    /// 408: the request took too long (a slow client or a stuck handler).
    #[error("the request took too long")]
    RequestTimeout,
    /// 429: too many requests from this subject.
    #[error("rate limited, retry after {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// 429: the subject already holds its maximum of open event streams.
    #[error(
        "this subject already holds its maximum of {limit} open event streams; close one first"
    )]
    TooManyStreams { limit: usize },
    /// 503: the engine cannot answer right now (e.g. a read model is behind).
    #[error("{0}")]
    Unavailable(String),
    /// 503 with `Retry-After`: too much work of one kind at once (password
    /// hashing).
    #[error("too busy, retry after {retry_after_secs} s")]
    Overloaded { retry_after_secs: u64 },
    /// 500: our fault. The detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 422 for one violated rule.
    pub fn rule(rule: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::Unprocessable {
            title: "business rule violated".into(),
            detail: message.clone(),
            errors: vec![RuleViolation {
                rule: rule.into(),
                message,
                option: None,
            }],
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::Csrf(_) | ApiError::ForbiddenRule { .. } => {
                StatusCode::FORBIDDEN
            }
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::ConflictRule { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } | ApiError::TooManyStreams { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Unavailable(_) | ApiError::Overloaded { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::InvalidCredentials => "invalid-credentials",
            ApiError::Forbidden(_) | ApiError::ForbiddenRule { .. } => "forbidden",
            ApiError::Csrf(_) => "csrf",
            ApiError::NotFound(_) => "not-found",
            ApiError::Conflict(_) | ApiError::ConflictRule { .. } => "conflict",
            ApiError::PayloadTooLarge { .. } => "payload-too-large",
            ApiError::RequestTimeout => "request-timeout",
            ApiError::Unprocessable { .. } => "business-rule",
            ApiError::TooManyRequests { .. } => "rate-limited",
            ApiError::TooManyStreams { .. } => "too-many-streams",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Overloaded { .. } => "overloaded",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The problem document sent to the caller.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let title = match self {
            ApiError::Unprocessable { title, .. } => title.clone(),
            _ => status.canonical_reason().unwrap_or("error").to_owned(),
        };
        let detail = match self {
            ApiError::Internal(_) => "something went wrong on our side; it has been logged".into(),
            other => other.to_string(),
        };
        let errors = match self {
            ApiError::Unprocessable { errors, .. } => errors.clone(),
            ApiError::InvalidCredentials => vec![violation("invalid_credentials", &detail)],
            ApiError::Csrf(_) => vec![violation("csrf", &detail)],
            ApiError::ForbiddenRule { rule, .. } | ApiError::ConflictRule { rule, .. } => {
                vec![violation(rule, &detail)]
            }
            _ => Vec::new(),
        };
        Problem {
            kind: format!("/problems/{}", self.slug()),
            title,
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

/// One rule entry of a problem that is not a 422 (`invalid_credentials`, `csrf`).
fn violation(rule: &str, message: &str) -> RuleViolation {
    RuleViolation {
        rule: rule.into(),
        message: message.into(),
        option: None,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let status = self.status();
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match &self {
            ApiError::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::TooManyRequests { retry_after_secs }
            | ApiError::Overloaded { retry_after_secs } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    headers.insert(header::RETRY_AFTER, v);
                }
            }
            _ => {}
        }
        response
    }
}

/// Turns the bare error responses of the tower layers (a 413 from the body
/// limit, a 408 from the timeout) into problem documents like every other.
pub async fn as_problem(response: Response) -> Response {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge {
            limit: crate::BODY_LIMIT,
        }
        .into_response(),
        StatusCode::REQUEST_TIMEOUT => ApiError::RequestTimeout.into_response(),
        _ => response,
    }
}
