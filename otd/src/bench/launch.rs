//! `otd bench launch`: a model's order opening against the real `otd serve`.
//!
//! 1. Starts the server as child processes (SQLite: one; PostgreSQL: `--workers` processes
//!    on one fresh schema, the orders spread over them), registers customers, opens enough
//!    production capacity and registers some matching stock, as a planner over HTTP.
//! 2. Offers orders open loop at `--rate` per second for `--seconds`, and meanwhile follows
//!    each acknowledged order until its tracker shows its vehicle or week and its ETA
//!    ([`super::launch_track`]), and reads an order's tracker and a dealer's board at fixed
//!    rates.
//! 3. Waits for the backlog to drain, checks the read models and then the log
//!    ([`super::launch_audit`]), and prints one JSON line; fails when the run did not verify.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hyper::body::Bytes;
use hyper::{Method, StatusCode};
use serde::Serialize;
use tokio::sync::{mpsc, watch};

use super::callers::{open_capacity, Callers, CONFIGURATIONS, CUSTOMERS};
use super::data::DataFolder;
use super::launch_audit::{self, Audit};
use super::launch_track::{self, Acked, Tracking};
use super::lifecycle::BenchBackend;
use super::open_loop::{self, Answered, Call, Http, Run};
use super::server::Server;
use super::stats::Samples;

/// The simulated business date the servers run at.
const CLOCK: &str = "sim:2026-11-23";
/// The plant whose weeks are opened (the demo catalog's AURA is built there).
const PLANT: &str = "P-LEIPZIG";
/// The most worker processes on PostgreSQL.
const MAX_WORKERS: usize = 8;

/// Options of `otd bench launch`.
#[derive(clap::Args, Debug, Clone)]
pub struct LaunchArgs {
    /// Orders offered per second.
    #[arg(long, default_value_t = 2_000.0)]
    pub rate: f64,
    /// Seconds of order opening.
    #[arg(long, default_value_t = 120)]
    pub seconds: u64,
    /// The event store: the embedded SQLite default (one process), or PostgreSQL.
    #[arg(long, value_enum, default_value_t = BenchBackend::Sqlite)]
    pub backend: BenchBackend,
    /// PostgreSQL to run on with `--backend postgres` (a fresh schema is created and dropped).
    #[arg(long, env = "OTD_POSTGRES_URL")]
    pub postgres_url: Option<String>,
    /// `otd serve` processes (PostgreSQL only; SQLite runs one): each serves the API and
    /// runs the workers (`--role all`) on the one schema, and the orders are spread over
    /// them, as a load balancer would.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// Vehicles of matching stock registered before the opening (the rest is built).
    #[arg(long, default_value_t = 200)]
    pub stock: u64,
    /// Seconds the backlog may take to drain after the last order was offered; orders still
    /// unfulfilled then fail the run.
    #[arg(long, default_value_t = 300)]
    pub drain_seconds: u64,
    /// Reads of one order's tracker per second during the opening.
    #[arg(long, default_value_t = 50.0)]
    pub tracker_rate: f64,
    /// Reads of a dealer's board per second during the opening.
    #[arg(long, default_value_t = 5.0)]
    pub board_rate: f64,
    /// The data folder (must not hold a store yet); a temporary one, removed afterwards, when
    /// omitted.
    #[arg(long)]
    pub data: Option<PathBuf>,
}

/// The JSON line the benchmark prints: the issue's fields, then the extra ones.
#[derive(Debug, Serialize)]
pub struct Report {
    pub bench: &'static str,
    pub backend: &'static str,
    pub offered_per_s: f64,
    pub seconds: u64,
    /// Orders acknowledged (201).
    pub orders: u64,
    /// Acknowledged orders per second of the opening.
    pub placed_per_s: f64,
    /// Orders fulfilled per second, from the first offer to the last order seen fulfilled.
    pub fulfilled_per_s: f64,
    pub p50_ms_to_eta: f64,
    pub p99_ms_to_eta: f64,
    pub max_ms_to_eta: f64,
    pub max_backlog: u64,
    pub overbooked: u64,
    pub double_held: u64,
    pub verified: bool,
    pub cores: usize,
    pub date: String,
    /// `otd serve` processes.
    pub workers: usize,
    /// Orders offered but not acknowledged (errors, timeouts).
    pub failed: u64,
    /// Orders not seen fulfilled when the bench stopped waiting.
    pub unfulfilled: u64,
    /// Placement latency (scheduled start to acknowledgement).
    pub p99_ms_to_ack: f64,
    /// How late a fulfilment may be seen: the tracker's mean poll period.
    pub eta_resolution_ms: f64,
    pub tracker_reads: u64,
    pub tracker_p99_ms: f64,
    pub board_reads: u64,
    pub board_p99_ms: f64,
    /// Reads that failed.
    pub read_failures: u64,
    /// The largest peak resident memory of any server process.
    pub peak_rss_mb: f64,
}

