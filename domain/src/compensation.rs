//! Delay compensation: what a customer is credited when the car reaches the
//! dealer late.
//!
//! The terms are the market's (in the catalog): a grace period, an amount
//! per day beyond it and a cap. An order that arrives `days_late` days after
//! the ETA it is measured against (its first promise, or the promise after
//! the customer's last amendment) is credited
//! `min(cap, (days_late − grace) × per_day)`, nothing within the grace.
//! The amount is a goodwill credit including VAT: it reduces the amount due
//! on the final invoice, never the net price the commission is paid on.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::values::Money;

/// A market's delay-compensation terms.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompensationTerms {
    /// Days late that earn nothing.
    pub grace_days: u32,
    /// Credited for each day beyond the grace period.
    pub per_day: Money,
    /// The most one order is credited.
    pub cap: Money,
}

/// Whole days from the promised ETA to the arrival (zero when on time or
/// early).
pub fn days_late(promised: NaiveDate, arrived_on: NaiveDate) -> u32 {
    let days = (arrived_on - promised).num_days();
    u32::try_from(days.max(0)).unwrap_or(u32::MAX)
}

impl CompensationTerms {
    /// The credit for an order `days_late` days late: zero within the grace,
    /// then `per_day` for each day beyond it, never more than the cap.
    pub fn credit(&self, days_late: u32) -> Money {
        let days = i64::from(days_late.saturating_sub(self.grace_days));
        let amount = days
            .saturating_mul(self.per_day.amount_minor)
            .min(self.cap.amount_minor)
            .max(0);
        Money::new(amount, self.per_day.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::Currency;
    use proptest::prelude::*;

    fn de() -> CompensationTerms {
        let eur = Currency::parse("EUR").unwrap();
        CompensationTerms {
            grace_days: 7,
            per_day: Money::new(2_000, eur),
            cap: Money::new(100_000, eur),
        }
    }

    #[test]
    fn thirty_days_late_in_germany_earns_twenty_three_days() {
        assert_eq!(de().credit(30).amount_minor, 46_000);
    }

    #[test]
    fn the_grace_period_earns_nothing_and_the_day_after_it_one_day() {
        assert_eq!(de().credit(7).amount_minor, 0);
        assert_eq!(de().credit(8).amount_minor, 2_000);
    }

    #[test]
    fn the_cap_holds() {
        assert_eq!(de().credit(57).amount_minor, 100_000);
        assert_eq!(de().credit(400).amount_minor, 100_000);
        assert_eq!(de().credit(u32::MAX).amount_minor, 100_000);
    }

    #[test]
    fn days_late_counts_whole_days_and_never_goes_negative() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(days_late(d("2027-03-01"), d("2027-03-31")), 30);
        assert_eq!(days_late(d("2027-03-31"), d("2027-03-01")), 0);
    }

    proptest! {
        #[test]
        fn the_credit_is_monotone_capped_and_zero_within_grace(
            grace in 0u32..60,
            per_day in 1i64..1_000_000,
            cap in 0i64..100_000_000,
            a in 0u32..10_000,
            b in 0u32..10_000,
        ) {
            let eur = Currency::parse("EUR").unwrap();
            let terms = CompensationTerms {
                grace_days: grace,
                per_day: Money::new(per_day, eur),
                cap: Money::new(cap, eur),
            };
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(terms.credit(lo).amount_minor <= terms.credit(hi).amount_minor);
            prop_assert!(terms.credit(hi).amount_minor <= cap);
            prop_assert!(terms.credit(hi).amount_minor >= 0);
            prop_assert_eq!(terms.credit(lo.min(grace)).amount_minor, 0);
            if hi > grace && i64::from(hi - grace) * per_day <= cap {
                prop_assert_eq!(terms.credit(hi).amount_minor, i64::from(hi - grace) * per_day);
            }
        }
    }
}
