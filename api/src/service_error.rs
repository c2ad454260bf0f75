//! How a refused or failed use case reaches the caller.
//!
//! `Rejected` → 422 with the rule's name (the refusing error's variant in
//! snake_case, e.g. `amend_after_freeze`, `overpayment`, `invoice_not_paid`;
//! an invalid configuration lists every violated rule), `NotFound` → 404,
//! `Conflict` → 409, an unavailable, locked or full store → 503, anything
//! else → 500 with a generic body (logged).

use app::{CommandError, Rejection};
use domain::order::OrderError;
use store::StoreError;

use crate::problem::ApiError;
use crate::routes::catalog::violations;

/// The rule name of a rejection: its innermost variant, in snake_case.
pub fn rule_name(rejection: &Rejection) -> String {
    let debug = match rejection {
        Rejection::Order(e) => format!("{e:?}"),
        Rejection::Vehicle(e) => format!("{e:?}"),
        Rejection::Slot(e) => format!("{e:?}"),
        Rejection::Shipment(e) => format!("{e:?}"),
        Rejection::Register(e) => format!("{e:?}"),
        Rejection::Invoice(e) => format!("{e:?}"),
        Rejection::Commission(e) => format!("{e:?}"),
        other => format!("{other:?}"),
    };
    let variant: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    snake_case(&variant)
}

fn snake_case(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl From<CommandError<Rejection>> for ApiError {
    fn from(error: CommandError<Rejection>) -> Self {
        match error {
            CommandError::Rejected(Rejection::Order(OrderError::InvalidConfiguration(v)))
                if !v.is_empty() =>
            {
                violations(v)
            }
            CommandError::Rejected(rejection) => {
                ApiError::rule(&rule_name(&rejection), rejection.to_string())
            }
            CommandError::NotFound(what) => ApiError::NotFound(what),
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

#[cfg(test)]
mod tests {
    use super::*;
    use domain::invoice::InvoiceError;
    use domain::values::{Currency, Money};

    #[test]
    fn a_rule_is_named_after_the_refusing_variant() {
        let r = Rejection::Order(OrderError::InvoiceNotPaid);
        assert_eq!(rule_name(&r), "invoice_not_paid");
        let r = Rejection::Invoice(InvoiceError::Overpayment {
            outstanding: Money::new(1, Currency::EUR),
            attempted: Money::new(2, Currency::EUR),
        });
        assert_eq!(rule_name(&r), "overpayment");
    }
}
