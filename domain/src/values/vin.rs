//! Vehicle identification number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a VIN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VinError {
    #[error("a VIN has 17 characters, not {0}")]
    WrongLength(usize),
    #[error("{0:?} is not allowed in a VIN (digits and capital letters except I, O, Q)")]
    InvalidCharacter(char),
}

/// A 17-character VIN in the ISO 3779 alphabet (no I, O or Q).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Vin(String);

impl Vin {
    pub fn parse(s: &str) -> Result<Self, VinError> {
        let count = s.chars().count();
        if count != 17 {
            return Err(VinError::WrongLength(count));
        }
        if let Some(bad) = s.chars().find(|c| {
            !(c.is_ascii_digit() || c.is_ascii_uppercase()) || matches!(c, 'I' | 'O' | 'Q')
        }) {
            return Err(VinError::InvalidCharacter(bad));
        }
        Ok(Vin(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Vin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Vin {
    type Err = VinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vin::parse(s)
    }
}

impl<'de> Deserialize<'de> for Vin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Vin::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vin_has_seventeen_characters_of_the_iso_alphabet() {
        assert!(Vin::parse("WAUZZZ8V5KA123456").is_ok());
        assert_eq!(
            Vin::parse("WAUZZZ8V5KA12345"),
            Err(VinError::WrongLength(16))
        );
        assert_eq!(
            Vin::parse("WAUZZZ8V5KA12345O"),
            Err(VinError::InvalidCharacter('O'))
        );
        assert_eq!(
            Vin::parse("wauzzz8v5ka123456"),
            Err(VinError::InvalidCharacter('w'))
        );
        assert_eq!(
            Vin::parse("WAUZZZ8V5KA1234ÄÄ"),
            Err(VinError::InvalidCharacter('Ä'))
        );
    }
}
