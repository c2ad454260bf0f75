//! How SQLite failures become [`StoreError`]s.

use std::path::Path;

use rusqlite::ErrorCode;

use crate::error::StoreError;

/// Names a SQLite failure for the caller; `path` is the database file.
pub(crate) fn store_error(err: rusqlite::Error, path: &Path) -> StoreError {
    let location = path.display().to_string();
    let message = format!("{location}: {err}");
    match err.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Locked(message),
        Some(ErrorCode::DiskFull) => StoreError::DiskFull(message),
        Some(ErrorCode::NotADatabase) => StoreError::NotAnEventStore {
            location,
            reason: "the file is not a SQLite database".into(),
        },
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt(message),
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            StoreError::Unavailable(message)
        }
        _ => match err {
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..) => StoreError::Corrupt(message),
            _ => StoreError::Backend(message),
        },
    }
}

/// Whether a failure is a UNIQUE constraint violation (an event id or version already stored).
pub(crate) fn is_unique_violation(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}
