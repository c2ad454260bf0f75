//! Shapes shared by the routes' bodies.

use domain::catalog::Price;
use serde::Serialize;
use utoipa::ToSchema;

pub use super::catalog::MoneyView;

/// Net, VAT and gross.
#[derive(Debug, Serialize, ToSchema)]
pub struct PriceView {
    pub net: MoneyView,
    pub vat: MoneyView,
    pub gross: MoneyView,
}

impl From<Price> for PriceView {
    fn from(p: Price) -> Self {
        PriceView {
            net: p.net.into(),
            vat: p.vat.into(),
            gross: p.gross.into(),
        }
    }
}
