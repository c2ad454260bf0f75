//! Dealers as the showroom and test drives see them: a local time zone,
//! opening hours per weekday and demo cars.
//!
//! Opening hours are wall-clock times of the dealer's own zone; everything
//! the engine records is an instant in UTC. [`Dealer::opening`] is the one
//! place a local day's hours become instants, so the slot grid, the booking
//! rules and every view agree, daylight saving included.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde::Serialize;

use super::{Catalog, Configuration};
use crate::values::{in_calendar, CarId, DealerId, MarketCode, ModelCode, OptionCode, TimeOfDay};

/// A dealer (agent outlet) at one location in one market.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dealer {
    pub id: DealerId,
    pub name: String,
    pub market: MarketCode,
    /// The IANA name of the dealer's time zone (`Europe/Berlin`), checked
    /// when the catalog loads.
    pub time_zone: String,
    /// When the showroom is open, in the dealer's local time.
    pub opening_hours: OpeningHours,
    /// The cars customers can book test drives in.
    pub demo_cars: Vec<DemoCar>,
    /// `time_zone`, parsed once at load.
    #[serde(skip)]
    pub(super) tz: Tz,
}

/// One day's opening: from `open` to `close`, local time (close after open).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Hours {
    pub open: TimeOfDay,
    pub close: TimeOfDay,
}

/// The opening hours of each weekday; `None` (JSON `null`): closed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OpeningHours {
    pub mon: Option<Hours>,
    pub tue: Option<Hours>,
    pub wed: Option<Hours>,
    pub thu: Option<Hours>,
    pub fri: Option<Hours>,
    pub sat: Option<Hours>,
    pub sun: Option<Hours>,
}

impl OpeningHours {
    /// The hours of the weekday `date` falls on; `None` when closed.
    pub fn on(&self, date: NaiveDate) -> Option<Hours> {
        use chrono::Weekday::*;
        match date.weekday() {
            Mon => self.mon,
            Tue => self.tue,
            Wed => self.wed,
            Thu => self.thu,
            Fri => self.fri,
            Sat => self.sat,
            Sun => self.sun,
        }
    }
}

/// A dealer's demo car: a model in a configuration the catalog accepts in
/// the dealer's market (checked at load), options with defaults filled in.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoCar {
    pub id: CarId,
    pub dealer: DealerId,
    pub model: ModelCode,
    pub options: Vec<OptionCode>,
}

impl DemoCar {
    /// The car's configuration.
    pub fn configuration(&self) -> Configuration {
        Configuration {
            model: self.model.clone(),
            options: self.options.iter().cloned().collect(),
        }
    }
}

impl Dealer {
    /// The dealer's time zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The opening hours on the local date `date`; `None` when closed.
    pub fn hours_on(&self, date: NaiveDate) -> Option<Hours> {
        self.opening_hours.on(date)
    }

    /// The dealer's local date at `instant` (the UTC date at the very end
    /// of time, where the local one cannot be written).
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        let utc = instant.naive_utc();
        let offset = Offset::fix(&self.tz.offset_from_utc_datetime(&utc));
        utc.checked_add_offset(offset)
            .map_or(utc.date(), |local| local.date())
    }

    /// The instants the showroom opens and closes on the local date `date`;
    /// `None` when it is closed that day (and on every day outside the
    /// business calendar).
    ///
    /// A wall-clock time the clocks skip (spring forward) is read as the
    /// clock before the jump would have read it, so it falls as much after
    /// the jump as it lay inside the gap; a time the clocks show twice (fall
    /// back) is its first showing. A day's hours are thus one span of real
    /// time, shorter or longer by the change.
    pub fn opening(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let hours = self.hours_on(date).filter(|_| in_calendar(date))?;
        let open = instant(self.tz, date.and_time(hours.open.time()));
        let close = instant(self.tz, date.and_time(hours.close.time()));
        Some((open, close))
    }
}

/// The instant the wall clock of `tz` shows `local` (see [`Dealer::opening`]
/// for the two daylight-saving cases).
fn instant(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            // In a gap: the first minute that exists after it is the jump's
            // instant; the offset just before the jump reads `local`.
            let jump = (1..=26 * 60)
                .map(|minutes| local + Duration::minutes(minutes))
                .find_map(|later| tz.from_local_datetime(&later).earliest());
            match jump {
                Some(jump) => {
                    let before = jump.with_timezone(&Utc) - Duration::seconds(1);
                    let offset = tz.offset_from_utc_datetime(&before.naive_utc());
                    let seconds = Offset::fix(&offset).local_minus_utc();
                    (local - Duration::seconds(i64::from(seconds))).and_utc()
                }
                None => local.and_utc(),
            }
        }
    }
}

impl Catalog {
    /// The demo car `id`, whichever dealer has it.
    pub fn demo_car(&self, id: &CarId) -> Option<&DemoCar> {
        self.dealers()
            .flat_map(|d| d.demo_cars.iter())
            .find(|car| &car.id == id)
    }

    /// The demo cars of `dealer` (none for a dealer not in the catalog).
    pub fn demo_cars_of(&self, dealer: &DealerId) -> &[DemoCar] {
        self.dealer(dealer).map_or(&[], |d| d.demo_cars.as_slice())
    }

    /// The opening hours of `dealer` on its local date `date`; `None` when
    /// it is closed or not in the catalog.
    pub fn hours_on(&self, dealer: &DealerId, date: NaiveDate) -> Option<Hours> {
        self.dealer(dealer)?.hours_on(date)
    }
}
