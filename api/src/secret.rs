//! The server's signing secret: given in `OTD_JWT_SECRET`, or made once in
//! the data folder with owner-only permissions.

use std::path::Path;

use rand::RngCore;

/// The smallest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// Loads the secret from `OTD_JWT_SECRET` (given) or from `jwt-secret` in
/// the data folder, making one there (owner-only permissions) on first use.
pub fn load_or_create_secret(given: Option<&str>, data_dir: &Path) -> Result<Vec<u8>, String> {
    if let Some(secret) = given {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "OTD_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes"
            ));
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join("jwt-secret");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= MIN_SECRET_BYTES => return Ok(bytes),
        Ok(_) => return Err(format!("{} is too short to be a secret", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_owner_only(&path, secret.as_bytes())?;
    Ok(secret.into_bytes())
}

fn write_owner_only(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_secret_is_made_once_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_secret(None, dir.path()).unwrap();
        let second = load_or_create_secret(None, dir.path()).unwrap();
        assert_eq!(first, second);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("jwt-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(load_or_create_secret(Some("short"), dir.path()).is_err());
    }
}
