//! Pricing: a quote is the full price breakdown of a valid configuration
//! (see `configure.rs` for the rules), or every rule the configuration
//! breaks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Catalog, Configuration, Violation};
use crate::values::{MarketCode, ModelCode, Money, MoneyError, OptionCode, Rate};

/// The prices an order is placed with, kept with the order so that an
/// amendment is re-priced at the price list valid at placement, whatever
/// the catalog says later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSheet {
    pub price_list: String,
    pub market: MarketCode,
    pub model: ModelCode,
    pub base: Money,
    pub options: BTreeMap<OptionCode, Money>,
    pub vat_rate: Rate,
    pub deposit: Money,
}

/// Net, VAT and gross of a configuration.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub net: Money,
    pub vat: Money,
    pub gross: Money,
}

impl Price {
    /// VAT at `rate` on `net`, rounded half up; gross = net + VAT.
    pub fn from_net(net: Money, rate: Rate) -> Result<Price, MoneyError> {
        let vat = net.apply_rate(rate)?;
        Ok(Price {
            net,
            vat,
            gross: net.checked_add(vat)?,
        })
    }
}

/// What a line of a quote is for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Base,
    Option,
}

/// One line of the breakdown: the model's base price or an option's price.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub kind: LineKind,
    pub code: String,
    pub description: String,
    pub amount: Money,
}

/// The full price breakdown of a valid configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub market: MarketCode,
    pub configuration: Configuration,
    pub lines: Vec<QuoteLine>,
    pub price: Price,
    pub deposit: Money,
    /// The prices this quote used; an order locks it.
    pub sheet: PriceSheet,
}

impl Catalog {
    /// Prices `options` on `model` in `market` at the current price list, or
    /// returns every rule the configuration breaks.
    pub fn quote(
        &self,
        market: &MarketCode,
        model: &ModelCode,
        options: &[OptionCode],
    ) -> Result<Quote, Vec<Violation>> {
        let configuration = self.validate(market, model, options)?;
        let sheet = self.price_sheet(market, model)?;
        self.price(sheet, configuration)
    }

    /// Re-prices a new choice of options at a locked price sheet (an
    /// amendment): the catalog's rules apply, the sheet's prices count.
    pub fn requote(
        &self,
        sheet: &PriceSheet,
        options: &[OptionCode],
    ) -> Result<Quote, Vec<Violation>> {
        let configuration = self.validate(&sheet.market, &sheet.model, options)?;
        self.price(sheet.clone(), configuration)
    }

    /// The current prices of a model and all its options in a market.
    pub fn price_sheet(
        &self,
        market: &MarketCode,
        model: &ModelCode,
    ) -> Result<PriceSheet, Vec<Violation>> {
        let m = self.market(market).ok_or_else(|| {
            vec![Violation::UnknownMarket {
                market: market.clone(),
            }]
        })?;
        let spec = self.model(model).ok_or_else(|| {
            vec![Violation::UnknownModel {
                model: model.clone(),
            }]
        })?;
        let base = *spec.prices.get(market).ok_or_else(|| {
            vec![Violation::ModelNotSoldInMarket {
                model: model.clone(),
                market: market.clone(),
            }]
        })?;
        let options = self
            .options()
            .filter(|o| o.models.is_empty() || o.models.contains(model))
            .filter_map(|o| o.prices.get(market).map(|p| (o.code.clone(), *p)))
            .collect();
        Ok(PriceSheet {
            price_list: self.price_list.clone(),
            market: market.clone(),
            model: model.clone(),
            base,
            options,
            vat_rate: m.vat_rate,
            deposit: m.deposit,
        })
    }

