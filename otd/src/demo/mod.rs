//! `otd demo`: a simulated network doing business for a number of weeks.
//!
//! The demo opens the embedded default (SQLite in a fresh data folder) with
//! a simulated business clock and plays the demo network day by day:
//! planners open capacity, register and move stock and record production
//! and shipment milestones; customers order online and in showrooms (some
//! with configurations the rules refuse), amend and cancel; finance records
//! payments; dealers book appointments and hand cars over. Every action is
//! a call of the same application services the HTTP API calls, under the
//! actor's name, so the demo has no back door and its rejections are the
//! ones a user would see. Fulfilment, shipment planning, invoicing and
//! commission happen by themselves in the process managers.
//!
//! The business is deterministic for a given seed: the actors draw from one
//! seeded RNG, read the views in key order, and after each step that
//! changes what fulfilment can choose from the demo waits until the process
//! managers and the projections have handled the whole log
//! (`World::settle`). Event ids and timestamps differ between runs; the
//! figures of the report do not.
//!
//! - `configs`: random configurations from the catalog, valid or not.
//! - `world`: what the actors share: the services, the views, the RNG, the
//!   tally of what happened and refusals counted as a user would see them.
//! - `script`: one simulated day, phase by phase.
//! - `planners`, `logistics`, `customers`, `office`: the actors.
//! - `leads`, `drives`: the dealers' business hours: leads from every source, their
//!   answers (the SLA watcher records the late ones' breaches as the clock passes them),
//!   follow-ups, lost requests and test drives; some orders name their lead.
//! - `report`, `crm_report`: the figures at the end, from the read models.

mod configs;
mod crm_report;
mod customers;
mod drives;
mod follow_ups;
mod leads;
mod logistics;
mod messages_report;
mod office;
mod people;
mod planners;
mod report;
mod script;
mod world;

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use api::runtime::Runtime;

use crate::settings::Settings;

pub use report::Report;

/// The day the demo starts when no `--start` is given (a Monday).
pub const DEFAULT_START: &str = "2026-11-23";
/// The data folder when no `--data` is given.
pub const DEFAULT_DATA: &str = "./otd-demo";

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Simulated weeks (1 to 104).
    pub weeks: u32,
    /// The seed of the actors' RNG: the same seed gives the same business.
    pub seed: u64,
    /// The data folder (SQLite).
    pub data: PathBuf,
    /// The first simulated day.
    pub start: NaiveDate,
    /// Customers' orders per day on average (weekdays; fewer at weekends).
    pub orders_per_day: u32,
    /// Delete an event store already in the data folder first.
    pub fresh: bool,
    /// Keep the HTTP server up afterwards on this address.
    pub serve: Option<SocketAddr>,
    /// A catalog file instead of the demo catalog.
    pub catalog: Option<PathBuf>,
}

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0}")]
    Setup(String),
    #[error("the data folder {data} already holds {events} events; the demo runs on a fresh one: pass --fresh to delete its event store first, or choose another --data")]
    NotFresh { data: String, events: u64 },
    #[error("event store: {0}")]
    Store(#[from] store::StoreError),
    #[error("read models: {0}")]
    View(#[from] projections::ReadModelError),
    #[error("{action} failed: {error}")]
    Service {
        action: &'static str,
        error: app::ServiceError,
    },
    #[error("the engine did not settle: {0}")]
    Settle(String),
}

/// Runs the demo: simulates, prints the report, and serves afterwards when
/// asked.
pub async fn run(options: DemoOptions) -> Result<(), String> {
    validate(&options)?;
    let settings = settings(&options)?;
    prepare_folder(&options.data, options.fresh).map_err(|e| e.to_string())?;
    let runtime = crate::stores::start_sending(&settings, false)
        .await
        .map_err(|e| e.to_string())?;
    let outcome = simulate_and_report(&runtime, &options).await;
    let outcome = match (outcome, options.serve) {
        (Ok(()), Some(address)) => serve(&runtime, address).await,
        (outcome, _) => outcome.map_err(|e| e.to_string()),
    };
    if tokio::time::timeout(Duration::from_secs(30), runtime.shutdown())
        .await
        .is_err()
    {
        eprintln!("otd: stopping the engine took longer than 30 s");
    }
    outcome
}

fn validate(options: &DemoOptions) -> Result<(), String> {
    // The demo plans capacity some weeks past its last day: all of it must stay in the
    // business calendar (production weeks 1000-W01 to 9999-W51).
    let planned_days = u64::from(options.weeks + planners::HORIZON_WEEKS + 4) * 7;
    let in_calendar = options.start.year() >= 1000
        && options
            .start
            .checked_add_days(chrono::Days::new(planned_days))
            .is_some_and(|end| end <= domain::values::last_day());
    if !in_calendar {
        return Err(format!(
            "--start {}: the demo and the weeks it plans ahead must lie between the years \
             1000 and 9999",
            options.start
        ));
    }
    if !(1..=104).contains(&options.weeks) {
        return Err(format!(
            "--weeks {}: the demo runs 1 to 104 weeks",
            options.weeks
        ));
    }
    if !(1..=200).contains(&options.orders_per_day) {
        return Err(format!(
            "--orders-per-day {}: choose 1 to 200",
            options.orders_per_day
        ));
    }
    Ok(())
}

/// The embedded default in the data folder, on a simulated clock; the
/// secret (for `--serve` tokens) from `OTD_JWT_SECRET` or the data folder.
fn settings(options: &DemoOptions) -> Result<Settings, String> {
    let mut flags = vec![
        "--data".into(),
        options.data.clone().into_os_string(),
        "--backend".into(),
        "sqlite".into(),
        "--clock".into(),
        format!("sim:{}", options.start).into(),
    ];
    if let Some(address) = options.serve {
        flags.extend(["--listen".into(), address.to_string().into()]);
    }
    if let Some(catalog) = &options.catalog {
        flags.extend(["--catalog".into(), catalog.clone().into_os_string()]);
    }
    Settings::from_flags::<_, std::ffi::OsString>(flags).map_err(|e| e.to_string())
}

/// With `fresh`, deletes the event store (and the read models in it) from
/// the data folder; nothing else there is touched.
fn prepare_folder(data: &Path, fresh: bool) -> Result<(), DemoError> {
    if !fresh {
        return Ok(());
    }
    let file = data.join(store::sqlite::FILE_NAME);
    for suffix in ["", "-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", file.display()));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(DemoError::Setup(format!(
                    "cannot delete {}: {e}",
                    path.display()
                )))
            }
        }
    }
    Ok(())
}

