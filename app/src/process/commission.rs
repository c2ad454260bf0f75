//! Commission: the dealer (the OEM's agent) earns on handover.
//!
//! Reacts to `OrderDelivered` with `Accrue` on the statement of the order's
//! dealer for the month of the handover (`commission-{dealer}-{month}`).
//! The statement accrues an order once: the same accrual again (a
//! redelivered event) is a no-op, so commission accrues exactly once per
//! delivered order, and never for a cancelled one (only a handover
//! accrues).

use async_trait::async_trait;
use domain::commission::{CommissionCommand, CommissionStatement};
use domain::order::{Order, OrderEvent};
use domain::streams::AnyEvent;
use domain::values::{CommissionKey, Month};

use super::{Incoming, ProcessManager, ReactionError};
use crate::steps::{load, run};
use crate::{CommandError, Executor};

const ACTOR: &str = "process:commission";

/// The commission process manager.
pub struct CommissionManager {
    exec: Executor,
}

impl CommissionManager {
    /// The manager, running its commands with `exec`.
    pub fn new(exec: Executor) -> Self {
        CommissionManager { exec }
    }
}

#[async_trait]
impl ProcessManager for CommissionManager {
    fn name(&self) -> &'static str {
        ACTOR
    }

    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError> {
        let AnyEvent::Order(OrderEvent::Delivered {
            delivered_at,
            net_price,
            ..
        }) = &incoming.event
        else {
            return Ok(());
        };
        let Some(order) = incoming.order() else {
            return Ok(());
        };
        let state = load::<Order>(&self.exec, &order).await?;
        let Some(o) = state.placed() else {
            return Err(CommandError::NotFound(format!("order {order}")).into());
        };
        let delivered_on = delivered_at.date_naive();
        let month = Month::containing(delivered_on);
        let metadata = incoming.caused(ACTOR);
        let statement = CommissionKey::new(o.dealer.clone(), month);
        run::<CommissionStatement>(&self.exec, &statement, &metadata, |_| {
            CommissionCommand::Accrue {
                dealer: o.dealer.clone(),
                month,
                order,
                market: o.market.clone(),
                net_price: *net_price,
                delivered_on,
            }
        })
        .await?;
        Ok(())
    }
}
