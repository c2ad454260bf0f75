//! Sold: an order placed for a lead's customer at its dealer makes the lead S.
//!
//! Reacts to `OrderPlaced`. The order that names its lead sells that lead (when the lead is
//! at the order's delivering or selling dealer); an order naming none sells the customer's
//! open leads at those dealers (as the leads view knows them once it has seen the order's
//! position). A lead is sold once: the same order again (a redelivered event) finds it done
//! and does nothing; a lead already sold with another order is left as it is.

use std::sync::Arc;

use async_trait::async_trait;
use domain::lead::{Lead, LeadCommand};
use domain::order::OrderEvent;
use domain::streams::AnyEvent;
use domain::values::{DealerId, LeadId, OrderId};

use super::{Incoming, ProcessManager, ReactionError};
use crate::steps::{load, run};
use crate::{Executor, LeadsView};

const ACTOR: &str = "process:sold";

/// The sold process manager.
pub struct SoldManager {
    exec: Executor,
    leads: Arc<dyn LeadsView>,
}

impl SoldManager {
    /// The manager, running its commands with `exec` and finding a customer's open leads
    /// in `leads`.
    pub fn new(exec: Executor, leads: Arc<dyn LeadsView>) -> Self {
        SoldManager { exec, leads }
    }

    /// Marks `lead` sold with `order` unless it is missing, at another dealer, or sold
    /// already.
    async fn sell(
        &self,
        lead: LeadId,
        order: OrderId,
        dealers: &[&DealerId],
        incoming: &Incoming,
    ) -> Result<(), ReactionError> {
        let state = load::<Lead>(&self.exec, &lead).await?;
        let here = state.dealer().is_some_and(|d| dealers.contains(&d));
        if !here || state.sold_with().is_some() {
            return Ok(());
        }
        run::<Lead>(&self.exec, &lead, &incoming.caused(ACTOR), |_| {
            LeadCommand::MarkSold { order }
        })
        .await?;
        Ok(())
    }
}

#[async_trait]
impl ProcessManager for SoldManager {
    fn name(&self) -> &'static str {
        ACTOR
    }

    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError> {
        let AnyEvent::Order(OrderEvent::Placed {
            customer,
            dealer,
            selling_dealer,
            lead,
            ..
        }) = &incoming.event
        else {
            return Ok(());
        };
        let Some(order) = incoming.order() else {
            return Ok(());
        };
        let mut dealers = vec![dealer];
        if let Some(seller) = selling_dealer.as_ref().filter(|s| *s != dealer) {
            dealers.push(seller);
        }
        let leads = match lead {
            Some(lead) => vec![*lead],
            None => {
                let mut open = Vec::new();
                for dealer in &dealers {
                    let at = incoming.record.position;
                    open.extend(self.leads.open_leads_of(at, customer, dealer).await?);
                }
                open
            }
        };
        for lead in leads {
            self.sell(lead, order, &dealers, incoming).await?;
        }
        Ok(())
    }
}
