//! Opening the database file: telling an otd store from anything else, creating the schema,
//! configuring connections.

use std::path::Path;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::errors::store_error;
use super::SqliteOptions;
use crate::error::StoreError;

/// `PRAGMA application_id` of an otd event store ("otd1" in ASCII), so a foreign SQLite file is
/// recognised as such.
const APPLICATION_ID: i32 = 0x6F74_6431;

/// The schema version this build writes and understands (`PRAGMA user_version`).
const SCHEMA_VERSION: i32 = 2;

/// What brings a store of version 1 to version 2: each event's business time.
const MIGRATE_1_TO_2: &str = "ALTER TABLE events ADD COLUMN occurred_at INTEGER;";

const SCHEMA: &str = include_str!("schema.sql");

/// Opens the connection the writer thread owns, making sure the file is an otd event store
/// (creating the schema in an empty file) and switching it to WAL.
pub(crate) fn open_writer(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let conn = open_connection(path, options)?;
    let err = |err| store_error(err, path);
    match identify(&conn, path)? {
        Identity::OtdStore => {}
        Identity::Empty => create_schema(&conn, path)?,
        Identity::Version1 => migrate_from_1(&conn, path)?,
    }
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Backend(format!(
            "{}: could not switch to WAL (journal mode is {mode})",
            path.display()
        )));
    }
    // FULL: every commit syncs the WAL, so an acknowledged append survives power loss.
    // A 64 MiB page cache keeps the indexes' hot pages in memory between batches. Checkpoints
    // every 8,000 WAL pages (32 MiB) instead of SQLite's 1,000: a hot index page rewritten by
    // many batches is copied back once, not eight times (+25% single-event appends at 64
    // writers in the benchmark), at the price of a longer pause when a checkpoint runs.
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8000;",
    )
    .map_err(err)?;
    if let Some(pages) = options.max_page_count {
        conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
            .map_err(err)?;
    }
    Ok(conn)
}

/// Opens a connection for reading (it cannot write).
pub(crate) fn open_reader(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let conn = open_connection(path, options)?;
    conn.execute_batch("PRAGMA query_only = ON;")
        .map_err(|err| store_error(err, path))?;
    Ok(conn)
}

fn open_connection(path: &Path, options: &SqliteOptions) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|err| store_error(err, path))?;
    conn.busy_timeout(options.busy_timeout)
        .map_err(|err| store_error(err, path))?;
    // The query planner's stability guarantee: a statement keeps its plan whatever is bound.
    // Without it, a statement whose `LIMIT ?` is bound to another value is parsed and planned
    // again at its next step (13% of the lifecycle benchmark's time went to re-preparing).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(|err| store_error(err, path))?;
    Ok(conn)
}

enum Identity {
    OtdStore,
    /// An otd store of schema version 1, which the writer brings up to date.
    Version1,
    Empty,
}

/// Tells an otd store (of a schema this build knows) from an empty file and from anything else.
fn identify(conn: &Connection, path: &Path) -> Result<Identity, StoreError> {
    let err = |err| store_error(err, path);
    let application_id: i32 = conn
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .map_err(err)?;
    let not_ours = |reason: String| StoreError::NotAnEventStore {
        location: path.display().to_string(),
        reason,
    };
    if application_id == APPLICATION_ID {
        let version: i32 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(err)?;
        return match version {
            SCHEMA_VERSION => Ok(Identity::OtdStore),
            1 => Ok(Identity::Version1),
            newer if newer > SCHEMA_VERSION => Err(not_ours(format!(
                "its schema version {newer} is newer than this build knows ({SCHEMA_VERSION})"
            ))),
            older => Err(not_ours(format!("unknown schema version {older}"))),
        };
    }
    let first_table: Option<String> = conn
        .query_row("SELECT name FROM sqlite_master LIMIT 1", [], |row| {
            row.get(0)
        })
        .optional()
        .map_err(err)?;
    match (application_id, first_table) {
        (0, None) => Ok(Identity::Empty),
        (0, Some(table)) => Err(not_ours(format!(
            "it is another program's SQLite database (it holds table {table:?})"
        ))),
        (other, _) => Err(not_ours(format!(
            "it is another program's SQLite database (application id {other:#x})"
        ))),
    }
}

/// Brings a version 1 store up to date, unless another process has just done so.
fn migrate_from_1(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let err = |err| store_error(err, path);
    conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let migrated = match identify(conn, path) {
        Ok(Identity::Version1) => conn
            .execute_batch(&format!(
                "{MIGRATE_1_TO_2}\nPRAGMA user_version = {SCHEMA_VERSION};"
            ))
            .map_err(err),
        Ok(_) => Ok(()),
        Err(failure) => Err(failure),
    };
    match migrated {
        Ok(()) => conn.execute_batch("COMMIT").map_err(err),
        Err(failure) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(failure)
        }
    }
}

/// Creates the schema in an empty file, unless another process has just done so.
fn create_schema(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let err = |err| store_error(err, path);
    conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let created = match identify(conn, path) {
        Ok(Identity::OtdStore) => Ok(()),
        Ok(Identity::Version1) => conn
            .execute_batch(&format!(
                "{MIGRATE_1_TO_2}\nPRAGMA user_version = {SCHEMA_VERSION};"
            ))
            .map_err(err),
        Ok(Identity::Empty) => conn
            .execute_batch(&format!(
                "{SCHEMA}\nPRAGMA application_id = {APPLICATION_ID};\nPRAGMA user_version = {SCHEMA_VERSION};"
            ))
            .map_err(err),
        Err(failure) => Err(failure),
    };
    match created {
        Ok(()) => conn.execute_batch("COMMIT").map_err(err),
        Err(failure) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(failure)
        }
    }
}
