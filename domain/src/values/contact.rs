//! How to reach a person, parsed and normalised at the edge: one spelling per
//! e-mail address and per phone number, so "one customer, one record" can be
//! decided by comparing values (spec: case-folded e-mail, E.164 phone).

use std::fmt;

use phonenumber::country;
use serde::{Deserialize, Serialize};

use super::MarketCode;

/// Why a contact value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    /// (The refused text is kept for the caller's code, never written into the message: a
    /// problem body may be recorded in the log, and personal data never is.)
    #[error("not an e-mail address (name@domain.tld)")]
    Email(String),
    #[error("an e-mail address has at most 254 characters")]
    EmailTooLong,
    #[error("not a phone number (international, e.g. +49 30 1234567, or national in the market)")]
    Phone(String),
    #[error("a name has 1 to {max} characters without control characters")]
    Name { max: usize },
}

/// An e-mail address, trimmed and case-folded: `Anna@Example.DE` and
/// `anna@example.de` are one address (RFC 5321 leaves the local part's case
/// to the receiving host; every mail system a customer uses ignores it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// The longest address SMTP carries (RFC 5321's path limit less `<>`).
    pub const MAX: usize = 254;

    pub fn parse(input: &str) -> Result<Email, ContactError> {
        let address = input.trim().to_lowercase();
        if address.chars().count() > Email::MAX {
            return Err(ContactError::EmailTooLong);
        }
        let refused = || ContactError::Email(input.to_owned());
        let (local, domain) = address.rsplit_once('@').ok_or_else(refused)?;
        let labels: Vec<&str> = domain.split('.').collect();
        let local_ok = !local.is_empty()
            && local.chars().count() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c));
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Email(address))
        } else {
            Err(refused())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number in E.164 (`+4930123456`), validated against the numbering
/// plan of its country; a national number (`030 123456`) is read in the
/// customer's market.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// Reads `input` as an international number, or as a national number of
    /// `market` when it does not start with `+` (or `00`).
    pub fn parse(input: &str, market: Option<&MarketCode>) -> Result<Phone, ContactError> {
        let refused = || ContactError::Phone(input.to_owned());
        if input.chars().count() > 40 {
            return Err(refused());
        }
        let region = market.and_then(|m| m.as_str().parse::<country::Id>().ok());
        let number = phonenumber::parse(region, input.trim()).map_err(|_| refused())?;
        if !phonenumber::is_valid(&number) {
            return Err(refused());
        }
        Ok(Phone(
            number.format().mode(phonenumber::Mode::E164).to_string(),
        ))
    }

    /// The E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name as they write it: trimmed, inner runs of white space
/// made one space, 1 to [`PersonName::MAX`] characters, no control
/// characters. Any script: `Anna Müller`, `王芳`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 120;

    pub fn parse(input: &str) -> Result<PersonName, ContactError> {
        let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
        let count = name.chars().count();
        if count == 0 || count > PersonName::MAX || name.chars().any(char::is_control) {
            return Err(ContactError::Name {
                max: PersonName::MAX,
            });
        }
        Ok(PersonName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The language a person is written to in (messages, invoices, the web UI).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    De,
    Zh,
    En,
}

impl Language {
    pub fn as_str(&self) -> &'static str {
        match self {
            Language::De => "de",
            Language::Zh => "zh",
            Language::En => "en",
        }
    }
}

macro_rules! display_and_deserialize {
    ($type:ident, $parse:expr) => {
        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

display_and_deserialize!(Email, Email::parse);
display_and_deserialize!(PersonName, PersonName::parse);
// A stored phone is already E.164: read without a market.
display_and_deserialize!(Phone, |s: &str| Phone::parse(s, None));

#[cfg(test)]
mod tests {
    use super::*;

    fn de() -> MarketCode {
        MarketCode::parse("DE").unwrap()
    }

    fn cn() -> MarketCode {
        MarketCode::parse("CN").unwrap()
    }

    #[test]
    fn an_email_is_trimmed_and_case_folded_so_one_address_has_one_spelling() {
        let a = Email::parse("  Anna.Mueller@Example.DE ").unwrap();
        let b = Email::parse("anna.mueller@example.de").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "anna.mueller@example.de");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "anna",
            "anna@",
            "@example.de",
            "anna@example",
            "anna@@example.de",
            "an na@example.de",
            "anna@exa mple.de",
            "anna@-example.de",
            "anna@example..de",
            ".anna@example.de",
            "an..na@example.de",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("{}@example.de", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(ContactError::EmailTooLong));
    }

    #[test]
    fn international_and_national_spellings_of_one_phone_are_one_number() {
        let international = Phone::parse("+49 30 901820", None).unwrap();
        let national = Phone::parse("030 901820", Some(&de())).unwrap();
        let dialled = Phone::parse("0049 (30) 901-820", Some(&de())).unwrap();
        assert_eq!(international.as_str(), "+4930901820");
        assert_eq!(international, national);
        assert_eq!(international, dialled);
        let mobile = Phone::parse("138 0013 8000", Some(&cn())).unwrap();
        assert_eq!(mobile.as_str(), "+8613800138000");
    }

    #[test]
    fn malformed_phones_are_refused() {
        for (bad, market) in [
            ("", Some(de())),
            ("hello", Some(de())),
            ("030 901820", None),
            ("+49 1", None),
            ("+999 123456789", None),
        ] {
            assert!(
                Phone::parse(bad, market.as_ref()).is_err(),
                "{bad:?} was accepted"
            );
        }
        assert!(Phone::parse(&"1".repeat(41), Some(&de())).is_err());
    }

    #[test]
    fn a_name_is_trimmed_and_its_spaces_collapsed_in_any_script() {
        assert_eq!(
            PersonName::parse("  Anna   Müller ").unwrap().as_str(),
            "Anna Müller"
        );
        assert_eq!(PersonName::parse("王芳").unwrap().as_str(), "王芳");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse("Anna\u{7}").is_err());
        assert!(PersonName::parse(&"a".repeat(PersonName::MAX + 1)).is_err());
    }

    #[test]
    fn stored_values_read_back_as_written() {
        let phone = Phone::parse("+86 138 0013 8000", None).unwrap();
        let json = serde_json::to_string(&phone).unwrap();
        assert_eq!(json, "\"+8613800138000\"");
        assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), phone);
        let email: Email = serde_json::from_str("\"Anna@Example.de\"").unwrap();
        assert_eq!(email.as_str(), "anna@example.de");
        assert_eq!(
            serde_json::from_str::<Language>("\"zh\"").unwrap(),
            Language::Zh
        );
    }
}
