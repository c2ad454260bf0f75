//! A child process for the crash test: projects the SQLite log in a folder, printing each
//! committed position, and exits once it has caught up with the log.
//!
//! `otd-projection-child DIR [MAX_BATCH] [COMMIT_EVERY]` prints `committed N` (the lowest
//! checkpoint) after every commit and `caught-up N` at the end. The crash test kills it
//! with SIGKILL at random moments and checks that nothing was lost or applied twice.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use projections::{all_projections, Runner, RunnerOptions, SqlitePages, SqliteReadModels};
use store::{EventStore, SqliteStore};

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start a runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("otd-projection-child: {error}");
            ExitCode::FAILURE
        }
    }
}

fn number(arg: Option<String>, default: usize) -> usize {
    arg.and_then(|a| a.parse().ok()).unwrap_or(default)
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: otd-projection-child DIR [MAX_BATCH] [COMMIT_EVERY]")?;
    let max_batch = number(args.next(), 50);
    let commit_every = number(args.next(), 200);
    let sqlite = SqliteStore::open(&dir).await.map_err(|e| e.to_string())?;
    let read_models = SqliteReadModels::open(&sqlite)
        .await
        .map_err(|e| e.to_string())?;
    let pages = SqlitePages::open(&sqlite).map_err(|e| e.to_string())?;
    let events: Arc<dyn EventStore> = Arc::new(sqlite);
    let head = events.head().await.map_err(|e| e.to_string())?;
    let options = RunnerOptions {
        max_batch,
        commit_every,
        pages: Some(Arc::new(pages)),
        ..RunnerOptions::default()
    };
    let runner = Runner::start(events, Arc::new(read_models), all_projections(), options)
        .await
        .map_err(|e| e.to_string())?;
    let mut progress = runner.progress();
    let mut stdout = std::io::stdout();
    loop {
        let snapshot = progress.snapshot();
        if let Some(error) = &snapshot.last_error {
            return Err(error.clone());
        }
        if let Some(failed) = snapshot.failed_below(head) {
            return Err(format!(
                "projection {} stopped: {:?}",
                failed.name, failed.failure
            ));
        }
        let reached = snapshot.reached();
        if reached >= head {
            let _ = writeln!(stdout, "caught-up {reached}");
            let _ = stdout.flush();
            break;
        }
        let _ = writeln!(stdout, "committed {reached}");
        let _ = stdout.flush();
        progress.changed().await.map_err(|e| e.to_string())?;
    }
    runner.stop().await;
    Ok(())
}
