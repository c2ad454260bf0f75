//! The rebuild benchmark: `cargo bench -p projections`.
//!
//! Generates a log of realistic order lifecycles (`OTD_BENCH_EVENTS`, default 1,000,000
//! events) in a SQLite event store, then rebuilds every projection from position 0 into the
//! same database file and prints the time to generate, the time to rebuild and events/s.
//! `OTD_BENCH_DIR` keeps the database in that folder (and reuses a log already there),
//! instead of a temporary one.

#![allow(clippy::unwrap_used)] // a benchmark may stop at the first failure

mod generate;

use std::sync::Arc;
use std::time::Instant;

use projections::{all_projections, rebuild, RunnerOptions, SqlitePages, SqliteReadModels};
use store::{EventStore, Position, SqliteStore};

fn target_events() -> usize {
    std::env::var("OTD_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).rem_euclid(3) == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let kept = std::env::var("OTD_BENCH_DIR").ok();
    let temp = tempfile::tempdir().unwrap();
    let dir = kept
        .as_deref()
        .map_or(temp.path().to_path_buf(), Into::into);
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = SqliteStore::open(&dir).await.unwrap();
    let events: Arc<dyn EventStore> = Arc::new(sqlite.clone());

    let target = target_events();
    let existing = events.head().await.unwrap();
    if existing == Position::START {
        let started = Instant::now();
        let generated = generate::generate(&events, target).await;
        let took = started.elapsed();
        println!(
            "generated {} events in {:.1} s ({} events/s appended)",
            thousands(generated as u64),
            took.as_secs_f64(),
            thousands((generated as f64 / took.as_secs_f64()) as u64)
        );
    } else {
        println!(
            "reusing the log of {} events in {}",
            thousands(existing.0),
            dir.display()
        );
    }
    let head = events.head().await.unwrap();

    if std::env::var("OTD_BENCH_READ").is_ok() {
        use projections::LogPages;
        let pages = SqlitePages::open(&sqlite).unwrap();
        let interest = projections::interest_of(&all_projections());
        let started = Instant::now();
        let mut after = Position::START;
        let mut n = 0;
        loop {
            let page = pages.read(after, 5000, &interest).unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().unwrap().position;
            n += page.len();
        }
        println!("read+decoded {n} in {:?}", started.elapsed());
        return;
    }
    let read_models = Arc::new(SqliteReadModels::open(&sqlite).await.unwrap());
    let started = Instant::now();
    let reached = rebuild(
        Arc::clone(&events),
        read_models,
        all_projections(),
        None,
        RunnerOptions {
            pages: Some(Arc::new(SqlitePages::open(&sqlite).unwrap())),
            ..RunnerOptions::default()
        },
    )
    .await
    .unwrap();
    let took = started.elapsed();
    assert_eq!(reached, head);
    println!(
        "rebuilt {} projections from {} events in {:.2} s: {} events/s (SQLite, {} cores)",
        all_projections().len(),
        thousands(head.0),
        took.as_secs_f64(),
        thousands((head.0 as f64 / took.as_secs_f64()) as u64),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}
