//! The running engine behind the router: an event store, its read models,
//! the projection runner and the process managers, wired into the state the
//! routes use. Which stores to open is the composition root's choice (the
//! `otd` crate); tests start the engine in memory here.

use std::sync::Arc;

use domain::catalog::Catalog;
use projections::{ReadModelStore, ReadModels, RunnerOptions};
use store::EventStore;

use crate::auth::AuthKeys;
use crate::AppState;

/// Requests per second per subject unless configured (bursts of twice that).
pub const DEFAULT_RATE_LIMIT: u32 = 1_000;

/// Into how many partitions the process managers split their work: `OTD_PARTITIONS` (1 to
/// [`app::process::MAX_PARTITIONS`]), else [`app::process::DEFAULT_PARTITIONS`] (ADR 0009).
fn partitions() -> Result<usize, StartError> {
    let Ok(value) = std::env::var("OTD_PARTITIONS") else {
        return Ok(app::process::DEFAULT_PARTITIONS);
    };
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=app::process::MAX_PARTITIONS).contains(&n) => Ok(n),
        _ => Err(StartError::Settings(format!(
            "OTD_PARTITIONS must be a number from 1 to {}, not {value:?}",
            app::process::MAX_PARTITIONS
        ))),
    }
}

/// A running engine: stop it with [`Runtime::shutdown`].
pub struct Runtime {
    pub state: AppState,
    projections: projections::Runner,
    /// The process managers (none in an `api` process).
    process: Option<app::process::ProcessHandle>,
    /// The 2-hour answer's watcher (stops when dropped; none in an `api` process).
    _sla: Option<app::process::SlaHandle>,
    /// The outbox's sender and reminders (stops when dropped; none when not asked for).
    _sender: Option<app::outbox::SenderHandle>,
    /// The messages manager (its clock-driven reminders, for an engine run without a sender).
    messages: app::outbox::MessagesManager,
}

/// What one process of the engine does (`otd serve --role`): several processes on one
/// PostgreSQL schema may split the work between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Duties {
    /// Serve the API and run the process managers, the 2-hour answer's watcher and the
    /// outbox's sender: one process does everything (the only choice on SQLite).
    #[default]
    All,
    /// Serve the API only: commands and reads, with the projections this process's reads
    /// wait for; no process managers, no watcher, no sender.
    Api,
    /// Run the process managers, the watcher and the sender (with the projections they
    /// read); the HTTP layer serves only `/healthz` and `/metrics` ([`crate::worker_app`]).
    Worker,
}

impl Duties {
    /// Whether this process runs the process managers, the watcher and the sender.
    pub fn runs_workers(self) -> bool {
        matches!(self, Duties::All | Duties::Worker)
    }

    /// Whether this process serves the whole API.
    pub fn serves_api(self) -> bool {
        matches!(self, Duties::All | Duties::Api)
    }
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
    /// Starts the engine on `events` and `read_models`, doing what `duties` say.
    // Each argument is one part the composition root opened; a struct of them would only
    // rename this list.
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        events: Arc<dyn EventStore>,
        read_models: Arc<dyn ReadModelStore>,
        catalog: Arc<Catalog>,
        clock: app::Clock,
        auth: AuthKeys,
        rate_limit: u32,
        options: RunnerOptions,
        people: PeopleParts,
        outbox: OutboxParts,
        duties: Duties,
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
        let PeopleParts { vault, passwords } = people;
        let executor = app::Executor::new(events.clone(), catalog.clone(), clock.clone())
            .with_vault(vault.clone());
        let supply: Arc<dyn app::SupplyView> = Arc::new(projections::Supply::new(views.clone()));
        let checkpoints: Arc<dyn app::Checkpoints> =
            Arc::new(projections::ProcessCheckpoints::new(read_models.clone()));
        let leads: Arc<dyn app::LeadsView> = Arc::new(projections::Leads::new(views.clone()));
        let mut managers = app::process::standard_managers(&executor, supply);
        managers.extend(app::process::crm_managers(&executor, leads.clone()));
        let outbox_view: Arc<dyn app::OutboxView> =
            Arc::new(projections::Outbox::new(views.clone()));
        let messages = app::outbox::MessagesManager::new(executor.clone(), outbox_view.clone());
        managers.push(Arc::new(messages.clone()));
        let sla = duties.runs_workers().then(|| {
            app::process::SlaWatcher::new(executor.clone(), leads).spawn(app::process::SLA_TICK)
        });
        // Several processes on one database: only the leader runs the process managers.
        let partitions = partitions()?;
        let process = duties.runs_workers().then(|| {
            let mut process = app::process::ProcessRunner::new(events, checkpoints, managers)
                .with_partitions(partitions);
            if let Some(leadership) = read_models.leadership() {
                process = process.with_leadership(leadership);
            }
            process.spawn()
        });
        let people = app::people::People::new(executor.clone(), vault, passwords.clone());
        // The log is the authority on erasure: keys of customers it says are erased are
        // destroyed again (a key table restored from an older backup), and billing keys
        // past their retention.
        let erased = views
            .erased_customers()
            .await
            .map_err(|e| StartError::ReadModels(e.to_string()))?;
        people.reshred(&erased).await.map_err(|e| {
            StartError::Settings(format!("cannot shred erased customers' keys: {e}"))
        })?;
        let templates = Arc::new(
            channels::Templates::builtin().map_err(|e| StartError::Settings(e.to_string()))?,
        );
        let email = outbox
            .channels
            .smtp
            .as_ref()
            .map(channels::EmailChannel::new)
            .transpose()
            .map_err(|e| StartError::Settings(e.to_string()))?;
        let webhooks = channels::WebhookChannel::new(&outbox.channels.webhooks)
            .map_err(|e| StartError::Settings(e.to_string()))?;
        let guard = webhooks.guard().clone();
        let sender = (outbox.send && duties.runs_workers()).then(|| {
            app::outbox::Sender::new(
                people.clone(),
                outbox_view,
                app::outbox::Channels {
                    email,
                    webhooks: Some(webhooks),
                },
                templates.clone(),
                outbox.sender,
            )
            .with_links(Arc::new(crate::links::SignedLinks::new(
                auth.clone(),
                outbox.public_url.clone(),
            )))
            // Several processes on one database: only the one holding the lease sends.
            .with_leadership(read_models.outbox_leadership())
            .spawn(Some(messages.clone()))
        });
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
                crate::connections::ConnectionLimits::default().streams_per_subject,
            ),
            sign_in: crate::session::SignIn::new(Arc::new(people.clone()), passwords),
            people: Some(people),
            dev_links: true,
            named_boards: crate::names::NamedBoards::default(),
            outbox: crate::OutboxState { guard, templates },
        };
        Ok(Runtime {
            state,
            projections,
            process,
            _sla: sla,
            _sender: sender,
            messages,
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
            PeopleParts::for_tests(),
            OutboxParts::for_tests(),
            Duties::All,
        )
        .await
    }

    /// The projection runner (rebuild, lag).
    pub fn projections(&self) -> &projections::Runner {
        &self.projections
    }

    /// The messages manager: [`app::outbox::MessagesManager::remind`] queues the reminders
    /// due now (the sender does so on every clock move; an engine without one calls it).
    pub fn messages(&self) -> &app::outbox::MessagesManager {
        &self.messages
    }

    /// The process managers' runner (none in an `api` process).
    pub fn process(&self) -> Option<&app::process::ProcessHandle> {
        self.process.as_ref()
    }

    /// Stops the process managers, then the projections, saving their
    /// checkpoints.
    pub async fn shutdown(self) {
        if let Some(process) = self.process {
            if let Err(e) = process.stop().await {
                tracing::warn!(error = %e, "process managers did not stop cleanly");
            }
        }
        self.projections.stop().await;
    }
}

