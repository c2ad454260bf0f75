//! `otd bench load`: an open-loop load against the real `otd serve` on the SQLite default.
//!
//! 1. Starts `otd serve` (a child process, simulated clock) in a fresh data folder and opens
//!    twelve weeks of production capacity as a planner, so every order is fulfilled.
//! 2. Places orders at a fixed rate (`--rate` per second) as many customers, over the three
//!    German dealers: a warm-up, then `--seconds` measured.
//! 3. Tops the board dealer up to `--board-orders` orders and waits until fulfilment and the
//!    projections have handled every order (the report says how long that backlog took).
//! 4. Reads that dealer's board at a fixed rate (`--board-rate`) for `--board-seconds`.
//! 5. Reports per workload: requests, failures, achieved rate, latency percentiles, and the
//!    server's resident memory (peak and now).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hyper::body::Bytes;
use hyper::{Method, StatusCode};

use super::callers::{open_capacity, Callers, BOARD_DEALER, CUSTOMERS, DEALERS};
use super::data::DataFolder;
use super::metrics::OutboxWatch;
use super::open_loop::{self, Call, Http, Run};
use super::server::Server;
use super::stats::{millis, thousands};

/// The simulated business date the server runs at.
const CLOCK: &str = "sim:2026-11-23";
/// Options of `otd bench load`.
#[derive(clap::Args, Debug, Clone)]
pub struct LoadArgs {
    /// Orders offered per second.
    #[arg(long, default_value_t = 3_000.0)]
    pub rate: f64,
    /// Seconds of measured order load.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seconds of order load before the measured part (not counted).
    #[arg(long, default_value_t = 2)]
    pub warmup: u64,
    /// Orders the board dealer holds when its board is read.
    #[arg(long, default_value_t = 10_000)]
    pub board_orders: u64,
    /// Sign-ins (`POST /api/v1/sessions`, Argon2id) offered per second during the measured
    /// order load: what a flood of sign-ins costs order placement (0: none).
    #[arg(long, default_value_t = 0.0)]
    pub sign_ins: f64,
    /// Board reads offered per second.
    #[arg(long, default_value_t = 100.0)]
    pub board_rate: f64,
    /// Seconds of board reads.
    #[arg(long, default_value_t = 10)]
    pub board_seconds: u64,
    /// The data folder (must not hold a store yet); a temporary one, removed afterwards, when
    /// omitted.
    #[arg(long)]
    pub data: Option<PathBuf>,
}

/// Runs the benchmark and prints its report.
pub async fn run(args: LoadArgs) -> Result<(), String> {
    // NaN or infinity would make the schedule's interval meaningless (or panic).
    let usable = |rate: f64| rate.is_finite() && rate > 0.0;
    if !usable(args.rate) || !usable(args.board_rate) {
        return Err("--rate and --board-rate must be positive, finite numbers".into());
    }
    let data = DataFolder::prepare(args.data.as_deref(), "load")?;
    measure(&args, data.path()).await
}

