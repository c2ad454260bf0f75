//! `otd`: the order-to-delivery engine's binary.
//!
//! `otd serve` runs the HTTP API on the embedded SQLite store (or a shared
//! PostgreSQL); `otd demo` simulates weeks of the demo network's business
//! through the same services and reports it; `otd token` signs a bearer
//! token; `otd projections rebuild` rebuilds read models from the log;
//! `otd catalog` and `otd quote` answer from the catalog; `otd bench load`
//! measures the HTTP server under an open-loop load.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use otd::settings::{CatalogArg, LoadError, Settings};

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod catalog_commands;
use catalog_commands::{print_catalog, quote};

#[derive(Parser)]
#[command(
    name = "otd",
    version,
    about = "Order-to-delivery for car makers selling direct (agency model)"
)]
struct Cli {
    #[command(flatten)]
    catalog: CatalogArg,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// The engine settings of the command, if it runs the engine.
    fn settings(&self) -> Option<&Settings> {
        match &self.command {
            Command::Serve { settings, .. }
            | Command::Projections {
                command: ProjectionsCommand::Rebuild { settings, .. },
            } => Some(settings),
            Command::Admin { command } => Some(command.settings()),
            _ => None,
        }
    }

    /// `settings` with the global `--catalog` (or the settings file's).
    fn engine(&self, settings: &Settings) -> Settings {
        Settings {
            catalog: self.catalog.catalog.clone(),
            ..settings.clone()
        }
    }
}

#[derive(Subcommand)]
enum ProjectionsCommand {
    /// Drops a read model (or all) and rebuilds it from position 0.
    Rebuild {
        /// One of the projections; all when omitted.
        name: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Open-loop HTTP load on `otd serve` over SQLite: orders placed, then a dealer's board read.
    Load(otd::bench::load::LoadArgs),
    /// N orders driven through their seven commands by C workers, on SQLite or PostgreSQL,
    /// with the order tracker and dealer board projected; prints one JSON line.
    Lifecycle(otd::bench::lifecycle::LifecycleArgs),
    /// A model's order opening: orders offered open loop over HTTP, each followed until its
    /// tracker shows its vehicle or week and ETA, the run verified from the read models and
    /// the log; prints one JSON line.
    Launch(otd::bench::launch::LaunchArgs),
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (until SIGINT/SIGTERM; in-flight requests finish).
    Serve {
        #[command(flatten)]
        settings: Settings,
        /// What this process does: `all` (the API and the workers), `api` (the API only) or
        /// `worker` (the process managers, the 2-hour watcher and the outbox sender, with
        /// only `/healthz` and `/metrics` served). `api` and `worker` need the read models in
        /// PostgreSQL, where several processes share one schema.
        #[arg(long, env = "OTD_ROLE", value_enum, default_value_t = otd::settings::ServeRole::All)]
        role: otd::settings::ServeRole,
    },
    /// Simulate weeks of the demo network's business on a fresh data folder
    /// and print a report (the same business for the same seed).
    Demo(DemoArgs),
    /// Measure the engine (throughput, latency, memory); prints a report.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Maintain the read models.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCommand,
    },
    /// Administer people on a data folder (the first staff accounts).
    Admin {
        #[command(subcommand)]
        command: otd::admin::AdminCommand,
    },
    /// Print the catalog: markets, models, option families and prices.
    Catalog {
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a signed bearer token for a role and subject.
    Token {
        /// customer, dealer, planner, finance or admin.
        #[arg(long)]
        role: String,
        /// The subject: a customer id (C-1001), a dealer id (D-BER-01), or a name.
        #[arg(long)]
        sub: String,
        /// The staff member the token is for (U-…).
        #[arg(long)]
        user: Option<String>,
        /// A dealer's staff member who manages the outlet (`--role dealer` only).
        #[arg(long)]
        manager: bool,
        /// How long it is valid, e.g. 8h, 30m, 7d.
        #[arg(long, default_value = "8h")]
        ttl: String,
        /// The data folder holding the secret (unless a secret is given).
        #[arg(long, env = "OTD_DATA", default_value = "./otd-data")]
        data: std::path::PathBuf,
        /// The secret that signs tokens, as `otd serve` takes it.
        #[arg(long, env = "OTD_JWT_SECRET", hide_env_values = true)]
        jwt_secret: Option<String>,
    },
    /// Price a configuration, or list every rule it breaks.
    Quote {
        #[arg(long)]
        market: String,
        #[arg(long)]
        model: String,
        /// Option codes, comma separated (e.g. PNT-RED,WHL-20).
        #[arg(long, value_delimiter = ',')]
        options: Vec<String>,
    },
}

#[derive(clap::Args)]
struct DemoArgs {
    /// Weeks to simulate.
    #[arg(long, default_value_t = 12)]
    weeks: u32,
    /// The seed of the simulation: the same seed gives the same business.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The data folder (SQLite); it must hold no events yet (see --fresh).
    #[arg(long, default_value = otd::demo::DEFAULT_DATA)]
    data: PathBuf,
    /// Delete the event store already in the data folder first.
    #[arg(long)]
    fresh: bool,
    /// The first simulated day.
    #[arg(long, default_value = otd::demo::DEFAULT_START)]
    start: chrono::NaiveDate,
    /// Customers' orders per weekday on average (fewer at weekends).
    #[arg(long, default_value_t = 5)]
    orders_per_day: u32,
    /// Keep the HTTP API up afterwards to browse the result.
    #[arg(long)]
    serve: bool,
    /// Where `--serve` listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
}

fn main() -> ExitCode {
    let cli = match otd::settings::load(std::env::args_os().collect(), Cli::settings) {
        Ok(cli) => cli,
        Err(LoadError::Cli(e)) => e.exit(),
        Err(LoadError::File(e)) => {
            eprintln!("otd: {e}");
            return ExitCode::from(2);
        }
    };
    init_logs();
    match &cli.command {
        Command::Serve { settings, role } => {
            return run_async(otd::serve::serve(cli.engine(settings), *role))
        }
        Command::Demo(args) => {
            let options = otd::demo::DemoOptions {
                weeks: args.weeks,
                seed: args.seed,
                data: args.data.clone(),
                start: args.start,
                orders_per_day: args.orders_per_day,
                fresh: args.fresh,
                serve: args.serve.then_some(args.listen),
                catalog: cli.catalog.catalog.clone(),
            };
            return run_async(otd::demo::run(options));
        }
        Command::Bench {
            command: BenchCommand::Load(args),
        } => return run_async(otd::bench::load::run(args.clone())),
        Command::Bench {
            command: BenchCommand::Lifecycle(args),
        } => return run_async(otd::bench::lifecycle::run(args.clone())),
        Command::Bench {
            command: BenchCommand::Launch(args),
        } => return run_async(otd::bench::launch::run(args.clone())),
        Command::Projections {
            command: ProjectionsCommand::Rebuild { name, settings },
        } => return run_async(rebuild(cli.engine(settings), name.as_deref())),
        Command::Admin { command } => {
            let (command, settings) = (command.clone(), cli.engine(command.settings()));
            return run_async(otd::admin::run(command, settings));
        }
        _ => {}
    }
    let catalog = match otd::stores::load_catalog(cli.catalog.catalog.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("otd: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::Catalog { json } => print_catalog(&catalog, json),
        Command::Quote {
            market,
            model,
            options,
        } => quote(&catalog, &market, &model, &options),
        Command::Token {
            role,
            sub,
            user,
            manager,
            ttl,
            data,
            jwt_secret,
        } => {
            let identity = TokenIdentity {
                role: &role,
                sub: &sub,
                user: user.as_deref(),
                manager,
            };
            token(&identity, &ttl, &data, jwt_secret.as_deref())
        }
        Command::Serve { .. }
        | Command::Projections { .. }
        | Command::Demo(_)
        | Command::Admin { .. }
        | Command::Bench { .. } => ExitCode::SUCCESS,
    }
}

/// Who `otd token` signs for, as written on the command line.
struct TokenIdentity<'a> {
    role: &'a str,
    sub: &'a str,
    user: Option<&'a str>,
    manager: bool,
}

impl TokenIdentity<'_> {
    /// Parses the role and the user; `--manager` only with `--role dealer`.
    fn parse(&self) -> Result<api::auth::Identity, String> {
        let role: api::auth::Role = self.role.parse()?;
        let user = self
            .user
            .map(domain::values::UserId::parse)
            .transpose()
            .map_err(|e| e.to_string())?;
        let identity = api::auth::Identity {
            role,
            sub: self.sub.to_owned(),
            user,
            manager: self.manager,
        };
        identity.check().map_err(|e| e.to_string())?;
        Ok(identity)
    }
}

