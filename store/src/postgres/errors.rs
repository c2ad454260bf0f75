//! How PostgreSQL failures become [`StoreError`]s.

use tokio_postgres::error::SqlState;

use crate::error::StoreError;

/// Names a PostgreSQL failure for the caller.
pub(crate) fn store_error(err: tokio_postgres::Error) -> StoreError {
    let Some(db) = err.as_db_error() else {
        // No answer from the server: connection refused, lost, closed or timed out.
        let cause = std::error::Error::source(&err)
            .map(|source| format!(": {source}"))
            .unwrap_or_default();
        return StoreError::Unavailable(format!("PostgreSQL: {err}{cause}"));
    };
    let message = format!("PostgreSQL {}: {}", db.code().code(), db.message());
    let code = db.code();
    if *code == SqlState::DISK_FULL || *code == SqlState::OUT_OF_MEMORY {
        StoreError::DiskFull(message)
    } else if *code == SqlState::LOCK_NOT_AVAILABLE || *code == SqlState::QUERY_CANCELED {
        StoreError::Locked(message)
    } else if *code == SqlState::DATA_CORRUPTED || *code == SqlState::INDEX_CORRUPTED {
        StoreError::Corrupt(message)
    } else if code.code().starts_with("08")
        || code.code().starts_with("57P")
        || *code == SqlState::TOO_MANY_CONNECTIONS
        || *code == SqlState::INVALID_PASSWORD
        || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        || *code == SqlState::INVALID_CATALOG_NAME
    {
        StoreError::Unavailable(message)
    } else {
        StoreError::Backend(message)
    }
}
