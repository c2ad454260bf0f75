//! The store benchmark: `cargo bench -p store`.
//!
//! Prints, per backend, events/s and p50/p99 append latency for single-event appends at 1, 16
//! and 64 concurrent writers and for 100-event batches, `read_all` throughput, and (SQLite) the
//! rate of plain inserts into the same table in one transaction, as a reference for what the
//! disk and SQLite allow. PostgreSQL runs when `OTD_BENCH_POSTGRES_URL` or
//! `OTD_TEST_POSTGRES_URL` is set, in a throw-away schema. `OTD_BENCH_SCALE` (default 1.0)
//! multiplies every size; `OTD_BENCH_BACKENDS` (e.g. `sqlite`) picks backends.

#![allow(clippy::unwrap_used)] // a benchmark may stop at the first failure

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use store::{
    EventStore, ExpectedVersion, Metadata, NewEvent, Payload, Position, SqliteStore, StreamId,
};
use uuid::Uuid;

/// The sizes of one backend's runs.
struct Sizes {
    single_events: [(usize, usize); 3],
    batches: usize,
    batch_writers: [usize; 3],
}

fn scaled(count: usize) -> usize {
    let scale: f64 = std::env::var("OTD_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    ((count as f64 * scale) as usize).max(64)
}

/// One line of the result table.
struct Measured {
    backend: &'static str,
    workload: String,
    events: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measured {
    fn print(&self) {
        let rate = self.events as f64 / self.elapsed.as_secs_f64();
        let (p50, p99) = if self.latencies.is_empty() {
            ("–".to_owned(), "–".to_owned())
        } else {
            (
                millis(percentile(&self.latencies, 0.50)),
                millis(percentile(&self.latencies, 0.99)),
            )
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            self.backend,
            self.workload,
            self.events,
            thousands(rate as u64),
            p50,
            p99
        );
    }
}

fn percentile(sorted: &[Duration], quantile: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * quantile).round() as usize]
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

#[allow(clippy::manual_is_multiple_of)] // `is_multiple_of` is newer than the workspace's Rust 1.80
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A typical event: ~150 bytes of JSON and full metadata.
fn event(writer: usize, index: usize) -> NewEvent {
    let body = serde_json::json!({
        "order_id": format!("ord-{writer}-{index}"),
        "dealer": "DE-MUC-017",
        "model": "EV-5 Touring",
        "options": ["heat-pump", "tow-bar"],
        "price_minor": 5_349_000,
    });
    NewEvent::new("OrderAmended", Payload::from_value(&body).unwrap()).with_metadata(Metadata {
        causation_id: Some(Uuid::new_v4()),
        correlation_id: Some(Uuid::new_v4()),
        actor: Some("dealer:ana".into()),
        occurred_at: None,
    })
}

/// `writers` tasks, each appending `appends` batches of `batch` events to a stream of its own,
/// checked with `Exact` versions; latency is measured per append.
async fn appends(
    backend: &'static str,
    store: Arc<dyn EventStore>,
    writers: usize,
    appends: usize,
    batch: usize,
) -> Measured {
    let run = Uuid::new_v4().simple().to_string();
    // Events are built before the clock starts: the benchmark measures the store, not serde.
    let prepared: Vec<Vec<Vec<NewEvent>>> = (0..writers)
        .map(|writer| {
            (0..appends)
                .map(|append| {
                    (0..batch)
                        .map(|index| event(writer, append * batch + index))
                        .collect()
                })
                .collect()
        })
        .collect();
    let started = Instant::now();
    let tasks: Vec<_> = prepared
        .into_iter()
        .enumerate()
        .map(|(writer, batches)| {
            let store = Arc::clone(&store);
            let stream = StreamId::parse(format!("bench-{run}-{writer}")).unwrap();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(appends);
                let mut expected = ExpectedVersion::NoStream;
                for events in batches {
                    let begun = Instant::now();
                    let result = store.append(&stream, expected, events).await.unwrap();
                    latencies.push(begun.elapsed());
                    expected = ExpectedVersion::Exact(result.next_expected_version);
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let workload = if batch == 1 {
        format!(
            "single-event appends, {writers} writer{}",
            if writers == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{batch}-event batches, {writers} writer{}",
            if writers == 1 { "" } else { "s" }
        )
    };
    Measured {
        backend,
        workload,
        events: writers * appends * batch,
        elapsed,
        latencies,
    }
}

/// Reads the whole log from the start in pages of 1,000.
async fn read_all(backend: &'static str, store: &dyn EventStore) -> Measured {
    let started = Instant::now();
    let mut after = Position::START;
    let mut events = 0;
    loop {
        let page = store.read_all(after, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.position;
        events += page.len();
    }
    Measured {
        backend,
        workload: "read_all, pages of 1,000".into(),
        events,
        elapsed: started.elapsed(),
        latencies: Vec::new(),
    }
}

/// Opens a fresh (or the shared) store of a backend.
type Open<'a> = Box<dyn Fn() -> Pin<Box<dyn Future<Output = Arc<dyn EventStore>> + 'a>> + 'a>;

async fn run_backend(backend: &'static str, sizes: &Sizes, open: Open<'_>) -> Vec<Measured> {
    let mut results = Vec::new();
    for (writers, events) in sizes.single_events {
        let store = open().await;
        let measured = appends(backend, store, writers, events / writers, 1).await;
        measured.print();
        results.push(measured);
    }
    let store = open().await;
    for writers in sizes.batch_writers {
        let measured = appends(
            backend,
            Arc::clone(&store),
            writers,
            sizes.batches / writers,
            100,
        )
        .await;
        measured.print();
        results.push(measured);
    }
    let measured = read_all(backend, &*store).await;
    measured.print();
    results.push(measured);
    results
}

/// Plain SQLite: the same table, `count` inserts in one transaction, one fsync.
fn raw_sqlite_inserts(folder: &std::path::Path, count: usize) -> Measured {
    let path = folder.join("raw.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL,
           event_id BLOB NOT NULL UNIQUE, event_type TEXT NOT NULL, schema_version INTEGER NOT NULL, payload TEXT NOT NULL,
           causation_id BLOB, correlation_id BLOB, actor TEXT, recorded_at INTEGER NOT NULL,
           UNIQUE (stream_id, stream_version)) STRICT;",
    )
    .unwrap();
    let events: Vec<NewEvent> = (0..count).map(|index| event(0, index)).collect();
    let started = Instant::now();
    conn.execute_batch("BEGIN").unwrap();
    {
        let mut insert = conn
            .prepare("INSERT INTO events VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
            .unwrap();
        for (index, event) in events.iter().enumerate() {
            insert
                .execute(rusqlite::params![
                    index as i64 + 1,
                    format!("raw-{}", index / 100),
                    (index % 100) as i64,
                    event.event_id.as_bytes(),
                    event.event_type,
                    event.schema_version,
                    event.payload.as_str(),
                    event.metadata.causation_id.map(|id| id.into_bytes()),
                    event.metadata.correlation_id.map(|id| id.into_bytes()),
                    event.metadata.actor,
                    0_i64,
                ])
                .unwrap();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    Measured {
        backend: "SQLite (plain rusqlite)",
        workload: "inserts in one transaction (reference)".into(),
        events: count,
        elapsed: started.elapsed(),
        latencies: Vec::new(),
    }
}

#[tokio::main]
async fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "otd store benchmark: {cores} cores, {}",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    println!();
    println!("| backend | workload | events | events/s | p50 append | p99 append |");
    println!("|---|---|---:|---:|---:|---:|");

    if wanted("sqlite") {
        run_sqlite().await;
    }
    #[cfg(feature = "postgres")]
    if wanted("postgres") {
        postgres::run().await;
    }
}

/// Whether `OTD_BENCH_BACKENDS` (default: all) names the backend.
fn wanted(backend: &str) -> bool {
    std::env::var("OTD_BENCH_BACKENDS").map_or(true, |list| {
        list.split(',').any(|name| name.trim() == backend)
    })
}

async fn run_sqlite() {
    let folder = tempfile::tempdir().unwrap();
    let sqlite_sizes = Sizes {
        single_events: [
            (1, scaled(3_000)),
            (16, scaled(48_000)),
            (64, scaled(128_000)),
        ],
        batches: scaled(3_000),
        batch_writers: [1, 4, 16],
    };
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let open: Open<'_> = Box::new(|| {
        let number = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = folder.path().join(format!("bench-{number}.db"));
        Box::pin(
            async move { Arc::new(SqliteStore::open(&path).await.unwrap()) as Arc<dyn EventStore> },
        )
    });
    let sqlite = run_backend("SQLite", &sqlite_sizes, open).await;
    let raw = raw_sqlite_inserts(folder.path(), scaled(300_000));
    raw.print();

    let batch_rate = sqlite
        .iter()
        .find(|m| m.workload.starts_with("100-event batches, 1 "));
    if let Some(batch) = batch_rate {
        let ratio = (batch.events as f64 / batch.elapsed.as_secs_f64())
            / (raw.events as f64 / raw.elapsed.as_secs_f64());
        println!();
        println!(
            "SQLite 100-event batches (1 writer) reach {:.0}% of plain inserts in one transaction.",
            ratio * 100.0
        );
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;

    pub async fn run() {
        let url = std::env::var("OTD_BENCH_POSTGRES_URL")
            .or_else(|_| std::env::var("OTD_TEST_POSTGRES_URL"))
            .ok()
            .filter(|url| !url.is_empty());
        let Some(url) = url else {
            println!();
            println!("PostgreSQL skipped: set OTD_BENCH_POSTGRES_URL (or OTD_TEST_POSTGRES_URL) to include it.");
            return;
        };
        let schema = format!("otd_bench_{}", Uuid::new_v4().simple());
        let sizes = Sizes {
            single_events: [
                (1, scaled(2_000)),
                (16, scaled(24_000)),
                (64, scaled(64_000)),
            ],
            batches: scaled(1_000),
            batch_writers: [1, 4, 16],
        };
        println!();
        let store = Arc::new(
            store::PostgresStore::connect(&url, Some(&schema))
                .await
                .unwrap(),
        );
        let open: Open<'_> = Box::new(|| {
            let store = Arc::clone(&store) as Arc<dyn EventStore>;
            Box::pin(async move { store })
        });
        run_backend("PostgreSQL", &sizes, open).await;
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .unwrap();
    }
}
