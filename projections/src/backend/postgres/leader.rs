//! Leadership of the process managers (or of the outbox's sender) among processes sharing
//! one PostgreSQL schema: a
//! session-level advisory lock, held on a connection of its own for as long as the process
//! leads. A crashed or partitioned leader's connection ends, the server releases the lock,
//! and a waiting process takes it.

use std::time::Duration;

use app::{Leadership, Lease, ViewError};
use async_trait::async_trait;
use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};

/// How often a waiting process tries the lock again.
const RETRY: Duration = Duration::from_secs(1);

/// Leadership through `pg_try_advisory_lock` on a key derived from the schema.
pub struct PostgresLeadership {
    url: String,
    key: String,
}

impl PostgresLeadership {
    /// Leadership of the process managers working on `schema` of the database at `url`.
    pub fn new(url: &str, schema: &str) -> Self {
        PostgresLeadership::of(url, schema, "process managers")
    }

    /// Leadership of `what` (a worker only one process may run) on `schema`: a lock of its
    /// own, so one process may lead the process managers and another the `what`.
    pub fn of(url: &str, schema: &str, what: &str) -> Self {
        PostgresLeadership {
            url: url.to_owned(),
            key: format!("otd {what} in {schema}"),
        }
    }
}

/// The lock, held by the open connection.
struct PostgresLease {
    /// Holds the lock for as long as it is open.
    client: Client,
    connection: JoinHandle<()>,
}

#[async_trait]
impl Lease for PostgresLease {
    async fn lost(&mut self) {
        // The connection task ends when the connection does.
        let _ = (&mut self.connection).await;
    }
}

impl Drop for PostgresLease {
    fn drop(&mut self) {
        self.connection.abort();
    }
}

#[async_trait]
impl Leadership for PostgresLeadership {
    async fn acquire(&self) -> Result<Box<dyn Lease>, ViewError> {
        self.lock(&self.key).await
    }

    /// A lock of its own per part (`otd process managers in {schema} partition 1 of 4`):
    /// each process holds the partitions it took, and takes over those whose holder died.
    async fn acquire_part(&self, part: &str) -> Result<Box<dyn Lease>, ViewError> {
        self.lock(&format!("{} {part}", self.key)).await
    }
}

impl PostgresLeadership {
    /// Waits until the advisory lock on `key` is taken, on a connection of its own.
    async fn lock(&self, key: &str) -> Result<Box<dyn Lease>, ViewError> {
        let unavailable = |e: tokio_postgres::Error| ViewError(format!("leadership lock: {e}"));
        let (client, connection) = tokio_postgres::connect(&self.url, NoTls)
            .await
            .map_err(unavailable)?;
        // Its end (and why) is what `lost` reports; the runner logs the loss.
        let connection = tokio::spawn(async move {
            let _ = connection.await;
        });
        let lease = PostgresLease { client, connection };
        let mut retry = tokio::time::interval(RETRY);
        loop {
            retry.tick().await;
            let taken: bool = lease
                .client
                .query_one("SELECT pg_try_advisory_lock(hashtext($1))", &[&key])
                .await
                .map_err(unavailable)?
                .get(0);
            if taken {
                return Ok(Box::new(lease));
            }
        }
    }
}
