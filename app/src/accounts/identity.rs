//! Who a signed-in person is to the engine: a role, the subject the role acts
//! as (a customer, a dealer outlet, a staff name) and, for staff, the person
//! and whether a dealer's staff member manages the outlet.

use serde::{Deserialize, Serialize};

use domain::values::{CustomerId, DealerId, UserId};

/// Who may do what (spec: roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Dealer,
    Planner,
    Finance,
    /// The OEM's system administrator: staff accounts and privacy requests.
    Admin,
}

impl Role {
    /// Every role, in the order the spec lists them.
    pub const ALL: [Role; 5] = [
        Role::Customer,
        Role::Dealer,
        Role::Planner,
        Role::Finance,
        Role::Admin,
    ];

    /// The role's one written form: its serde name, as tokens, the problem
    /// details, the actor of an event and the keys derived from a caller write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Dealer => "dealer",
            Role::Planner => "planner",
            Role::Finance => "finance",
            Role::Admin => "admin",
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
            .ok_or_else(|| {
                format!("{s:?} is not a role (customer, dealer, planner, finance, admin)")
            })
    }
}

/// Why an identity does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("subject {sub:?} does not fit role {role}: {reason}")]
    BadSubject {
        sub: String,
        role: Role,
        reason: String,
    },
    #[error("only a dealer's staff can be a manager, not the {0} role")]
    ManagerNotDealer(Role),
}

/// What a token or a session says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub role: Role,
    /// The customer (`C-…`), the dealer outlet (`D-…`) or, for planners,
    /// finance and admins, any name of 1 to 100 characters.
    pub sub: String,
    /// The person behind a staff token (`U-…`).
    pub user: Option<UserId>,
    /// A dealer's staff member who manages the outlet.
    pub manager: bool,
}

impl Identity {
    /// An identity with no person and no manager flag (`otd token` without
    /// `--user`, the tests).
    pub fn of(role: Role, sub: impl Into<String>) -> Identity {
        Identity {
            role,
            sub: sub.into(),
            user: None,
            manager: false,
        }
    }

    /// Refuses a subject that does not fit the role, and a manager who is not
    /// a dealer's.
    pub fn check(&self) -> Result<(), IdentityError> {
        check_subject(self.role, &self.sub).map_err(|reason| IdentityError::BadSubject {
            sub: self.sub.chars().take(100).collect(),
            role: self.role,
            reason,
        })?;
        if self.manager && self.role != Role::Dealer {
            return Err(IdentityError::ManagerNotDealer(self.role));
        }
        Ok(())
    }
}

/// The longest subject of a staff role, in characters.
pub const MAX_STAFF_SUBJECT: usize = 100;

fn check_subject(role: Role, sub: &str) -> Result<(), String> {
    match role {
        Role::Customer => CustomerId::parse(sub)
            .map(|_| ())
            .map_err(|e| e.to_string()),
        Role::Dealer => DealerId::parse(sub).map(|_| ()).map_err(|e| e.to_string()),
        Role::Planner | Role::Finance | Role::Admin => {
            if sub.trim().is_empty() || sub.chars().count() > MAX_STAFF_SUBJECT {
                Err(format!("a subject of 1 to {MAX_STAFF_SUBJECT} characters"))
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_reads_back_from_its_written_form() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn a_subject_must_fit_its_role_and_only_dealers_manage() {
        assert!(Identity::of(Role::Customer, "C-1001").check().is_ok());
        assert!(Identity::of(Role::Customer, "D-BER-01").check().is_err());
        assert!(Identity::of(Role::Dealer, "C-1001").check().is_err());
        assert!(Identity::of(Role::Admin, "ops").check().is_ok());
        assert!(Identity::of(Role::Admin, " ").check().is_err());
        assert!(Identity::of(Role::Planner, "x".repeat(101))
            .check()
            .is_err());
        let manager = Identity {
            manager: true,
            ..Identity::of(Role::Dealer, "D-BER-01")
        };
        assert!(manager.check().is_ok());
        let planner_manager = Identity {
            manager: true,
            ..Identity::of(Role::Planner, "alice")
        };
        assert_eq!(
            planner_manager.check(),
            Err(IdentityError::ManagerNotDealer(Role::Planner))
        );
    }
}
