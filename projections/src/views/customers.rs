//! Customers as their views read them: one customer, a dealer's customers, and whether a
//! dealer knows a customer. Profiles stay sealed here; the API opens them.

use domain::values::{CustomerId, DealerId};
use store::Position;

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::customers::{CustomerDoc, CustomerLink};

impl ReadModels {
    /// One customer's document.
    pub async fn customer(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<CustomerDoc>, ReadModelError> {
        self.get::<CustomerDoc>(customer.to_string()).await
    }

    /// The documents of `customers` that exist, in the order asked.
    pub async fn customers(
        &self,
        customers: &[CustomerId],
    ) -> Result<Vec<CustomerDoc>, ReadModelError> {
        self.get_all::<CustomerDoc>(customers.iter().map(ToString::to_string).collect())
            .await
    }

    /// Every customer `dealer` registered, sold to or delivers to, by id.
    pub async fn customers_of_dealer(
        &self,
        dealer: &DealerId,
    ) -> Result<Vec<CustomerDoc>, ReadModelError> {
        let links = self
            .find::<CustomerLink>(DocQuery::all().tag(0, dealer.as_str()))
            .await?;
        let ids: Vec<CustomerId> = links.into_iter().map(|l| l.customer).collect();
        self.customers(&ids).await
    }

    /// Every customer (planners and admins search them all), by id.
    pub async fn all_customers(&self) -> Result<Vec<CustomerDoc>, ReadModelError> {
        self.find::<CustomerDoc>(DocQuery::all()).await
    }

    /// The customer documents changed after `position`, each with its position (what a
    /// reader that saw every document up to `position` has to read again).
    pub async fn customers_changed_after(
        &self,
        position: Position,
    ) -> Result<Vec<(Position, CustomerDoc)>, ReadModelError> {
        self.find_with_positions::<CustomerDoc>(DocQuery::all().changed_after(position))
            .await
    }

    /// Every erased customer's id.
    pub async fn erased_customers(&self) -> Result<Vec<CustomerId>, ReadModelError> {
        let docs = self
            .find::<CustomerDoc>(DocQuery::all().tag(2, "erased"))
            .await?;
        Ok(docs.into_iter().map(|d| d.customer_id).collect())
    }

    /// Whether `dealer` knows `customer` (registered it, sold to or delivers to it).
    pub async fn dealer_knows(
        &self,
        dealer: &DealerId,
        customer: &CustomerId,
    ) -> Result<bool, ReadModelError> {
        Ok(self
            .get::<CustomerLink>(CustomerLink::key(dealer, customer))
            .await?
            .is_some())
    }
}
