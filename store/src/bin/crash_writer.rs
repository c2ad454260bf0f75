//! A child process for the SQLite crash test (`store/tests/sqlite_crash.rs`): appends
//! multi-event batches from several concurrent writers until it is killed, and prints one line
//! per acknowledged append on stdout: `ack <first position> <last position> <batch id>`.
//!
//! Usage: `crash_writer <database path> <writers>`. Each event's payload names its batch, its
//! index in the batch and the batch size, so the test can check every batch is all-or-nothing.

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use store::{EventStore, ExpectedVersion, NewEvent, Payload, SqliteStore, StreamId};
use uuid::Uuid;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(writers)) = (
        args.next(),
        args.next().and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: crash_writer <database path> <writers>");
        return ExitCode::from(2);
    };
    let store = match SqliteStore::open(&path).await {
        Ok(store) => store,
        Err(err) => {
            eprintln!("cannot open {path}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let stdout = Arc::new(Mutex::new(std::io::stdout()));
    let tasks: Vec<_> = (0..writers)
        .map(|writer| tokio::spawn(append_forever(store.clone(), writer, Arc::clone(&stdout))))
        .collect();
    for task in tasks {
        if let Ok(Err(message)) = task.await {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

async fn append_forever(
    store: SqliteStore,
    writer: usize,
    stdout: Arc<Mutex<std::io::Stdout>>,
) -> Result<(), String> {
    for round in 0u64.. {
        let batch = Uuid::new_v4();
        let size = (batch.as_u128() % 5) as usize + 1;
        let events = (0..size)
            .map(|index| {
                let body = serde_json::json!({ "batch": batch, "index": index, "size": size });
                Payload::from_value(&body).map(|payload| NewEvent::new("CrashTested", payload))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| err.to_string())?;
        let stream = StreamId::parse(format!("crash-{writer}-{}", round % 3))
            .map_err(|err| err.to_string())?;
        let result = store
            .append(&stream, ExpectedVersion::Any, events)
            .await
            .map_err(|err| err.to_string())?;
        let mut out = stdout
            .lock()
            .map_err(|_| "stdout lock poisoned".to_string())?;
        writeln!(
            out,
            "ack {} {} {batch}",
            result.first_position, result.last_position
        )
        .and_then(|()| out.flush())
        .map_err(|err| err.to_string())?;
    }
    Ok(())
}
