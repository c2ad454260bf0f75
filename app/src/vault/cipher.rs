//! The cipher: XChaCha20-Poly1305 with a random 24-byte nonce per message, for wrapping
//! subject keys under the master key and for sealing values under a subject key.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use zeroize::Zeroizing;

/// The nonce length of XChaCha20-Poly1305.
pub const NONCE_BYTES: usize = 24;
/// The key length of XChaCha20-Poly1305.
pub const KEY_BYTES: usize = 32;

/// A secret 32-byte key (a subject's key, or the key derived from the master key to wrap
/// them); wiped from memory when dropped, never printed.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<[u8; KEY_BYTES]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Why a message does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// The nonce is not 24 bytes or the ciphertext is shorter than its tag.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// The tag does not verify: another key, other associated data, or altered bytes.
    #[error("authentication failed")]
    Unauthentic,
}

impl SecretKey {
    /// A fresh random key (from the operating system's generator, through `rand`'s thread
    /// generator, a ChaCha CSPRNG seeded and reseeded by it).
    pub fn generate() -> SecretKey {
        let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
        rand::rng().fill_bytes(bytes.as_mut());
        SecretKey(bytes)
    }

    /// The key of these 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> SecretKey {
        SecretKey(Zeroizing::new(bytes))
    }

    /// The key of `bytes`, if they are 32.
    pub fn from_slice(bytes: &[u8]) -> Option<SecretKey> {
        let mut key = Zeroizing::new([0u8; KEY_BYTES]);
        if bytes.len() != KEY_BYTES {
            return None;
        }
        key.copy_from_slice(bytes);
        Some(SecretKey(key))
    }

    /// The key's bytes.
    pub fn bytes(&self) -> &[u8; KEY_BYTES] {
        &self.0
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(self.0.as_ref().into())
    }

    /// Encrypts `plaintext` bound to `ad`: returns the random nonce and the ciphertext (with
    /// its 16-byte tag).
    pub fn seal(&self, ad: &[u8], plaintext: &[u8]) -> Result<(Vec<u8>, Vec<u8>), CipherError> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: ad,
                },
            )
            .map_err(|_| CipherError::Malformed("the plaintext is too long to seal"))?;
        Ok((nonce.to_vec(), ciphertext))
    }

    /// Decrypts what [`SecretKey::seal`] made with the same `ad`.
    pub fn open(
        &self,
        ad: &[u8],
        nonce: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CipherError> {
        let nonce: [u8; NONCE_BYTES] = nonce
            .try_into()
            .map_err(|_| CipherError::Malformed("the nonce is not 24 bytes"))?;
        self.cipher()
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: ad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CipherError::Unauthentic)
    }

    /// Wraps `key` under this key for the key table: `nonce ‖ ciphertext`, bound to `key_id`
    /// so a wrapped key cannot be moved to another row.
    pub fn wrap(&self, key_id: &str, key: &SecretKey) -> Result<Vec<u8>, CipherError> {
        let (mut wrapped, ciphertext) = self.seal(key_id.as_bytes(), key.bytes())?;
        wrapped.extend_from_slice(&ciphertext);
        Ok(wrapped)
    }

    /// Unwraps what [`SecretKey::wrap`] made for `key_id`.
    pub fn unwrap_key(&self, key_id: &str, wrapped: &[u8]) -> Result<SecretKey, CipherError> {
        if wrapped.len() < NONCE_BYTES {
            return Err(CipherError::Malformed("the wrapped key is too short"));
        }
        let (nonce, ciphertext) = wrapped.split_at(NONCE_BYTES);
        let bytes = self.open(key_id.as_bytes(), nonce, ciphertext)?;
        SecretKey::from_slice(&bytes).ok_or(CipherError::Malformed("the key is not 32 bytes"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_key_wraps_and_unwraps_only_for_its_own_row() {
        let master = SecretKey::generate();
        let key = SecretKey::generate();
        let wrapped = master.wrap("C-1/profile", &key).unwrap();
        assert_eq!(wrapped.len(), NONCE_BYTES + KEY_BYTES + 16);
        let unwrapped = master.unwrap_key("C-1/profile", &wrapped).unwrap();
        assert_eq!(unwrapped.bytes(), key.bytes());
        assert_eq!(
            master.unwrap_key("C-2/profile", &wrapped).unwrap_err(),
            CipherError::Unauthentic
        );
        assert_eq!(
            SecretKey::generate()
                .unwrap_key("C-1/profile", &wrapped)
                .unwrap_err(),
            CipherError::Unauthentic
        );
        assert!(matches!(
            master.unwrap_key("C-1/profile", &wrapped[..10]),
            Err(CipherError::Malformed(_))
        ));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = SecretKey::from_bytes([0xab; 32]);
        assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
    }

    proptest! {
        #[test]
        fn sealing_round_trips_and_any_flipped_bit_is_caught(
            plaintext in proptest::collection::vec(any::<u8>(), 0..200),
            flip in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let key = SecretKey::generate();
            let (nonce, mut ciphertext) = key.seal(b"C-1/email", &plaintext).unwrap();
            prop_assert_eq!(&key.open(b"C-1/email", &nonce, &ciphertext).unwrap()[..], &plaintext[..]);
            prop_assert_eq!(key.open(b"C-1/phone", &nonce, &ciphertext).unwrap_err(), CipherError::Unauthentic);
            let at = flip.index(ciphertext.len());
            ciphertext[at] ^= 1 << bit;
            prop_assert_eq!(key.open(b"C-1/email", &nonce, &ciphertext).unwrap_err(), CipherError::Unauthentic);
        }
    }
}
