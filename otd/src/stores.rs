//! The composition root: the event store, the read models, the key table and
//! its vault, the catalog, the clock and the signing secret that the settings
//! name, opened and started as the engine the HTTP layer serves.

use std::path::Path;
use std::sync::Arc;

use api::auth::AuthKeys;
use api::runtime::{Duties, Runtime, StartError};
use app::vault::{MasterKey, Vault};
use domain::catalog::Catalog;
use projections::{ReadModelStore, RunnerOptions};
use store::{EventStore, KeyStore};

use crate::settings::{Backend, ClockSetting, Settings};

/// The engine as `settings` describe it: SQLite in the data folder by
/// default, or a shared PostgreSQL database (or KurrentDB), doing everything.
pub async fn start(settings: &Settings) -> Result<Runtime, StartError> {
    start_with(settings, Duties::All, true).await
}

/// The engine as `settings` describe it, doing what `duties` say (`otd serve --role`).
pub async fn start_as(settings: &Settings, duties: Duties) -> Result<Runtime, StartError> {
    start_with(settings, duties, true).await
}

/// [`start`], with the outbox's sender running or not (`otd demo` decides messages and
/// queues its reminders itself, so that its report is the same for a seed; it sends none).
pub async fn start_sending(settings: &Settings, send: bool) -> Result<Runtime, StartError> {
    start_with(settings, Duties::All, send).await
}

async fn start_with(
    settings: &Settings,
    duties: Duties,
    send: bool,
) -> Result<Runtime, StartError> {
    let parts = Parts::open(settings).await?;
    let mut outbox = api::runtime::OutboxParts::from_env(settings.public_url())?;
    outbox.send = send;
    let options = parts.runner_options();
    let mut runtime = Runtime::start(
        parts.events,
        parts.read_models,
        parts.catalog,
        parts.clock,
        parts.auth,
        settings.rate_limit,
        options,
        api::runtime::PeopleParts::new(parts.vault),
        outbox,
        duties,
    )
    .await?;
    runtime.state.streams = api::routes::board_stream::StreamSlots::per_subject(
        settings.connections().streams_per_subject,
    );
    runtime.state.sign_in.cookie_secure = settings.cookie_secure();
    Ok(runtime)
}

