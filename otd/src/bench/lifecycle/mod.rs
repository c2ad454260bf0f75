//! `otd bench lifecycle`: N fresh orders, each driven by one worker through the order's seven
//! commands, on an empty store, with the order tracker and dealer board projected beside it.
//! It prints one JSON line and fails unless the store and the read models show exactly the
//! work it did (docs/benchmarks.md describes what is measured and what is not).
//!
//! The seven commands are the order's: place (through [`app::Services::place_order`], which
//! validates the configuration and locks the price), then schedule a build slot, start
//! production with a VIN, complete the build, dispatch with an ETA, arrive, hand over, each
//! decided by the order aggregate through the application's [`app::Executor`] (load from its
//! cache, decide, append with the expected version, retry on conflict). One command, one
//! event: 7N events. The slot, vehicle, shipment and invoice aggregates the full engine also
//! writes are not part of this workload, as they are not part of the peer's.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::services::{build_vehicle_id, derive_vin, PlaceOrder};
use app::{delivery_id, Clock, Executor, Services};
use chrono::{Days, NaiveDate};
use domain::catalog::Catalog;
use domain::order::{Channel, Order, OrderCommand};
use domain::streams::stream_name;
use domain::values::{
    CustomerId, DealerId, IsoWeek, LocationId, MarketCode, ModelCode, OptionCode, OrderId, PlantId,
};
use projections::{ReadModelStore, ReadModels, RunnerOptions};
use serde::Serialize;
use store::{EventStore, Metadata, Position};

mod verify;

use verify::{verify_log, verify_views};

use super::data::DataFolder;
use super::stats::Samples;

/// The simulated business date the engine runs at.
const TODAY: (i32, u32, u32) = (2026, 11, 23);
/// The market, model and options every order is placed with.
const MARKET: &str = "DE";
const MODEL: &str = "AURA";
const OPTIONS: [&str; 2] = ["PNT-RED", "WHL-20"];
/// Commands per order.
const COMMANDS: u64 = 7;
/// The longest the projections may take to catch up once the last command is acknowledged.
const CATCH_UP: Duration = Duration::from_secs(600);
/// The most orders a run may have: every command's latency is kept in memory, and each
/// order's build needs a VIN of its own in one production week.
const MAX_ORDERS: u64 = 10_000_000;
/// The most workers a run may have (each is a task with its own latency samples).
const MAX_CONCURRENCY: usize = 4_096;
/// Events read per page when verifying the log.
const PAGE: usize = 10_000;

/// Which event store the benchmark runs on.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchBackend {
    Sqlite,
    Postgres,
}

