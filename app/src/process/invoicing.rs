//! Invoicing: the OEM invoices the customer once the car is at the dealer,
//! with the next gapless number of the market-year
//! (`docs/decisions/0003-gapless-invoice-numbers.md`), and credits the
//! invoice of an order cancelled afterwards.
//!
//! Reacts to `OrderArrivedAtDealer`, `HandoverAppointmentBooked` (an order
//! matched to a car that already stood at its dealer is invoiced when its
//! handover is booked) and `OrderCancelled` by bringing the order's invoice
//! to where the order's history says it must be (issued; issued and
//! credited; or none for an order cancelled before a number was taken). The
//! issue date is the day of the arrival (or of that booking), a fact of the
//! log, so a
//! retry (even days later, or across New Year) asks the same register for
//! the same number, and a number once assigned always ends on a document:
//! validate, assign, issue, each a no-op when already done.

use async_trait::async_trait;
use domain::order::OrderEvent;
use domain::streams::AnyEvent;

use super::{Incoming, ProcessManager, ReactionError};
use crate::steps::invoicing;
use crate::Executor;

const ACTOR: &str = "process:invoicing";

/// The invoicing process manager.
pub struct InvoicingManager {
    exec: Executor,
}

impl InvoicingManager {
    /// The manager, running its commands with `exec`.
    pub fn new(exec: Executor) -> Self {
        InvoicingManager { exec }
    }
}

#[async_trait]
impl ProcessManager for InvoicingManager {
    fn name(&self) -> &'static str {
        ACTOR
    }

    async fn react(&self, incoming: &Incoming) -> Result<(), ReactionError> {
        let AnyEvent::Order(
            OrderEvent::ArrivedAtDealer { .. }
            | OrderEvent::HandoverBooked { .. }
            | OrderEvent::Cancelled { .. },
        ) = &incoming.event
        else {
            return Ok(());
        };
        let Some(order) = incoming.order() else {
            return Ok(());
        };
        let metadata = incoming.caused(ACTOR);
        invoicing::settle(&self.exec, order, &metadata).await?;
        Ok(())
    }
}