/// Runs the benchmark, prints its JSON line, and fails when the run did not verify.
pub async fn run(args: LaunchArgs) -> Result<(), String> {
    let usable = |rate: f64| rate.is_finite() && rate > 0.0;
    if !usable(args.rate) || !usable(args.tracker_rate) || !usable(args.board_rate) {
        return Err(
            "--rate, --tracker-rate and --board-rate must be positive, finite numbers".into(),
        );
    }
    if args.seconds == 0 {
        return Err("--seconds must be at least 1".into());
    }
    if args.workers == 0 || args.workers > MAX_WORKERS {
        return Err(format!("--workers is 1 to {MAX_WORKERS}"));
    }
    if args.backend == BenchBackend::Sqlite && args.workers != 1 {
        return Err(
            "--workers needs --backend postgres: on SQLite one process owns the data folder".into(),
        );
    }
    let data = DataFolder::prepare(args.data.as_deref(), "launch")?;
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    match args.backend {
        BenchBackend::Sqlite => {
            let server = Server::start(data.path(), &secret, CLOCK).await?;
            let servers = [server];
            let measured = measure(&args, &servers, &secret).await?;
            // Killed: what the log holds is what the server acknowledged durably.
            drop(servers);
            let events = store::SqliteStore::open(data.path())
                .await
                .map_err(|e| format!("opening the store after the run: {e}"))?;
            finish(measured, &events).await
        }
        BenchBackend::Postgres => {
            let url = args
                .postgres_url
                .as_deref()
                .ok_or("--backend postgres needs --postgres-url (or OTD_POSTGRES_URL)")?;
            let schema = store::ThrowawaySchema::new(url, "otd_launch");
            let servers = start_on_postgres(&args, data.path(), &secret, url, &schema).await?;
            let measured = measure(&args, &servers, &secret).await?;
            drop(servers);
            let events = store::PostgresStore::connect(url, Some(schema.name()))
                .await
                .map_err(|e| format!("opening the store after the run: {e}"))?;
            finish(measured, &events).await
        }
    }
}

/// `--workers` servers on one PostgreSQL schema, sharing one vault master key (each its own
/// data folder for its log).
async fn start_on_postgres(
    args: &LaunchArgs,
    data: &std::path::Path,
    secret: &str,
    url: &str,
    schema: &store::ThrowawaySchema,
) -> Result<Vec<Server>, String> {
    let master_key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let flags = [
        "--backend",
        "postgres",
        "--postgres-url",
        url,
        "--postgres-schema",
        schema.name(),
    ]
    .map(str::to_owned);
    let mut servers = Vec::with_capacity(args.workers);
    for n in 0..args.workers {
        let folder = data.join(format!("server-{n}"));
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        let env = [("OTD_MASTER_KEY", master_key.clone())];
        servers.push(Server::start_with(&folder, secret, CLOCK, &flags, &env).await?);
    }
    Ok(servers)
}

/// The parts of the report the run measured, and what the audit needs afterwards.
struct Measured {
    report: Report,
    acked: Vec<String>,
    views: Audit,
}

