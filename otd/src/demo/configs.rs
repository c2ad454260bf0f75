//! The configurations simulated customers choose: random valid ones, a few
//! popular ones per market and model (what the stock is built in, so that
//! locate-to-order finds matches), and broken ones the rules refuse.
//!
//! Everything is derived from the catalog, so the demo runs on another
//! catalog file too. Valid configurations are checked with
//! [`Catalog::validate`] as a configurator would before offering them;
//! broken ones are sent to the engine as they are, to be refused there.

use std::collections::BTreeMap;

use domain::catalog::{Catalog, CatalogOption, Choice};
use domain::values::{MarketCode, ModelCode, OptionCode};
use rand::rngs::StdRng;
use rand::Rng;

/// Popular configurations per market and model.
const POPULAR: usize = 3;
/// How often a generator tries before it gives up on a shape.
const TRIES: usize = 20;

/// The configurations customers and stock planners choose from.
pub(super) struct Configs {
    popular: BTreeMap<(MarketCode, ModelCode), Vec<Vec<OptionCode>>>,
}

impl Configs {
    /// Draws the popular configurations of every model in every market.
    pub fn new(catalog: &Catalog, rng: &mut StdRng) -> Self {
        let mut popular = BTreeMap::new();
        for (market, model) in offers(catalog) {
            let mut list: Vec<Vec<OptionCode>> = Vec::new();
            for _ in 0..TRIES {
                if list.len() == POPULAR {
                    break;
                }
                let options = valid(catalog, rng, &market, &model);
                if !list.contains(&options) {
                    list.push(options);
                }
            }
            popular.insert((market, model), list);
        }
        Configs { popular }
    }

    /// One of the popular configurations of `model` in `market` (a random
    /// valid one if there are none).
    pub fn popular(
        &self,
        catalog: &Catalog,
        rng: &mut StdRng,
        market: &MarketCode,
        model: &ModelCode,
    ) -> Vec<OptionCode> {
        match self.popular.get(&(market.clone(), model.clone())) {
            Some(list) if !list.is_empty() => list[rng.random_range(0..list.len())].clone(),
            _ => valid(catalog, rng, market, model),
        }
    }
}

/// Every (market, model) the catalog sells, in catalog order.
pub(super) fn offers(catalog: &Catalog) -> Vec<(MarketCode, ModelCode)> {
    let mut out = Vec::new();
    for market in catalog.markets() {
        for model in catalog.models() {
            if model.prices.contains_key(&market.code) {
                out.push((market.code.clone(), model.code.clone()));
            }
        }
    }
    out
}

/// The options of `family` offered on `model` in `market`.
fn family_options<'c>(
    catalog: &'c Catalog,
    family: &domain::values::FamilyCode,
    market: &MarketCode,
    model: &ModelCode,
) -> Vec<&'c CatalogOption> {
    catalog
        .options()
        .filter(|o| &o.family == family)
        .filter(|o| o.models.is_empty() || o.models.contains(model))
        .filter(|o| o.prices.contains_key(market))
        .collect()
}

/// A random valid configuration with every option spelt out (defaults
/// included); the model's defaults alone when no draw is valid.
pub(super) fn valid(
    catalog: &Catalog,
    rng: &mut StdRng,
    market: &MarketCode,
    model: &ModelCode,
) -> Vec<OptionCode> {
    for _ in 0..TRIES {
        let mut options = Vec::new();
        for family in catalog.families() {
            let offered = family_options(catalog, &family.code, market, model);
            match family.choice {
                Choice::ExactlyOne => {
                    let default = family
                        .default
                        .as_ref()
                        .filter(|d| offered.iter().any(|o| &o.code == *d));
                    match default {
                        Some(d) if rng.random_bool(0.4) => options.push(d.clone()),
                        _ if !offered.is_empty() => {
                            options.push(offered[rng.random_range(0..offered.len())].code.clone())
                        }
                        _ => {}
                    }
                }
                Choice::Any => {
                    for option in offered {
                        if rng.random_bool(0.3) {
                            options.push(option.code.clone());
                        }
                    }
                }
            }
        }
        if let Ok(configuration) = catalog.validate(market, model, &options) {
            return configuration.options.into_iter().collect();
        }
    }
    catalog
        .validate(market, model, &[])
        .map(|c| c.options.into_iter().collect())
        .unwrap_or_default()
}

