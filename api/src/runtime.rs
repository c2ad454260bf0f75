//! The composition root: an event store, its read models, the projection
//! runner and the process managers, wired into the state the routes use.

use std::path::Path;
use std::sync::Arc;

use domain::catalog::Catalog;
use projections::{ReadModelStore, ReadModels, RunnerOptions};
use store::EventStore;

use crate::auth::AuthKeys;
use crate::settings::{Backend, ClockSetting, Settings};
use crate::AppState;

/// Requests per second per subject unless configured (bursts of twice that).
pub const DEFAULT_RATE_LIMIT: u32 = 1_000;

/// A running engine: stop it with [`Runtime::shutdown`].
pub struct Runtime {
    pub state: AppState,
    projections: projections::Runner,
    process: app::process::ProcessHandle,
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("event store: {0}")]
    Store(#[from] store::StoreError),
    #[error("read models: {0}")]
    ReadModels(String),
    #[error("{0}")]
    Settings(String),
}

impl Runtime {
    /// Starts the engine on `events` and `read_models`.
    pub async fn start(
        events: Arc<dyn EventStore>,
        read_models: Arc<dyn ReadModelStore>,
        catalog: Arc<Catalog>,
        clock: app::Clock,
        auth: AuthKeys,
        rate_limit: u32,
        options: RunnerOptions,
    ) -> Result<Runtime, StartError> {
        // A simulated clock continues from the advances the log recorded for its start date.
        app::clock_log::restore(events.as_ref(), &clock)
            .await
            .map_err(|e| match e {
                app::clock_log::RestoreError::Store(e) => StartError::Store(e),
                other => StartError::Settings(other.to_string()),
            })?;
        let projections = projections::Runner::start(
            events.clone(),
            read_models.clone(),
            projections::all_projections(),
            options,
        )
        .await
        .map_err(|e| StartError::ReadModels(e.to_string()))?;
        let views = ReadModels::new(events.clone(), read_models.clone(), projections.progress());
        let executor = app::Executor::new(events.clone(), catalog.clone(), clock.clone());
        let supply: Arc<dyn app::SupplyView> = Arc::new(projections::Supply::new(views.clone()));
        let checkpoints: Arc<dyn app::Checkpoints> =
            Arc::new(projections::ProcessCheckpoints::new(read_models.clone()));
        let managers = app::process::standard_managers(&executor, supply);
        // Several processes on one database: only the leader runs the process managers.
        let mut process = app::process::ProcessRunner::new(events, checkpoints, managers);
        if let Some(leadership) = read_models.leadership() {
            process = process.with_leadership(leadership);
        }
        let process = process.spawn();
        let state = AppState {
            catalog,
            clock,
            auth,
            services: app::Services::new(executor.clone()),
            executor,
            views,
            limiter: crate::limits::Limiter::per_second(rate_limit),
            metrics: crate::metrics::Metrics::new()
                .map_err(|e| StartError::Settings(e.to_string()))?,
            streams: crate::routes::board_stream::StreamSlots::per_subject(
                crate::settings::ConnectionLimits::default().streams_per_subject,
            ),
        };
        Ok(Runtime {
            state,
            projections,
            process,
        })
    }

    /// An engine in memory (tests).
    pub async fn in_memory(clock: app::Clock, auth: AuthKeys) -> Result<Runtime, StartError> {
        Runtime::in_memory_limited(clock, auth, DEFAULT_RATE_LIMIT).await
    }

    /// An engine in memory with its own rate limit (tests).
    pub async fn in_memory_limited(
        clock: app::Clock,
        auth: AuthKeys,
        rate_limit: u32,
    ) -> Result<Runtime, StartError> {
        let events: Arc<dyn EventStore> = Arc::new(store::MemoryStore::new());
        let read_models: Arc<dyn ReadModelStore> = Arc::new(projections::MemoryReadModels::new());
        Runtime::start(
            events,
            read_models,
            Arc::new(Catalog::demo()),
            clock,
            auth,
            rate_limit,
            RunnerOptions::default(),
        )
        .await
    }

    /// The engine as `settings` describe it: SQLite in the data folder by
    /// default, or a shared PostgreSQL database.
    pub async fn open(settings: &Settings) -> Result<Runtime, StartError> {
        let parts = Parts::open(settings).await?;
        let options = parts.runner_options();
        let mut runtime = Runtime::start(
            parts.events,
            parts.read_models,
            parts.catalog,
            parts.clock,
            parts.auth,
            settings.rate_limit,
            options,
        )
        .await?;
        runtime.state.streams = crate::routes::board_stream::StreamSlots::per_subject(
            settings.connections.streams_per_subject,
        );
        Ok(runtime)
    }

    /// The projection runner (rebuild, lag).
    pub fn projections(&self) -> &projections::Runner {
        &self.projections
    }

    /// The process managers' runner.
    pub fn process(&self) -> &app::process::ProcessHandle {
        &self.process
    }

    /// Stops the process managers, then the projections, saving their
    /// checkpoints.
    pub async fn shutdown(self) {
        if let Err(e) = self.process.stop().await {
            tracing::warn!(error = %e, "process managers did not stop cleanly");
        }
        self.projections.stop().await;
    }
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

/// An event store, its read models, and a faster reader of its log if it has one.
type Stores = (
    Arc<dyn EventStore>,
    Arc<dyn ReadModelStore>,
    Option<Arc<dyn projections::LogPages>>,
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
}

impl Parts {
    /// Opens the stores, the catalog, the clock and the signing secret.
    pub async fn open(settings: &Settings) -> Result<Parts, StartError> {
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
            crate::auth::load_or_create_secret(settings.jwt_secret.as_deref(), &settings.data)
                .map_err(StartError::Settings)?;
        let auth = AuthKeys::from_secret(&secret);
        let (events, read_models, pages): Stores = match &settings.backend {
            Backend::Sqlite => {
                let sqlite = store::SqliteStore::open(&settings.data).await?;
                let read_models = projections::SqliteReadModels::open(&sqlite)
                    .await
                    .map_err(|e| StartError::ReadModels(e.to_string()))?;
                let pages = projections::SqlitePages::open(&sqlite)?;
                (
                    Arc::new(sqlite),
                    Arc::new(read_models),
                    Some(Arc::new(pages)),
                )
            }
            Backend::Postgres { url, schema } => {
                let pg = store::PostgresStore::connect(url, schema.as_deref()).await?;
                let schema = pg.schema().to_owned();
                let read_models = projections::PostgresReadModels::connect(url, &schema)
                    .await
                    .map_err(|e| StartError::ReadModels(e.to_string()))?;
                (Arc::new(pg), Arc::new(read_models), None)
            }
            Backend::KurrentDb {
                url,
                read_models_url,
                read_models_schema,
            } => open_kurrentdb(settings, url, read_models_url, read_models_schema).await?,
        };
        Ok(Parts {
            events,
            read_models,
            catalog,
            clock,
            auth,
            pages,
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
    let read_models: Arc<dyn ReadModelStore> = match read_models_url {
        Some(pg_url) => {
            let schema = read_models_schema.as_deref().unwrap_or("public");
            Arc::new(
                projections::PostgresReadModels::connect(pg_url, schema)
                    .await
                    .map_err(|e| StartError::ReadModels(e.to_string()))?,
            )
        }
        None => {
            let path = settings.data.join("kurrentdb-read-models.sqlite");
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
            Arc::new(opened)
        }
    };
    Ok((Arc::new(events), read_models, None))
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
         `cargo build --release -p api --features kurrentdb` to use --backend kurrentdb"
            .into(),
    ))
}
