//! Staff: one document per dealer staff account, so an outlet's consultants can be listed
//! (a manager assigns leads to them by name).
//!
//! The name is sealed in the user's profile as in the user stream; the API opens it. Only
//! dealer staff are kept: planners, finance and admins belong to no outlet.

use chrono::{DateTime, Utc};
use domain::streams::{Aggregate, AnyEvent, AnyId};
use domain::user::{StaffRole, UserEvent};
use domain::values::{DealerId, Sealed, UserId};
use serde::{Deserialize, Serialize};

use crate::docs::Docs;
use crate::document::{Document, Tags};
use crate::error::ProjectionError;
use crate::projection::{Envelope, Projection};

/// One staff member of an outlet.
///
/// Collection `staff`, key: the user id; tag 1: the dealer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffDoc {
    pub user_id: UserId,
    pub dealer_id: DealerId,
    pub manager: bool,
    /// The profile (name, e-mail), sealed under the user's key.
    pub profile: Sealed,
    /// A deactivated account keeps its document (old leads still name it) but is no longer
    /// offered.
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl Document for StaffDoc {
    const COLLECTION: &'static str = "staff";

    fn tags(&self) -> Tags {
        Tags::new(Some(self.dealer_id.to_string()), None, None)
    }
}

/// The `staff` projection: the user streams.
#[derive(Debug, Clone, Copy, Default)]
pub struct StaffProjection;

impl Projection for StaffProjection {
    fn name(&self) -> &'static str {
        "staff"
    }

    fn version(&self) -> u32 {
        1
    }

    fn collections(&self) -> &'static [&'static str] {
        &["staff"]
    }

    fn categories(&self) -> &'static [&'static str] {
        &[<domain::user::User as Aggregate>::CATEGORY]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        let (AnyId::User(user), AnyEvent::User(event)) = (envelope.id, envelope.event) else {
            return Ok(());
        };
        let key = user.to_string();
        match event {
            UserEvent::Created {
                profile, role, at, ..
            } => {
                let StaffRole::Dealer { dealer, manager } = role else {
                    return Ok(());
                };
                if docs.get::<StaffDoc>(&key)?.is_none() {
                    docs.insert(
                        &key,
                        StaffDoc {
                            user_id: user.clone(),
                            dealer_id: dealer.clone(),
                            manager: *manager,
                            profile: profile.clone(),
                            active: true,
                            created_at: *at,
                        },
                    )?;
                }
            }
            UserEvent::Deactivated { .. } => {
                if let Some(doc) = docs.get_mut::<StaffDoc>(&key)? {
                    doc.active = false;
                }
            }
            UserEvent::PasswordChanged { .. } | UserEvent::PasswordResetRequested { .. } => {}
        }
        Ok(())
    }
}
