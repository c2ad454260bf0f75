//! How dates and instants are written into documents: the same text as chrono's own
//! serialization (`2026-11-23`, RFC 3339 UTC with `Z` and 0, 3, 6 or 9 fraction digits),
//! formatted by hand.
//!
//! A rebuild encodes hundreds of thousands of documents with several dates each, and
//! chrono's serializer goes through `fmt` and serde_json's escaping writer piece by piece,
//! which made dates the largest part of encoding. Reading uses chrono's own deserializers.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use serde::Serializer;

/// Writes `value` as `digits` decimal digits (zero-padded) into `out`.
fn digits(out: &mut Vec<u8>, value: u32, digits: u32) {
    for place in (0..digits).rev() {
        let digit = (value / 10u32.pow(place)) % 10;
        out.push(b'0' + digit as u8);
    }
}

/// `YYYY-MM-DD`, or `None` for a year chrono writes differently (outside 0..=9999).
fn date_text(out: &mut Vec<u8>, date: NaiveDate) -> bool {
    let Ok(year) = u32::try_from(date.year()) else {
        return false;
    };
    if year > 9999 {
        return false;
    }
    digits(out, year, 4);
    out.push(b'-');
    digits(out, date.month(), 2);
    out.push(b'-');
    digits(out, date.day(), 2);
    true
}

fn str_of(bytes: &[u8]) -> &str {
    // Only ASCII digits and separators were written.
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Serializes a date as `YYYY-MM-DD`.
pub(crate) fn date<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    let mut out = Vec::with_capacity(10);
    if date_text(&mut out, *date) {
        serializer.serialize_str(str_of(&out))
    } else {
        serializer.collect_str(date)
    }
}

/// Serializes an optional date (`null` when absent).
pub(crate) fn opt_date<S: Serializer>(
    value: &Option<NaiveDate>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => date(value, serializer),
        None => serializer.serialize_none(),
    }
}

/// Serializes an instant as RFC 3339 in UTC, exactly as chrono does.
pub(crate) fn instant<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut out = Vec::with_capacity(32);
    let nanos = at.nanosecond();
    if nanos >= 1_000_000_000 || !date_text(&mut out, at.date_naive()) {
        // A leap second or a far year: chrono's own text.
        return serde::Serialize::serialize(at, serializer);
    }
    out.push(b'T');
    digits(&mut out, at.hour(), 2);
    out.push(b':');
    digits(&mut out, at.minute(), 2);
    out.push(b':');
    digits(&mut out, at.second(), 2);
    if nanos != 0 {
        out.push(b'.');
        if nanos.rem_euclid(1_000_000) == 0 {
            digits(&mut out, nanos / 1_000_000, 3);
        } else if nanos.rem_euclid(1_000) == 0 {
            digits(&mut out, nanos / 1_000, 6);
        } else {
            digits(&mut out, nanos, 9);
        }
    }
    out.push(b'Z');
    serializer.serialize_str(str_of(&out))
}

/// Serializes an optional instant (`null` when absent).
pub(crate) fn opt_instant<S: Serializer>(
    value: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => instant(value, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Fast(#[serde(serialize_with = "instant")] DateTime<Utc>);

    #[derive(Serialize)]
    struct FastDate(#[serde(serialize_with = "date")] NaiveDate);

    #[test]
    fn instants_are_written_as_chrono_writes_them() {
        let base = Utc.with_ymd_and_hms(2026, 11, 23, 8, 5, 9).unwrap();
        for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 1] {
            let at = base + chrono::Duration::nanoseconds(nanos);
            assert_eq!(
                serde_json::to_string(&Fast(at)).unwrap(),
                serde_json::to_string(&at).unwrap(),
                "{nanos}"
            );
        }
        let early = Utc.with_ymd_and_hms(7, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(
            serde_json::to_string(&Fast(early)).unwrap(),
            serde_json::to_string(&early).unwrap()
        );
    }

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        for date in [
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
            NaiveDate::from_ymd_opt(999, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(-5, 3, 1).unwrap(),
            NaiveDate::from_ymd_opt(12345, 3, 1).unwrap(),
        ] {
            assert_eq!(
                serde_json::to_string(&FastDate(date)).unwrap(),
                serde_json::to_string(&date).unwrap(),
                "{date}"
            );
        }
    }
}
