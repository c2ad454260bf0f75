//! Fixtures of the people aggregates: ids, sealed values, claims.

use chrono::{DateTime, Utc};
use domain::customer::{Channel, ConsentChoice, CustomerCommand};
use domain::values::{ClaimKey, ClaimKind, CustomerId, Language, Sealed};

use super::{at, customer, market};

pub fn me() -> CustomerId {
    customer("C-1001")
}
pub fn other() -> CustomerId {
    customer("C-2002")
}
pub fn sealed(n: u8) -> Sealed {
    Sealed {
        key: "C-1001/profile".into(),
        nonce: vec![n; 24],
        ciphertext: vec![n; 8],
    }
}
pub fn claim(kind: ClaimKind, n: u64) -> ClaimKey {
    ClaimKey::new(kind, &format!("{n:064x}")).unwrap()
}
pub fn email(n: u64) -> ClaimKey {
    claim(ClaimKind::Email, n)
}
pub fn phone(n: u64) -> ClaimKey {
    claim(ClaimKind::Phone, n)
}
pub fn login(n: u64) -> ClaimKey {
    claim(ClaimKind::Login, n)
}
pub fn t() -> DateTime<Utc> {
    at("2026-11-23")
}

pub fn register(channel: Channel, consents: ConsentChoice) -> CustomerCommand {
    CustomerCommand::Register {
        customer: me(),
        profile: sealed(1),
        language: Language::De,
        market: market("DE"),
        channel,
        consents,
        contacts: vec![email(1), phone(1)],
        at: t(),
    }
}
