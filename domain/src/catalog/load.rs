//! Reading a catalog file and checking that it is consistent.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;

use super::load_network::{equip_demo_cars, RawDealer};
use super::{Catalog, CatalogOption, Choice, Family, Market, Model, Plant};
use crate::compensation::CompensationTerms;
use crate::values::{
    Currency, FamilyCode, LocationId, MarketCode, ModelCode, Money, OptionCode, PlantId, Rate,
};

/// Why a catalog file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("catalog is not valid TOML for a catalog: {0}")]
    Syntax(String),
    #[error("catalog is inconsistent: {0}")]
    Inconsistent(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    price_list: String,
    markets: Vec<RawMarket>,
    plants: Vec<RawSite<PlantId>>,
    dealers: Vec<RawDealer>,
    models: Vec<RawModel>,
    families: Vec<RawFamily>,
    options: Vec<RawOption>,
    #[serde(default)]
    transport: Vec<RawRoute>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMarket {
    code: MarketCode,
    name: String,
    currency: Currency,
    vat_bp: u32,
    deposit_minor: i64,
    commission_bp: u32,
    handover_fee_minor: i64,
    /// Days an online order fulfilled from stock may be withdrawn with a full refund
    /// (distance-selling law); absent: no such right.
    #[serde(default)]
    online_withdrawal_days: Option<u32>,
    /// Delay compensation: days of grace, then so much per day up to a cap;
    /// absent: none.
    #[serde(default)]
    delay_grace_days: Option<u32>,
    #[serde(default)]
    delay_credit_per_day_minor: Option<i64>,
    #[serde(default)]
    delay_credit_cap_minor: Option<i64>,
}

impl RawMarket {
    /// The three delay-compensation fields, all given or none.
    fn delay_compensation(&self) -> Result<Option<CompensationTerms>, CatalogError> {
        match (
            self.delay_grace_days,
            self.delay_credit_per_day_minor,
            self.delay_credit_cap_minor,
        ) {
            (None, None, None) => Ok(None),
            (Some(grace_days), Some(per_day), Some(cap)) => {
                let money = |minor: i64, what: &str| {
                    Money::non_negative(minor, self.currency)
                        .map_err(|e| inconsistent(format!("{what} of {}: {e}", self.code)))
                };
                Ok(Some(CompensationTerms {
                    grace_days,
                    per_day: money(per_day, "delay credit per day")?,
                    cap: money(cap, "delay credit cap")?,
                }))
            }
            _ => Err(inconsistent(format!(
                "market {} gives only some of delay_grace_days, delay_credit_per_day_minor \
                 and delay_credit_cap_minor",
                self.code
            ))),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite<Id> {
    id: Id,
    name: String,
    market: MarketCode,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    code: ModelCode,
    name: String,
    plant: PlantId,
    prices: BTreeMap<MarketCode, i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamily {
    code: FamilyCode,
    name: String,
    choice: RawChoice,
    default: Option<OptionCode>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RawChoice {
    ExactlyOne,
    Any,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    code: OptionCode,
    family: FamilyCode,
    name: String,
    prices: BTreeMap<MarketCode, i64>,
    #[serde(default)]
    models: Vec<ModelCode>,
    #[serde(default)]
    requires: Vec<OptionCode>,
    #[serde(default)]
    excludes: Vec<OptionCode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    between: [LocationId; 2],
    days: u32,
}

pub(super) fn inconsistent(msg: String) -> CatalogError {
    CatalogError::Inconsistent(msg)
}

fn unique<'a, T: std::fmt::Display + Eq + std::hash::Hash + 'a>(
    what: &str,
    items: impl IntoIterator<Item = &'a T>,
) -> Result<(), CatalogError> {
    let mut seen = HashSet::new();
    for item in items {
        if !seen.insert(item) {
            return Err(inconsistent(format!("{what} {item} is listed twice")));
        }
    }
    Ok(())
}

impl Catalog {
    /// Reads a catalog from TOML text and checks it: unique codes, every
    /// reference known, every price in a known market's currency, defaults
    /// inside their family, transport days for known locations, dealers'
    /// time zones, opening hours and demo cars (`load_network`).
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog =
            toml::from_str(text).map_err(|e| CatalogError::Syntax(e.message().to_owned()))?;
        raw.into_catalog()
    }
}

impl RawCatalog {
    fn into_catalog(self) -> Result<Catalog, CatalogError> {
        if self.price_list.trim().is_empty() {
            return Err(inconsistent("price_list must not be empty".into()));
        }
        unique("market", self.markets.iter().map(|m| &m.code))?;
        unique("plant", self.plants.iter().map(|p| &p.id))?;
        unique("dealer", self.dealers.iter().map(|d| &d.id))?;
        unique("model", self.models.iter().map(|m| &m.code))?;
        unique("family", self.families.iter().map(|f| &f.code))?;
        unique("option", self.options.iter().map(|o| &o.code))?;

        let markets = self.markets()?;
        let money = |owner: &dyn std::fmt::Display,
                     prices: BTreeMap<MarketCode, i64>|
         -> Result<BTreeMap<MarketCode, Money>, CatalogError> {
            prices
                .into_iter()
                .map(|(code, minor)| {
                    let market = markets.get(&code).ok_or_else(|| {
                        inconsistent(format!("{owner} is priced in unknown market {code}"))
                    })?;
                    let price = Money::non_negative(minor, market.currency)
                        .map_err(|e| inconsistent(format!("{owner} in {code}: {e}")))?;
                    Ok((code, price))
                })
                .collect()
        };
        let site_market = |owner: &dyn std::fmt::Display, m: &MarketCode| {
            if markets.contains_key(m) {
                Ok(())
            } else {
                Err(inconsistent(format!("{owner} is in unknown market {m}")))
            }
        };

        let mut plants = BTreeMap::new();
        for p in self.plants {
            site_market(&p.id, &p.market)?;
            plants.insert(
                p.id.clone(),
                Plant {
                    id: p.id,
                    name: p.name,
                    market: p.market,
                },
            );
        }
        let mut dealers = BTreeMap::new();
        let mut demo_cars = Vec::new();
        for d in self.dealers {
            site_market(&d.id, &d.market)?;
            let (dealer, cars) = d.into_dealer()?;
            demo_cars.push((dealer.id.clone(), cars));
            dealers.insert(dealer.id.clone(), dealer);
        }
        let mut models = BTreeMap::new();
        for m in self.models {
            if !plants.contains_key(&m.plant) {
                return Err(inconsistent(format!(
                    "model {} is built at unknown plant {}",
                    m.code, m.plant
                )));
            }
            let prices = money(&m.code, m.prices)?;
            models.insert(
                m.code.clone(),
                Model {
                    code: m.code,
                    name: m.name,
                    plant: m.plant,
                    prices,
                },
            );
        }
        let mut options = BTreeMap::new();
        for o in self.options {
            if !self.families.iter().any(|f| f.code == o.family) {
                return Err(inconsistent(format!(
                    "option {} is in unknown family {}",
                    o.code, o.family
                )));
            }
            if let Some(m) = o.models.iter().find(|m| !models.contains_key(*m)) {
                return Err(inconsistent(format!(
                    "option {} names unknown model {m}",
                    o.code
                )));
            }
            let prices = money(&o.code, o.prices)?;
            options.insert(
                o.code.clone(),
                CatalogOption {
                    code: o.code,
                    family: o.family,
                    name: o.name,
                    prices,
                    models: o.models,
                    requires: o.requires,
                    excludes: o.excludes,
                },
            );
        }
        for o in options.values() {
            if let Some(r) = o
                .requires
                .iter()
                .chain(&o.excludes)
                .find(|r| !options.contains_key(*r))
            {
                return Err(inconsistent(format!(
                    "option {} refers to unknown option {r}",
                    o.code
                )));
            }
        }
        let mut families = Vec::new();
        for f in self.families {
            let choice = match f.choice {
                RawChoice::ExactlyOne => Choice::ExactlyOne,
                RawChoice::Any => Choice::Any,
            };
            if let Some(d) = &f.default {
                if options.get(d).map(|o| &o.family) != Some(&f.code) {
                    return Err(inconsistent(format!(
                        "family {} has default {d}, not one of its options",
                        f.code
                    )));
                }
            }
            families.push(Family {
                code: f.code,
                name: f.name,
                choice,
                default: f.default,
            });
        }

        let mut transport = HashMap::new();
        for route in self.transport {
            let [a, b] = route.between;
            for l in [&a, &b] {
                let known = match l {
                    LocationId::Dealer(d) => dealers.contains_key(d),
                    LocationId::Plant(p) => plants.contains_key(p),
                };
                if !known {
                    return Err(inconsistent(format!(
                        "transport names unknown location {l}"
                    )));
                }
            }
            if transport
                .insert((a.clone(), b.clone()), route.days)
                .is_some()
            {
                return Err(inconsistent(format!("transport {a} - {b} is listed twice")));
            }
            transport.insert((b, a), route.days);
        }

        let mut catalog = Catalog {
            price_list: self.price_list,
            markets,
            plants,
            dealers,
            models,
            families,
            options,
            transport,
        };
        equip_demo_cars(&mut catalog, demo_cars)?;
        Ok(catalog)
    }

    fn markets(&self) -> Result<BTreeMap<MarketCode, Market>, CatalogError> {
        self.markets
            .iter()
            .map(|m| {
                let deposit = Money::non_negative(m.deposit_minor, m.currency)
                    .map_err(|e| inconsistent(format!("deposit of {}: {e}", m.code)))?;
                let handover_fee = Money::non_negative(m.handover_fee_minor, m.currency)
                    .map_err(|e| inconsistent(format!("handover fee of {}: {e}", m.code)))?;
                if m.vat_bp > Rate::DENOMINATOR || m.commission_bp > Rate::DENOMINATOR {
                    return Err(inconsistent(format!(
                        "rates of {} must be at most 100%",
                        m.code
                    )));
                }
                let delay_compensation = m.delay_compensation()?;
                Ok((
                    m.code.clone(),
                    Market {
                        code: m.code.clone(),
                        name: m.name.clone(),
                        currency: m.currency,
                        vat_rate: Rate::from_basis_points(m.vat_bp),
                        deposit,
                        commission_rate: Rate::from_basis_points(m.commission_bp),
                        handover_fee,
                        online_withdrawal_days: m.online_withdrawal_days,
                        delay_compensation,
                    },
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../catalog/demo.toml");

    #[test]
    fn a_file_that_is_not_toml_is_a_syntax_error() {
        assert!(matches!(
            Catalog::from_toml("not = [toml"),
            Err(CatalogError::Syntax(_))
        ));
    }

    #[test]
    fn an_option_in_an_unknown_family_is_refused() {
        let text = DEMO.replacen(
            "family = \"paint\"\nname = \"Obsidian",
            "family = \"roof\"\nname = \"Obsidian",
            1,
        );
        assert!(matches!(
            Catalog::from_toml(&text),
            Err(CatalogError::Inconsistent(_))
        ));
    }

    #[test]
    fn a_price_in_an_unknown_market_is_refused() {
        let text = DEMO.replacen(
            "prices = { DE = 90000, CN = 500000 }",
            "prices = { DE = 90000, US = 500000 }",
            1,
        );
        assert!(matches!(
            Catalog::from_toml(&text),
            Err(CatalogError::Inconsistent(_))
        ));
    }

    #[test]
    fn a_negative_price_is_refused() {
        let text = DEMO.replacen(
            "prices = { DE = 90000, CN = 500000 }",
            "prices = { DE = -90000, CN = 500000 }",
            1,
        );
        assert!(matches!(
            Catalog::from_toml(&text),
            Err(CatalogError::Inconsistent(_))
        ));
    }

    #[test]
    fn a_malformed_code_in_the_file_is_a_syntax_error() {
        let text = DEMO.replacen("code = \"PNT-RED\"", "code = \"pnt red\"", 1);
        assert!(matches!(
            Catalog::from_toml(&text),
            Err(CatalogError::Syntax(_))
        ));
    }
}
