//! Sold: an order placed for a lead's customer at its dealer makes the lead S.
//!
//! Reacts to `OrderPlaced`. The order that names its lead sells that lead (when the lead is
//! at the order's delivering or selling dealer); an order naming none sells the customer's
//! open leads at those dealers that existed before the order (as the leads view knows them
//! once it has seen the order's position; a lead opened later is new interest, and a replay
//! must sell exactly what the first pass sold). A lead is sold once: the same order again (a redelivered event) finds it done
//! and does nothing; a lead already sold with another order is left as it is.

use std::sync::Arc;

use async_trait::async_trait;
use domain::lead::{Lead, LeadCommand};
use domain::order::OrderEvent;
use domain::streams::AnyEvent;
use domain::values::{DealerId, LeadId, OrderId};

use super::{Incoming, Lane, ProcessManager, ReactionError};
use crate::steps::{began_at, load, run};
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

    /// One customer's orders in log order (they may sell the same lead), different
    /// customers' at once.
    fn lane(&self, incoming: &Incoming) -> Lane {
        match &incoming.event {
            AnyEvent::Order(OrderEvent::Placed { customer, .. }) => Lane::key(customer),
            _ => Lane::stream(&incoming.record.stream_id),
        }
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
                let at = incoming.record.position;
                let mut open = Vec::new();
                for dealer in &dealers {
                    for lead in self.leads.open_leads_of(at, customer, dealer).await? {
                        // Only leads that existed when the order was placed: a lead opened
                        // afterwards (a test drive booked online after the sale) is new
                        // interest, and a replay must decide exactly what the first pass did.
                        if began_at::<Lead>(&self.exec, &lead)
                            .await?
                            .is_some_and(|p| p < at)
                        {
                            open.push(lead);
                        }
                    }
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
