//! Calendar rules shared by several aggregates and policies.

use chrono::{Days, NaiveDate};

use crate::values::{last_day, IsoWeek};

/// A production slot freezes 14 days before its week starts: the
/// configuration can be changed up to and including the day that lies this
/// many days before the week's Monday, and is frozen from the day after.
pub const FREEZE_LEAD_DAYS: u64 = 14;

/// Build-to-order books only weeks whose Monday is at least this many days
/// after today.
pub const BTO_LEAD_DAYS: u64 = 14;

/// The last day on which an order built in `week` can still be amended
/// (and its deposit refunded): 14 days before the week's Monday. The
/// customer reads it as "changeable until DATE".
pub fn changeable_until(week: IsoWeek) -> NaiveDate {
    week.monday() - Days::new(FREEZE_LEAD_DAYS)
}

/// The first day on which a week's slot is frozen: the day after
/// [`changeable_until`].
pub fn freeze_date(week: IsoWeek) -> NaiveDate {
    changeable_until(week) + Days::new(1)
}

/// Whether a week's slot is frozen on `today`.
pub fn is_frozen(week: IsoWeek, today: NaiveDate) -> bool {
    today >= freeze_date(week)
}

/// Whether build-to-order may still book `week` on `today`: its Monday is
/// at least 14 days ahead. The two rules meet without overlap: a week is
/// bookable exactly as long as it is not frozen, so a booking is never made
/// into a week the customer can no longer change.
pub fn is_bookable(week: IsoWeek, today: NaiveDate) -> bool {
    week.monday() >= today + Days::new(BTO_LEAD_DAYS)
}

/// `date` plus `days`, at most the last day of the business calendar (9999-12-31): a move
/// under way near its end is expected on that day rather than in a year 10000 nothing
/// could record.
pub fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
        .min(last_day())
}

/// The longest reason (in characters, after trimming) a delay or a
/// cancellation may give. Shared by delays, cancellations and credit notes.
pub const MAX_REASON_CHARS: usize = 200;

/// Why a free-text reason was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReasonProblem {
    Missing,
    TooLong,
}

/// The reason, trimmed, if it is non-empty and at most
/// [`MAX_REASON_CHARS`] characters long.
pub(crate) fn checked_reason(reason: &str) -> Result<String, ReasonProblem> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(ReasonProblem::Missing)
    } else if reason.chars().count() > MAX_REASON_CHARS {
        Err(ReasonProblem::TooLong)
    } else {
        Ok(reason.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_slot_is_changeable_until_fourteen_days_before_its_monday() {
        let w50 = IsoWeek::parse("2026-W50").unwrap(); // Monday 2026-12-07
        assert_eq!(changeable_until(w50), date("2026-11-23"));
        assert_eq!(freeze_date(w50), date("2026-11-24"));
        assert!(!is_frozen(w50, date("2026-11-23")));
        assert!(is_frozen(w50, date("2026-11-24")));
    }

    #[test]
    fn adding_days_stops_at_the_end_of_the_business_calendar() {
        assert_eq!(add_days(date("2026-11-23"), 3), date("2026-11-26"));
        assert_eq!(add_days(date("9999-12-26"), 3), date("9999-12-29"));
        assert_eq!(add_days(date("9999-12-26"), 9), date("9999-12-31"));
        assert_eq!(add_days(date("9999-12-31"), u32::MAX), date("9999-12-31"));
    }

    #[test]
    fn a_week_is_bookable_exactly_while_it_is_not_frozen() {
        let w50 = IsoWeek::parse("2026-W50").unwrap();
        let mut d = date("2026-11-01");
        while d < date("2026-12-14") {
            assert_eq!(is_bookable(w50, d), !is_frozen(w50, d), "{d}");
            d = d.succ_opt().unwrap();
        }
    }

    #[test]
    fn bto_books_weeks_whose_monday_is_at_least_fourteen_days_ahead() {
        let w50 = IsoWeek::parse("2026-W50").unwrap();
        assert!(is_bookable(w50, date("2026-11-23")));
        assert!(!is_bookable(w50, date("2026-11-24")));
    }
}
