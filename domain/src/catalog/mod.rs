//! The catalog: markets, the dealer and plant network (dealers with their
//! time zone, opening hours and demo cars), models, option families, options
//! with their rules and prices, and transport days.
//!
//! It is data, not code: the demo catalog ships as `domain/catalog/demo.toml`
//! and is loaded (and checked for consistency) at start. [`Catalog::quote`]
//! prices a configuration or names every rule it breaks.

mod configure;
mod load;
mod load_network;
mod network;
mod quote;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

pub use configure::{Configuration, Violation};
pub use load::CatalogError;
pub use network::{Dealer, DemoCar, Hours, OpeningHours};
pub use quote::{LineKind, Price, PriceSheet, Quote, QuoteLine};

use crate::compensation::CompensationTerms;
use crate::values::{
    Currency, DealerId, FamilyCode, LocationId, MarketCode, ModelCode, Money, OptionCode, PlantId,
    Rate,
};

/// A sales market: its currency, VAT, deposit and the agent's commission terms.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Market {
    pub code: MarketCode,
    pub name: String,
    pub currency: Currency,
    pub vat_rate: Rate,
    pub deposit: Money,
    pub commission_rate: Rate,
    pub handover_fee: Money,
    /// Days within which an order placed online and fulfilled from stock may be withdrawn
    /// with a full refund (distance-selling law: 14 in DE); `None`: no such right.
    pub online_withdrawal_days: Option<u32>,
    /// The goodwill credit for a car that reaches the dealer late (see
    /// [`crate::compensation`]); `None`: the market pays none.
    pub delay_compensation: Option<CompensationTerms>,
}

/// A plant that builds one or more models.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plant {
    pub id: PlantId,
    pub name: String,
    pub market: MarketCode,
}

/// A model, the plant that builds it, and its base net price per market.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Model {
    pub code: ModelCode,
    pub name: String,
    pub plant: PlantId,
    pub prices: BTreeMap<MarketCode, Money>,
}

/// How many options of a family a configuration takes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Exactly one; a family left out takes its default.
    ExactlyOne,
    /// Any number, including none.
    Any,
}

/// A family of options, e.g. paint.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Family {
    pub code: FamilyCode,
    pub name: String,
    pub choice: Choice,
    pub default: Option<OptionCode>,
}

/// One option with its rules and net prices per market.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogOption {
    pub code: OptionCode,
    pub family: FamilyCode,
    pub name: String,
    pub prices: BTreeMap<MarketCode, Money>,
    /// The models it is offered on; empty means every model.
    pub models: Vec<ModelCode>,
    pub requires: Vec<OptionCode>,
    pub excludes: Vec<OptionCode>,
}

/// The loaded, consistent catalog.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Catalog {
    price_list: String,
    markets: BTreeMap<MarketCode, Market>,
    plants: BTreeMap<PlantId, Plant>,
    dealers: BTreeMap<DealerId, Dealer>,
    models: BTreeMap<ModelCode, Model>,
    /// In the order the catalog lists them (the configurator shows them so).
    families: Vec<Family>,
    options: BTreeMap<OptionCode, CatalogOption>,
    #[serde(skip)]
    transport: HashMap<(LocationId, LocationId), u32>,
}

const DEMO_CATALOG: &str = include_str!("../../catalog/demo.toml");

impl Catalog {
    /// The demo catalog shipped with the engine (`domain/catalog/demo.toml`).
    ///
    /// The file is checked by the tests of this crate, so loading it cannot
    /// fail in a released build; should it ever, the error names the rule.
    pub fn demo() -> Catalog {
        match Catalog::from_toml(DEMO_CATALOG) {
            Ok(catalog) => catalog,
            Err(e) => panic!("the shipped demo catalog is inconsistent: {e}"),
        }
    }

    /// The identifier of the price list in force, locked into every order.
    pub fn price_list(&self) -> &str {
        &self.price_list
    }

    pub fn market(&self, code: &MarketCode) -> Option<&Market> {
        self.markets.get(code)
    }

    pub fn markets(&self) -> impl Iterator<Item = &Market> {
        self.markets.values()
    }

    pub fn plant(&self, id: &PlantId) -> Option<&Plant> {
        self.plants.get(id)
    }

    pub fn plants(&self) -> impl Iterator<Item = &Plant> {
        self.plants.values()
    }