async fn simulate_and_report(runtime: &Runtime, options: &DemoOptions) -> Result<(), DemoError> {
    let store = runtime.state.executor.store().clone();
    let first = store.head().await?;
    if first.0 > 0 {
        return Err(DemoError::NotFresh {
            data: options.data.display().to_string(),
            events: first.0,
        });
    }
    let days = options.weeks * 7;
    let bar = progress_bar(u64::from(days));
    let started = Instant::now();
    let people = runtime
        .state
        .people
        .clone()
        .ok_or_else(|| DemoError::Setup("the engine keeps no customer records".into()))?;
    let mut world = world::World::new(runtime, people, options.seed, options.orders_per_day);
    let accounts = people::accounts(&mut world).await?;
    for day in 0..days {
        if day > 0 {
            // To the next day's 08:00, past the hours the leads were worked in.
            let rest = app::MINUTES_PER_DAY.saturating_sub(world.minutes_today);
            world.advance(rest).await?;
        }
        world.minutes_today = 0;
        script::simulate_day(&mut world, day).await?;
        let head = store.head().await?;
        bar.set_message(format!(
            "{}  {} orders  {} events",
            world.today(),
            world.tally.orders_placed(),
            head.0
        ));
        bar.inc(1);
    }
    world.settle().await?;
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    let report = Report::gather(&world, options, first, elapsed).await?;
    print!("{report}");
    print_sign_ins(runtime, &mut world, &accounts).await?;
    Ok(())
}

/// Who to sign in as (the web UI's sign-in page, or `POST /api/v1/sessions`), and the
/// e-mail verification link of a fresh sign-up, as development mode returns it.
async fn print_sign_ins(
    runtime: &Runtime,
    world: &mut world::World<'_>,
    accounts: &[people::SignInAs],
) -> Result<(), DemoError> {
    println!();
    println!("Sign in as (password for all: {}):", people::DEMO_PASSWORD);
    let width = accounts.iter().map(|a| a.email.len()).max().unwrap_or(0);
    for account in accounts {
        println!(
            "  {:<width$}  {:<17} {}",
            account.email, account.role, account.who
        );
    }
    let market =
        domain::values::MarketCode::parse("DE").map_err(|e| DemoError::Setup(e.to_string()))?;
    let fresh = people::new_sign_up(world, &market).await?;
    let link = runtime
        .state
        .auth
        .verification_link(&fresh)
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    println!(
        "A new sign-up ({fresh}) verifies its e-mail address with (in development mode the \
         server answers the link instead of mailing it):\n  {link}"
    );
    Ok(())
}

/// One bar over the simulated days on stderr; hidden when stderr is not a
/// terminal.
fn progress_bar(days: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(days), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{prefix} [{bar:40}] day {pos}/{len}  {msg}  ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix("otd demo");
    bar
}

/// Keeps the HTTP API up on the demo's engine until SIGINT or SIGTERM.
async fn serve(runtime: &Runtime, address: SocketAddr) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    println!();
    println!("browse the result at http://{address} (Ctrl-C stops); ready-made tokens (8 h):");
    crate::serve::print_tokens(runtime, &address.to_string());
    let app = api::app(runtime.state.clone());
    api::connections::serve(
        listener,
        app,
        api::connections::ConnectionLimits::default(),
        crate::serve::shutdown_signal(),
    )
    .await;
    Ok(())
}