impl BenchBackend {
    fn name(self) -> &'static str {
        match self {
            BenchBackend::Sqlite => "sqlite",
            BenchBackend::Postgres => "postgres",
        }
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct LifecycleArgs {
    /// Orders to drive from placement to handover.
    #[arg(long, default_value_t = 10_000)]
    pub orders: u64,
    /// Workers at once; each drives one order at a time through its seven commands.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// The event store: the embedded SQLite default, or PostgreSQL.
    #[arg(long, value_enum, default_value_t = BenchBackend::Sqlite)]
    pub backend: BenchBackend,
    /// PostgreSQL to run on with `--backend postgres` (a fresh schema is created and dropped).
    #[arg(long, env = "OTD_POSTGRES_URL")]
    pub postgres_url: Option<String>,
    /// Measure the commands alone, without the order tracker and dealer board projections.
    #[arg(long)]
    pub no_projections: bool,
    /// Data folder for SQLite (must not hold a store yet; default: a temporary folder, removed
    /// afterwards).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

/// The JSON line the benchmark prints.
#[derive(Debug, Serialize)]
pub struct Report {
    pub framework: &'static str,
    pub backend: &'static str,
    pub orders: u64,
    pub concurrency: usize,
    pub commands: u64,
    /// Events in the log after the run (verified to equal `commands`).
    pub events: u64,
    /// From the first command to the last acknowledgement, and with projections until the
    /// read models had committed the last event.
    pub seconds: f64,
    pub commands_per_s: f64,
    /// Per command, from the call to its durable acknowledgement.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// How long the projections took to commit the last event after the last acknowledgement
    /// (included in `seconds`).
    pub projection_catch_up_ms: f64,
    pub projections: bool,
    pub verified: bool,
    pub cores: usize,
    pub date: String,
}

/// Runs the benchmark, prints its JSON line, and fails when the run did not verify.
pub async fn run(args: LifecycleArgs) -> Result<(), String> {
    if args.orders == 0 || args.concurrency == 0 {
        return Err("--orders and --concurrency must be at least 1".into());
    }
    if args.concurrency > MAX_CONCURRENCY {
        return Err(format!("--concurrency is at most {MAX_CONCURRENCY}"));
    }
    if args.orders > MAX_ORDERS {
        return Err(format!("--orders is at most {MAX_ORDERS}"));
    }
    let report = match args.backend {
        BenchBackend::Sqlite => on_sqlite(&args).await?,
        BenchBackend::Postgres => on_postgres(&args).await?,
    };
    let line = serde_json::to_string(&report).map_err(|e| e.to_string())?;
    println!("{line}");
    if report.verified {
        Ok(())
    } else {
        Err("the run did not verify (see above)".into())
    }
}

async fn on_sqlite(args: &LifecycleArgs) -> Result<Report, String> {
    let data = DataFolder::prepare(args.data.as_deref(), "lifecycle")?;
    let sqlite = store::SqliteStore::open(data.path())
        .await
        .map_err(|e| e.to_string())?;
    let read_models = projections::SqliteReadModels::open(&sqlite)
        .await
        .map_err(|e| e.to_string())?;
    let pages = projections::SqlitePages::open(&sqlite).map_err(|e| e.to_string())?;
    let options = RunnerOptions {
        pages: Some(Arc::new(pages)),
        ..RunnerOptions::default()
    };
    measure(args, Arc::new(sqlite), Arc::new(read_models), options).await
}

async fn on_postgres(args: &LifecycleArgs) -> Result<Report, String> {
    let url = args
        .postgres_url
        .as_deref()
        .ok_or("--backend postgres needs --postgres-url (or OTD_POSTGRES_URL)")?;
    let schema = store::ThrowawaySchema::new(url, "otd_bench");
    let pg = store::PostgresStore::connect(url, Some(schema.name()))
        .await
        .map_err(|e| e.to_string())?;
    let read_models = projections::PostgresReadModels::connect(url, schema.name())
        .await
        .map_err(|e| e.to_string())?;
    measure(
        args,
        Arc::new(pg),
        Arc::new(read_models),
        RunnerOptions::default(),
    )
    .await
}

/// What every order shares: the catalog's facts the commands need.
struct Plan {
    market: MarketCode,
    model: ModelCode,
    options: Vec<OptionCode>,
    dealers: Vec<DealerId>,
    plant: PlantId,
    week: IsoWeek,
    eta: NaiveDate,
}

impl Plan {
    fn new(catalog: &Catalog, today: NaiveDate) -> Result<Plan, String> {
        let market = MarketCode::parse(MARKET).map_err(|e| e.to_string())?;
        let model = ModelCode::parse(MODEL).map_err(|e| e.to_string())?;
        let options = OPTIONS
            .iter()
            .map(|o| OptionCode::parse(o).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let dealers: Vec<DealerId> = catalog
            .dealers()
            .filter(|d| d.market == market)
            .map(|d| d.id.clone())
            .collect();
        if dealers.is_empty() {
            return Err(format!("the catalog has no dealer in {market}"));
        }
        let plant = catalog
            .model(&model)
            .map(|m| m.plant.clone())
            .ok_or_else(|| format!("the catalog has no model {model}"))?;
        // The first week whose Monday is at least 14 days ahead (a week is bookable until
        // its freeze).
        let week = IsoWeek::containing(today + Days::new(21));
        Ok(Plan {
            market,
            model,
            options,
            dealers,
            plant,
            week,
            eta: today + Days::new(4),
        })
    }

    /// The `n`th order's placement.
    fn order(&self, n: u64) -> Result<PlaceOrder, String> {
        let customer = customer_id(n % CUSTOMERS)?;
        Ok(PlaceOrder {
            lead: None,
            order: order_id(n),
            customer,
            dealer: self.dealers[(n % self.dealers.len() as u64) as usize].clone(),
            selling_dealer: None,
            market: self.market.clone(),
            model: self.model.clone(),
            options: self.options.clone(),
            channel: Channel::Online,
        })
    }

    /// The six commands after placement, in order.
    fn commands(
        &self,
        n: u64,
        order: OrderId,
        dealer: &DealerId,
    ) -> Result<[OrderCommand; 6], String> {
        let vehicle = build_vehicle_id(order);
        let index = u32::try_from(n).map_err(|_| "too many orders for one week's VINs")?;
        let vin = derive_vin(&self.plant, self.week, index).map_err(|e| e.to_string())?;
        Ok([
            OrderCommand::Schedule {
                plant: self.plant.clone(),
                week: self.week,
            },
            OrderCommand::StartProduction { vehicle, vin },
            OrderCommand::CompleteBuild { vehicle },
            OrderCommand::Dispatch {
                shipment: delivery_id(vehicle, order),
                eta: self.eta,
            },
            OrderCommand::Arrive {
                location: LocationId::Dealer(dealer.clone()),
            },
            // The invoice is not part of this workload: the order is told it is paid.
            OrderCommand::HandOver { invoice_paid: true },
        ])
    }
}

/// The `n`th order's id.
fn order_id(n: u64) -> OrderId {
    OrderId::derived(&format!("bench-lifecycle-{n}"))
}

async fn measure(
    args: &LifecycleArgs,
    events: Arc<dyn EventStore>,
    read_models: Arc<dyn ReadModelStore>,
    options: RunnerOptions,
) -> Result<Report, String> {
    let head = events.head().await.map_err(|e| e.to_string())?;
    if head != Position::START {
        return Err(
            "the store is not empty; the lifecycle benchmark starts from an empty one".into(),
        );
    }
    let today = NaiveDate::from_ymd_opt(TODAY.0, TODAY.1, TODAY.2).ok_or("bad date")?;
    let catalog = Arc::new(Catalog::demo());
    let plan = Arc::new(Plan::new(&catalog, today)?);
    let executor = Executor::new(events.clone(), catalog, Clock::simulated(today));
    let services = Services::new(executor.clone());
    let runner = if args.no_projections {
        None
    } else {
        Some(
            projections::Runner::start(
                events.clone(),
                read_models.clone(),
                vec![Arc::new(projections::models::orders::OrdersProjection)],
                options,
            )
            .await
            .map_err(|e| e.to_string())?,
        )
    };
    warm_up(&events, args.concurrency).await?;
    register_customers(&executor, &plan.market, args.orders.min(CUSTOMERS)).await?;

    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let worker = Worker {
                plan: Arc::clone(&plan),
                executor: executor.clone(),
                services: services.clone(),
                next: Arc::clone(&next),
                orders: args.orders,
            };
            tokio::spawn(worker.run())
        })
        .collect();
    let mut samples = Samples::default();
    for worker in workers {
        let done = worker.await.map_err(|e| format!("a worker failed: {e}"))?;
        samples.latencies.extend(done.latencies);
        samples.failures.extend(done.failures);
    }
    let acknowledged = started.elapsed();
    let last = events.head().await.map_err(|e| e.to_string())?;
    if let Some(runner) = &runner {
        runner
            .wait_for(last, CATCH_UP)
            .await
            .map_err(|e| format!("the projections did not catch up: {e}"))?;
    }
    let seconds = started.elapsed();

    for failure in samples.failures.iter().take(5) {
        eprintln!("otd bench lifecycle: {failure}");
    }
    let commands = args.orders * COMMANDS;
    let written = verify_log(&events, args.orders).await;
    let projected = match &runner {
        Some(runner) => {
            let views = ReadModels::new(events.clone(), read_models.clone(), runner.progress());
            verify_views(&views, &plan, args.orders).await
        }
        None => Ok(()),
    };
    if let Err(e) = &written {
        eprintln!("otd bench lifecycle: the log does not verify: {e}");
    }
    if let Err(e) = &projected {
        eprintln!("otd bench lifecycle: the read models do not verify: {e}");
    }
    if let Some(runner) = runner {
        runner.stop().await;
    }
    let acknowledged_count = samples.latencies.len() as u64;
    let ms = |d: Duration| (d.as_secs_f64() * 1e5).round() / 100.0;
    Ok(Report {
        framework: "otd",
        backend: args.backend.name(),
        orders: args.orders,
        concurrency: args.concurrency,
        commands,
        events: written.as_ref().map_or(0, |n| *n),
        seconds: (seconds.as_secs_f64() * 1e3).round() / 1e3,
        commands_per_s: (acknowledged_count as f64 / seconds.as_secs_f64()).round(),
        p50_ms: ms(samples.percentile(0.50)),
        p99_ms: ms(samples.percentile(0.99)),
        max_ms: ms(samples.percentile(1.0)),
        projection_catch_up_ms: ms(seconds.saturating_sub(acknowledged)),
        projections: !args.no_projections,
        verified: samples.failures.is_empty()
            && acknowledged_count == commands
            && written.is_ok()
            && projected.is_ok(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        date: chrono::Utc::now().format("%Y-%m-%d").to_string(),
    })
}

/// Opens the store's connections before the clock starts: as many concurrent reads as there
/// will be workers.
/// How many customers the orders are spread over (returning customers order again).
const CUSTOMERS: u64 = 1_000;

fn customer_id(n: u64) -> Result<CustomerId, String> {
    CustomerId::parse(&format!("C-{n:06}")).map_err(|e| e.to_string())
}

/// Registers the customers the orders are placed for (orders are placed only for customers
/// that exist), before the clock starts: keys in memory, the events in the store.
async fn register_customers(
    executor: &Executor,
    market: &domain::values::MarketCode,
    count: u64,
) -> Result<(), String> {
    let people = app::people::People::new(
        executor.clone(),
        app::vault::Vault::new(
            Arc::new(store::keys::MemoryKeys::new()),
            &app::vault::MasterKey::generate(),
        ),
        app::accounts::PasswordPool::new(1, 1),
    );
    let ids = (0..count).map(customer_id).collect::<Result<Vec<_>, _>>()?;
    people
        .register_examples(&ids, market, &store::Metadata::default())
        .await
        .map_err(|e| format!("cannot register the customers: {e}"))
}

async fn warm_up(events: &Arc<dyn EventStore>, concurrency: usize) -> Result<(), String> {
    let reads: Vec<_> = (0..concurrency)
        .map(|n| {
            let events = Arc::clone(events);
            tokio::spawn(async move {
                let stream = stream_name::<Order>(&OrderId::derived(&format!("bench-warm-up-{n}")));
                let stream = store::StreamId::parse(&stream).map_err(|e| e.to_string())?;
                events
                    .read_stream(&stream, 0, 1)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    for read in reads {
        read.await.map_err(|e| e.to_string())??;
    }
    Ok(())
}

/// One worker: takes the next order until all are taken, and times each command.
struct Worker {
    plan: Arc<Plan>,
    executor: Executor,
    services: Services,
    next: Arc<AtomicU64>,
    orders: u64,
}

impl Worker {
    async fn run(self) -> Samples {
        let mut out = Samples::default();
        let metadata = Metadata {
            actor: Some("bench".into()),
            ..Metadata::default()
        };
        loop {
            let n = self.next.fetch_add(1, Ordering::Relaxed);
            if n >= self.orders {
                return out;
            }
            if let Err(e) = self.lifecycle(n, &metadata, &mut out.latencies).await {
                out.failures.push(format!("order {n}: {e}"));
            }
        }
    }

    async fn lifecycle(
        &self,
        n: u64,
        metadata: &Metadata,
        latencies: &mut Vec<Duration>,
    ) -> Result<(), String> {
        let input = self.plan.order(n)?;
        let order = input.order;
        let commands = self.plan.commands(n, order, &input.dealer)?;
        let start = Instant::now();
        self.services
            .place_order(input, metadata)
            .await
            .map_err(|e| format!("place: {e}"))?;
        latencies.push(start.elapsed());
        for command in commands {
            let start = Instant::now();
            let done = self
                .executor
                .execute::<Order>(&order, metadata, |_| command.clone())
                .await
                .map_err(|e| format!("{command:?}: {e}"))?;
            if done.position.is_none() {
                return Err(format!("{command:?} changed nothing"));
            }
            latencies.push(start.elapsed());
        }
        Ok(())
    }
}
