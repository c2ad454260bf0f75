//! Kills a process that is appending to a SQLite store with SIGKILL at random moments, then
//! checks on reopening that every acknowledged append is there, no batch is partly visible,
//! positions are contiguous and the store takes new appends.

#![allow(clippy::unwrap_used)] // tests may unwrap

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use store::{
    EventStore, ExpectedVersion, NewEvent, Payload, Position, RecordedEvent, SqliteStore, StreamId,
};
use uuid::Uuid;

const ROUNDS: usize = 40;

/// One acknowledged append, as the child reported it.
#[derive(Debug, Clone, Copy)]
struct Ack {
    first: u64,
    last: u64,
    batch: Uuid,
}

fn parse_ack(line: &str) -> Ack {
    let parts: Vec<&str> = line.split_whitespace().collect();
    assert!(
        parts.len() == 4 && parts[0] == "ack",
        "unexpected line from the child: {line:?}"
    );
    Ack {
        first: parts[1].parse().unwrap(),
        last: parts[2].parse().unwrap(),
        batch: parts[3].parse().unwrap(),
    }
}

/// Runs the child until it has acknowledged `kill_after` appends, kills it, and returns every
/// acknowledgement it printed before dying.
fn run_and_kill(path: &std::path::Path, kill_after: usize) -> Vec<Ack> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash_writer"))
        .arg(path)
        .arg("8")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut acks = Vec::new();
    let mut line = String::new();
    while acks.len() < kill_after {
        line.clear();
        if lines.read_line(&mut line).unwrap() == 0 {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            panic!(
                "the child stopped by itself after {} acks: {stderr}",
                acks.len()
            );
        }
        acks.push(parse_ack(&line));
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no flush, no clean close.
    child.wait().unwrap();
    // Lines printed before the kill are acknowledged too; a torn last line is not.
    loop {
        line.clear();
        if lines.read_line(&mut line).unwrap() == 0 || !line.ends_with('\n') {
            break;
        }
        acks.push(parse_ack(&line));
    }
    acks
}

/// Checks the reopened store against everything acknowledged so far.
fn check(log: &[RecordedEvent], acknowledged: &[Ack]) {
    for (index, event) in log.iter().enumerate() {
        assert_eq!(
            event.position,
            Position(index as u64 + 1),
            "positions are contiguous"
        );
    }
    let mut batches: HashMap<String, Vec<&RecordedEvent>> = HashMap::new();
    for event in log.iter().filter(|event| event.event_type == "CrashTested") {
        let body: serde_json::Value = event.payload.parse().unwrap();
        batches
            .entry(body["batch"].as_str().unwrap().to_owned())
            .or_default()
            .push(event);
    }
    for (batch, events) in &batches {
        let body: serde_json::Value = events[0].payload.parse().unwrap();
        let size = body["size"].as_u64().unwrap() as usize;
        assert_eq!(events.len(), size, "batch {batch} is partly visible");
        for (index, event) in events.iter().enumerate() {
            assert_eq!(
                event.position.0,
                events[0].position.0 + index as u64,
                "batch {batch} is not contiguous"
            );
            assert_eq!(
                event.payload.parse::<serde_json::Value>().unwrap()["index"],
                index
            );
        }
    }
    for ack in acknowledged {
        let events = batches.get(&ack.batch.to_string());
        let events = events.unwrap_or_else(|| panic!("acknowledged batch {} is lost", ack.batch));
        assert_eq!(
            (events[0].position.0, events[events.len() - 1].position.0),
            (ack.first, ack.last)
        );
    }
}

async fn read_everything(store: &SqliteStore) -> Vec<RecordedEvent> {
    let mut all: Vec<RecordedEvent> = Vec::new();
    loop {
        let page = store
            .read_all(all.last().map_or(Position::START, |e| e.position), 10_000)
            .await
            .unwrap();
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

#[tokio::test]
async fn acknowledged_appends_survive_sigkill_and_no_batch_is_partly_visible() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("events.db");
    let mut acknowledged = Vec::new();
    let mut seed = Uuid::new_v4().as_u128();
    for round in 0..ROUNDS {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let kill_after = 1 + (seed >> 64) as usize % 200;
        acknowledged.extend(run_and_kill(&path, kill_after));

        let store = SqliteStore::open(&path).await.unwrap();
        let log = read_everything(&store).await;
        check(&log, &acknowledged);
        let marker = NewEvent::new(
            "AfterCrash",
            Payload::from_value(&serde_json::json!({ "round": round })).unwrap(),
        );
        let marker_batch = store
            .append(
                &StreamId::parse("after-crash").unwrap(),
                ExpectedVersion::Any,
                vec![marker],
            )
            .await
            .unwrap();
        assert_eq!(
            marker_batch.first_position,
            Position(log.len() as u64 + 1),
            "the store takes new appends"
        );
    }
    assert!(
        acknowledged.len() >= ROUNDS,
        "every round acknowledged something"
    );
}
