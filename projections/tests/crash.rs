//! A process killed (SIGKILL) while projecting loses and duplicates nothing: a child
//! projects a pre-filled SQLite log in small commits and is killed at random moments, round
//! after round; at the end its read models equal a clean rebuild and every checkpoint is the
//! log's head.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use projections::{all_projections, rebuild, ReadModelStore, RunnerOptions, SqliteReadModels};
use store::{EventStore, SqliteStore};
use support::world::World;

/// A small deterministic random source (xorshift), seeded per run and printed on failure.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// Fills the log with whole order lifecycles (stock and builds), through the deciders.
async fn fill(dir: &std::path::Path, orders: u32) -> store::Position {
    let events: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir).await.unwrap());
    let mut w = World::new(Arc::clone(&events));
    w.open_capacity("P-LEIPZIG", "2026-W51", orders)
        .await
        .unwrap();
    let mut built = Vec::new();
    for n in 0..orders {
        let dealer = ["D-BER-01", "D-MUC-01", "D-HAM-01"][n as usize % 3];
        let order = w
            .place(&format!("C-{n}"), dealer, "DE", "AURA", &[])
            .await
            .unwrap();
        if n % 2 == 0 {
            let car = w.register_stock("DE", "AURA", &[], "P-LEIPZIG").await;
            w.allocate(order, car).await.unwrap();
            w.dispatch(order, car).await.unwrap();
            w.delay(Some(order), car, "storm", 4).await.unwrap();
            w.arrive(Some(order), car).await.unwrap();
            w.invoice(order).await.unwrap();
            let due = w.outstanding(order).await;
            w.pay(order, due).await.unwrap();
            w.book_handover(order, 1).await.unwrap();
            w.hand_over(order).await.unwrap();
        } else {
            w.schedule(order, "2026-W51").await.unwrap();
            built.push(order);
        }
    }
    w.advance(21);
    for (order, vehicle) in w.start_production("P-LEIPZIG", "2026-W51").await.unwrap() {
        w.complete_build(order, vehicle).await.unwrap();
        w.dispatch(order, vehicle).await.unwrap();
    }
    w.head().await
}

fn spawn(dir: &std::path::Path, max_batch: u64, commit_every: u64) -> Child {
    Command::new(env!("CARGO_BIN_EXE_otd-projection-child"))
        .arg(dir)
        .arg(max_batch.to_string())
        .arg(commit_every.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_projection_process_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let head = fill(dir.path(), 60).await;
    assert!(
        head.0 > 800,
        "the log is long enough to be killed in the middle: {head}"
    );

    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    eprintln!("crash test seed {seed}");
    let mut random = Random(seed);
    let mut kills = 0;
    for _round in 0..12 {
        let mut child = spawn(dir.path(), 5 + random.below(40), 10 + random.below(150));
        let stdout = child.stdout.take().unwrap();
        // Kill after a random number of commits (0: during start-up).
        let commits = random.below(6);
        let mut lines = BufReader::new(stdout).lines();
        let mut finished = false;
        for _ in 0..commits {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("caught-up") => {
                    finished = true;
                    break;
                }
                Some(Ok(_)) => {}
                _ => {
                    finished = true;
                    break;
                }
            }
        }
        if !finished {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(kills > 0, "seed {seed}: no round was killed");

    // The last run finishes.
    let mut child = spawn(dir.path(), 50, 200);
    let stdout = child.stdout.take().unwrap();
    let last = BufReader::new(stdout).lines().map_while(Result::ok).last();
    assert_eq!(last, Some(format!("caught-up {head}")), "seed {seed}");
    assert!(child.wait().unwrap().success());

    let sqlite = SqliteStore::open(dir.path()).await.unwrap();
    let read_models: Arc<dyn ReadModelStore> =
        Arc::new(SqliteReadModels::open(&sqlite).await.unwrap());
    for projection in all_projections() {
        let checkpoint = read_models.checkpoint(projection.name()).unwrap().unwrap();
        assert_eq!(
            checkpoint.position,
            head,
            "seed {seed}: {}",
            projection.name()
        );
    }
    let survived = support::dump(&read_models);
    let events: Arc<dyn EventStore> = Arc::new(sqlite);
    rebuild(
        events,
        Arc::clone(&read_models),
        all_projections(),
        None,
        RunnerOptions::default(),
    )
    .await
    .unwrap();
    let clean = support::dump(&read_models);
    support::assert_same_documents(&clean, &survived);
}
