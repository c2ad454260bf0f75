//! Contact claims named without the contact: the keyed hash (HMAC-SHA256 with the vault's
//! pepper) of a normalised e-mail address or phone number, so one record per person can be
//! kept without the address in clear in a stream name (ADR 0007, point 7).

use domain::values::{ClaimKey, ClaimKind};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::cipher::SecretKey;

/// The claim of `kind` on `normalised` (already normalised by the value types: a case-folded
/// e-mail address, an E.164 phone number): `{kind}-{64 lower-case hex digits}`.
pub(crate) fn claim_key(pepper: &SecretKey, kind: ClaimKind, normalised: &str) -> ClaimKey {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(pepper.bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(normalised.as_bytes());
    let digest: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    ClaimKey::new(kind, &digest)
        .unwrap_or_else(|_| unreachable!("a SHA-256 digest is 64 lower-case hex digits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_value_and_pepper_give_the_same_claim_and_nothing_else_does() {
        let pepper = SecretKey::from_bytes([7; 32]);
        let a = claim_key(&pepper, ClaimKind::Email, "ada@example.com");
        assert_eq!(a, claim_key(&pepper, ClaimKind::Email, "ada@example.com"));
        assert_ne!(a, claim_key(&pepper, ClaimKind::Email, "bob@example.com"));
        let other_pepper = SecretKey::from_bytes([8; 32]);
        assert_ne!(
            a,
            claim_key(&other_pepper, ClaimKind::Email, "ada@example.com")
        );
        let text = a.to_string();
        assert!(text.starts_with("email-"));
        assert_eq!(text.len(), "email-".len() + 64);
        assert!(!text.contains("ada"));
        assert_eq!(
            claim_key(&pepper, ClaimKind::Phone, "+4930123").kind(),
            ClaimKind::Phone
        );
    }
}
