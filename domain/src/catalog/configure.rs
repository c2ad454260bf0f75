//! The catalog's configuration rules: which options a model may have in a
//! market, checked all at once, with the defaults of "exactly one" families
//! filled in.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Catalog, Choice};
use crate::values::{FamilyCode, MarketCode, ModelCode, OptionCode};

/// A model with its complete set of options (defaults filled in). Two
/// vehicles match exactly when their configurations are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Configuration {
    pub model: ModelCode,
    pub options: BTreeSet<OptionCode>,
}

impl Configuration {
    /// The options one configuration has that the other lacks, as `+CODE`
    /// (this one has it) and `-CODE` (the other one has it).
    pub fn differences(&self, other: &Configuration) -> Vec<String> {
        let mut out: Vec<String> = self
            .options
            .difference(&other.options)
            .map(|o| format!("+{o}"))
            .collect();
        out.extend(
            other
                .options
                .difference(&self.options)
                .map(|o| format!("-{o}")),
        );
        out
    }
}

/// A rule of the catalog that a configuration breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Violation {
    #[error("market {market} is not in the catalog")]
    UnknownMarket { market: MarketCode },
    #[error("model {model} is not in the catalog")]
    UnknownModel { model: ModelCode },
    #[error("model {model} is not sold in market {market}")]
    ModelNotSoldInMarket {
        model: ModelCode,
        market: MarketCode,
    },
    #[error("option {option} is not in the catalog")]
    UnknownOption { option: OptionCode },
    #[error("option {option} is named more than once")]
    DuplicateOption { option: OptionCode },
    #[error("option {option} is not offered in market {market}")]
    OptionNotInMarket {
        option: OptionCode,
        market: MarketCode,
    },
    #[error("option {option} is only available for {}", models.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    ModelOnly {
        option: OptionCode,
        models: Vec<ModelCode>,
    },
    #[error("family {family} takes exactly one option, not {}", options.iter().map(ToString::to_string).collect::<Vec<_>>().join(" and "))]
    ExactlyOne {
        family: FamilyCode,
        options: Vec<OptionCode>,
    },
    #[error("family {family} needs one option and has no default")]
    MissingChoice { family: FamilyCode },
    #[error("option {option} requires {requires}")]
    Requires {
        option: OptionCode,
        requires: OptionCode,
    },
    #[error("option {option} excludes {excludes}")]
    Excludes {
        option: OptionCode,
        excludes: OptionCode,
    },
    #[error("option {option} was not on the price list the order was placed with")]
    NotOnLockedPriceList { option: OptionCode },
}

impl Violation {
    /// The rule's stable name, as the API reports it.
    pub fn rule(&self) -> &'static str {
        match self {
            Violation::UnknownMarket { .. } => "unknown_market",
            Violation::UnknownModel { .. } => "unknown_model",
            Violation::ModelNotSoldInMarket { .. } => "model_not_sold_in_market",
            Violation::UnknownOption { .. } => "unknown_option",
            Violation::DuplicateOption { .. } => "duplicate_option",
            Violation::OptionNotInMarket { .. } => "option_not_in_market",
            Violation::ModelOnly { .. } => "model_only",
            Violation::ExactlyOne { .. } => "exactly_one",
            Violation::MissingChoice { .. } => "missing_choice",
            Violation::Requires { .. } => "requires",
            Violation::Excludes { .. } => "excludes",
            Violation::NotOnLockedPriceList { .. } => "not_on_locked_price_list",
        }
    }

    /// The option the violation belongs next to in a configurator, if any.
    pub fn option(&self) -> Option<&OptionCode> {
        match self {
            Violation::UnknownOption { option }
            | Violation::DuplicateOption { option }
            | Violation::OptionNotInMarket { option, .. }
            | Violation::ModelOnly { option, .. }
            | Violation::Requires { option, .. }
            | Violation::Excludes { option, .. }
            | Violation::NotOnLockedPriceList { option } => Some(option),
            Violation::ExactlyOne { options, .. } => options.first(),
            _ => None,
        }
    }
}

impl Catalog {
    /// Checks a configuration against every rule and fills in the defaults
    /// of "exactly one" families; collects every violation, not the first.
    pub fn validate(
        &self,
        market: &MarketCode,
        model: &ModelCode,
        options: &[OptionCode],
    ) -> Result<Configuration, Vec<Violation>> {
        let mut violations = Vec::new();
        let known_market = self.market(market).is_some();
        if !known_market {
            violations.push(Violation::UnknownMarket {
                market: market.clone(),
            });
        }
        match self.model(model) {
            None => violations.push(Violation::UnknownModel {
                model: model.clone(),
            }),
            Some(m) if known_market && !m.prices.contains_key(market) => {
                violations.push(Violation::ModelNotSoldInMarket {
                    model: model.clone(),
                    market: market.clone(),
                })
            }
            Some(_) => {}
        }

        let mut chosen = BTreeSet::new();
        for code in options {
            let Some(option) = self.option(code) else {
                violations.push(Violation::UnknownOption {
                    option: code.clone(),
                });
                continue;
            };
            if !chosen.insert(code.clone()) {
                violations.push(Violation::DuplicateOption {
                    option: code.clone(),
                });
                continue;
            }
            if !option.models.is_empty() && !option.models.contains(model) {
                violations.push(Violation::ModelOnly {
                    option: code.clone(),
                    models: option.models.clone(),
                });
            }
            if known_market && !option.prices.contains_key(market) {
                violations.push(Violation::OptionNotInMarket {
                    option: code.clone(),
                    market: market.clone(),
                });
            }
        }

        let mut resolved = chosen.clone();
        for family in self
            .families()
            .iter()
            .filter(|f| f.choice == Choice::ExactlyOne)
        {
            let picked: Vec<OptionCode> = chosen
                .iter()
                .filter(|o| self.option(o).is_some_and(|o| o.family == family.code))
                .cloned()
                .collect();
            match (picked.len(), &family.default) {
                (0, Some(default)) => {
                    resolved.insert(default.clone());
                }
                (0, None) => violations.push(Violation::MissingChoice {
                    family: family.code.clone(),
                }),
                (1, _) => {}
                _ => violations.push(Violation::ExactlyOne {
                    family: family.code.clone(),
                    options: picked,
                }),
            }
        }

        for code in &resolved {
            let Some(option) = self.option(code) else {
                continue;
            };
            for required in option.requires.iter().filter(|r| !resolved.contains(*r)) {
                violations.push(Violation::Requires {
                    option: code.clone(),
                    requires: required.clone(),
                });
            }
            for excluded in option.excludes.iter().filter(|e| resolved.contains(*e)) {
                violations.push(Violation::Excludes {
                    option: code.clone(),
                    excludes: excluded.clone(),
                });
            }
        }

        if violations.is_empty() {
            Ok(Configuration {
                model: model.clone(),
                options: resolved,
            })
        } else {
            Err(violations)
        }
    }
}
