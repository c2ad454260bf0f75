//! Customers made up for tests, demos and benchmarks: real registrations through
//! [`People::register`] with an invented name and address.

use domain::customer::{Channel, ConsentChoice};
use domain::values::{CustomerId, Email, Language, MarketCode, PersonName};
use store::Metadata;

use super::{NewCustomer, People, Profile};
use crate::rejection::ServiceError;

impl NewCustomer {
    /// Customer `id` of `market`, named after its id (`Customer C-1001`, e-mail
    /// `c-1001@customers.example`), registered online without an account.
    pub fn example(id: &CustomerId, market: &MarketCode) -> NewCustomer {
        let slug = id.as_str().to_lowercase();
        NewCustomer {
            customer: id.clone(),
            profile: Profile {
                name: PersonName::parse(&format!("Customer {id}"))
                    .unwrap_or_else(|_| unreachable!("a customer id makes a name")),
                email: Email::parse(&format!("{slug}@customers.example"))
                    .unwrap_or_else(|_| unreachable!("a customer id makes an address")),
                phone: None,
                billing_address: None,
            },
            language: if market.as_str() == "CN" {
                Language::Zh
            } else {
                Language::De
            },
            market: market.clone(),
            consents: ConsentChoice::default(),
            channel: Channel::Online,
            password: None,
        }
    }
}

impl People {
    /// Registers each of `ids` as [`NewCustomer::example`] of `market` (those already
    /// registered stay as they are).
    pub async fn register_examples(
        &self,
        ids: &[CustomerId],
        market: &MarketCode,
        metadata: &Metadata,
    ) -> Result<(), ServiceError> {
        for id in ids {
            self.register(NewCustomer::example(id, market), metadata)
                .await?;
        }
        Ok(())
    }
}