async fn measure(args: &LoadArgs, data: &std::path::Path) -> Result<(), String> {
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let server = Server::start(data, &secret, CLOCK).await?;
    let http = Http::new(format!("http://{}", server.address));
    let planned = (args.rate * (args.warmup + args.seconds) as f64) as u64 + args.board_orders;
    let callers = Arc::new(Callers::register(&http, &secret, planned.min(CUSTOMERS)).await?);
    open_capacity(&http, &callers, planned).await?;

    println!(
        "otd load benchmark: {} cores, {}, otd serve on SQLite (child process, {CLOCK})",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        chrono::Utc::now().format("%Y-%m-%d")
    );
    let orders = |callers: Arc<Callers>| move |n: u64| callers.order(n);
    // The outbox's backlog and age while orders pour in (each decides a confirmation that
    // waits: the benchmark's server has no mail server).
    let outbox = OutboxWatch::start(http.clone(), Duration::from_millis(500));
    let warmup = open_loop::run(
        &http,
        args.rate,
        Duration::from_secs(args.warmup),
        0,
        StatusCode::CREATED,
        orders(Arc::clone(&callers)),
    )
    .await;
    let sign_in = sign_in_call(&http, args.sign_ins).await?;
    let measured = open_loop::run(
        &http,
        args.rate,
        Duration::from_secs(args.seconds),
        warmup.sent,
        StatusCode::CREATED,
        orders(Arc::clone(&callers)),
    );
    let sign_ins = async {
        match &sign_in {
            Some(call) => Some(
                open_loop::run(
                    &http,
                    args.sign_ins,
                    Duration::from_secs(args.seconds),
                    0,
                    StatusCode::OK,
                    |_| call.clone(),
                )
                .await,
            ),
            None => None,
        }
    };
    let (mut placed, mut sign_ins) = tokio::join!(measured, sign_ins);
    let rss_after_orders = server.rss_kib();
    let sent = warmup.sent + placed.sent;
    let at_board_dealer = sent.div_ceil(DEALERS.len() as u64);
    let last_position = top_up(
        &http,
        &callers,
        sent,
        args.board_orders.saturating_sub(at_board_dealer),
    )
    .await?;
    let waited = Instant::now();
    let (board_bytes, listed) = settle(&http, &callers, last_position, args.board_orders).await?;
    let settled_in = waited.elapsed();
    let outbox = outbox.stop(&http).await;
    let board_callers = Arc::clone(&callers);
    let mut board = open_loop::run(
        &http,
        args.board_rate,
        Duration::from_secs(args.board_seconds),
        0,
        StatusCode::OK,
        move |_| board_callers.board(None),
    )
    .await;

    println!();
    println!(
        "| workload | offered/s | requests | ok | failed | achieved/s | p50 | p90 | p99 | max |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    print_row("POST /api/v1/orders", args.rate, &mut placed);
    if let Some(run) = sign_ins.as_mut() {
        print_row("POST /api/v1/sessions (Argon2id)", args.sign_ins, run);
    }
    let board_label = format!(
        "GET /api/v1/dealers/{BOARD_DEALER}/board ({} orders, {:.1} MB)",
        thousands(listed),
        board_bytes as f64 / 1_000_000.0
    );
    print_row(&board_label, args.board_rate, &mut board);
    println!();
    let mib = |kib: Option<u64>| kib.map_or("unknown".into(), |k| format!("{} MiB", k / 1024));
    println!(
        "server memory: peak RSS {}; {} after the order load, {} at the end",
        mib(server.peak_rss_kib()),
        mib(rss_after_orders),
        mib(server.rss_kib())
    );
    println!(
        "warm-up: {} orders in {} s, {} failed; fulfilment and projections had handled all {} orders {:.1} s after the last was placed (the process managers' backlog)",
        thousands(warmup.sent),
        args.warmup,
        warmup.samples.failures.len(),
        thousands(sent + args.board_orders.saturating_sub(at_board_dealer)),
        settled_in.as_secs_f64(),
    );
    println!(
        "outbox: at most {} messages queued, the oldest waiting at most {:.0} s (business clock; {} samples of /metrics)",
        thousands(outbox.backlog_max),
        outbox.oldest_age_max_s,
        outbox.samples
    );
    println!(
        "{}",
        serde_json::json!({
            "bench": "load",
            "orders_offered_per_s": args.rate,
            "orders_achieved_per_s": achieved(&placed),
            "orders_p99_ms": placed.samples.percentile(0.99).as_secs_f64() * 1000.0,
            "outbox_backlog_max": outbox.backlog_max,
            "outbox_oldest_age_max_s": outbox.oldest_age_max_s,
        })
    );
    // Open loop: the offered rate was sustained when every request was answered in time.
    let orders_met = args.rate >= 3_000.0
        && placed.samples.failures.is_empty()
        && placed.samples.percentile(0.99) <= Duration::from_millis(50);
    let board_met = board.samples.failures.is_empty()
        && board.samples.percentile(0.99) <= Duration::from_millis(20);
    println!(
        "targets: ≥ 3,000 orders/s with p99 ≤ 50 ms: {}; board p99 ≤ 20 ms: {}",
        verdict(orders_met),
        verdict(board_met)
    );
    let failures: Vec<&String> = warmup
        .samples
        .failures
        .iter()
        .chain(&placed.samples.failures)
        .chain(sign_ins.iter().flat_map(|run| &run.samples.failures))
        .chain(&board.samples.failures)
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        for failure in failures.iter().take(5) {
            eprintln!("failed request: {failure}");
        }
        Err(format!("{} requests failed", failures.len()))
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

fn achieved(run: &Run) -> f64 {
    run.samples.latencies.len() as f64 / run.elapsed.as_secs_f64().max(f64::EPSILON)
}

fn print_row(label: &str, offered: f64, run: &mut Run) {
    let ok = run.samples.latencies.len() as u64;
    let rate = achieved(run);
    let samples = &mut run.samples;
    println!(
        "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        thousands(offered as u64),
        thousands(run.sent),
        thousands(ok),
        thousands(samples.failures.len() as u64),
        thousands(rate as u64),
        millis(samples.percentile(0.5)),
        millis(samples.percentile(0.9)),
        millis(samples.percentile(0.99)),
        millis(samples.percentile(1.0)),
    );
}

/// With `rate` > 0: one customer account, signed up and verified, and the sign-in request
/// the bench repeats (each one hashes the password on the server's bounded pool).
async fn sign_in_call(http: &Http, rate: f64) -> Result<Option<Call>, String> {
    if rate <= 0.0 {
        return Ok(None);
    }
    const PASSWORD: &str = "bench sign-in password";
    let body = format!(
        r#"{{"name":"Bench Sign-in","email":"bench-sign-in@customers.example","language":"de","market":"DE","password":"{PASSWORD}"}}"#
    );
    let anonymous = Call {
        method: Method::POST,
        path: "/api/v1/customers".into(),
        token: Arc::from(""),
        body: Some(Bytes::from(body)),
    };
    let reply = http.send(anonymous).await?;
    let json: serde_json::Value = serde_json::from_slice(&reply.body)
        .map_err(|e| format!("signing up the bench account: {e}"))?;
    let code = json["verification_link"]
        .as_str()
        .and_then(|link| link.split("code=").nth(1))
        .ok_or_else(|| format!("no verification link in {json}"))?;
    let verify = Call {
        method: Method::POST,
        path: "/api/v1/customers/verify".into(),
        token: Arc::from(""),
        body: Some(Bytes::from(format!(r#"{{"token":"{code}"}}"#))),
    };
    let reply = http.send(verify).await?;
    if !reply.status.is_success() {
        return Err(format!("verifying the bench account: {}", reply.status));
    }
    Ok(Some(Call {
        method: Method::POST,
        path: "/api/v1/sessions".into(),
        token: Arc::from(""),
        body: Some(Bytes::from(format!(
            r#"{{"email":"bench-sign-in@customers.example","password":"{PASSWORD}"}}"#
        ))),
    }))
}

/// Places `missing` more orders at the board dealer (32 at a time, not measured); returns the
/// highest log position an order reached.
async fn top_up(http: &Http, callers: &Callers, first: u64, missing: u64) -> Result<u64, String> {
    let placed: Vec<Result<u64, String>> = futures_util::stream::iter(first..first + missing)
        .map(|n| {
            let call = callers.order_at(n, BOARD_DEALER);
            async move {
                let reply = http.send(call).await?;
                if reply.status != StatusCode::CREATED {
                    return Err(format!(
                        "{}: {}",
                        reply.status,
                        String::from_utf8_lossy(&reply.body)
                    ));
                }
                position(&reply.body)
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut highest = 0;
    for outcome in placed {
        highest = highest.max(outcome?);
    }
    Ok(highest)
}

fn position(body: &[u8]) -> Result<u64, String> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["position"].as_u64())
        .ok_or_else(|| "an order's answer has no position".to_owned())
}

/// Waits (up to ten minutes) until the board lists at least `orders` orders and none of them
/// still waits for the fulfilment process manager; returns the size of the board's answer in
/// bytes and how many orders it lists.
async fn settle(
    http: &Http,
    callers: &Callers,
    position: u64,
    orders: u64,
) -> Result<(usize, u64), String> {
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut min_position = (position > 0).then_some(position);
    let mut interval = tokio::time::interval(Duration::from_millis(200));
    loop {
        interval.tick().await;
        let reply = http.send(callers.board(min_position)).await?;
        if reply.status == StatusCode::OK {
            min_position = None;
            let board: serde_json::Value = serde_json::from_slice(&reply.body)
                .map_err(|e| format!("the board is not JSON: {e}"))?;
            let listed = board["orders"].as_array().map_or(0, Vec::len) as u64;
            let waiting = board["counts"]["placed"].as_u64().unwrap_or(0);
            if listed >= orders && waiting == 0 {
                return Ok((reply.body.len(), listed));
            }
        }
        if Instant::now() > deadline {
            return Err(format!(
                "the board did not list {orders} fulfilled orders within ten minutes"
            ));
        }
    }
}
