//! The statements of the SQLite backend and the conversions around them.

use rusqlite::{ErrorCode, Row};
use store::Position;

use crate::document::{DocQuery, StoredDoc, Tags};
use crate::error::ReadModelError;

/// Drops the tag indexes for a bulk load (`schema.sql` creates them again).
pub(super) const DROP_TAG_INDEXES: &str = "DROP INDEX IF EXISTS rm_docs_tag1;
     DROP INDEX IF EXISTS rm_docs_tag2;
     DROP INDEX IF EXISTS rm_docs_tag3;";

/// Stores a new document.
pub(super) const INSERT_DOC: &str =
    "INSERT INTO rm_docs (collection, key, tag1, tag2, tag3, position, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Changes a stored document whose tags stay the same (its tag indexes are left alone).
pub(super) const UPDATE_DOC: &str =
    "UPDATE rm_docs SET position = ?3, doc = ?4 WHERE collection = ?1 AND key = ?2 AND position <= ?3";

/// Changes a stored document and its tags.
pub(super) const UPDATE_DOC_TAGS: &str =
    "UPDATE rm_docs SET position = ?3, doc = ?4, tag1 = ?5, tag2 = ?6, tag3 = ?7
     WHERE collection = ?1 AND key = ?2 AND position <= ?3";

/// Deletes a document unless a later event wrote it.
pub(super) const DELETE_DOC: &str =
    "DELETE FROM rm_docs WHERE collection = ?1 AND key = ?2 AND position <= ?3";

/// Stores a checkpoint.
pub(super) const SAVE_CHECKPOINT: &str = "INSERT INTO rm_checkpoints (name, position, version)
     VALUES (?1, ?2, ?3)
     ON CONFLICT (name) DO UPDATE SET position = excluded.position, version = excluded.version";

/// The statement and parameters of a [`DocQuery`].
pub(super) fn find(collection: &str, query: &DocQuery) -> (String, Vec<String>) {
    let mut text = String::from(
        "SELECT key, tag1, tag2, tag3, position, doc FROM rm_docs WHERE collection = ?1",
    );
    let mut params = vec![collection.to_owned()];
    for (index, tag) in query.tags.iter().enumerate() {
        if let Some(value) = tag {
            params.push(value.clone());
            text.push_str(&format!(" AND tag{} = ?{}", index + 1, params.len()));
        }
    }
    if let Some(from) = &query.key_from {
        params.push(from.clone());
        text.push_str(&format!(" AND key >= ?{}", params.len()));
    }
    if let Some(to) = &query.key_to {
        params.push(to.clone());
        text.push_str(&format!(" AND key <= ?{}", params.len()));
    }
    if let Some(after) = query.changed_after {
        params.push(after.0.to_string());
        text.push_str(&format!(
            " AND position > CAST(?{} AS INTEGER)",
            params.len()
        ));
    }
    text.push_str(" ORDER BY key");
    if let Some(limit) = query.limit {
        text.push_str(&format!(" LIMIT {limit}"));
    }
    (text, params)
}

/// A document row `key, tag1, tag2, tag3, position, doc`.
pub(super) fn read_doc(collection: &str, row: &Row<'_>) -> Result<StoredDoc, rusqlite::Error> {
    read_doc_at(collection.to_owned(), row, 0)
}

/// A document row whose `key` column is at `first`.
pub(super) fn read_doc_at(
    collection: String,
    row: &Row<'_>,
    first: usize,
) -> Result<StoredDoc, rusqlite::Error> {
    Ok(StoredDoc {
        collection,
        key: row.get(first)?,
        tags: Tags::new(
            row.get(first + 1)?,
            row.get(first + 2)?,
            row.get(first + 3)?,
        ),
        position: position_of(row.get(first + 4)?),
        json: row.get(first + 5)?,
    })
}

/// A stored position (never negative: it was written from a `u64`).
pub(super) fn position_of(value: i64) -> Position {
    Position(u64::try_from(value).unwrap_or_default())
}

/// A position as SQLite stores it.
pub(super) fn to_i64(position: Position) -> i64 {
    i64::try_from(position.0).unwrap_or(i64::MAX)
}

/// Names a SQLite failure.
pub(super) fn db_error(err: rusqlite::Error) -> ReadModelError {
    match err.sqlite_error_code() {
        Some(
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::CannotOpen
            | ErrorCode::PermissionDenied
            | ErrorCode::ReadOnly,
        ) => ReadModelError::Unavailable(err.to_string()),
        _ => ReadModelError::Backend(err.to_string()),
    }
}
