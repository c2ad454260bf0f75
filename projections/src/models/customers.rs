//! Customers: one document per customer (its sealed profile, never in clear: views open it
//! at read time), and which dealers know which customers (a dealer sees the customers it
//! registered, sold to or delivers to).

use chrono::{DateTime, Utc};
use domain::customer::{Channel, ConsentChange, CustomerEvent};
use domain::order::OrderEvent;
use domain::streams::{Aggregate, AnyEvent, AnyId};
use domain::values::{CustomerId, DealerId, Language, MarketCode, Sealed};
use serde::{Deserialize, Serialize};

use crate::docs::Docs;
use crate::document::{Document, Tags};
use crate::error::ProjectionError;
use crate::projection::{Envelope, Projection};

/// One customer.
///
/// Collection `customers`, key: the customer id; tag 1: the dealer of origin, tag 2: the
/// survivor it was merged into, tag 3: `active`, `merged` or `erased`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDoc {
    pub customer_id: CustomerId,
    /// The sealed profile; dropped when the customer is erased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Sealed>,
    pub language: Language,
    pub market: MarketCode,
    pub channel: Channel,
    /// The last recorded marketing consent per channel.
    pub consents: Vec<ConsentChange>,
    pub account: bool,
    pub verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<CustomerId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absorbed: Vec<CustomerId>,
    pub erased: bool,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CustomerDoc {
    /// `active`, `merged` or `erased`.
    pub fn state(&self) -> &'static str {
        if self.erased {
            "erased"
        } else if self.merged_into.is_some() {
            "merged"
        } else {
            "active"
        }
    }
}

impl Document for CustomerDoc {
    const COLLECTION: &'static str = "customers";

    fn tags(&self) -> Tags {
        Tags::new(
            self.channel.dealer().map(ToString::to_string),
            self.merged_into.as_ref().map(ToString::to_string),
            Some(self.state().to_owned()),
        )
    }
}

/// A dealer knows a customer: registered it, sold it a car or delivers one.
///
/// Collection `customer_dealers`, key: `DEALER/CUSTOMER`; tag 1: the dealer, tag 2: the
/// customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerLink {
    pub dealer: DealerId,
    pub customer: CustomerId,
    pub since: DateTime<Utc>,
    /// Orders the dealer sold or delivers to the customer.
    pub orders: u32,
}

impl CustomerLink {
    pub fn key(dealer: &DealerId, customer: &CustomerId) -> String {
        format!("{dealer}/{customer}")
    }
}

impl Document for CustomerLink {
    const COLLECTION: &'static str = "customer_dealers";

    fn tags(&self) -> Tags {
        Tags::new(
            Some(self.dealer.to_string()),
            Some(self.customer.to_string()),
            None,
        )
    }
}

/// The `customers` projection.
#[derive(Debug, Clone, Copy, Default)]
pub struct CustomersProjection;

impl Projection for CustomersProjection {
    fn name(&self) -> &'static str {
        "customers"
    }

    fn version(&self) -> u32 {
        // 2: a lead or a test drive links its dealer to the customer.
        2
    }

    fn collections(&self) -> &'static [&'static str] {
        &["customers", "customer_dealers"]
    }

    fn categories(&self) -> &'static [&'static str] {
        &[
            <domain::customer::Customer as Aggregate>::CATEGORY,
            <domain::order::Order as Aggregate>::CATEGORY,
            <domain::lead::Lead as Aggregate>::CATEGORY,
            <domain::test_drive::TestDriveDay as Aggregate>::CATEGORY,
        ]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        match (envelope.id, envelope.event) {
            (AnyId::Customer(customer), AnyEvent::Customer(event)) => {
                apply_customer(envelope, customer, event, docs)
            }
            (
                _,
                AnyEvent::Order(OrderEvent::Placed {
                    customer,
                    dealer,
                    selling_dealer,
                    ..
                }),
            ) => {
                link(docs, dealer, customer, envelope.occurred_at, 1)?;
                if let Some(seller) = selling_dealer.as_ref().filter(|s| *s != dealer) {
                    link(docs, seller, customer, envelope.occurred_at, 1)?;
                }
                Ok(())
            }
            // The dealer a person showed interest at, or booked a drive with, knows them.
            (
                _,
                AnyEvent::Lead(domain::lead::LeadEvent::Created {
                    customer, dealer, ..
                }),
            ) => link(docs, dealer, customer, envelope.occurred_at, 0),
            (_, AnyEvent::TestDrive(domain::test_drive::TestDriveEvent::Booked { drive, .. })) => {
                link(
                    docs,
                    &drive.dealer,
                    &drive.customer,
                    envelope.occurred_at,
                    0,
                )
            }
            _ => Ok(()),
        }
    }
}

fn link(
    docs: &mut Docs<'_>,
    dealer: &DealerId,
    customer: &CustomerId,
    at: DateTime<Utc>,
    orders: u32,
) -> Result<(), ProjectionError> {
    let link = docs.get_or_insert_with(&CustomerLink::key(dealer, customer), || CustomerLink {
        dealer: dealer.clone(),
        customer: customer.clone(),
        since: at,
        orders: 0,
    })?;
    link.orders = link.orders.saturating_add(orders);
    Ok(())
}

fn apply_customer(
    envelope: &Envelope<'_>,
    customer: &CustomerId,
    event: &CustomerEvent,
    docs: &mut Docs<'_>,
) -> Result<(), ProjectionError> {
    let at = envelope.occurred_at;
    if let CustomerEvent::Registered {
        profile,
        language,
        market,
        channel,
        consents,
        ..
    } = event
    {
        docs.insert(
            customer.as_str(),
            CustomerDoc {
                customer_id: customer.clone(),
                profile: Some(profile.clone()),
                language: *language,
                market: market.clone(),
                channel: channel.clone(),
                consents: consents.clone(),
                account: false,
                verified: false,
                merged_into: None,
                absorbed: Vec::new(),
                erased: false,
                registered_at: at,
                updated_at: at,
            },
        )?;
        if let Some(dealer) = channel.dealer() {
            link(docs, dealer, customer, at, 0)?;
        }
        return Ok(());
    }
    let Some(doc) = docs.get_mut::<CustomerDoc>(customer.as_str())? else {
        return Err(envelope.inconsistent("a customer event before its registration"));
    };
    doc.updated_at = at;
    match event {
        CustomerEvent::Registered { .. } => {}
        CustomerEvent::ProfileChanged {
            profile, language, ..
        } => {
            doc.profile = Some(profile.clone());
            doc.language = *language;
        }
        CustomerEvent::ConsentsChanged { changes } => {
            for change in changes {
                doc.consents.retain(|c| c.channel != change.channel);
                doc.consents.push(*change);
            }
            doc.consents.sort_by_key(|c| c.channel);
        }
        CustomerEvent::AccountOpened { .. } => doc.account = true,
        CustomerEvent::EmailVerified { .. } => doc.verified = true,
        CustomerEvent::PasswordChanged { .. }
        | CustomerEvent::VerificationRequested { .. }
        | CustomerEvent::PasswordResetRequested { .. } => {}
        CustomerEvent::MergedInto { survivor, .. } => doc.merged_into = Some(survivor.clone()),
        CustomerEvent::Absorbed { duplicate, .. } => {
            if !doc.absorbed.contains(duplicate) {
                doc.absorbed.push(duplicate.clone());
            }
        }
        CustomerEvent::Erased { .. } => {
            doc.erased = true;
            doc.profile = None;
        }
    }
    Ok(())
}