/// The catalog: the shipped demo, or a file.
pub fn load_catalog(path: Option<&Path>) -> Result<Catalog, String> {
    let Some(path) = path else {
        return Ok(Catalog::demo());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read catalog {}: {e}", path.display()))?;
    Catalog::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// An event store, its read models, a faster reader of its log if it has one, and the key
/// table of personal data (in the store's database, or the read models' for KurrentDB).
type Stores = (
    Arc<dyn EventStore>,
    Arc<dyn ReadModelStore>,
    Option<Arc<dyn projections::LogPages>>,
    Arc<dyn KeyStore>,
);

/// The pieces an engine is made of, opened from settings but not started
/// (the CLI's maintenance commands use them directly).
pub struct Parts {
    pub events: Arc<dyn EventStore>,
    pub read_models: Arc<dyn ReadModelStore>,
    pub catalog: Arc<Catalog>,
    pub clock: app::Clock,
    pub auth: AuthKeys,
    /// A faster reader of the log for the projections to catch up with, where the
    /// backend has one (SQLite).
    pub pages: Option<Arc<dyn projections::LogPages>>,
    /// Seals and opens personal data (keys in the backend's `personal_keys` table, wrapped
    /// by the master key of `--master-key`, else the data folder's `master.key`).
    pub vault: Vault,
}

impl Parts {
    /// Opens the stores, the catalog, the clock and the signing secret.
    pub async fn open(settings: &Settings) -> Result<Parts, StartError> {
        let backend = settings.backend().map_err(StartError::Settings)?;
        let catalog =
            Arc::new(load_catalog(settings.catalog.as_deref()).map_err(StartError::Settings)?);
        let clock = match settings.clock {
            ClockSetting::Real => app::Clock::System,
            ClockSetting::Simulated(date) => app::Clock::simulated(date),
        };
        std::fs::create_dir_all(&settings.data).map_err(|e| {
            StartError::Settings(format!("cannot create {}: {e}", settings.data.display()))
        })?;
        let secret =
            api::auth::load_or_create_secret(settings.jwt_secret.as_deref(), &settings.data)
                .map_err(StartError::Settings)?;
        let auth = AuthKeys::from_secret(&secret);
        let master = MasterKey::load_or_create(settings.master_key.as_deref(), &settings.data)
            .map_err(|e| StartError::Settings(e.to_string()))?;
        let (events, read_models, pages, keys): Stores = match backend {
            Backend::Sqlite => {
                let sqlite = store::SqliteStore::open(&settings.data).await?;
                let read_models = projections::SqliteReadModels::open(&sqlite)
                    .await
                    .map_err(|e| StartError::ReadModels(e.to_string()))?;
                let pages = projections::SqlitePages::open(&sqlite)?;
                let keys = store::SqliteKeys::open(&sqlite).await?;
                (
                    Arc::new(sqlite),
                    Arc::new(read_models),
                    Some(Arc::new(pages)),
                    Arc::new(keys),
                )
            }
            Backend::Postgres { url, schema } => {
                let pg = store::PostgresStore::connect(&url, schema.as_deref()).await?;
                let schema = pg.schema().to_owned();
                let read_models = projections::PostgresReadModels::connect(&url, &schema)
                    .await
                    .map_err(|e| StartError::ReadModels(e.to_string()))?;
                let keys = store::PostgresKeys::open(&pg).await?;
                (Arc::new(pg), Arc::new(read_models), None, Arc::new(keys))
            }
            Backend::KurrentDb {
                url,
                read_models_url,
                read_models_schema,
            } => open_kurrentdb(settings, &url, &read_models_url, &read_models_schema).await?,
        };
        Ok(Parts {
            events,
            read_models,
            catalog,
            clock,
            auth,
            pages,
            vault: Vault::new(keys, &master),
        })
    }

    /// How the projection runner reads: through the fast reader where there is one.
    pub fn runner_options(&self) -> RunnerOptions {
        RunnerOptions {
            pages: self.pages.clone(),
            ..RunnerOptions::default()
        }
    }
}

/// The events in KurrentDB; the read models (with the projections' checkpoints) in PostgreSQL
/// when `read_models_url` is given, else in `kurrentdb-read-models.sqlite` in the data folder.
#[cfg(feature = "kurrentdb")]
async fn open_kurrentdb(
    settings: &Settings,
    url: &str,
    read_models_url: &Option<String>,
    read_models_schema: &Option<String>,
) -> Result<Stores, StartError> {
    let events = store::KurrentDbStore::connect(url, "").await?;
    let (read_models, keys): (Arc<dyn ReadModelStore>, Arc<dyn KeyStore>) = match read_models_url {
        Some(pg_url) => {
            let schema = read_models_schema.as_deref().unwrap_or("public");
            let read_models = projections::PostgresReadModels::connect(pg_url, schema)
                .await
                .map_err(|e| StartError::ReadModels(e.to_string()))?;
            let keys = store::PostgresKeys::connect(pg_url, Some(schema)).await?;
            (Arc::new(read_models), Arc::new(keys))
        }
        None => {
            let path = settings.data.join("kurrentdb-read-models.sqlite");
            let file = path.clone();
            let opened = tokio::task::spawn_blocking(move || {
                // An empty file is an empty SQLite database; the read models create their
                // tables in it.
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                projections::SqliteReadModels::open_blocking(
                    &path,
                    std::time::Duration::from_secs(5),
                )
                .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| StartError::ReadModels(e.to_string()))?
            .map_err(StartError::ReadModels)?;
            let keys =
                store::SqliteKeys::open_path(&file, std::time::Duration::from_secs(5)).await?;
            (Arc::new(opened), Arc::new(keys))
        }
    };
    Ok((Arc::new(events), read_models, None, keys))
}

/// Without the `kurrentdb` feature the backend is refused at start, with how to get it.
#[cfg(not(feature = "kurrentdb"))]
async fn open_kurrentdb(
    _settings: &Settings,
    _url: &str,
    _read_models_url: &Option<String>,
    _read_models_schema: &Option<String>,
) -> Result<Stores, StartError> {
    Err(StartError::Settings(
        "this otd was built without KurrentDB support: rebuild it with \
         `cargo build --release -p otd --features kurrentdb` to use --backend kurrentdb"
            .into(),
    ))
}
