//! Reading the dealers of a catalog file: time zone, opening hours and demo
//! cars, each checked (a known IANA zone, close after open, a demo car's
//! configuration accepted by the catalog's own rules in the dealer's market).

use std::collections::HashSet;
use std::str::FromStr;

use chrono_tz::Tz;
use serde::Deserialize;

use super::load::inconsistent;
use super::{Catalog, CatalogError, Dealer, DemoCar, Hours, OpeningHours};
use crate::values::{CarId, DealerId, MarketCode, ModelCode, OptionCode, TimeOfDay};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDealer {
    pub(super) id: DealerId,
    name: String,
    pub(super) market: MarketCode,
    time_zone: String,
    opening_hours: RawWeek,
    #[serde(default)]
    demo_cars: Vec<RawDemoCar>,
}

/// Each weekday as `"HH:MM-HH:MM"` or `"closed"`; every day is named, so a
/// day left out is a mistake rather than a closed showroom.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeek {
    mon: String,
    tue: String,
    wed: String,
    thu: String,
    fri: String,
    sat: String,
    sun: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDemoCar {
    id: CarId,
    model: ModelCode,
    #[serde(default)]
    options: Vec<OptionCode>,
}

impl RawDealer {
    /// The dealer without its demo cars (checked against the whole catalog
    /// by [`equip_demo_cars`]), and those cars.
    pub(super) fn into_dealer(self) -> Result<(Dealer, Vec<RawDemoCar>), CatalogError> {
        let tz = Tz::from_str(&self.time_zone).map_err(|_| {
            inconsistent(format!(
                "dealer {} has unknown time zone {:?}",
                self.id, self.time_zone
            ))
        })?;
        let day = |name: &str, text: &str| hours(&self.id, name, text);
        let w = &self.opening_hours;
        let opening_hours = OpeningHours {
            mon: day("mon", &w.mon)?,
            tue: day("tue", &w.tue)?,
            wed: day("wed", &w.wed)?,
            thu: day("thu", &w.thu)?,
            fri: day("fri", &w.fri)?,
            sat: day("sat", &w.sat)?,
            sun: day("sun", &w.sun)?,
        };
        let dealer = Dealer {
            id: self.id,
            name: self.name,
            market: self.market,
            time_zone: self.time_zone,
            opening_hours,
            demo_cars: Vec::new(),
            tz,
        };
        Ok((dealer, self.demo_cars))
    }
}

/// One day's hours from `"HH:MM-HH:MM"` (close after open) or `"closed"`.
fn hours(dealer: &DealerId, day: &str, text: &str) -> Result<Option<Hours>, CatalogError> {
    if text == "closed" {
        return Ok(None);
    }
    let refused = || {
        inconsistent(format!(
            "dealer {dealer} opens {day} {text:?}: write \"HH:MM-HH:MM\" (close after open) or \"closed\""
        ))
    };
    let (open, close) = text.split_once('-').ok_or_else(refused)?;
    let open = TimeOfDay::parse(open).map_err(|_| refused())?;
    let close = TimeOfDay::parse(close).map_err(|_| refused())?;
    if close <= open {
        return Err(refused());
    }
    Ok(Some(Hours { open, close }))
}

/// Gives each dealer its demo cars once the catalog is whole: car ids are
/// unique across the network and each configuration passes
/// [`Catalog::validate`] in the dealer's market (defaults filled in).
pub(super) fn equip_demo_cars(
    catalog: &mut Catalog,
    cars: Vec<(DealerId, Vec<RawDemoCar>)>,
) -> Result<(), CatalogError> {
    let mut seen = HashSet::new();
    for (dealer, raw_cars) in cars {
        let market = match catalog.dealer(&dealer) {
            Some(d) => d.market.clone(),
            None => continue,
        };
        let mut equipped = Vec::new();
        for car in raw_cars {
            if !seen.insert(car.id.clone()) {
                return Err(inconsistent(format!("demo car {} is listed twice", car.id)));
            }
            let configuration = catalog
                .validate(&market, &car.model, &car.options)
                .map_err(|violations| {
                    let rules: Vec<String> = violations.iter().map(ToString::to_string).collect();
                    inconsistent(format!(
                        "demo car {} of {dealer} is not a valid configuration: {}",
                        car.id,
                        rules.join("; ")
                    ))
                })?;
            equipped.push(DemoCar {
                id: car.id,
                dealer: dealer.clone(),
                model: configuration.model,
                options: configuration.options.into_iter().collect(),
            });
        }
        if let Some(d) = catalog.dealers.get_mut(&dealer) {
            d.demo_cars = equipped;
        }
    }
    Ok(())
}
