//! How keys and sealed values are named: key ids `{subject}/{purpose}` and the associated
//! data `{subject}/{field}` that binds a value to its person and field.

use chrono::{DateTime, NaiveDate, Utc};
use store::keys::BILLING_PURPOSE_PREFIX;

use super::VaultError;

/// The longest subject or field name.
const MAX_NAME_CHARS: usize = 100;

/// What a subject key seals, which decides when it is destroyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// The person's profile (name, e-mail, phone, address, notes): destroyed on erasure.
    Profile,
    /// The billing identity on the invoices of a year: kept through an erasure until
    /// 1 January of the year + 11 (10 years after the invoice year), then destroyed.
    Billing(i32),
}

impl Purpose {
    /// The purpose as the key table stores it: `profile`, `billing-{year}`.
    pub fn name(self) -> String {
        match self {
            Purpose::Profile => "profile".into(),
            Purpose::Billing(year) => format!("{BILLING_PURPOSE_PREFIX}{year}"),
        }
    }

    /// The id of `subject`'s key for this purpose: `{subject}/{purpose}`.
    pub fn key_id(self, subject: &str) -> Result<String, VaultError> {
        check_name("subject", subject)?;
        self.check()?;
        Ok(format!("{subject}/{}", self.name()))
    }

    /// When a key of this purpose is destroyed at the latest (`None`: only on erasure).
    pub fn destroy_after(self) -> Option<DateTime<Utc>> {
        match self {
            Purpose::Profile => None,
            Purpose::Billing(year) => year
                .checked_add(11)
                .and_then(|end| NaiveDate::from_ymd_opt(end, 1, 1))
                .and_then(|day| day.and_hms_opt(0, 0, 0))
                .map(|midnight| midnight.and_utc()),
        }
    }

    fn check(self) -> Result<(), VaultError> {
        match self {
            Purpose::Billing(year) if !(1..=9988).contains(&year) => Err(VaultError::InvalidName {
                what: "billing year",
                value: year.to_string(),
                reason: "invoice years run from 1 to 9988",
            }),
            _ => Ok(()),
        }
    }
}

/// Refuses an empty, too long or control-character name; a subject may not hold `/` (it ends
/// the subject in key ids and associated data).
pub(crate) fn check_name(what: &'static str, name: &str) -> Result<(), VaultError> {
    let refuse = |reason| VaultError::InvalidName {
        what,
        value: name.chars().take(80).collect(),
        reason,
    };
    if name.is_empty() {
        return Err(refuse("it is empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(refuse("it is longer than 100 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(refuse("it holds control characters"));
    }
    if what == "subject" && name.contains('/') {
        return Err(refuse("a subject cannot hold '/'"));
    }
    Ok(())
}

/// The associated data of `field` of `subject`: `{subject}/{field}`.
pub(crate) fn associated_data(subject: &str, field: &str) -> Result<String, VaultError> {
    check_name("subject", subject)?;
    check_name("field", field)?;
    Ok(format!("{subject}/{field}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn key_ids_name_subject_and_purpose() {
        assert_eq!(Purpose::Profile.key_id("C-1").unwrap(), "C-1/profile");
        assert_eq!(
            Purpose::Billing(2026).key_id("C-1").unwrap(),
            "C-1/billing-2026"
        );
        assert!(Purpose::Profile.key_id("C/1").is_err());
        assert!(Purpose::Profile.key_id("").is_err());
        assert!(Purpose::Billing(0).key_id("C-1").is_err());
        assert!(Purpose::Billing(i32::MAX).key_id("C-1").is_err());
    }

    #[test]
    fn billing_keys_live_until_the_first_of_january_eleven_years_on() {
        assert_eq!(Purpose::Profile.destroy_after(), None);
        assert_eq!(
            Purpose::Billing(2026).destroy_after().unwrap().to_rfc3339(),
            "2037-01-01T00:00:00+00:00"
        );
    }

    #[test]
    fn associated_data_refuses_what_could_be_confused() {
        assert_eq!(associated_data("C-1", "email").unwrap(), "C-1/email");
        assert!(associated_data("C-1", "").is_err());
        assert!(associated_data("C-1", "a\nb").is_err());
        assert!(associated_data("C-1/x", "email").is_err());
    }
}
