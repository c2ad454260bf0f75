//! The public catalog as the configurator's template shows it: markets, models, the
//! places a car can be delivered to, and the option families with their options.

use domain::catalog::{Catalog, Choice};

pub struct MarketItem {
    pub code: String,
    pub name: String,
    pub currency: String,
}

pub struct ModelItem {
    pub code: String,
    pub name: String,
    pub plant: String,
}

pub struct PlaceItem {
    pub id: String,
    pub name: String,
    pub market: String,
}

pub struct OptionItem {
    pub code: String,
    pub name: String,
    /// `TERRA only · requires WHL-20 · excludes PKG-TOW`, or empty.
    pub hint: String,
    pub is_default: bool,
}

pub struct FamilyItem {
    pub code: String,
    pub name: String,
    /// Radio buttons (exactly one) or checkboxes (any).
    pub exactly_one: bool,
    pub options: Vec<OptionItem>,
}

/// The public part of the catalog, as the templates show it.
pub struct CatalogView {
    pub markets: Vec<MarketItem>,
    pub models: Vec<ModelItem>,
    pub dealers: Vec<PlaceItem>,
    pub plants: Vec<PlaceItem>,
    pub families: Vec<FamilyItem>,
}

impl CatalogView {
    pub(super) fn of(catalog: &Catalog) -> CatalogView {
        let list = |codes: &[domain::values::OptionCode]| {
            codes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let families = catalog
            .families()
            .iter()
            .map(|family| FamilyItem {
                code: family.code.to_string(),
                name: family.name.clone(),
                exactly_one: matches!(family.choice, Choice::ExactlyOne),
                options: catalog
                    .options()
                    .filter(|o| o.family == family.code)
                    .map(|o| {
                        let mut hints = Vec::new();
                        if !o.models.is_empty() {
                            let models: Vec<_> = o.models.iter().map(ToString::to_string).collect();
                            hints.push(format!("{} only", models.join(", ")));
                        }
                        if !o.requires.is_empty() {
                            hints.push(format!("requires {}", list(&o.requires)));
                        }
                        if !o.excludes.is_empty() {
                            hints.push(format!("excludes {}", list(&o.excludes)));
                        }
                        OptionItem {
                            code: o.code.to_string(),
                            name: o.name.clone(),
                            hint: hints.join(" · "),
                            is_default: family.default.as_ref() == Some(&o.code),
                        }
                    })
                    .collect(),
            })
            .collect();
        CatalogView {
            markets: catalog
                .markets()
                .map(|m| MarketItem {
                    code: m.code.to_string(),
                    name: m.name.clone(),
                    currency: m.currency.to_string(),
                })
                .collect(),
            models: catalog
                .models()
                .map(|m| ModelItem {
                    code: m.code.to_string(),
                    name: m.name.clone(),
                    plant: m.plant.to_string(),
                })
                .collect(),
            dealers: catalog
                .dealers()
                .map(|d| PlaceItem {
                    id: d.id.to_string(),
                    name: d.name.clone(),
                    market: d.market.to_string(),
                })
                .collect(),
            plants: catalog
                .plants()
                .map(|p| PlaceItem {
                    id: p.id.to_string(),
                    name: p.name.clone(),
                    market: p.market.to_string(),
                })
                .collect(),
            families,
        }
    }
}
