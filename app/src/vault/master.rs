//! The master key: 32 bytes given at start (`OTD_MASTER_KEY`, base64 or hex) or, in
//! development, kept in the file `master.key` in the data folder (created owner-only on first
//! start). It never encrypts data itself: it derives the key that wraps subject keys and the
//! pepper of contact claims.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::cipher::{SecretKey, KEY_BYTES};

/// The file name of the development master key in the data folder.
pub const FILE_NAME: &str = "master.key";

/// The master key. `Debug` never prints it; its bytes are wiped when it is dropped.
#[derive(Clone)]
pub struct MasterKey(SecretKey);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// Why no master key could be had. The messages never hold key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MasterKeyError {
    /// The text given is not 32 bytes in base64 or hex.
    #[error(
        "the master key must be 32 bytes written in base64 (44 characters) or hex (64 digits): {0}"
    )]
    Invalid(&'static str),
    /// The key file could not be read or written.
    #[error("master key file {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl MasterKey {
    /// A fresh random master key.
    pub fn generate() -> MasterKey {
        MasterKey(SecretKey::generate())
    }

    /// The master key of these bytes.
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> MasterKey {
        MasterKey(SecretKey::from_bytes(bytes))
    }

    /// Reads a key written as 64 hex digits or as base64 (standard alphabet, padded or not);
    /// surrounding white space is ignored.
    pub fn parse(text: &str) -> Result<MasterKey, MasterKeyError> {
        let text = text.trim();
        let bytes = if text.len() == 2 * KEY_BYTES && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Zeroizing::new(decode_hex(text).ok_or(MasterKeyError::Invalid("bad hex"))?)
        } else {
            let decoded = STANDARD
                .decode(text)
                .or_else(|_| STANDARD_NO_PAD.decode(text))
                .map_err(|_| MasterKeyError::Invalid("neither hex nor base64"))?;
            Zeroizing::new(decoded)
        };
        SecretKey::from_slice(&bytes)
            .map(MasterKey)
            .ok_or(MasterKeyError::Invalid("it does not decode to 32 bytes"))
    }

    /// The key `given` (from `--master-key` / `OTD_MASTER_KEY`), else the one in
    /// `data_dir/master.key`, created there (owner-only, 0600) when missing. Two processes
    /// starting together end up with the same key: the file is created exclusively and the
    /// loser reads the winner's.
    pub fn load_or_create(
        given: Option<&str>,
        data_dir: &Path,
    ) -> Result<MasterKey, MasterKeyError> {
        if let Some(text) = given {
            return MasterKey::parse(text);
        }
        let path = data_dir.join(FILE_NAME);
        let file_error = |message: String| MasterKeyError::File {
            path: path.clone(),
            message,
        };
        let read = |path: &Path| -> Result<Option<MasterKey>, MasterKeyError> {
            match std::fs::read_to_string(path) {
                Ok(text) => MasterKey::parse(&Zeroizing::new(text)).map(Some),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(file_error(format!("cannot read it: {e}"))),
            }
        };
        if let Some(key) = read(&path)? {
            return Ok(key);
        }
        std::fs::create_dir_all(data_dir)
            .map_err(|e| file_error(format!("cannot create its folder: {e}")))?;
        let key = MasterKey::generate();
        match write_owner_only(&path, key.to_hex().as_bytes()) {
            Ok(()) => Ok(key),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                read(&path)?.ok_or_else(|| file_error("it vanished while being created".into()))
            }
            Err(e) => Err(file_error(format!("cannot create it: {e}"))),
        }
    }

    /// The key as 64 lower-case hex digits (for the development key file).
    fn to_hex(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(2 * KEY_BYTES));
        for byte in self.0.bytes() {
            text.push_str(&format!("{byte:02x}"));
        }
        text
    }

    /// A key derived for one use (`label`): HMAC-SHA256(master, label). Different labels give
    /// independent keys, so the key that wraps and the pepper never coincide.
    fn derive(&self, label: &str) -> SecretKey {
        // HMAC takes a key of any length: `new_from_slice` cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(label.as_bytes());
        let mut bytes = [0u8; KEY_BYTES];
        bytes.copy_from_slice(&mac.finalize().into_bytes());
        let key = SecretKey::from_bytes(bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        key
    }

    /// The key that wraps subject keys in the key table.
    pub(crate) fn wrapping_key(&self) -> SecretKey {
        self.derive("otd vault: wrapping key v1")
    }

    /// The pepper of contact claims.
    pub(crate) fn pepper(&self) -> SecretKey {
        self.derive("otd vault: claim pepper v1")
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// Creates `path` (failing if it exists) readable and writable by its owner only.
fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_key_is_read_from_hex_or_base64_and_nothing_else() {
        let hex = "00".repeat(31) + "ff";
        let from_hex = MasterKey::parse(&hex).unwrap();
        let from_b64 = MasterKey::parse(&STANDARD.encode(from_hex.0.bytes())).unwrap();
        assert_eq!(from_hex.0.bytes(), from_b64.0.bytes());
        assert_eq!(from_hex.0.bytes()[31], 0xff);
        assert!(MasterKey::parse(&format!(" {hex}\n")).is_ok());
        assert!(MasterKey::parse("short").is_err());
        assert!(MasterKey::parse(&STANDARD.encode([1u8; 16])).is_err());
        assert!(MasterKey::parse(&"zz".repeat(32)).is_err());
        assert!(MasterKey::parse("").is_err());
    }

    #[test]
    fn debug_never_prints_the_key() {
        let key = MasterKey::from_bytes([0x5a; 32]);
        let shown = format!("{key:?}");
        assert_eq!(shown, "MasterKey(<redacted>)");
        assert!(!shown.contains("5a"));
    }

    #[test]
    fn the_key_file_is_created_once_owner_only_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = MasterKey::load_or_create(None, dir.path()).unwrap();
        let second = MasterKey::load_or_create(None, dir.path()).unwrap();
        assert_eq!(first.0.bytes(), second.0.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let given = "11".repeat(32);
        let explicit = MasterKey::load_or_create(Some(&given), dir.path()).unwrap();
        assert_eq!(explicit.0.bytes(), &[0x11; 32]);
    }

    #[test]
    fn a_damaged_key_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "not a key").unwrap();
        assert!(matches!(
            MasterKey::load_or_create(None, dir.path()),
            Err(MasterKeyError::Invalid(_))
        ));
        assert_eq!(
            std::fs::read_to_string(dir.path().join(FILE_NAME)).unwrap(),
            "not a key"
        );
    }

    #[test]
    fn derived_keys_differ_by_use_and_by_master() {
        let a = MasterKey::from_bytes([1; 32]);
        let b = MasterKey::from_bytes([2; 32]);
        assert_ne!(a.wrapping_key().bytes(), a.pepper().bytes());
        assert_ne!(a.pepper().bytes(), b.pepper().bytes());
        assert_eq!(
            a.pepper().bytes(),
            MasterKey::from_bytes([1; 32]).pepper().bytes()
        );
    }
}
