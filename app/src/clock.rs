//! The business clock: real by default, simulated for demos and tests.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::values::in_calendar;

/// Why the clock could not be moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("the clock is real; only a simulated clock can be advanced")]
    NotSimulated,
    #[error("the clock only moves forward, by one minute to 3650 days")]
    InvalidAdvance,
    #[error("advancing by {minutes} minutes would move the clock past 9999-12-31, the end of the business calendar")]
    PastCalendarEnd { minutes: u32 },
}

impl ClockError {
    /// The rule's stable code, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            ClockError::NotSimulated => "clock_not_simulated",
            ClockError::InvalidAdvance => "invalid_advance",
            ClockError::PastCalendarEnd { .. } => "date_out_of_range",
        }
    }
}

/// Minutes in a day of the simulated clock.
pub const MINUTES_PER_DAY: u32 = 24 * 60;

/// The longest single advance: 3650 days.
pub const MAX_ADVANCE_MINUTES: u32 = 3650 * MINUTES_PER_DAY;

/// What "now" is for every decision: freeze dates, ETAs and invoice dates
/// follow it.
#[derive(Debug, Clone)]
pub enum Clock {
    System,
    Simulated(Arc<SimulatedClock>),
}

/// A simulated clock: the day it was started on and the time it stands at.
#[derive(Debug)]
pub struct SimulatedClock {
    started_on: NaiveDate,
    now: RwLock<DateTime<Utc>>,
    /// Held while an advance is recorded in the log, so advances are recorded in the
    /// order they apply.
    pub(crate) recording: tokio::sync::Mutex<()>,
    /// Tells whoever follows the business clock where it moved.
    moved: tokio::sync::watch::Sender<DateTime<Utc>>,
}

impl Clock {
    /// A simulated clock standing at the start of `date` (UTC) plus eight
    /// hours, a business morning.
    pub fn simulated(date: NaiveDate) -> Clock {
        let start = date.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc();
        Clock::Simulated(Arc::new(SimulatedClock {
            started_on: date,
            now: RwLock::new(start),
            recording: tokio::sync::Mutex::new(()),
            moved: tokio::sync::watch::Sender::new(start),
        }))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Simulated(sim) => sim.now(),
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    pub fn is_simulated(&self) -> bool {
        matches!(self, Clock::Simulated(_))
    }

    /// The day a simulated clock was started on (`None`: the real clock).
    pub fn started_on(&self) -> Option<NaiveDate> {
        match self {
            Clock::System => None,
            Clock::Simulated(sim) => Some(sim.started_on),
        }
    }

    /// Where advancing a simulated clock by `minutes` would take it: one minute to 3650
    /// days, and never past the last day of the business calendar (9999-12-31).
    pub fn advanced_by(&self, minutes: u32) -> Result<DateTime<Utc>, ClockError> {
        let Clock::Simulated(sim) = self else {
            return Err(ClockError::NotSimulated);
        };
        if !(1..=MAX_ADVANCE_MINUTES).contains(&minutes) {
            return Err(ClockError::InvalidAdvance);
        }
        sim.now()
            .checked_add_signed(Duration::minutes(i64::from(minutes)))
            .filter(|to| in_calendar(to.date_naive()))
            .ok_or(ClockError::PastCalendarEnd { minutes })
    }

    /// Moves a simulated clock forward by `days`, in memory only (see
    /// [`crate::clock_log::advance`] for an advance recorded in the log).
    pub fn advance(&self, days: u32) -> Result<DateTime<Utc>, ClockError> {
        self.advance_minutes(days.saturating_mul(MINUTES_PER_DAY))
    }

    /// Moves a simulated clock forward by `minutes`, in memory only.
    pub fn advance_minutes(&self, minutes: u32) -> Result<DateTime<Utc>, ClockError> {
        let to = self.advanced_by(minutes)?;
        self.move_to(to);
        Ok(to)
    }

    /// Puts a simulated clock at `to` if that is later than where it stands (a real clock
    /// is left alone).
    pub(crate) fn move_to(&self, to: DateTime<Utc>) {
        if let Clock::Simulated(sim) = self {
            let mut now = match sim.now.write() {
                Ok(t) => t,
                Err(poisoned) => poisoned.into_inner(),
            };
            *now = (*now).max(to);
            sim.moved.send_replace(*now);
        }
    }

    /// Where a simulated clock moves, as it moves (`None` for the real clock, which only
    /// runs): what follows the business clock (the SLA watcher) wakes on it.
    pub fn moves(&self) -> Option<tokio::sync::watch::Receiver<DateTime<Utc>>> {
        match self {
            Clock::System => None,
            Clock::Simulated(sim) => Some(sim.moved.subscribe()),
        }
    }
}

impl SimulatedClock {
    fn now(&self) -> DateTime<Utc> {
        match self.now.read() {
            Ok(t) => *t,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_simulated_clock_moves_only_when_advanced() {
        let clock = Clock::simulated(day("2026-11-23"));
        assert_eq!(clock.today().to_string(), "2026-11-23");
        clock.advance(10).unwrap();
        assert_eq!(clock.today().to_string(), "2026-12-03");
        assert_eq!(clock.started_on(), Some(day("2026-11-23")));
        assert_eq!(clock.advance(0), Err(ClockError::InvalidAdvance));
        assert_eq!(clock.advance(3651), Err(ClockError::InvalidAdvance));
    }

    #[test]
    fn a_simulated_clock_moves_by_minutes() {
        let clock = Clock::simulated(day("2026-11-23"));
        let to = clock.advance_minutes(125).unwrap();
        assert_eq!(to.to_rfc3339(), "2026-11-23T10:05:00+00:00");
        assert_eq!(clock.advance_minutes(0), Err(ClockError::InvalidAdvance));
        assert_eq!(
            clock.advance_minutes(MAX_ADVANCE_MINUTES + 1),
            Err(ClockError::InvalidAdvance)
        );
    }

    #[test]
    fn the_real_clock_cannot_be_advanced() {
        assert_eq!(Clock::System.advance(1), Err(ClockError::NotSimulated));
    }

    #[test]
    fn a_simulated_clock_stops_at_the_end_of_the_business_calendar() {
        let clock = Clock::simulated(day("9999-12-01"));
        assert_eq!(clock.advance(30).unwrap().date_naive(), day("9999-12-31"));
        assert_eq!(
            clock.advance(1),
            Err(ClockError::PastCalendarEnd {
                minutes: MINUTES_PER_DAY
            })
        );
        assert_eq!(
            clock.today(),
            day("9999-12-31"),
            "a refused advance moves nothing"
        );
    }
}
