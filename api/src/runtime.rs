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

/// A running engine: stop it with [`Runtime::shutdown`].
pub struct Runtime {
    pub state: AppState,
    projections: projections::Runner,
    process: app::process::ProcessHandle,
    /// The 2-hour answer's watcher (stops when dropped).
    _sla: app::process::SlaHandle,
    /// The outbox's sender and reminders (stops when dropped; none when not asked for).
    _sender: Option<app::outbox::SenderHandle>,
    /// The messages manager (its clock-driven reminders, for an engine run without a sender).
    messages: app::outbox::MessagesManager,
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
        let sla =
            app::process::SlaWatcher::new(executor.clone(), leads).spawn(app::process::SLA_TICK);
        // Several processes on one database: only the leader runs the process managers.
        let mut process = app::process::ProcessRunner::new(events, checkpoints, managers);
        if let Some(leadership) = read_models.leadership() {
            process = process.with_leadership(leadership);
        }
        let process = process.spawn();
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
        let sender = outbox.send.then(|| {
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
