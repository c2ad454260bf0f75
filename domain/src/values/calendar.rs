//! Calendar values of the business: ISO weeks (production slots) and months
//! (commission statements).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The business calendar: every date the business records or promises lies in the years
/// 0001 to 9999 (an invoice number, for one, holds a four-digit year).
pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

/// The last day of the business calendar.
pub fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(*CALENDAR_YEARS.end(), 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Whether `date` lies in the business calendar ([`CALENDAR_YEARS`]).
pub fn in_calendar(date: NaiveDate) -> bool {
    CALENDAR_YEARS.contains(&date.year())
}

/// Why a week or month was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("{0:?} is not an ISO week (YYYY-Www, e.g. 2026-W50)")]
    MalformedWeek(String),
    #[error("{year} has no ISO week {week}")]
    NoSuchWeek { year: i32, week: u32 },
    #[error("{0} lies outside the business calendar (weeks 1000-W01 to 9999-W51: 9999-W52 ends in the year 10000)")]
    OutOfCalendar(String),
    #[error("{0:?} is not a month (YYYY-MM)")]
    MalformedMonth(String),
}

/// An ISO 8601 week such as `2026-W50`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IsoWeek {
    year: i32,
    week: u32,
}

impl IsoWeek {
    /// The week `week` of ISO year `year` (1000 to 9999); a week that ends after the last
    /// day of the business calendar (9999-W52 ends on 10000-01-02) is refused.
    pub fn new(year: i32, week: u32) -> Result<Self, CalendarError> {
        let out_of_calendar = || CalendarError::OutOfCalendar(format!("{year:04}-W{week:02}"));
        if !(1000..=9999).contains(&year) {
            return Err(out_of_calendar());
        }
        match NaiveDate::from_isoywd_opt(year, week, Weekday::Sun) {
            None => Err(CalendarError::NoSuchWeek { year, week }),
            Some(sunday) if sunday > last_day() => Err(out_of_calendar()),
            Some(_) => Ok(IsoWeek { year, week }),
        }
    }

    /// The last week of the business calendar: the last that ends by 9999-12-31.
    pub fn last() -> IsoWeek {
        IsoWeek::containing(last_day() - Days::new(7))
    }

    pub fn parse(s: &str) -> Result<Self, CalendarError> {
        let malformed = || CalendarError::MalformedWeek(s.chars().take(40).collect());
        let (year, week) = s.split_once("-W").ok_or_else(malformed)?;
        let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(year) || !all_digits(week) || week.len() != 2 {
            return Err(malformed());
        }
        if year.len() > 4 {
            // A well-formed week of a year past 9999.
            return Err(CalendarError::OutOfCalendar(s.chars().take(40).collect()));
        }
        if year.len() != 4 {
            return Err(malformed());
        }
        let year: i32 = year.parse().map_err(|_| malformed())?;
        let week: u32 = week.parse().map_err(|_| malformed())?;
        IsoWeek::new(year, week)
    }

    /// The ISO week a date falls in.
    pub fn containing(date: NaiveDate) -> Self {
        let w = date.iso_week();
        IsoWeek {
            year: w.year(),
            week: w.week(),
        }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn week(&self) -> u32 {
        self.week
    }

    /// The Monday the week starts on.
    pub fn monday(&self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or(NaiveDate::MIN)
    }

    /// The Sunday the week ends on.
    pub fn sunday(&self) -> NaiveDate {
        self.monday() + Days::new(6)
    }

    /// The week after this one.
    pub fn next(&self) -> IsoWeek {
        IsoWeek::containing(self.monday() + Days::new(7))
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IsoWeek::parse(s)
    }
}

impl Serialize for IsoWeek {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoWeek {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        IsoWeek::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A calendar month such as `2026-11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub fn containing(date: NaiveDate) -> Self {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn parse(s: &str) -> Result<Self, CalendarError> {
        let malformed = || CalendarError::MalformedMonth(s.chars().take(40).collect());
        let (year, month) = s.split_once('-').ok_or_else(malformed)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(malformed());
        }
        let year: i32 = year.parse().map_err(|_| malformed())?;
        let month: u32 = month.parse().map_err(|_| malformed())?;
        if !(1..=12).contains(&month) || !(1000..=9999).contains(&year) {
            return Err(malformed());
        }
        Ok(Month { year, month })
    }

    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(&self) -> NaiveDate {
        let (y, m) = if self.month == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.month + 1)
        };
        NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(NaiveDate::MIN)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Month::parse(s)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Month::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_iso_week_knows_its_monday() {
        let w = IsoWeek::parse("2026-W50").unwrap();
        assert_eq!(w.monday(), date("2026-12-07"));
        assert_eq!(w.sunday(), date("2026-12-13"));
        assert_eq!(w.to_string(), "2026-W50");
        assert_eq!(IsoWeek::containing(date("2026-12-09")), w);
    }

    #[test]
    fn the_week_after_the_last_week_of_a_year_is_in_the_next_year() {
        let last = IsoWeek::parse("2026-W53").unwrap();
        assert_eq!(last.next(), IsoWeek::parse("2027-W01").unwrap());
    }

    #[test]
    fn the_business_calendar_ends_with_the_last_week_that_ends_by_9999_12_31() {
        assert_eq!(IsoWeek::last().to_string(), "9999-W51");
        assert_eq!(IsoWeek::last().sunday(), date("9999-12-26"));
        assert_eq!(IsoWeek::parse("9999-W51"), Ok(IsoWeek::last()));
        assert_eq!(
            IsoWeek::parse("9999-W52"),
            Err(CalendarError::OutOfCalendar("9999-W52".into()))
        );
        assert!(IsoWeek::parse("9998-W53").is_ok(), "9998 has 53 weeks");
        assert_eq!(
            IsoWeek::parse("10000-W01"),
            Err(CalendarError::OutOfCalendar("10000-W01".into()))
        );
        assert_eq!(
            IsoWeek::parse("0999-W10"),
            Err(CalendarError::OutOfCalendar("0999-W10".into()))
        );
        assert_eq!(
            IsoWeek::parse("2027-W53"),
            Err(CalendarError::NoSuchWeek {
                year: 2027,
                week: 53
            })
        );
        assert!(in_calendar(last_day()) && !in_calendar(last_day() + Days::new(1)));
        assert!(!in_calendar(date("0001-01-01") - Days::new(1)));
    }

    #[test]
    fn malformed_or_missing_weeks_are_typed_errors() {
        assert!(matches!(
            IsoWeek::parse("2026-50"),
            Err(CalendarError::MalformedWeek(_))
        ));
        assert!(matches!(
            IsoWeek::parse("2026-W5"),
            Err(CalendarError::MalformedWeek(_))
        ));
        assert!(matches!(
            IsoWeek::parse("+026-W05"),
            Err(CalendarError::MalformedWeek(_))
        ));
        assert_eq!(
            IsoWeek::parse("2025-W53"),
            Err(CalendarError::NoSuchWeek {
                year: 2025,
                week: 53
            })
        );
        assert!(IsoWeek::parse("2026-W00").is_err());
    }

    #[test]
    fn a_month_knows_its_first_and_last_day() {
        let m = Month::parse("2028-02").unwrap();
        assert_eq!(m.first_day(), date("2028-02-01"));
        assert_eq!(m.last_day(), date("2028-02-29"));
        assert_eq!(
            Month::parse("2026-12").unwrap().last_day(),
            date("2026-12-31")
        );
        assert!(Month::parse("2026-13").is_err());
        assert!(Month::parse("2026-1").is_err());
    }
}
