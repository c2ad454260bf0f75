//! The delivery estimate before ordering: what fulfilment would decide for a
//! configuration today, from the same supply it reads and the same policy
//! ([`decide_fulfilment`]), so the configurator never guesses on its own.

use chrono::NaiveDate;
use domain::catalog::Configuration;
use domain::policy::{decide_fulfilment, Demand, FulfilmentDecision, SlotAvailability, StockUnit};
use domain::values::{DealerId, MarketCode, OrderId};
use store::Position;

use crate::{Executor, SupplyView, ViewError};

/// The stock of `demand`'s market and model and the open weeks of the
/// model's plant, as the supply read models hold them at `at`: what
/// fulfilment chooses from.
pub(super) async fn supply_for(
    exec: &Executor,
    supply: &dyn SupplyView,
    at: Position,
    demand: &Demand,
) -> Result<(Vec<StockUnit>, Vec<SlotAvailability>), ViewError> {
    let model = &demand.configuration.model;
    let stock = supply.stock(at, &demand.market, model).await?;
    let slots = match exec.catalog().model(model) {
        Some(m) => supply.slots(at, &m.plant).await?,
        None => Vec::new(),
    };
    Ok((stock, slots))
}

/// Why an estimate could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EstimateError {
    /// The store's head could not be read.
    #[error("the event store cannot be read: {0}")]
    Store(#[from] store::StoreError),
    /// The supply read models did not answer.
    #[error(transparent)]
    View(#[from] ViewError),
}

/// What fulfilment would decide today for an order of `configuration` in
/// `market`, delivered by `dealer`, placed now, with the business day it was
/// decided on: the supply is read at the log's head (the read models caught
/// up to it), the day is the executor's clock. An order placed right after
/// gets the same decision unless supply changes in between (another order
/// takes the car or the week).
pub async fn estimate_fulfilment(
    exec: &Executor,
    supply: &dyn SupplyView,
    market: MarketCode,
    configuration: Configuration,
    dealer: DealerId,
) -> Result<(NaiveDate, FulfilmentDecision), EstimateError> {
    let at = exec.store().head().await?;
    let demand = Demand {
        // No order exists yet; the policy never looks at the id.
        order: OrderId::derived("estimate"),
        market,
        configuration,
        dealer,
    };
    let (stock, slots) = supply_for(exec, supply, at, &demand).await?;
    let today = exec.clock().today();
    let decision = decide_fulfilment(&demand, &stock, &slots, today, exec.catalog());
    Ok((today, decision))
}