async fn measure(args: &LaunchArgs, servers: &[Server], secret: &str) -> Result<Measured, String> {
    let targets: Vec<Http> = servers
        .iter()
        .map(|s| Http::new(format!("http://{}", s.address)))
        .collect();
    let http = targets[0].clone();
    let planned = (args.rate * args.seconds as f64).ceil() as u64;
    let callers = Arc::new(Callers::register(&http, secret, planned.min(CUSTOMERS)).await?);
    open_capacity(&http, &callers, planned).await?;
    register_stock(&http, &callers, args.stock).await?;
    let probe = probe_order(&http, &callers).await?;

    let (ack_tx, ack_rx) = mpsc::unbounded_channel();
    let (offered_tx, offered_rx) = watch::channel(false);
    let tracker = tokio::spawn(launch_track::follow(
        http.clone(),
        Arc::clone(&callers.planner),
        ack_rx,
        offered_rx,
        Duration::from_secs(args.drain_seconds),
    ));
    let observe: Arc<dyn Fn(&Answered) + Send + Sync> = Arc::new(move |answered: &Answered| {
        let json: serde_json::Value =
            serde_json::from_slice(&answered.reply.body).unwrap_or_default();
        if let (Some(id), Some(position)) = (json["order_id"].as_str(), json["position"].as_u64()) {
            let _ = ack_tx.send(Acked {
                order_id: id.to_owned(),
                position,
                scheduled: answered.scheduled,
            });
        }
    });
    let duration = Duration::from_secs(args.seconds);
    let started = Instant::now();
    let order_callers = Arc::clone(&callers);
    let offering = open_loop::run_observed(
        &targets,
        args.rate,
        duration,
        0,
        StatusCode::CREATED,
        move |n| order_callers.order(n),
        observe,
    );
    let tracker_reads = open_loop::run(&http, args.tracker_rate, duration, 0, StatusCode::OK, {
        let call = probe.clone();
        move |_| call.clone()
    });
    let board_callers = Arc::clone(&callers);
    let board_reads = open_loop::run(&http, args.board_rate, duration, 0, StatusCode::OK, {
        move |_| board_callers.board(None)
    });
    let (mut placed, mut tracker_reads, mut board_reads) =
        tokio::join!(offering, tracker_reads, board_reads);
    // The observer (and with it the acknowledgements' sender) went with the offering.
    let _ = offered_tx.send(true);
    let tracking = tracker
        .await
        .map_err(|e| format!("the tracker failed: {e}"))?;
    let peak_rss_kib = servers.iter().filter_map(Server::peak_rss_kib).max();
    let views = launch_audit::views(
        &http,
        &callers.planner,
        PLANT,
        &tracking.acked,
        tracking.last_position,
    )
    .await?;
    let report = report(
        args,
        &mut placed,
        &tracking,
        started,
        [&mut tracker_reads, &mut board_reads],
        peak_rss_kib,
    );
    for failure in placed.samples.failures.iter().take(3) {
        eprintln!("otd bench launch: an order failed: {failure}");
    }
    let read_failures = tracker_reads.samples.failures.iter();
    for failure in read_failures.chain(&board_reads.samples.failures).take(3) {
        eprintln!("otd bench launch: a read failed: {failure}");
    }
    Ok(Measured {
        report,
        acked: tracking.acked,
        views,
    })
}

fn report(
    args: &LaunchArgs,
    placed: &mut Run,
    tracking: &Tracking,
    started: Instant,
    [tracker, board]: [&mut Run; 2],
    peak_rss_kib: Option<u64>,
) -> Report {
    let ms = |d: Duration| (d.as_secs_f64() * 100_000.0).round() / 100.0;
    let per_s =
        |n: u64, d: Duration| (n as f64 / d.as_secs_f64().max(f64::EPSILON) * 10.0).round() / 10.0;
    let mut to_eta = Samples {
        latencies: tracking.to_eta.clone(),
        failures: Vec::new(),
    };
    let orders = tracking.acked.len() as u64;
    let fulfilled = tracking.to_eta.len() as u64;
    let fulfilling = tracking
        .last_fulfilled
        .map_or(Duration::ZERO, |at| at.saturating_duration_since(started));
    Report {
        bench: "launch",
        backend: match args.backend {
            BenchBackend::Sqlite => "sqlite",
            BenchBackend::Postgres => "postgres",
        },
        offered_per_s: args.rate,
        seconds: args.seconds,
        orders,
        placed_per_s: per_s(orders, Duration::from_secs(args.seconds)),
        fulfilled_per_s: per_s(fulfilled, fulfilling),
        p50_ms_to_eta: ms(to_eta.percentile(0.5)),
        p99_ms_to_eta: ms(to_eta.percentile(0.99)),
        max_ms_to_eta: ms(to_eta.percentile(1.0)),
        max_backlog: tracking.max_backlog,
        overbooked: 0,
        double_held: 0,
        verified: false,
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        date: chrono::Utc::now().format("%Y-%m-%d").to_string(),
        workers: args.workers,
        failed: placed.samples.failures.len() as u64,
        unfulfilled: tracking.unfulfilled,
        p99_ms_to_ack: ms(placed.samples.percentile(0.99)),
        eta_resolution_ms: ms(tracking.resolution()),
        tracker_reads: tracker.samples.latencies.len() as u64,
        tracker_p99_ms: ms(tracker.samples.percentile(0.99)),
        board_reads: board.samples.latencies.len() as u64,
        board_p99_ms: ms(board.samples.percentile(0.99)),
        read_failures: (tracker.samples.failures.len() + board.samples.failures.len()) as u64,
        peak_rss_mb: peak_rss_kib.map_or(0.0, |k| (k as f64 / 1024.0 * 10.0).round() / 10.0),
    }
}

