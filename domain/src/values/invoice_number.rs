//! Invoice numbers: gapless per market and year, e.g. `DE-2026-000123`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::codes::MarketCode;

/// Why an invoice number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an invoice number (MARKET-YEAR-SEQUENCE, e.g. DE-2026-000123)")]
pub struct InvoiceNumberError(pub String);

/// The number of an invoice or credit note: market, year and a sequence
/// number that starts at 1 in every market-year and has no gaps.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InvoiceNumber {
    pub market: MarketCode,
    pub year: i32,
    pub sequence: u32,
}

impl InvoiceNumber {
    pub fn parse(s: &str) -> Result<Self, InvoiceNumberError> {
        let err = || InvoiceNumberError(s.chars().take(60).collect());
        let mut parts = s.splitn(3, '-');
        let (Some(market), Some(year), Some(seq)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(err());
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || !digits(year) || seq.len() < 6 || !digits(seq) {
            return Err(err());
        }
        let market = MarketCode::parse(market).map_err(|_| err())?;
        let year = year.parse().map_err(|_| err())?;
        let sequence: u32 = seq.parse().map_err(|_| err())?;
        if sequence == 0 || (seq.len() > 6 && seq.starts_with('0')) {
            return Err(err());
        }
        Ok(InvoiceNumber {
            market,
            year,
            sequence,
        })
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:04}-{:06}", self.market, self.year, self.sequence)
    }
}

impl FromStr for InvoiceNumber {
    type Err = InvoiceNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InvoiceNumber::parse(s)
    }
}

impl Serialize for InvoiceNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for InvoiceNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        InvoiceNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invoice_number_reads_market_year_and_sequence() {
        let n = InvoiceNumber::parse("DE-2026-000123").unwrap();
        assert_eq!(n.sequence, 123);
        assert_eq!(n.year, 2026);
        assert_eq!(n.to_string(), "DE-2026-000123");
        let big = InvoiceNumber {
            sequence: 1_234_567,
            ..n
        };
        assert_eq!(InvoiceNumber::parse(&big.to_string()), Ok(big));
    }

    #[test]
    fn malformed_invoice_numbers_are_refused() {
        for bad in [
            "DE-2026-123",
            "DE-26-000123",
            "de-2026-000123",
            "DE-2026-000000",
            "DE-2026-0001234",
            "DE2026000123",
            "DE-2026-00012a",
        ] {
            assert!(InvoiceNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