    pub fn dealer(&self, id: &DealerId) -> Option<&Dealer> {
        self.dealers.get(id)
    }

    pub fn dealers(&self) -> impl Iterator<Item = &Dealer> {
        self.dealers.values()
    }

    pub fn model(&self, code: &ModelCode) -> Option<&Model> {
        self.models.get(code)
    }

    pub fn models(&self) -> impl Iterator<Item = &Model> {
        self.models.values()
    }

    pub fn families(&self) -> &[Family] {
        &self.families
    }

    pub fn family(&self, code: &FamilyCode) -> Option<&Family> {
        self.families.iter().find(|f| &f.code == code)
    }

    pub fn option(&self, code: &OptionCode) -> Option<&CatalogOption> {
        self.options.get(code)
    }

    pub fn options(&self) -> impl Iterator<Item = &CatalogOption> {
        self.options.values()
    }

    /// The market a location belongs to.
    pub fn location_market(&self, location: &LocationId) -> Option<&MarketCode> {
        match location {
            LocationId::Dealer(d) => self.dealers.get(d).map(|d| &d.market),
            LocationId::Plant(p) => self.plants.get(p).map(|p| &p.market),
        }
    }

    /// Whether the location is part of the network.
    pub fn knows_location(&self, location: &LocationId) -> bool {
        self.location_market(location).is_some()
    }

    /// Days to move a vehicle between two locations (0 when they are the
    /// same); `None` when the table has no such route.
    pub fn transport_days(&self, from: &LocationId, to: &LocationId) -> Option<u32> {
        if from == to {
            return Some(0);
        }
        self.transport.get(&(from.clone(), to.clone())).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(s: &str) -> LocationId {
        LocationId::parse(s).unwrap()
    }

    #[test]
    fn the_demo_catalog_loads_with_the_numbers_of_the_spec() {
        let c = Catalog::demo();
        let de = c.market(&MarketCode::parse("DE").unwrap()).unwrap();
        assert_eq!(de.currency, Currency::EUR);
        assert_eq!(de.vat_rate, Rate::from_basis_points(1900));
        assert_eq!(de.deposit, Money::new(100_000, Currency::EUR));
        assert_eq!(de.handover_fee, Money::new(15_000, Currency::EUR));
        let cn = c.market(&MarketCode::parse("CN").unwrap()).unwrap();
        assert_eq!(cn.vat_rate, Rate::from_basis_points(1300));
        assert_eq!(cn.commission_rate, Rate::from_basis_points(300));
        assert_eq!(c.dealers().count(), 5);
        assert_eq!(c.plants().count(), 2);
        let terra = c.model(&ModelCode::parse("TERRA").unwrap()).unwrap();
        assert_eq!(terra.plant, PlantId::parse("P-SHENYANG").unwrap());
        assert_eq!(
            terra.prices[&MarketCode::parse("CN").unwrap()],
            Money::new(29_990_000, Currency::CNY)
        );
        assert_eq!(c.options().count(), 10);
    }

    #[test]
    fn transport_days_are_symmetric_and_zero_in_place() {
        let c = Catalog::demo();
        assert_eq!(
            c.transport_days(&loc("P-LEIPZIG"), &loc("D-MUC-01")),
            Some(4)
        );
        assert_eq!(
            c.transport_days(&loc("D-MUC-01"), &loc("P-LEIPZIG")),
            Some(4)
        );
        assert_eq!(
            c.transport_days(&loc("D-BER-01"), &loc("D-BER-01")),
            Some(0)
        );
        assert_eq!(c.transport_days(&loc("D-BER-01"), &loc("D-XYZ-01")), None);
    }

    #[test]
    fn every_pair_of_demo_locations_has_a_route() {
        let c = Catalog::demo();
        let all: Vec<LocationId> = c
            .dealers()
            .map(|d| LocationId::from(d.id.clone()))
            .chain(c.plants().map(|p| LocationId::from(p.id.clone())))
            .collect();
        for a in &all {
            for b in &all {
                let days = c.transport_days(a, b);
                assert!(days.is_some(), "{a} -> {b}");
                let same_market = c.location_market(a) == c.location_market(b);
                if a != b && same_market && a.dealer().is_some() && b.dealer().is_some() {
                    assert!((1..=3).contains(&days.unwrap()), "{a} -> {b}");
                }
                if !same_market {
                    assert!(days.unwrap() >= 35, "{a} -> {b}");
                }
            }
        }
    }
}