    fn price(
        &self,
        sheet: PriceSheet,
        configuration: Configuration,
    ) -> Result<Quote, Vec<Violation>> {
        let model_name = self
            .model(&sheet.model)
            .map_or_else(|| sheet.model.to_string(), |m| m.name.clone());
        let mut lines = vec![QuoteLine {
            kind: LineKind::Base,
            code: sheet.model.to_string(),
            description: model_name,
            amount: sheet.base,
        }];
        let mut missing = Vec::new();
        for code in &configuration.options {
            match sheet.options.get(code) {
                Some(amount) => lines.push(QuoteLine {
                    kind: LineKind::Option,
                    code: code.to_string(),
                    description: self
                        .option(code)
                        .map_or_else(|| code.to_string(), |o| o.name.clone()),
                    amount: *amount,
                }),
                None => missing.push(Violation::NotOnLockedPriceList {
                    option: code.clone(),
                }),
            }
        }
        if !missing.is_empty() {
            return Err(missing);
        }
        // Catalog prices are bounded and share the market's currency, so
        // summing cannot fail for a consistent catalog; report it as a rule
        // breach of the locked sheet rather than panic if it ever did.
        let overflow = || {
            vec![Violation::ModelNotSoldInMarket {
                model: sheet.model.clone(),
                market: sheet.market.clone(),
            }]
        };
        let net = Money::sum(sheet.base.currency, lines.iter().map(|l| &l.amount))
            .map_err(|_| overflow())?;
        let price = Price::from_net(net, sheet.vat_rate).map_err(|_| overflow())?;
        Ok(Quote {
            market: sheet.market.clone(),
            configuration,
            lines,
            price,
            deposit: sheet.deposit,
            sheet,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    use crate::values::{Currency, FamilyCode};

    fn opts(codes: &[&str]) -> Vec<OptionCode> {
        codes
            .iter()
            .map(|c| OptionCode::parse(c).unwrap())
            .collect()
    }

    fn de() -> MarketCode {
        MarketCode::parse("DE").unwrap()
    }

    fn cn() -> MarketCode {
        MarketCode::parse("CN").unwrap()
    }

    fn aura() -> ModelCode {
        ModelCode::parse("AURA").unwrap()
    }

    fn terra() -> ModelCode {
        ModelCode::parse("TERRA").unwrap()
    }

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    #[test]
    fn a_base_aura_in_germany_costs_42900_net_plus_19_percent_vat() {
        let q = Catalog::demo().quote(&de(), &aura(), &[]).unwrap();
        assert_eq!(q.price.net, eur(4_290_000));
        assert_eq!(q.price.vat, eur(815_100));
        assert_eq!(q.price.gross, eur(5_105_100));
        assert_eq!(q.deposit, eur(100_000));
        assert_eq!(
            q.configuration.options,
            opts(&["PNT-WHT", "WHL-18", "INT-CLOTH"])
                .into_iter()
                .collect()
        );
        assert_eq!(q.lines.len(), 4, "base and the three defaults, each a line");
    }

    #[test]
    fn a_quote_lists_every_option_with_its_price() {
        let q = Catalog::demo()
            .quote(
                &de(),
                &aura(),
                &opts(&["PNT-RED", "WHL-20", "PKG-SPORT", "INT-LEATHER"]),
            )
            .unwrap();
        let net = 4_290_000 + 120_000 + 150_000 + 310_000 + 240_000;
        assert_eq!(q.price.net, eur(net));
        assert_eq!(q.price.vat, eur(net * 19 / 100));
        let sport = q.lines.iter().find(|l| l.code == "PKG-SPORT").unwrap();
        assert_eq!(sport.amount, eur(310_000));
    }

    #[test]
    fn a_terra_in_china_is_priced_in_yuan_with_13_percent_vat() {
        let q = Catalog::demo()
            .quote(&cn(), &terra(), &opts(&["PKG-TOW"]))
            .unwrap();
        let net = Money::new(29_990_000 + 400_000, Currency::CNY);
        assert_eq!(q.price.net, net);
        assert_eq!(q.price.vat, Money::new(3_950_700, Currency::CNY));
        assert_eq!(q.deposit, Money::new(500_000, Currency::CNY));
    }

    #[test]
    fn an_invalid_configuration_reports_every_violated_rule_at_once() {
        let err = Catalog::demo()
            .quote(
                &de(),
                &aura(),
                &opts(&["PKG-TOW", "PKG-SPORT", "PNT-RED", "PNT-BLK", "XYZ-1"]),
            )
            .unwrap_err();
        let rules: BTreeSet<&str> = err.iter().map(Violation::rule).collect();
        assert!(err.contains(&Violation::ModelOnly {
            option: opts(&["PKG-TOW"])[0].clone(),
            models: vec![terra()]
        }));
        assert!(err.contains(&Violation::Requires {
            option: opts(&["PKG-SPORT"])[0].clone(),
            requires: opts(&["WHL-20"])[0].clone()
        }));
        assert!(err.contains(&Violation::Excludes {
            option: opts(&["PKG-TOW"])[0].clone(),
            excludes: opts(&["PKG-SPORT"])[0].clone()
        }));
        assert!(err.contains(&Violation::UnknownOption {
            option: opts(&["XYZ-1"])[0].clone()
        }));
        assert_eq!(
            rules,
            [
                "model_only",
                "requires",
                "excludes",
                "exactly_one",
                "unknown_option"
            ]
            .into_iter()
            .collect()
        );
    }

    #[test]
    fn two_options_of_an_exactly_one_family_are_a_violation() {
        let err = Catalog::demo()
            .quote(&de(), &aura(), &opts(&["PNT-RED", "PNT-BLK"]))
            .unwrap_err();
        assert_eq!(
            err,
            vec![Violation::ExactlyOne {
                family: FamilyCode::parse("paint").unwrap(),
                options: opts(&["PNT-BLK", "PNT-RED"])
            }]
        );
    }

    #[test]
    fn naming_an_option_twice_is_a_violation() {
        let err = Catalog::demo()
            .quote(&de(), &aura(), &opts(&["WHL-20", "WHL-20"]))
            .unwrap_err();
        assert_eq!(
            err,
            vec![Violation::DuplicateOption {
                option: opts(&["WHL-20"])[0].clone()
            }]
        );
    }

    #[test]
    fn unknown_market_and_model_are_both_reported() {
        let err = Catalog::demo()
            .quote(
                &MarketCode::parse("US").unwrap(),
                &ModelCode::parse("ZETA").unwrap(),
                &[],
            )
            .unwrap_err();
        let rules: Vec<&str> = err.iter().map(Violation::rule).collect();
        assert_eq!(rules, vec!["unknown_market", "unknown_model"]);
    }

    #[test]
    fn an_amendment_is_priced_at_the_locked_sheet_not_the_current_list() {
        let catalog = Catalog::demo();
        let mut sheet = catalog.price_sheet(&de(), &aura()).unwrap();
        // The order was placed when red cost 1,000.00 instead of 1,200.00.
        sheet
            .options
            .insert(opts(&["PNT-RED"])[0].clone(), eur(100_000));
        let q = catalog.requote(&sheet, &opts(&["PNT-RED"])).unwrap();
        assert_eq!(q.price.net, eur(4_290_000 + 100_000));
    }

    #[test]
    fn an_option_added_to_the_catalog_after_placement_cannot_be_amended_in() {
        let catalog = Catalog::demo();
        let mut sheet = catalog.price_sheet(&de(), &aura()).unwrap();
        sheet.options.remove(&opts(&["PKG-WINTER"])[0]);
        let err = catalog.requote(&sheet, &opts(&["PKG-WINTER"])).unwrap_err();
        assert_eq!(
            err,
            vec![Violation::NotOnLockedPriceList {
                option: opts(&["PKG-WINTER"])[0].clone()
            }]
        );
    }

    #[test]
    fn differences_name_what_each_side_has_that_the_other_lacks() {
        let a = Catalog::demo()
            .validate(&de(), &aura(), &opts(&["PNT-RED"]))
            .unwrap();
        let b = Catalog::demo()
            .validate(&de(), &aura(), &opts(&["PNT-BLK"]))
            .unwrap();
        assert_eq!(
            a.differences(&b),
            vec!["+PNT-RED".to_owned(), "-PNT-BLK".to_owned()]
        );
    }
}
