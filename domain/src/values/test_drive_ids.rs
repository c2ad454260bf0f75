//! The ids of test drives: the car-day a drive is booked in (the stream of
//! the test-drive aggregate) and the drive itself.
//!
//! A test drive's id names its car-day and its ordinal there
//! (`TD-DC-BER-01-1-20261123-3`), so the application finds the one stream
//! to append to from the id alone: booking, completing and cancelling are
//! each one append to one stream.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::values::{in_calendar, CarId};

/// One demo car on one local date (the dealer's): the consistency boundary
/// of test drives, written `{car}@{yyyy-mm-dd}` (`DC-BER-01-1@2026-11-23`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CarDayKey {
    pub car: CarId,
    pub date: NaiveDate,
}

impl CarDayKey {
    pub fn new(car: CarId, date: NaiveDate) -> Self {
        CarDayKey { car, date }
    }

    /// Reads `{car}@{yyyy-mm-dd}` back; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let (car, date) = s.split_once('@')?;
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        let canonical = s.len() == car.len() + 11;
        (canonical && in_calendar(date)).then_some(())?;
        Some(CarDayKey {
            car: CarId::parse(car).ok()?,
            date,
        })
    }
}

impl fmt::Display for CarDayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.car, self.date.format("%Y-%m-%d"))
    }
}

/// Why a text is not a test drive id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a test drive id (TD-{{car}}-{{yyyymmdd}}-{{n}}, e.g. TD-DC-BER-01-1-20261123-1)"
)]
pub struct TestDriveIdError(pub String);

/// A booked test drive: the `n`-th booking (from 1) of its car-day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TestDriveId {
    key: CarDayKey,
    n: u32,
}

impl TestDriveId {
    /// The `n`-th booking of `key`; `n` counts from 1.
    pub fn new(key: CarDayKey, n: u32) -> Option<Self> {
        (n >= 1 && in_calendar(key.date)).then_some(TestDriveId { key, n })
    }

    /// Reads `TD-{car}-{yyyymmdd}-{n}` back, from the right (the car id
    /// holds dashes itself).
    pub fn parse(s: &str) -> Result<Self, TestDriveIdError> {
        let refused = || TestDriveIdError(s.chars().take(80).collect());
        let rest = s.strip_prefix("TD-").ok_or_else(refused)?;
        let (rest, n) = rest.rsplit_once('-').ok_or_else(refused)?;
        let (car, date) = rest.rsplit_once('-').ok_or_else(refused)?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(n) || n.starts_with('0') || date.len() != 8 || !digits(date) {
            return Err(refused());
        }
        let n: u32 = n.parse().map_err(|_| refused())?;
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").map_err(|_| refused())?;
        let car = CarId::parse(car).map_err(|_| refused())?;
        TestDriveId::new(CarDayKey::new(car, date), n).ok_or_else(refused)
    }

    /// The car-day (stream) the drive is booked in.
    pub fn key(&self) -> &CarDayKey {
        &self.key
    }

    pub fn car(&self) -> &CarId {
        &self.key.car
    }

    /// The dealer's local date of the drive.
    pub fn date(&self) -> NaiveDate {
        self.key.date
    }

    /// The ordinal of the booking in its car-day, from 1.
    pub fn n(&self) -> u32 {
        self.n
    }
}

impl fmt::Display for TestDriveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TD-{}-{}-{}",
            self.key.car,
            self.key.date.format("%Y%m%d"),
            self.n
        )
    }
}

impl FromStr for TestDriveId {
    type Err = TestDriveIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TestDriveId::parse(s)
    }
}

impl Serialize for TestDriveId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TestDriveId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TestDriveId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CarDayKey {
        CarDayKey::new(
            CarId::parse("DC-BER-01-1").unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        )
    }

    #[test]
    fn a_car_day_prints_as_its_stream_suffix_and_reads_back() {
        assert_eq!(key().to_string(), "DC-BER-01-1@2026-11-23");
        assert_eq!(CarDayKey::parse("DC-BER-01-1@2026-11-23"), Some(key()));
        for bad in [
            "DC-BER-01-1",
            "DC-BER-01-1@2026-11-31",
            "DC-BER-01-1@2026-11-3",
            "D-BER-01@2026-11-23",
            "@2026-11-23",
            "DC-BER-01-1@+2026-11-23",
        ] {
            assert_eq!(CarDayKey::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_test_drive_id_names_its_car_day_and_ordinal() {
        let id = TestDriveId::new(key(), 3).unwrap();
        assert_eq!(id.to_string(), "TD-DC-BER-01-1-20261123-3");
        assert_eq!(
            TestDriveId::parse("TD-DC-BER-01-1-20261123-3"),
            Ok(id.clone())
        );
        assert_eq!(id.key(), &key());
        assert_eq!(id.n(), 3);
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            r#""TD-DC-BER-01-1-20261123-3""#
        );
        assert_eq!(TestDriveId::new(key(), 0), None);
    }

    #[test]
    fn a_malformed_test_drive_id_is_a_typed_error() {
        for bad in [
            "",
            "TD-",
            "DC-BER-01-1-20261123-3",
            "TD-DC-BER-01-1-20261123-0",
            "TD-DC-BER-01-1-20261123-03",
            "TD-DC-BER-01-1-20261131-1",
            "TD-DC-BER-01-1-2026112-1",
            "TD-D-BER-01-20261123-1",
            "TD-DC-BER-01-1-20261123-",
            "TD-DC-BER-01-1-20261123-99999999999",
        ] {
            assert!(TestDriveId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
