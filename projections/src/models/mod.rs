//! The read models: one [`Projection`] per model, each with the documents it writes. (An
//! order's history timeline is not a read model: it is read from the order's own streams.)
//!
//! | projection | collections (key; tags) | serves |
//! |---|---|---|
//! | [`orders`] | `orders` (order; dealer, customer, status), `orders_sold` (order; selling dealer), `order_vehicles` (vehicle), `kpi_markets` (market) | order tracker, order list, dealer board, KPIs ([`kpis`]) |
//! | [`stock`] | `vehicles` (vehicle; location, status, market/model), `location_stock` (location) | stock by location, stock summary, supply for fulfilment |
//! | [`capacity`] | `slots` (plant/week; plant) | slot capacity, supply for fulfilment |
//! | [`customers`] | `customers` (customer; dealer of origin, survivor, state), `customer_dealers` (dealer/customer; dealer, customer) | customer 360, a dealer's customers, names |
//! | [`finance`] | `invoices` (number; order, customer, status), `commission_lines` (dealer/month/order; dealer/month) | invoices, commission statements |
//! | [`leads`] | `leads` (lead; dealer, customer, `unanswered`/`answered`/`closed`) | a lead, a dealer's and a customer's leads, the 2-hour answer's clock, CRM KPIs ([`crm_kpis`]) |
//! | [`promises`] | `promises` (order; dealer, customer, market), `promise_kpis` (`market/…`, `dealer/…`, `model/…`; kind) | what an order promised as of a date, first ETA against arrival, compensation; promise KPIs by plant, dealer, market |
//! | [`messages`] | `messages` (message; customer, webhook, status), `webhooks` (webhook; active), `dealer_staff` (user; dealer, manager/staff/inactive), `reminders` (kind/fact; pending) | the outbox the sender reads, a customer's messages, an endpoint's deliveries, who dealer messages go to, clock-driven messages |
//! | [`test_drives`] | `test_drives` (drive; dealer, customer, dealer/local date) | a drive, a dealer's day, a customer's drives, CRM KPIs |
//! | [`staff`] | `staff` (user; dealer) | an outlet's staff, by name, for assigning leads |

pub mod capacity;
pub mod crm_kpis;
pub mod customers;
mod fields;
pub mod finance;
pub mod kpis;
pub mod leads;
pub mod messages;
pub mod orders;
pub mod promises;
pub mod staff;
pub mod stock;
pub mod test_drives;

use std::sync::Arc;

use domain::values::OrderId;

use crate::error::ProjectionError;
use crate::projection::{Envelope, Projection};

/// Every read model the engine keeps, in the order the runner applies them.
pub fn all_projections() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(orders::OrdersProjection),
        Arc::new(stock::StockProjection),
        Arc::new(capacity::CapacityProjection),
        Arc::new(finance::FinanceProjection),
        Arc::new(customers::CustomersProjection),
        Arc::new(leads::LeadsProjection),
        Arc::new(test_drives::TestDrivesProjection),
        Arc::new(promises::PromisesProjection),
        Arc::new(messages::MessagesProjection),
        Arc::new(staff::StaffProjection),
    ]
}

/// The order an event of an `order-{id}` stream belongs to.
pub(crate) fn order_of(envelope: &Envelope<'_>) -> Result<OrderId, ProjectionError> {
    envelope
        .id
        .order()
        .ok_or_else(|| envelope.inconsistent("an order event outside an order stream"))
}
