//! Calendar rules shared by several aggregates and policies.

use chrono::{Days, NaiveDate};

use crate::values::IsoWeek;

/// A production slot freezes this many days before its week starts.
pub const FREEZE_LEAD_DAYS: u64 = 14;

/// Build-to-order books only weeks whose Monday is at least this many days
/// after today.
pub const BTO_LEAD_DAYS: u64 = 14;

/// The first day on which a week's slot is frozen (its configuration can no
/// longer be amended).
pub fn freeze_date(week: IsoWeek) -> NaiveDate {
    week.monday() - Days::new(FREEZE_LEAD_DAYS)
}

/// Whether a week's slot is frozen on `today`.
pub fn is_frozen(week: IsoWeek, today: NaiveDate) -> bool {
    today >= freeze_date(week)
}

/// Whether build-to-order may still book `week` on `today`.
pub fn is_bookable(week: IsoWeek, today: NaiveDate) -> bool {
    week.monday() >= today + Days::new(BTO_LEAD_DAYS)
}

/// `date` plus `days`.
pub fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date + Days::new(u64::from(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_slot_freezes_fourteen_days_before_its_monday() {
        let w50 = IsoWeek::parse("2026-W50").unwrap(); // Monday 2026-12-07
        assert_eq!(freeze_date(w50), date("2026-11-23"));
        assert!(!is_frozen(w50, date("2026-11-22")));
        assert!(is_frozen(w50, date("2026-11-23")));
    }

    #[test]
    fn bto_books_weeks_whose_monday_is_at_least_fourteen_days_ahead() {
        let w50 = IsoWeek::parse("2026-W50").unwrap();
        assert!(is_bookable(w50, date("2026-11-23")));
        assert!(!is_bookable(w50, date("2026-11-24")));
    }
}
