//! How a refused or failed use case reaches the caller.
//!
//! `Rejected` → 422 with the rule's stable code ([`Rejection::rule`], e.g.
//! `amend_after_freeze`, `overpayment`, `invoice_not_paid`, all listed in
//! [`crate::rule_codes`]; an invalid configuration lists every violated rule), `NotFound` → 404,
//! `Conflict` → 409, an unavailable, locked or full store → 503, anything
//! else → 500 with a generic body (logged).

use app::{CommandError, Rejection};
use domain::order::OrderError;
use store::StoreError;

use crate::problem::ApiError;
use crate::routes::catalog::violations;

impl From<CommandError<Rejection>> for ApiError {
    fn from(error: CommandError<Rejection>) -> Self {
        match error {
            CommandError::Rejected(Rejection::Order(OrderError::InvalidConfiguration(v)))
                if !v.is_empty() =>
            {
                violations(v)
            }
            CommandError::Rejected(Rejection::PasswordsBusy) => ApiError::Overloaded {
                retry_after_secs: 1,
            },
            CommandError::Rejected(rejection) if rejection.is_forbidden() => {
                ApiError::ForbiddenRule {
                    rule: rejection.rule(),
                    detail: rejection.to_string(),
                }
            }
            CommandError::Rejected(rejection) if rejection.is_conflict() => {
                ApiError::ConflictRule {
                    rule: rejection.rule(),
                    detail: rejection.to_string(),
                }
            }
            CommandError::Rejected(rejection) => {
                ApiError::rule(rejection.rule(), rejection.to_string())
            }
            CommandError::NotFound(what) => ApiError::NotFound(what),
            CommandError::NotYours(what) => ApiError::Forbidden(format!("{what} is not yours")),
            CommandError::Conflict { attempts } => ApiError::Conflict(format!(
                "the change conflicted with concurrent changes {attempts} times; try again"
            )),
            CommandError::Store(
                e @ (StoreError::Unavailable(_) | StoreError::Locked(_) | StoreError::DiskFull(_)),
            ) => {
                ApiError::Unavailable(format!("the event store cannot take writes right now: {e}"))
            }
            CommandError::Store(e) => ApiError::Internal(e.to_string()),
            CommandError::Corrupt { stream, reason } => {
                ApiError::Internal(format!("{stream}: {reason}"))
            }
        }
    }
}