/// What the outbox needs: the channels' settings and how the sender works.
#[derive(Debug, Clone)]
pub struct OutboxParts {
    pub channels: channels::ChannelsConfig,
    pub sender: app::outbox::SenderOptions,
    /// Whether this engine sends (tests that drive a sender of their own say no).
    pub send: bool,
    /// Where the server is reached from outside: the base of the links account e-mails
    /// carry (`OTD_PUBLIC_URL`).
    pub public_url: url::Url,
}

impl OutboxParts {
    /// The production setup: the channels as `OTD_SMTP_URL`, `OTD_SMTP_FROM` and
    /// `OTD_WEBHOOK_ALLOW_HOSTS` say (read once, at start-up), links under `public_url`.
    pub fn from_env(public_url: url::Url) -> Result<OutboxParts, StartError> {
        Ok(OutboxParts {
            channels: channels::ChannelsConfig::from_env()
                .map_err(|e| StartError::Settings(e.to_string()))?,
            sender: app::outbox::SenderOptions::default(),
            send: true,
            public_url,
        })
    }

    /// The public URL of tests: `http://localhost/`.
    pub fn test_public_url() -> url::Url {
        url::Url::parse("http://localhost/").unwrap_or_else(|_| unreachable!("a valid URL"))
    }

    /// For tests: no SMTP server (e-mails stay queued), webhooks to public addresses only.
    pub fn for_tests() -> OutboxParts {
        OutboxParts {
            channels: channels::ChannelsConfig {
                smtp: None,
                webhooks: channels::config::WebhookSettings::default(),
            },
            sender: app::outbox::SenderOptions::default(),
            send: true,
            public_url: OutboxParts::test_public_url(),
        }
    }
}

/// What the people use cases need beyond the stores: the vault that seals personal data
/// and the pool that hashes passwords.
pub struct PeopleParts {
    pub vault: app::vault::Vault,
    pub passwords: app::accounts::PasswordPool,
}

impl PeopleParts {
    /// The production setup: `vault`, and Argon2id at OWASP's cost on a pool sized for
    /// this machine.
    pub fn new(vault: app::vault::Vault) -> PeopleParts {
        PeopleParts {
            vault,
            passwords: app::accounts::PasswordPool::for_this_machine(),
        }
    }

    /// For tests: keys in memory and a cheap Argon2id cost (a test hashes many passwords
    /// in a debug build; the cost is a parameter, the code path is the same).
    pub fn for_tests() -> PeopleParts {
        PeopleParts {
            vault: memory_vault(),
            passwords: app::accounts::PasswordPool::with_cost(
                2,
                256,
                app::accounts::PasswordCost {
                    memory_kib: 256,
                    iterations: 1,
                    parallelism: 1,
                },
            ),
        }
    }
}

/// A vault with its keys in memory and a fresh master key (tests, in-memory engines).
pub fn memory_vault() -> app::vault::Vault {
    app::vault::Vault::new(
        Arc::new(store::keys::MemoryKeys::new()),
        &app::vault::MasterKey::generate(),
    )
}
