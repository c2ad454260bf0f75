//! Identities of the things the engine creates: orders, vehicles, shipments,
//! payments, leads. UUIDs, so that process managers can derive them
//! deterministically (UUID v5) and a retried command names the same thing.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why an id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind} (a UUID)")]
pub struct IdError {
    pub kind: &'static str,
    pub value: String,
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub const fn from_uuid(id: Uuid) -> Self {
                $name(id)
            }

            /// A name-based id: the same `name` always gives the same id.
            pub fn derived(name: &str) -> Self {
                $name(Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("{}:{}", $kind, name).as_bytes()))
            }

            pub fn parse(s: &str) -> Result<Self, IdError> {
                Uuid::parse_str(s).map($name).map_err(|_| IdError {
                    kind: $kind,
                    value: s.chars().take(60).collect(),
                })
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
    };
}

uuid_id!(
    /// A configured order.
    OrderId,
    "order id"
);
uuid_id!(
    /// A vehicle: a stock unit or a build.
    VehicleId,
    "vehicle id"
);
uuid_id!(
    /// A shipment of one vehicle from one location to another.
    ShipmentId,
    "shipment id"
);
uuid_id!(
    /// A payment recorded against an invoice.
    PaymentId,
    "payment id"
);
uuid_id!(
    /// A lead: a person's interest in a model at a dealer.
    LeadId,
    "lead id"
);
uuid_id!(
    /// A message to one recipient about one fact (derived: see
    /// `domain::message::MessageId`-making in [`crate::message::message_id`]).
    MessageId,
    "message id"
);
uuid_id!(
    /// A webhook endpoint registered by an admin.
    WebhookId,
    "webhook id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_distinct_per_kind() {
        assert_eq!(OrderId::derived("x"), OrderId::derived("x"));
        assert_ne!(
            OrderId::derived("x").as_uuid(),
            VehicleId::derived("x").as_uuid()
        );
    }

    #[test]
    fn a_malformed_id_is_a_typed_error() {
        assert!(OrderId::parse("not-a-uuid").is_err());
        let id = OrderId::derived("a");
        assert_eq!(OrderId::parse(&id.to_string()), Ok(id));
    }
}
