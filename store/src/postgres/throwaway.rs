//! A schema for one test or benchmark run, dropped with everything in it afterwards.

use uuid::Uuid;

use super::PostgresStore;

/// A fresh schema name (`{prefix}_{random}`) in the database at `url`, whose schema is
/// dropped when this value is dropped: after a run, a failed assertion or a panic alike.
/// Nothing is created here; a store or read models connected to [`ThrowawaySchema::name`]
/// create their tables in it.
#[derive(Debug)]
pub struct ThrowawaySchema {
    url: String,
    name: String,
}

impl ThrowawaySchema {
    /// A schema no other run uses. `prefix`: lowercase letters, digits and underscores.
    pub fn new(url: &str, prefix: &str) -> ThrowawaySchema {
        ThrowawaySchema {
            url: url.to_owned(),
            name: format!("{prefix}_{}", Uuid::new_v4().simple()),
        }
    }

    /// The database the schema is in.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ThrowawaySchema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        // Dropping may happen inside an async runtime, which must not be blocked on: the
        // schema is dropped from a thread with a runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime
                .block_on(PostgresStore::drop_schema(&url, &name))
                .map_err(|e| e.to_string())
        });
        if let Ok(Err(e)) = dropped.join() {
            eprintln!("could not drop schema {}: {e}", self.name);
        }
    }
}
