//! Personal data as the log holds it: sealed (encrypted) by the application's
//! vault before a command is built, opaque to the domain. See
//! docs/decisions/0007-crypto-shredding.md.
//!
//! The domain decides on ids, claims and flags, never on a name or an
//! address, so it needs no key and never sees plaintext.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A personal value encrypted under a subject's key: which key (`key`, e.g.
/// `C-7K3M9QX2PA/profile`), the nonce and the ciphertext (with its
/// authentication tag). Written to JSON as `{"key", "nonce", "ciphertext"}`,
/// the bytes in base64 (standard alphabet, padded).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sealed {
    /// The id of the key it is sealed under (`{subject}/{purpose}`).
    pub key: String,
    /// The nonce (24 bytes for XChaCha20-Poly1305).
    #[serde(with = "base64_bytes")]
    pub nonce: Vec<u8>,
    /// The ciphertext with its tag.
    #[serde(with = "base64_bytes")]
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({}, {} bytes)", self.key, self.ciphertext.len())
    }
}

mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// What a contact claim is about: an e-mail address or a phone number that
/// may belong to one customer only, or the e-mail address an account signs
/// in with (customers' and staff accounts' share one namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    Email,
    Phone,
    Login,
}

impl ClaimKind {
    pub const ALL: [ClaimKind; 3] = [ClaimKind::Email, ClaimKind::Phone, ClaimKind::Login];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Email => "email",
            ClaimKind::Phone => "phone",
            ClaimKind::Login => "login",
        }
    }
}

/// The key of a contact claim: its kind and the keyed hash (HMAC-SHA256 with
/// the vault's pepper, 64 lower-case hex digits) of the normalised value,
/// written `{kind}-{hex}`, e.g. `email-3f2a…`. The value itself never appears.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClaimKey {
    kind: ClaimKind,
    digest: String,
}

/// Why a text is not a claim key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a claim key ({{email|phone|login}}-{{64 hex digits}})")]
pub struct ClaimKeyError(pub String);

impl ClaimKey {
    /// The claim of `kind` on the value whose keyed hash is `digest` (64
    /// lower-case hex digits).
    pub fn new(kind: ClaimKind, digest: &str) -> Result<ClaimKey, ClaimKeyError> {
        let hex = digest.len() == 64
            && digest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if hex {
            Ok(ClaimKey {
                kind,
                digest: digest.to_owned(),
            })
        } else {
            Err(ClaimKeyError(format!("{}-{digest}", kind.as_str())))
        }
    }

    /// Reads `{kind}-{hex}` back.
    pub fn parse(text: &str) -> Result<ClaimKey, ClaimKeyError> {
        let refused = || ClaimKeyError(text.chars().take(80).collect());
        let (kind, digest) = text.split_once('-').ok_or_else(refused)?;
        let kind = ClaimKind::ALL
            .into_iter()
            .find(|k| k.as_str() == kind)
            .ok_or_else(refused)?;
        ClaimKey::new(kind, digest).map_err(|_| refused())
    }

    pub fn kind(&self) -> ClaimKind {
        self.kind
    }
}

impl fmt::Display for ClaimKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.kind.as_str(), self.digest)
    }
}

impl TryFrom<String> for ClaimKey {
    type Error = ClaimKeyError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        ClaimKey::parse(&text)
    }
}

impl From<ClaimKey> for String {
    fn from(key: ClaimKey) -> String {
        key.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_round_trips_through_json_as_base64() {
        let sealed = Sealed {
            key: "C-1001/profile".into(),
            nonce: vec![1, 2, 3],
            ciphertext: vec![255, 0, 7],
        };
        let json = serde_json::to_string(&sealed).unwrap();
        assert_eq!(
            json,
            r#"{"key":"C-1001/profile","nonce":"AQID","ciphertext":"/wAH"}"#
        );
        assert_eq!(serde_json::from_str::<Sealed>(&json).unwrap(), sealed);
        assert!(
            serde_json::from_str::<Sealed>(r#"{"key":"k","nonce":"!!","ciphertext":""}"#).is_err()
        );
    }

    #[test]
    fn claim_keys_are_kind_and_hex_digest() {
        let digest = "ab".repeat(32);
        let key = ClaimKey::parse(&format!("email-{digest}")).unwrap();
        assert_eq!(key.kind(), ClaimKind::Email);
        assert_eq!(key.to_string(), format!("email-{digest}"));
        assert!(ClaimKey::parse(&format!("fax-{digest}")).is_err());
        assert!(ClaimKey::parse("email-abc").is_err());
        assert!(ClaimKey::parse(&format!("phone-{}", "AB".repeat(32))).is_err());
        assert!(ClaimKey::parse("").is_err());
    }
}
