//! The business clock: real by default, simulated for demos and tests.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Why the clock could not be moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("the clock is real; only a simulated clock can be advanced")]
    NotSimulated,
    #[error("the clock only moves forward, by 1 to 3650 days")]
    InvalidAdvance,
}

impl ClockError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            ClockError::NotSimulated => "clock_not_simulated",
            ClockError::InvalidAdvance => "invalid_advance",
        }
    }
}

/// What "now" is for every decision: freeze dates, ETAs and invoice dates
/// follow it.
#[derive(Debug, Clone)]
pub enum Clock {
    System,
    Simulated(Arc<RwLock<DateTime<Utc>>>),
}

impl Clock {
    /// A simulated clock standing at the start of `date` (UTC) plus eight
    /// hours, a business morning.
    pub fn simulated(date: NaiveDate) -> Clock {
        let start = date.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc();
        Clock::Simulated(Arc::new(RwLock::new(start)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Simulated(at) => match at.read() {
                Ok(t) => *t,
                Err(poisoned) => *poisoned.into_inner(),
            },
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    pub fn is_simulated(&self) -> bool {
        matches!(self, Clock::Simulated(_))
    }

    /// Moves a simulated clock forward by `days`.
    pub fn advance(&self, days: u32) -> Result<DateTime<Utc>, ClockError> {
        let Clock::Simulated(at) = self else {
            return Err(ClockError::NotSimulated);
        };
        if !(1..=3650).contains(&days) {
            return Err(ClockError::InvalidAdvance);
        }
        let mut t = match at.write() {
            Ok(t) => t,
            Err(poisoned) => poisoned.into_inner(),
        };
        *t += Duration::days(i64::from(days));
        Ok(*t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_simulated_clock_moves_only_when_advanced() {
        let clock = Clock::simulated(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(clock.today().to_string(), "2026-11-23");
        clock.advance(10).unwrap();
        assert_eq!(clock.today().to_string(), "2026-12-03");
        assert_eq!(clock.advance(0), Err(ClockError::InvalidAdvance));
    }

    #[test]
    fn the_real_clock_cannot_be_advanced() {
        assert_eq!(Clock::System.advance(1), Err(ClockError::NotSimulated));
    }
}
