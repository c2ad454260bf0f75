//! The bodies of the people routes, parsed into domain values once.

use app::people::Address;
use domain::customer::ConsentChoice;
use domain::values::{ContactError, Email, Language, MarketCode, PersonName, Phone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::ApiError;

/// A postal address.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    pub street: String,
    pub postcode: String,
    pub city: String,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: String,
}

impl AddressBody {
    pub fn parse(self) -> Result<Address, ApiError> {
        Address {
            street: self.street,
            postcode: self.postcode,
            city: self.city,
            country: self.country,
        }
        .checked()
        .map_err(|e| ApiError::rule("invalid_address", e))
    }

    pub fn of(address: &Address) -> AddressBody {
        AddressBody {
            street: address.street.clone(),
            postcode: address.postcode.clone(),
            city: address.city.clone(),
            country: address.country.clone(),
        }
    }
}

/// Marketing opt-ins per channel (transactional messages need none).
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentsBody {
    pub email: Option<bool>,
    pub sms: Option<bool>,
    pub phone: Option<bool>,
}

impl ConsentsBody {
    pub fn choice(self) -> ConsentChoice {
        ConsentChoice {
            email: self.email.unwrap_or(false),
            sms: self.sms.unwrap_or(false),
            phone: self.phone.unwrap_or(false),
        }
    }
}

/// `POST /api/v1/customers`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomerBody {
    pub name: String,
    pub email: String,
    /// International (`+49 30 1234567`) or national in the market.
    pub phone: Option<String>,
    #[schema(value_type = String, example = "de")]
    pub language: Language,
    #[schema(value_type = domain::values::MarketCode)]
    pub market: String,
    /// A sign-up's password (10 to 128 characters); a dealer registering a
    /// customer in the showroom gives none.
    pub password: Option<String>,
    pub consents: Option<ConsentsBody>,
    pub billing_address: Option<AddressBody>,
}

/// `PATCH /api/v1/customers/{id}`: only the fields given change; `phone: null`
/// or `billing_address: null` removes it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    pub name: Option<String>,
    pub email: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    #[schema(value_type = Option<String>, example = "en")]
    pub language: Option<Language>,
    #[serde(default, deserialize_with = "present")]
    pub billing_address: Option<Option<AddressBody>>,
    pub consents: Option<ConsentsBody>,
}

/// A field that is present (even `null`) is `Some`.
fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The 422 of a contact value that does not parse.
pub fn contact_error(field: &str, error: ContactError) -> ApiError {
    let rule = match field {
        "email" => "invalid_email",
        "phone" => "invalid_phone",
        _ => "invalid_name",
    };
    ApiError::rule(rule, format!("{field}: {error}"))
}

pub fn parse_name(text: &str) -> Result<PersonName, ApiError> {
    PersonName::parse(text).map_err(|e| contact_error("name", e))
}

pub fn parse_email(text: &str) -> Result<Email, ApiError> {
    Email::parse(text).map_err(|e| contact_error("email", e))
}

pub fn parse_phone(text: &str, market: &MarketCode) -> Result<Phone, ApiError> {
    Phone::parse(text, Some(market)).map_err(|e| contact_error("phone", e))
}
