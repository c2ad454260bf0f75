//! The per-endpoint secret and the Standard Webhooks signature.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The secret an endpoint verifies signatures with: at least 24 random
/// bytes, shown as `whsec_` + base64. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

/// A secret that is not `whsec_` + base64 of at least 24 bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a webhook secret is whsec_ followed by the base64 of at least 24 bytes")]
pub struct InvalidSecret;

impl WebhookSecret {
    /// The prefix of a secret's text form.
    pub const PREFIX: &'static str = "whsec_";
    /// The fewest bytes a secret has.
    pub const MIN_BYTES: usize = 24;

    /// A new secret of 32 random bytes from `rng` (the OS's in production).
    pub fn generate(rng: &mut impl RngCore) -> WebhookSecret {
        let mut bytes = vec![0u8; 32];
        rng.fill_bytes(&mut bytes);
        WebhookSecret(bytes)
    }

    /// Reads the text form (`whsec_…`).
    pub fn parse(text: &str) -> Result<WebhookSecret, InvalidSecret> {
        let encoded = text.strip_prefix(Self::PREFIX).ok_or(InvalidSecret)?;
        let bytes = STANDARD.decode(encoded).map_err(|_| InvalidSecret)?;
        if bytes.len() < Self::MIN_BYTES {
            return Err(InvalidSecret);
        }
        Ok(WebhookSecret(bytes))
    }

    /// The text form, shown once to the admin who registers the endpoint.
    pub fn reveal(&self) -> String {
        format!("{}{}", Self::PREFIX, STANDARD.encode(&self.0))
    }

    /// The signature header's value for message `id` sent at `timestamp`
    /// (Unix seconds) with `body`: `v1,` + base64(HMAC-SHA256(secret,
    /// "{id}.{timestamp}.{body}")).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}
