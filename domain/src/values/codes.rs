//! Codes and ids that name things of the business: markets, models, options,
//! dealers, plants, locations, customers, staff and demo cars. Each is parsed once at the edge.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a code or id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}: {expected}")]
pub struct CodeError {
    pub kind: &'static str,
    pub value: String,
    pub expected: &'static str,
}

fn upper_segments(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

fn prefixed(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(upper_segments)
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $expected:literal, $valid:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses the code, refusing anything outside its alphabet.
            pub fn parse(s: &str) -> Result<Self, CodeError> {
                let valid: fn(&str) -> bool = $valid;
                if s.len() <= 40 && valid(s) {
                    Ok($name(s.to_owned()))
                } else {
                    Err(CodeError {
                        kind: $kind,
                        value: s.chars().take(60).collect(),
                        expected: $expected,
                    })
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

code_type!(
    /// A sales market, e.g. `DE` or `CN`.
    MarketCode,
    "market code",
    "two upper-case letters",
    |s| s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
);

code_type!(
    /// A vehicle model, e.g. `AURA`.
    ModelCode,
    "model code",
    "upper-case letters, digits and dashes",
    upper_segments
);

code_type!(
    /// A configurable option, e.g. `PNT-RED`.
    OptionCode,
    "option code",
    "upper-case letters, digits and dashes",
    upper_segments
);

code_type!(
    /// An option family, e.g. `paint`.
    FamilyCode,
    "option family",
    "lower-case letters, digits and underscores",
    |s| !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
);

code_type!(
    /// A dealer (agent outlet), e.g. `D-BER-01`.
    DealerId,
    "dealer id",
    "D- followed by upper-case letters, digits and dashes",
    |s| prefixed(s, "D-")
);

code_type!(
    /// A plant, e.g. `P-LEIPZIG`.
    PlantId,
    "plant id",
    "P- followed by upper-case letters, digits and dashes",
    |s| prefixed(s, "P-")
);

code_type!(
    /// A customer, e.g. `C-1001`.
    CustomerId,
    "customer id",
    "C- followed by upper-case letters, digits and dashes",
    |s| prefixed(s, "C-")
);

code_type!(
    /// A staff member's account, e.g. `U-4F7Q2M`.
    UserId,
    "user id",
    "U- followed by upper-case letters, digits and dashes",
    |s| prefixed(s, "U-")
);

code_type!(
    /// A dealer's demo car for test drives, e.g. `DC-BER-01-1`.
    CarId,
    "demo car id",
    "DC- followed by upper-case letters, digits and dashes",
    |s| prefixed(s, "DC-")
);

/// Where a vehicle can stand: a dealer's yard or a plant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LocationId {
    Dealer(DealerId),
    Plant(PlantId),
}

impl LocationId {
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        if s.starts_with("D-") {
            DealerId::parse(s).map(LocationId::Dealer)
        } else if s.starts_with("P-") {
            PlantId::parse(s).map(LocationId::Plant)
        } else {
            Err(CodeError {
                kind: "location id",
                value: s.chars().take(60).collect(),
                expected: "a dealer id (D-...) or a plant id (P-...)",
            })
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            LocationId::Dealer(d) => d.as_str(),
            LocationId::Plant(p) => p.as_str(),
        }
    }

    pub fn dealer(&self) -> Option<&DealerId> {
        match self {
            LocationId::Dealer(d) => Some(d),
            LocationId::Plant(_) => None,
        }
    }
}

impl From<DealerId> for LocationId {
    fn from(d: DealerId) -> Self {
        LocationId::Dealer(d)
    }
}

impl From<PlantId> for LocationId {
    fn from(p: PlantId) -> Self {
        LocationId::Plant(p)
    }
}

impl fmt::Display for LocationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LocationId {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LocationId::parse(s)
    }
}

impl Serialize for LocationId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LocationId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        LocationId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_ids_parse() {
        assert!(DealerId::parse("D-BER-01").is_ok());
        assert!(PlantId::parse("P-LEIPZIG").is_ok());
        assert!(CustomerId::parse("C-1001").is_ok());
        assert!(CarId::parse("DC-BER-01-1").is_ok());
        assert!(OptionCode::parse("PKG-TOW").is_ok());
        assert!(MarketCode::parse("DE").is_ok());
        assert!(FamilyCode::parse("paint").is_ok());
    }

    #[test]
    fn malformed_ids_are_typed_errors() {
        for bad in ["", "D-", "d-ber-01", "D-BER--01", "X-BER-01", "D-BÉR"] {
            assert!(DealerId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(MarketCode::parse("DEU").is_err());
        assert!(OptionCode::parse("pnt-red").is_err());
        assert!(CustomerId::parse(&"C-1".repeat(50)).is_err());
    }

    #[test]
    fn a_location_is_a_dealer_or_a_plant() {
        assert_eq!(
            LocationId::parse("D-BER-01"),
            Ok(LocationId::Dealer(DealerId::parse("D-BER-01").unwrap()))
        );
        assert_eq!(
            LocationId::parse("P-LEIPZIG"),
            Ok(LocationId::Plant(PlantId::parse("P-LEIPZIG").unwrap()))
        );
        assert!(LocationId::parse("HAMBURG").is_err());
        let json = serde_json::to_string(&LocationId::parse("P-LEIPZIG").unwrap()).unwrap();
        assert_eq!(json, r#""P-LEIPZIG""#);
    }
}