/// A configuration the rules refuse: a valid one broken in one of the ways
/// customers break them (two paints, an option of another model, a package
/// without what it requires, two packages that exclude each other).
pub(super) fn broken(
    catalog: &Catalog,
    rng: &mut StdRng,
    market: &MarketCode,
    model: &ModelCode,
) -> Vec<OptionCode> {
    let base = valid(catalog, rng, market, model);
    let mut options = base.clone();
    for _ in 0..TRIES {
        options = base.clone();
        match rng.random_range(0..4) {
            0 => {
                // A second option of an "exactly one" family.
                let families: Vec<_> = catalog
                    .families()
                    .iter()
                    .filter(|f| f.choice == Choice::ExactlyOne)
                    .collect();
                if let Some(family) = families.get(rng.random_range(0..families.len().max(1))) {
                    let offered = family_options(catalog, &family.code, market, model);
                    let extra: Vec<_> = offered
                        .iter()
                        .filter(|o| !options.contains(&o.code))
                        .collect();
                    if let Some(o) = extra.get(rng.random_range(0..extra.len().max(1))) {
                        options.push(o.code.clone());
                    }
                }
            }
            1 => {
                // An option of another model.
                let foreign: Vec<_> = catalog
                    .options()
                    .filter(|o| !o.models.is_empty() && !o.models.contains(model))
                    .collect();
                if let Some(o) = foreign.get(rng.random_range(0..foreign.len().max(1))) {
                    options.push(o.code.clone());
                }
            }
            2 => {
                // An option without what it requires.
                let needy: Vec<_> = catalog
                    .options()
                    .filter(|o| !o.requires.is_empty())
                    .collect();
                if let Some(o) = needy.get(rng.random_range(0..needy.len().max(1))) {
                    options.retain(|c| !o.requires.contains(c));
                    if !options.contains(&o.code) {
                        options.push(o.code.clone());
                    }
                }
            }
            _ => {
                // Two options that exclude each other.
                let exclusive: Vec<_> = catalog
                    .options()
                    .filter(|o| !o.excludes.is_empty())
                    .collect();
                if let Some(o) = exclusive.get(rng.random_range(0..exclusive.len().max(1))) {
                    for c in std::iter::once(&o.code).chain(o.excludes.iter().take(1)) {
                        if !options.contains(c) {
                            options.push(c.clone());
                        }
                    }
                }
            }
        }
        if catalog.validate(market, model, &options).is_err() {
            return options;
        }
    }
    options
}

/// The order's configuration with one choice changed (another option of an
/// "exactly one" family, or a package added or removed), if a valid change
/// exists.
pub(super) fn amended(
    catalog: &Catalog,
    rng: &mut StdRng,
    market: &MarketCode,
    model: &ModelCode,
    current: &[OptionCode],
) -> Option<Vec<OptionCode>> {
    let families = catalog.families();
    if families.is_empty() {
        return None;
    }
    for _ in 0..TRIES {
        let family = &families[rng.random_range(0..families.len())];
        let offered = family_options(catalog, &family.code, market, model);
        if offered.is_empty() {
            continue;
        }
        let option = &offered[rng.random_range(0..offered.len())].code;
        let mut options: Vec<OptionCode> = current.to_vec();
        match family.choice {
            Choice::ExactlyOne => {
                options.retain(|c| !offered.iter().any(|o| &o.code == c));
                options.push(option.clone());
            }
            Choice::Any => {
                if options.contains(option) {
                    options.retain(|c| c != option);
                } else {
                    options.push(option.clone());
                }
            }
        }
        if let Ok(configuration) = catalog.validate(market, model, &options) {
            let options: Vec<OptionCode> = configuration.options.into_iter().collect();
            let mut before = current.to_vec();
            before.sort();
            if options != before {
                return Some(options);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn valid_configurations_are_valid_and_broken_ones_are_not() {
        let catalog = Catalog::demo();
        let mut rng = StdRng::seed_from_u64(7);
        for (market, model) in offers(&catalog) {
            for _ in 0..50 {
                let ok = valid(&catalog, &mut rng, &market, &model);
                assert!(catalog.validate(&market, &model, &ok).is_ok(), "{ok:?}");
                let bad = broken(&catalog, &mut rng, &market, &model);
                assert!(catalog.validate(&market, &model, &bad).is_err(), "{bad:?}");
                if let Some(changed) = amended(&catalog, &mut rng, &market, &model, &ok) {
                    assert!(catalog.validate(&market, &model, &changed).is_ok());
                    assert_ne!(changed, ok);
                }
            }
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_configurations() {
        let catalog = Catalog::demo();
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            let configs = Configs::new(&catalog, &mut rng);
            offers(&catalog)
                .iter()
                .map(|(market, model)| configs.popular(&catalog, &mut rng, market, model))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
    }
}
