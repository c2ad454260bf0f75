//! Dates and weeks at the edge: every one the business records lies in the years 0001 to
//! 9999 (`domain::values::CALENDAR_YEARS`). A malformed week is a 400; a well-formed date or
//! week outside the calendar is a 422 with the rule `date_out_of_range`.

use chrono::{DateTime, NaiveDate, Utc};
use domain::values::{in_calendar, CalendarError, IsoWeek};

use crate::problem::ApiError;

/// The rule a date or week outside the business calendar breaks.
pub const DATE_OUT_OF_RANGE: &str = "date_out_of_range";

/// A production week from a path or body.
pub fn week(text: &str) -> Result<IsoWeek, ApiError> {
    IsoWeek::parse(text).map_err(|e| match e {
        CalendarError::OutOfCalendar(_) => ApiError::rule(DATE_OUT_OF_RANGE, e.to_string()),
        other => ApiError::BadRequest(other.to_string()),
    })
}

/// A day from a body, refused outside the years 0001 to 9999.
pub fn day(field: &str, date: NaiveDate) -> Result<NaiveDate, ApiError> {
    if in_calendar(date) {
        Ok(date)
    } else {
        Err(outside(field, &date.to_string()))
    }
}

/// A moment from a body, refused outside the years 0001 to 9999.
pub fn moment(field: &str, at: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
    if in_calendar(at.date_naive()) {
        Ok(at)
    } else {
        Err(outside(field, &at.to_rfc3339()))
    }
}

fn outside(field: &str, value: &str) -> ApiError {
    ApiError::rule(
        DATE_OUT_OF_RANGE,
        format!("`{field}` {value} lies outside the business calendar (years 0001 to 9999)"),
    )
}
