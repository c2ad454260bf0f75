//! A wall-clock time of day to the minute (`09:00`), as opening hours name
//! them: local to a dealer, with no date and no time zone of its own.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

/// Why a time of day was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a time of day (HH:MM, 00:00 to 23:59)")]
pub struct TimeOfDayError(pub String);

/// A local time to the minute, written `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeOfDay(NaiveTime);

impl TimeOfDay {
    /// `hour`:`minute`, or `None` outside 00:00 to 23:59.
    pub fn new(hour: u32, minute: u32) -> Option<Self> {
        NaiveTime::from_hms_opt(hour, minute, 0).map(TimeOfDay)
    }

    /// Reads exactly `HH:MM` (two digits each).
    pub fn parse(s: &str) -> Result<Self, TimeOfDayError> {
        let refused = || TimeOfDayError(s.chars().take(20).collect());
        let (hour, minute) = s.split_once(':').ok_or_else(refused)?;
        let two_digits = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
        if !two_digits(hour) || !two_digits(minute) {
            return Err(refused());
        }
        let hour = hour.parse().map_err(|_| refused())?;
        let minute = minute.parse().map_err(|_| refused())?;
        TimeOfDay::new(hour, minute).ok_or_else(refused)
    }

    pub fn time(&self) -> NaiveTime {
        self.0
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

impl FromStr for TimeOfDay {
    type Err = TimeOfDayError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimeOfDay::parse(s)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TimeOfDay::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_of_day_is_read_and_written_as_hh_mm() {
        let t = TimeOfDay::parse("09:05").unwrap();
        assert_eq!(t, TimeOfDay::new(9, 5).unwrap());
        assert_eq!(t.to_string(), "09:05");
        assert_eq!(serde_json::to_string(&t).unwrap(), r#""09:05""#);
        assert!(TimeOfDay::parse("23:59").is_ok());
    }

    #[test]
    fn anything_but_hh_mm_is_refused() {
        for bad in [
            "9:00", "24:00", "12:60", "12:5", "1200", "", "ab:cd", "+1:00",
        ] {
            assert!(TimeOfDay::parse(bad).is_err(), "{bad:?}");
        }
    }
}
