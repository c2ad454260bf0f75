//! Whose orders a caller may act on, decided on the order the command is
//! decided on.
//!
//! The API knows the caller (a role, a customer or a dealer); the use case
//! knows the order. Handing the caller's [`Scope`] to the use case lets it
//! authorize on the very state the executor decides the command on: one
//! load, and no window between "may act" and "acts".

use domain::order::{Order, PlacedOrder};
use domain::values::{CustomerId, DealerId, OrderId};

use crate::rejection::ServiceError;
use crate::CommandError;

/// Whose orders a caller may act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Any order (a role allowed everything, a process, the demo).
    AnyOrder,
    /// Only the orders this person owns (under any of its ids: a merged
    /// duplicate's orders are the survivor's) or this dealer delivers
    /// (either may be absent: a customer has no dealer, and a use case may
    /// leave a party out).
    OwnOrders {
        customers: Vec<CustomerId>,
        dealer: Option<DealerId>,
    },
}

impl Scope {
    /// Whether the scope covers `order`.
    pub fn covers(&self, order: &PlacedOrder) -> bool {
        match self {
            Scope::AnyOrder => true,
            Scope::OwnOrders { customers, dealer } => {
                customers.contains(&order.customer) || dealer.as_ref() == Some(&order.dealer)
            }
        }
    }

    /// The placed order in `state` if the scope covers it;
    /// [`CommandError::NotFound`] for an order never placed,
    /// [`CommandError::NotYours`] for someone else's.
    pub(crate) fn admit<'o>(
        &self,
        state: &'o Order,
        order: OrderId,
    ) -> Result<&'o PlacedOrder, ServiceError> {
        let placed = state
            .placed()
            .ok_or_else(|| CommandError::NotFound(format!("order {order}")))?;
        if self.covers(placed) {
            Ok(placed)
        } else {
            Err(CommandError::NotYours(format!("order {order}")))
        }
    }
}
