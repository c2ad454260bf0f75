//! A thread that owns a PostgreSQL connection and a runtime of its own, and runs the blocking
//! port's requests on it one at a time.
//!
//! The read-model port is blocking (the runner applies events on a blocking thread), while
//! `tokio-postgres` is async. Rather than blocking on the caller's runtime (which panics when
//! the caller is itself inside a runtime, and cannot drive I/O on a current-thread runtime),
//! each connection lives on its own thread with a current-thread runtime, exactly like the
//! SQLite store's writer thread owns its connection.

use std::sync::mpsc;
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio_postgres::{Client, Config, NoTls};

use crate::error::ReadModelError;

type Job = Box<dyn FnOnce(&Runtime, &mut Session) + Send>;

/// The connection a job works with; reconnected when it was lost.
pub(super) struct Session {
    config: Config,
    client: Option<Client>,
}

impl Session {
    /// The connection, opened (again) if needed.
    pub(super) fn client(&mut self, runtime: &Runtime) -> Result<&mut Client, ReadModelError> {
        let usable = matches!(&self.client, Some(client) if !client.is_closed());
        if !usable {
            let (client, connection) = runtime
                .block_on(self.config.connect(NoTls))
                .map_err(|e| ReadModelError::Unavailable(format!("cannot connect: {e}")))?;
            runtime.spawn(async move {
                // The client sees the failure on its next request.
                let _ = connection.await;
            });
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or_else(|| ReadModelError::Unavailable("no connection".into()))
    }
}

/// The handle to a connection thread. The thread stops when the handle is dropped.
pub(super) struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl Worker {
    /// Starts a thread connecting with `config`.
    pub(super) fn start(name: &str, config: Config) -> Result<Worker, ReadModelError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ReadModelError::Backend(format!("cannot start a runtime: {e}")))?;
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let mut session = Session {
                    config,
                    client: None,
                };
                while let Ok(job) = queue.recv() {
                    job(&runtime, &mut session);
                }
            })
            .map_err(|e| ReadModelError::Backend(format!("cannot start a thread: {e}")))?;
        Ok(Worker { jobs })
    }

    /// Runs `work` on the connection thread and waits for its result.
    pub(super) fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Runtime, &mut Session) -> Result<T, ReadModelError> + Send + 'static,
    ) -> Result<T, ReadModelError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |runtime, session| {
            let _ = reply.send(work(runtime, session));
        });
        let stopped =
            || ReadModelError::Unavailable("the PostgreSQL connection thread stopped".into());
        self.jobs.send(job).map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }
}

/// The connection settings: `search_path` set to the store's schema.
pub(super) fn config(url: &str, schema: &str) -> Result<Config, ReadModelError> {
    let mut config: Config = url
        .parse()
        .map_err(|e| ReadModelError::Unavailable(format!("invalid PostgreSQL URL: {e}")))?;
    config.options(format!("-c search_path={schema}"));
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name("otd-projections");
    Ok(config)
}
