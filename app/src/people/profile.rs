//! What is sealed about a person, and changing it.

use domain::claim::{Claim, ClaimCommand, ClaimError, ClaimOwner};
use domain::customer::{ConsentSource, Customer, CustomerCommand};
use domain::values::{ClaimKey, ClaimKind, CustomerId, Email, Language, PersonName, Phone, Sealed};
use serde::{Deserialize, Serialize};
use store::Metadata;

use super::People;
use crate::rejection::{Rejection, ServiceError};
use crate::services::Done;
use crate::steps::{run, Reached};
use crate::vault::{Opened, Purpose, VaultError};
use crate::CommandError;

/// The field a customer's profile is sealed as (bound into the ciphertext).
pub const PROFILE_FIELD: &str = "profile";
/// The field a password hash is sealed as.
pub const PASSWORD_FIELD: &str = "password";

/// A billing (postal) address, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub street: String,
    pub postcode: String,
    pub city: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`, `CN`.
    pub country: String,
}

impl Address {
    /// The longest line accepted.
    pub const MAX_LINE: usize = 200;

    /// Trims every line; refuses empty or over-long lines and control characters.
    pub fn checked(self) -> Result<Address, String> {
        let line = |what: &str, value: String| -> Result<String, String> {
            let value = value.trim().to_owned();
            if value.is_empty()
                || value.chars().count() > Address::MAX_LINE
                || value.chars().any(char::is_control)
            {
                Err(format!(
                    "the address's {what} has 1 to {} characters without control characters",
                    Address::MAX_LINE
                ))
            } else {
                Ok(value)
            }
        };
        let country = line("country", self.country)?.to_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err("the address's country is a two-letter code (DE, CN, ...)".into());
        }
        Ok(Address {
            street: line("street", self.street)?,
            postcode: line("postcode", self.postcode)?,
            city: line("city", self.city)?,
            country,
        })
    }
}

/// A customer's personal data: the one sealed value of its profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: PersonName,
    pub email: Email,
    pub phone: Option<Phone>,
    pub billing_address: Option<Address>,
}

/// The field an invoice's billing identity is sealed as.
pub const BILLING_FIELD: &str = "billing";

/// Who an invoice is made out to: sealed under the invoice year's billing key, so it
/// outlives an erasure of the profile until the invoice's retention ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingIdentity {
    pub name: PersonName,
    pub address: Option<Address>,
}

impl BillingIdentity {
    /// One line: `Name, street, postcode city, country`.
    pub fn line(&self) -> String {
        match &self.address {
            Some(a) => format!(
                "{}, {}, {} {}, {}",
                self.name, a.street, a.postcode, a.city, a.country
            ),
            None => self.name.to_string(),
        }
    }
}

/// A staff member's personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffProfile {
    pub name: PersonName,
    pub email: Email,
}

/// A change of a customer's profile: `None` keeps a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    pub name: Option<PersonName>,
    pub email: Option<Email>,
    /// `Some(None)` removes the phone.
    pub phone: Option<Option<Phone>>,
    pub billing_address: Option<Option<Address>>,
    pub language: Option<Language>,
    /// Marketing consents per channel (`None`: unchanged).
    pub consent_email: Option<bool>,
    pub consent_sms: Option<bool>,
    pub consent_phone: Option<bool>,
    pub consent_source: Option<ConsentSource>,
}

impl Profile {
    /// The e-mail and phone claims of this profile.
    pub fn contacts(&self, people: &People) -> Vec<ClaimKey> {
        let vault = people.vault();
        let mut claims = vec![vault.claim_key(ClaimKind::Email, self.email.as_str())];
        if let Some(phone) = &self.phone {
            claims.push(vault.claim_key(ClaimKind::Phone, phone.as_str()));
        }
        claims
    }
}

impl People {
    /// Seals `profile` under `customer`'s key.
    pub async fn seal_profile(
        &self,
        customer: &CustomerId,
        profile: &Profile,
    ) -> Result<Sealed, VaultError> {
        self.vault
            .seal_json(customer.as_str(), Purpose::Profile, PROFILE_FIELD, profile)
            .await
    }

    /// Opens a customer's sealed profile (`Shredded` once erased).
    pub async fn open_profile(
        &self,
        customer: &CustomerId,
        sealed: &Sealed,
    ) -> Result<Opened<Profile>, VaultError> {
        self.vault
            .open_json(customer.as_str(), PROFILE_FIELD, sealed)
            .await
    }

    /// The customer's current profile in clear: `None` when not registered,
    /// `Shredded` when erased.
    pub async fn profile(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<Opened<Profile>>, ServiceError> {
        let state = self.customer(customer).await?;
        let Some(sealed) = state.profile() else {
            return Ok(None);
        };
        if state.erased() {
            return Ok(Some(Opened::Shredded));
        }
        let opened = self
            .open_profile(customer, sealed)
            .await
            .map_err(vault_failed)?;
        Ok(Some(opened))
    }

    /// Changes a customer's profile and consents: new contacts are claimed
    /// first (an e-mail or phone of another customer is refused), the old
    /// ones released after.
    pub async fn change_profile(
        &self,
        customer: &CustomerId,
        change: ProfileChange,
        metadata: &Metadata,
    ) -> Result<Done, ServiceError> {
        let at = self.exec.clock().now();
        let state = self.customer(customer).await?;
        guard_live(&state)?;
        let mut reached = Reached::Nothing;
        let touches_profile = change.name.is_some()
            || change.email.is_some()
            || change.phone.is_some()
            || change.billing_address.is_some()
            || change.language.is_some();
        if touches_profile {
            let Some(Opened::Clear(mut profile)) = self.profile(customer).await? else {
                return Err(CommandError::Rejected(Rejection::Customer(
                    domain::customer::CustomerError::Erased,
                )));
            };
            if let Some(name) = change.name {
                profile.name = name;
            }
            if let Some(email) = change.email {
                profile.email = email;
            }
            if let Some(phone) = change.phone {
                profile.phone = phone;
            }
            if let Some(address) = change.billing_address {
                profile.billing_address = address;
            }
            let contacts = profile.contacts(self);
            let owner = ClaimOwner::Customer(customer.clone());
            let fresh: Vec<ClaimKey> = contacts
                .iter()
                .filter(|c| !state.contacts().contains(c))
                .cloned()
                .collect();
            for (i, claim) in fresh.iter().enumerate() {
                if let Err(e) = self.claim(claim, &owner, metadata).await {
                    for taken in &fresh[..i] {
                        self.release(taken, &owner, metadata).await?;
                    }
                    return Err(e);
                }
            }
            let sealed = self
                .seal_profile(customer, &profile)
                .await
                .map_err(vault_failed)?;
            let done = run::<Customer>(&self.exec, customer, metadata, |_| {
                CustomerCommand::ChangeProfile {
                    profile: sealed.clone(),
                    language: change.language,
                    contacts: contacts.clone(),
                    at,
                }
            })
            .await?;
            reached = reached.max(Reached::of(&done));
            for event in &done.events {
                if let domain::customer::CustomerEvent::ProfileChanged { released, .. } = event {
                    for claim in released {
                        reached = reached.max(self.release(claim, &owner, metadata).await?);
                    }
                }
            }
        }
        let consents = [
            change.consent_email,
            change.consent_sms,
            change.consent_phone,
        ];
        if consents.iter().any(Option::is_some) {
            let done = run::<Customer>(&self.exec, customer, metadata, |_| {
                CustomerCommand::SetConsents {
                    email: change.consent_email,
                    sms: change.consent_sms,
                    phone: change.consent_phone,
                    source: change.consent_source.unwrap_or(ConsentSource::Online),
                    at,
                }
            })
            .await?;
            reached = reached.max(Reached::of(&done));
        }
        Ok(Done {
            position: reached.position(&self.exec).await?,
        })
    }

    /// Takes `claim` for `owner` (no-op when it holds it already).
    pub(crate) async fn claim(
        &self,
        claim: &ClaimKey,
        owner: &ClaimOwner,
        metadata: &Metadata,
    ) -> Result<Reached, ServiceError> {
        self.on_claim(claim, metadata, |at| ClaimCommand::Claim {
            owner: owner.clone(),
            at,
        })
        .await
    }

    /// Gives `claim` up if `owner` holds it.
    pub(crate) async fn release(
        &self,
        claim: &ClaimKey,
        owner: &ClaimOwner,
        metadata: &Metadata,
    ) -> Result<Reached, ServiceError> {
        self.on_claim(claim, metadata, |at| ClaimCommand::Release {
            owner: owner.clone(),
            at,
        })
        .await
    }

    /// Runs the claim command `command` makes for the current instant.
    async fn on_claim(
        &self,
        claim: &ClaimKey,
        metadata: &Metadata,
        command: impl Fn(chrono::DateTime<chrono::Utc>) -> ClaimCommand,
    ) -> Result<Reached, ServiceError> {
        let at = self.exec.clock().now();
        let done = run::<Claim>(&self.exec, claim, metadata, |_| command(at)).await?;
        Ok(Reached::of(&done))
    }
}

/// Refuses an erased or merged-away customer, and one never registered.
pub(crate) fn guard_live(state: &Customer) -> Result<(), ServiceError> {
    use domain::customer::CustomerError;
    if !state.registered() {
        return Err(CommandError::NotFound("customer".into()));
    }
    if state.erased() {
        return Err(CommandError::Rejected(Rejection::Customer(
            CustomerError::Erased,
        )));
    }
    if let Some(survivor) = state.merged_into() {
        return Err(CommandError::Rejected(Rejection::Customer(
            CustomerError::MergedInto(survivor.clone()),
        )));
    }
    Ok(())
}

/// Whether a claim error says another owner holds the contact.
pub(crate) fn taken_by(error: &ServiceError) -> Option<&ClaimOwner> {
    match error {
        CommandError::Rejected(Rejection::Claim(ClaimError::Taken { owner })) => Some(owner),
        _ => None,
    }
}

/// A vault failure, as a service error (the key table failed or a value was
/// tampered with: not the caller's doing).
pub(crate) fn vault_failed(error: VaultError) -> ServiceError {
    match error {
        VaultError::Keys(e) => CommandError::Store(e),
        other => CommandError::Corrupt {
            stream: "personal_keys".into(),
            reason: other.to_string(),
        },
    }
}
