//! Money: integer minor units with a currency. Arithmetic never mixes currencies.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code such as `EUR` or `CNY`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");
    pub const CNY: Currency = Currency(*b"CNY");

    /// Parses three upper-case ASCII letters.
    pub fn parse(s: &str) -> Result<Self, MoneyError> {
        let bytes = s.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(MoneyError::InvalidCurrency(s.to_owned()));
        }
        Ok(Currency([bytes[0], bytes[1], bytes[2]]))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::parse(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a money value or operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{0:?} is not a currency code (three upper-case letters)")]
    InvalidCurrency(String),
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("amount out of range")]
    Overflow,
    #[error("amount must not be negative: {0}")]
    Negative(i64),
}

/// An amount in integer minor units (cents, fen) of one currency.
///
/// `{"amount_minor": 4290000, "currency": "EUR"}` is 42,900.00 EUR.
/// Amounts may be negative (a price difference, a refund); use
/// [`Money::non_negative`] where the rule says they may not.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

impl Money {
    pub const fn new(amount_minor: i64, currency: Currency) -> Self {
        Money {
            amount_minor,
            currency,
        }
    }

    pub const fn zero(currency: Currency) -> Self {
        Money::new(0, currency)
    }

    /// The amount, refused when negative.
    pub fn non_negative(amount_minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if amount_minor < 0 {
            return Err(MoneyError::Negative(amount_minor));
        }
        Ok(Money::new(amount_minor, currency))
    }

    pub fn is_zero(&self) -> bool {
        self.amount_minor == 0
    }

    pub fn is_positive(&self) -> bool {
        self.amount_minor > 0
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            });
        }
        Ok(())
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount = self
            .amount_minor
            .checked_add(other.amount_minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount = self
            .amount_minor
            .checked_sub(other.amount_minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }

    /// Sums amounts that must all be in `currency`.
    pub fn sum<'a>(
        currency: Currency,
        items: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(*m))
    }

    /// This amount times `rate`, rounded half up (away from zero) to the minor unit.
    pub fn apply_rate(self, rate: Rate) -> Result<Money, MoneyError> {
        let product = i128::from(self.amount_minor) * i128::from(rate.basis_points());
        let denominator = i128::from(Rate::DENOMINATOR);
        let rounded = if product >= 0 {
            (product + denominator / 2) / denominator
        } else {
            (product - denominator / 2) / denominator
        };
        let amount = i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::new(amount, self.currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        write!(f, "{sign}{}.{:02} {}", abs / 100, abs % 100, self.currency)
    }
}

/// A percentage in basis points: `Rate::from_basis_points(1900)` is 19%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rate(u32);

impl Rate {
    /// Basis points in 100%.
    pub const DENOMINATOR: u32 = 10_000;

    pub const fn from_basis_points(bp: u32) -> Self {
        Rate(bp)
    }

    pub const fn basis_points(&self) -> u32 {
        self.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 100;
        let frac = self.0 % 100;
        if frac == 0 {
            write!(f, "{whole}%")
        } else {
            write!(f, "{whole}.{frac:02}%")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    #[test]
    fn adding_money_of_two_currencies_is_refused() {
        let err = eur(100).checked_add(Money::new(100, Currency::CNY));
        assert_eq!(
            err,
            Err(MoneyError::CurrencyMismatch {
                left: Currency::EUR,
                right: Currency::CNY
            })
        );
    }

    #[test]
    fn vat_is_rounded_half_up_to_the_minor_unit() {
        let vat = Rate::from_basis_points(1900);
        assert_eq!(eur(4_290_000).apply_rate(vat), Ok(eur(815_100)));
        // 0.50 * 19% = 0.095 -> 0.10 (half up)
        assert_eq!(eur(50).apply_rate(vat), Ok(eur(10)));
        // 0.49 * 19% = 0.0931 -> 0.09
        assert_eq!(eur(49).apply_rate(vat), Ok(eur(9)));
    }

    #[test]
    fn a_currency_code_must_be_three_capital_letters() {
        assert!(Currency::parse("eur").is_err());
        assert!(Currency::parse("EURO").is_err());
        assert_eq!(Currency::parse("CNY"), Ok(Currency::CNY));
    }

    #[test]
    fn negative_amounts_are_refused_where_the_rule_says_so() {
        assert_eq!(
            Money::non_negative(-1, Currency::EUR),
            Err(MoneyError::Negative(-1))
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        assert_eq!(eur(i64::MAX).checked_add(eur(1)), Err(MoneyError::Overflow));
    }

    #[test]
    fn money_serializes_as_the_api_shape() {
        let json = serde_json::to_string(&eur(4_290_000)).unwrap();
        assert_eq!(json, r#"{"amount_minor":4290000,"currency":"EUR"}"#);
        assert_eq!(eur(4_290_000).to_string(), "42900.00 EUR");
    }
}