fn token(
    identity: &TokenIdentity<'_>,
    ttl: &str,
    data: &std::path::Path,
    secret: Option<&str>,
) -> ExitCode {
    let result = (|| -> Result<String, String> {
        let identity = identity.parse()?;
        let ttl = parse_ttl(ttl)?;
        let secret = api::auth::load_or_create_secret(secret, data)?;
        api::auth::AuthKeys::from_secret(&secret)
            .issue(&identity, ttl)
            .map_err(|e| e.to_string())
    })();
    match result {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("otd: {e}");
            ExitCode::from(2)
        }
    }
}

/// `8h`, `30m`, `7d`, `45s`.
fn parse_ttl(s: &str) -> Result<chrono::Duration, String> {
    let bad = || format!("ttl {s:?}: expected a number and a unit (s, m, h, d), e.g. 8h");
    if !s.is_ascii() || s.len() < 2 {
        return Err(bad());
    }
    let (digits, unit) = s.split_at(s.len() - 1);
    let n: i64 = digits.parse().map_err(|_| bad())?;
    if n <= 0 || n > 100_000 {
        return Err(bad());
    }
    match unit {
        "s" => Ok(chrono::Duration::seconds(n)),
        "m" => Ok(chrono::Duration::minutes(n)),
        "h" => Ok(chrono::Duration::hours(n)),
        "d" => Ok(chrono::Duration::days(n)),
        _ => Err(bad()),
    }
}

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OTD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn run_async(work: impl std::future::Future<Output = Result<(), String>>) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("otd: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(work) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("otd: {e}");
            ExitCode::from(2)
        }
    }
}

async fn rebuild(settings: Settings, name: Option<&str>) -> Result<(), String> {
    let known: Vec<&'static str> = projections::all_projections()
        .iter()
        .map(|p| p.name())
        .collect();
    if let Some(name) = name {
        if !known.contains(&name) {
            return Err(format!(
                "no projection {name:?}; known: {}",
                known.join(", ")
            ));
        }
    }
    let parts = otd::stores::Parts::open(&settings)
        .await
        .map_err(|e| e.to_string())?;
    let options = parts.runner_options();
    let started = std::time::Instant::now();
    let head = projections::rebuild(
        parts.events,
        parts.read_models,
        projections::all_projections(),
        name,
        options,
    )
    .await
    .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "rebuilt {} up to position {} in {seconds:.2} s ({:.0} events/s)",
        name.unwrap_or("all projections"),
        head.0,
        head.0 as f64 / seconds.max(f64::EPSILON)
    );
    Ok(())
}
