//! The data folder a benchmark runs in: always an empty store to start from.

use std::path::{Path, PathBuf};

/// The folder given with `--data` (which must not hold a store yet), or a temporary one that
/// is removed when this is dropped, whatever the run came to.
pub struct DataFolder {
    path: PathBuf,
    temporary: bool,
}

impl DataFolder {
    /// Creates the folder; refuses one that already holds a store (`bench` names the
    /// benchmark in the message).
    pub fn prepare(given: Option<&Path>, bench: &str) -> Result<DataFolder, String> {
        let folder = match given {
            Some(dir) => DataFolder {
                path: dir.to_path_buf(),
                temporary: false,
            },
            None => DataFolder {
                path: std::env::temp_dir()
                    .join(format!("otd-bench-{bench}-{}", uuid::Uuid::now_v7())),
                temporary: true,
            },
        };
        std::fs::create_dir_all(&folder.path)
            .map_err(|e| format!("cannot create {}: {e}", folder.path.display()))?;
        if folder.path.join(store::sqlite::FILE_NAME).exists() {
            return Err(format!(
                "{} already holds a store; the {bench} benchmark starts from an empty one",
                folder.path.display()
            ));
        }
        Ok(folder)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DataFolder {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