/// Audits the log (the servers stopped), completes the report, prints it, and fails when
/// the run did not verify.
async fn finish(measured: Measured, events: &dyn store::EventStore) -> Result<(), String> {
    let Measured {
        mut report,
        acked,
        views,
    } = measured;
    let log = launch_audit::log(events, &acked).await?;
    report.overbooked = views.overbooked.max(log.overbooked);
    report.double_held = views.double_held.max(log.double_held);
    report.verified = views.passed() && log.passed() && report.unfulfilled == 0;
    let line = serde_json::to_string(&report).map_err(|e| e.to_string())?;
    println!("{line}");
    for problem in views
        .problems
        .iter()
        .map(|p| ("read models", p))
        .chain(log.problems.iter().map(|p| ("log", p)))
    {
        eprintln!("otd bench launch: {}: {}", problem.0, problem.1);
    }
    if report.verified {
        Ok(())
    } else {
        Err(format!(
            "the run did not verify: {} unfulfilled, {} overbooked, {} double held",
            report.unfulfilled, report.overbooked, report.double_held
        ))
    }
}

/// Registers `count` free vehicles at the plant, in the configurations the orders ask for.
async fn register_stock(http: &Http, callers: &Callers, count: u64) -> Result<(), String> {
    let registered: Vec<Result<(), String>> = futures_util::stream::iter(0..count)
        .map(|n| {
            let options = CONFIGURATIONS[(n % CONFIGURATIONS.len() as u64) as usize];
            let body = format!(
                r#"{{"market":"DE","model":"AURA","options":{options},"location":"{PLANT}"}}"#
            );
            let call = Call {
                method: Method::POST,
                path: "/api/v1/vehicles".into(),
                token: Arc::clone(&callers.planner),
                body: Some(Bytes::from(body)),
            };
            async move {
                let reply = http.send(call).await?;
                if reply.status == StatusCode::CREATED {
                    Ok(())
                } else {
                    Err(format!(
                        "registering stock failed: {} {}",
                        reply.status,
                        String::from_utf8_lossy(&reply.body)
                    ))
                }
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    registered.into_iter().collect()
}

/// One order placed before the opening whose tracker is read during it, by its customer.
async fn probe_order(http: &Http, callers: &Callers) -> Result<Call, String> {
    let reply = http.send(callers.order(0)).await?;
    let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    let id = json["order_id"].as_str().ok_or_else(|| {
        format!(
            "placing the probe order failed: {} {}",
            reply.status,
            String::from_utf8_lossy(&reply.body)
        )
    })?;
    // Read once the read models hold it, so no read of the run finds it missing.
    let position = json["position"].as_u64().unwrap_or(0);
    let visible = http
        .send(Call {
            method: Method::GET,
            path: format!("/api/v1/orders/{id}?min_position={position}"),
            token: Arc::clone(&callers.customers[0]),
            body: None,
        })
        .await?;
    if visible.status != StatusCode::OK {
        return Err(format!(
            "the probe order is not readable: {} {}",
            visible.status,
            String::from_utf8_lossy(&visible.body)
        ));
    }
    Ok(Call {
        method: Method::GET,
        path: format!("/api/v1/orders/{id}"),
        token: Arc::clone(&callers.customers[0]),
        body: None,
    })
}
