//! People: customers and staff accounts, one record per person, their
//! sign-in and their privacy (issue 15; docs/decisions/0007-crypto-shredding.md).
//!
//! Personal values never reach a command in clear: this service seals them
//! with the [`Vault`] under the person's key, claims their e-mail and phone
//! (and the sign-in e-mail) through claim streams named by keyed hashes, and
//! only then runs the customer's or the user's command. Reading opens them
//! again; erasure destroys the key.
//!
//! - [`register`]: sign-up online, registration in the showroom or from a
//!   lead; one record per e-mail and phone, racing creations included.
//! - [`profile`]: what is sealed, and changing it (profile, consents).
//! - [`signin`]: the sign-in record of an e-mail (the [`Accounts`] port),
//!   staff accounts, e-mail verification.
//! - [`reset`]: asking for the verification link again, password resets.
//! - [`privacy`]: merge, erasure, and who a merged id answers as.

pub mod fixtures;
pub mod privacy;
pub mod profile;
pub mod register;
pub mod reset;
pub mod signin;

use domain::claim::{Claim, ClaimOwner};
use domain::customer::Customer;
use domain::values::{ClaimKey, CustomerId};

use crate::accounts::PasswordPool;
use crate::rejection::ServiceError;
use crate::steps::load;
use crate::vault::Vault;
use crate::Executor;

pub(crate) use privacy::buyer;
pub use privacy::RecordEntry;
pub use profile::{
    Address, BillingIdentity, Profile, ProfileChange, StaffProfile, BILLING_FIELD, PROFILE_FIELD,
};
pub use register::{NewCustomer, Registration};
pub use reset::{password_fingerprint, AccountHolder};
pub use signin::NewStaff;

/// The people use cases, sharing the executor, the vault and the password
/// pool. Cheap to clone.
#[derive(Clone)]
pub struct People {
    pub(crate) exec: Executor,
    pub(crate) vault: Vault,
    passwords: PasswordPool,
}

impl People {
    pub fn new(exec: Executor, vault: Vault, passwords: PasswordPool) -> People {
        People {
            exec,
            vault,
            passwords,
        }
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    pub fn passwords(&self) -> &PasswordPool {
        &self.passwords
    }

    pub fn executor(&self) -> &Executor {
        &self.exec
    }

    /// The customer's state as the log has it (not registered: the default).
    pub async fn customer(&self, id: &CustomerId) -> Result<Customer, ServiceError> {
        load::<Customer>(&self.exec, id).await
    }

    /// Who holds `claim` now.
    pub(crate) async fn holder(
        &self,
        claim: &ClaimKey,
    ) -> Result<Option<ClaimOwner>, ServiceError> {
        Ok(load::<Claim>(&self.exec, claim).await?.holder().cloned())
    }
}
