//! The ids of aggregates that are one per pair of values rather than one per
//! UUID: a plant's week of capacity, a market's invoice register of a year, a
//! dealer's commission statement of a month.
//!
//! Each prints as its stream name's suffix (`P-LEIPZIG-2026-W50`,
//! `DE-2026`, `D-BER-01-2026-11`) and reads back from it: the first part may
//! hold `-`, the calendar part is always the last.

use std::fmt;

use crate::values::{DealerId, IsoWeek, MarketCode, Month, PlantId};

/// One plant's production capacity of one ISO week (the slot aggregate).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotKey {
    pub plant: PlantId,
    pub week: IsoWeek,
}

impl SlotKey {
    pub fn new(plant: PlantId, week: IsoWeek) -> Self {
        SlotKey { plant, week }
    }

    /// Reads `{plant}-{yyyy}-W{ww}` back; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let (plant, week) = split_calendar(s)?;
        Some(SlotKey {
            plant: PlantId::parse(plant).ok()?,
            week: IsoWeek::parse(week).ok()?,
        })
    }
}

impl fmt::Display for SlotKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.plant, self.week)
    }
}

/// One market's gapless invoice number series of one year (the register
/// aggregate).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegisterKey {
    pub market: MarketCode,
    pub year: i32,
}

impl RegisterKey {
    pub fn new(market: MarketCode, year: i32) -> Self {
        RegisterKey { market, year }
    }

    /// Reads `{market}-{year}` back; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let (market, year) = s.rsplit_once('-')?;
        Some(RegisterKey {
            market: MarketCode::parse(market).ok()?,
            year: year.parse().ok()?,
        })
    }
}

impl fmt::Display for RegisterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.market, self.year)
    }
}

/// One dealer's commission statement of one month.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommissionKey {
    pub dealer: DealerId,
    pub month: Month,
}

impl CommissionKey {
    pub fn new(dealer: DealerId, month: Month) -> Self {
        CommissionKey { dealer, month }
    }

    /// Reads `{dealer}-{yyyy}-{mm}` back; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let (dealer, month) = split_calendar(s)?;
        Some(CommissionKey {
            dealer: DealerId::parse(dealer).ok()?,
            month: Month::parse(month).ok()?,
        })
    }
}

impl fmt::Display for CommissionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.dealer, self.month)
    }
}

/// Splits `{code}-{yyyy}-{part}` into the code and the calendar value
/// `{yyyy}-{part}` (a week or a month: the last two `-`-separated parts; the
/// calendar parsers refuse what is not one).
fn split_calendar(s: &str) -> Option<(&str, &str)> {
    let (rest, _) = s.rsplit_once('-')?;
    let (code, _) = rest.rsplit_once('-')?;
    Some((code, &s[code.len() + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_print_as_their_stream_suffix_and_read_back() {
        let slot = SlotKey::new(
            PlantId::parse("P-LEIPZIG").unwrap(),
            IsoWeek::parse("2026-W50").unwrap(),
        );
        assert_eq!(slot.to_string(), "P-LEIPZIG-2026-W50");
        assert_eq!(SlotKey::parse(&slot.to_string()), Some(slot));
        let register = RegisterKey::new(MarketCode::parse("DE").unwrap(), 2026);
        assert_eq!(register.to_string(), "DE-2026");
        assert_eq!(RegisterKey::parse("DE-2026"), Some(register));
        let commission = CommissionKey::new(
            DealerId::parse("D-BER-01").unwrap(),
            Month::parse("2026-11").unwrap(),
        );
        assert_eq!(commission.to_string(), "D-BER-01-2026-11");
        assert_eq!(CommissionKey::parse("D-BER-01-2026-11"), Some(commission));
    }

    #[test]
    fn a_malformed_key_reads_as_none() {
        assert_eq!(SlotKey::parse("P-LEIPZIG"), None);
        assert_eq!(SlotKey::parse("P-LEIPZIG-2026-"), None);
        assert_eq!(SlotKey::parse("-2026-W50"), None);
        assert_eq!(RegisterKey::parse("DE-year"), None);
        assert_eq!(CommissionKey::parse("D-BER-01-2026-13"), None);
        assert_eq!(CommissionKey::parse(""), None);
    }
}
