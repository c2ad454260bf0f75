//! Typed settings, declared once with clap and loaded once at start: each
//! from its flag, else its `OTD_*` environment variable, else the settings
//! file, else its default (flags win).
//!
//! The settings file (`otd.toml` in the data folder, or `--config`) holds the
//! same settings under the names of their flags in snake case
//! (`postgres_url = "..."` for `--postgres-url`), every one optional. Its
//! values become the flags' defaults, so clap parses and checks them exactly
//! as it parses a flag, and a flag or a variable still wins.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use api::connections::ConnectionLimits;
use api::runtime::DEFAULT_RATE_LIMIT;
use chrono::NaiveDate;
use clap::{Args, Command, Parser};

/// The settings file's name in the data folder.
pub const FILE_NAME: &str = "otd.toml";

/// Which event store to run on, as `--backend` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendKind {
    /// The embedded default: SQLite in the data folder.
    Sqlite,
    /// A shared PostgreSQL database (`--postgres-url`).
    Postgres,
    /// A KurrentDB cluster (`--kurrentdb-url`; the `kurrentdb` cargo feature).
    Kurrentdb,
}

/// Which event store to run on, with where to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: SQLite in the data folder.
    Sqlite,
    /// A shared PostgreSQL database, in `schema` (default `public`).
    Postgres { url: String, schema: Option<String> },
    /// A KurrentDB server or cluster for the events (cargo feature `kurrentdb`), with the read
    /// models in PostgreSQL when `read_models_url` is given, else in SQLite in the data folder.
    KurrentDb {
        url: String,
        read_models_url: Option<String>,
        read_models_schema: Option<String>,
    },
}

/// What one `otd serve` process does, as `--role` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ServeRole {
    /// The API and the workers (process managers, 2-hour watcher, outbox sender).
    #[default]
    All,
    /// The API only (PostgreSQL: the workers run in other processes).
    Api,
    /// The workers only, with `/healthz` and `/metrics` (PostgreSQL).
    Worker,
}

impl ServeRole {
    /// The engine's duties for this role on the backend `settings` name; `api` or `worker`
    /// alone are refused where one process owns the data (read models in SQLite): nothing
    /// else would fulfil its orders or serve its API.
    pub fn duties(self, settings: &Settings) -> Result<api::runtime::Duties, String> {
        let shared = match settings.backend {
            BackendKind::Sqlite => false,
            BackendKind::Postgres => true,
            BackendKind::Kurrentdb => settings.postgres_url.is_some(),
        };
        let (duties, name) = match self {
            ServeRole::All => return Ok(api::runtime::Duties::All),
            ServeRole::Api => (api::runtime::Duties::Api, "api"),
            ServeRole::Worker => (api::runtime::Duties::Worker, "worker"),
        };
        if shared {
            Ok(duties)
        } else {
            Err(format!(
                "--role {name} needs several processes sharing one database, but the read \
                 models are in SQLite, which one process owns: run `--role all` (the default), \
                 or split the roles on PostgreSQL (--backend postgres)"
            ))
        }
    }
}

/// Which clock the business runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockSetting {
    Real,
    Simulated(NaiveDate),
}

impl std::str::FromStr for ClockSetting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "real" | "" => Ok(ClockSetting::Real),
            _ => {
                let date = s
                    .strip_prefix("sim:")
                    .ok_or_else(|| format!("clock {s:?}: expected `real` or `sim:YYYY-MM-DD`"))?;
                let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                    .map_err(|e| format!("clock {s:?}: {e}"))?;
                if !domain::values::in_calendar(date) {
                    return Err(format!(
                        "clock {s:?}: the simulated clock must start in the years 0001 to 9999"
                    ));
                }
                Ok(ClockSetting::Simulated(date))
            }
        }
    }
}

/// The global `--catalog`, shared by every command that reads the catalog.
#[derive(Args, Debug, Clone, Default)]
pub struct CatalogArg {
    /// A catalog file to load instead of the demo catalog shipped with otd.
    #[arg(long, global = true, env = "OTD_CATALOG")]
    pub catalog: Option<PathBuf>,
}

/// Where and how the engine runs. The secret and the database URLs are never
/// logged.
#[derive(Args, Clone)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "OTD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The data folder.
    #[arg(long, env = "OTD_DATA", default_value = "./otd-data")]
    pub data: PathBuf,
    /// `real` or `sim:YYYY-MM-DD`.
    #[arg(long, env = "OTD_CLOCK", default_value = "real")]
    pub clock: ClockSetting,
    /// `sqlite`, `postgres` or `kurrentdb` (needs the `kurrentdb` cargo feature).
    #[arg(long, env = "OTD_BACKEND", value_enum, default_value_t = BackendKind::Sqlite)]
    pub backend: BackendKind,
    /// The PostgreSQL URL for `--backend postgres` (the read models' for `kurrentdb`).
    #[arg(long, env = "OTD_POSTGRES_URL", hide_env_values = true)]
    pub postgres_url: Option<String>,
    /// The PostgreSQL schema (default `public`).
    #[arg(long, env = "OTD_POSTGRES_SCHEMA")]
    pub postgres_schema: Option<String>,
    /// The KurrentDB connection string for `--backend kurrentdb`, e.g.
    /// `kurrentdb+discover://node1:2113?nodePreference=leader`; read models then go to
    /// `--postgres-url` if given, else to SQLite in the data folder.
    #[arg(long, env = "OTD_KURRENTDB_URL", hide_env_values = true)]
    pub kurrentdb_url: Option<String>,
    /// The secret that signs bearer tokens (default: one created in the data folder).
    /// Prefer the variable: a flag is visible to other users of the machine.
    #[arg(long, env = "OTD_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// The master key of the vault that seals personal data: 32 bytes in base64 or hex
    /// (default: one created in `master.key` in the data folder, for development only).
    /// Give it through the variable or a secret store, never in the settings file (which
    /// refuses it) nor as a flag on a shared machine.
    #[arg(long, env = "OTD_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// Requests per second per subject (0: no limit).
    #[arg(long, env = "OTD_RATE_LIMIT", default_value_t = DEFAULT_RATE_LIMIT)]
    pub rate_limit: u32,
    /// Connections open at once; the next is answered 503.
    #[arg(long, env = "OTD_MAX_CONNECTIONS",
          default_value_t = ConnectionLimits::default().max_connections,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Seconds from a request's first byte until its head is complete.
    #[arg(long, env = "OTD_HEADER_READ_TIMEOUT_SECS",
          default_value_t = ConnectionLimits::default().header_read_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_secs: u64,
    /// Seconds an idle connection is kept open.
    #[arg(long, env = "OTD_IDLE_TIMEOUT_SECS",
          default_value_t = ConnectionLimits::default().idle_timeout.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,
    /// Live board streams open at once per token subject.
    #[arg(long, env = "OTD_STREAMS_PER_SUBJECT",
          default_value_t = ConnectionLimits::default().streams_per_subject as u32,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub streams_per_subject: u32,
    /// Whether the session cookies are `Secure` (sent over HTTPS only), `true` or
    /// `false`; default: false when listening on a loopback address, true otherwise.
    #[arg(long, env = "OTD_COOKIE_SECURE")]
    pub cookie_secure: Option<bool>,
    /// Where people reach the server, e.g. `https://orders.example.com`: the base of the
    /// links account e-mails carry (default: `http://` and the listen address, `localhost`
    /// for an unspecified one).
    #[arg(long, env = "OTD_PUBLIC_URL")]
    pub public_url: Option<url::Url>,
    /// A settings file (default: otd.toml in the data folder).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The catalog file: the global `--catalog` (or the file's `catalog`).
    #[arg(skip)]
    pub catalog: Option<PathBuf>,
}

impl Settings {
    /// The settings of `flags` (without a program name) over `OTD_*` over the settings
    /// file, for a command that is not `otd serve` (the demo, tests).
    pub fn from_flags<I, T>(flags: I) -> Result<Settings, LoadError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString>,
    {
        /// The settings and the catalog, as a command of their own.
        #[derive(Parser)]
        struct Standalone {
            #[command(flatten)]
            catalog: CatalogArg,
            #[command(flatten)]
            settings: Settings,
        }
        let args = std::iter::once(OsString::from("otd"))
            .chain(flags.into_iter().map(Into::into))
            .collect();
        let parsed: Standalone = load(args, |s: &Standalone| Some(&s.settings))?;
        Ok(Settings {
            catalog: parsed.catalog.catalog,
            ..parsed.settings
        })
    }

    /// The backend with its URLs; the URL it needs must be given.
    pub fn backend(&self) -> Result<Backend, String> {
        Ok(match self.backend {
            BackendKind::Sqlite => Backend::Sqlite,
            BackendKind::Postgres => Backend::Postgres {
                url: self.postgres_url.clone().ok_or(
                    "the postgres backend needs a URL (--postgres-url or OTD_POSTGRES_URL)",
                )?,
                schema: self.postgres_schema.clone(),
            },
            BackendKind::Kurrentdb => Backend::KurrentDb {
                url: self.kurrentdb_url.clone().ok_or(
                    "the kurrentdb backend needs a URL (--kurrentdb-url or OTD_KURRENTDB_URL)",
                )?,
                read_models_url: self.postgres_url.clone(),
                read_models_schema: self.postgres_schema.clone(),
            },
        })
    }

    /// Whether the session cookies are `Secure`: as set, else false on a
    /// loopback address (plain HTTP on one's own machine) and true otherwise.
    pub fn cookie_secure(&self) -> bool {
        self.cookie_secure
            .unwrap_or_else(|| !self.listen.ip().is_loopback())
    }

    /// The base URL of the links in account e-mails: as set, else `http://` and the listen
    /// address (`localhost` in place of an unspecified address such as `0.0.0.0`).
    pub fn public_url(&self) -> url::Url {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let port = self.listen.port();
        let host = match self.listen.ip() {
            ip if ip.is_unspecified() => "localhost".to_owned(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            std::net::IpAddr::V4(ip) => ip.to_string(),
        };
        url::Url::parse(&format!("http://{host}:{port}/"))
            .unwrap_or_else(|_| unreachable!("a host and a port make a URL"))
    }

    /// The connection limits the HTTP server holds to.
    pub fn connections(&self) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: self.max_connections,
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            streams_per_subject: self.streams_per_subject as usize,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data", &self.data)
            .field("backend", &self.backend)
            .field("clock", &self.clock)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("master_key", &self.master_key.as_ref().map(|_| "<set>"))
            .field("catalog", &self.catalog)
            .field("rate_limit", &self.rate_limit)
            .field("connections", &self.connections())
            .field("cookie_secure", &self.cookie_secure())
            .field("public_url", &self.public_url().as_str())
            .finish()
    }
}

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A flag or variable clap refused (or `--help`, `--version`): see [`clap::Error::exit`].
    #[error("{0}")]
    Cli(#[from] clap::Error),
    /// The settings file cannot be read or holds something unknown.
    #[error("{0}")]
    File(String),
}

/// Parses `args` (program name first) as `P`, with the settings file of the
/// [`Settings`] that `settings_of` finds in it as the defaults of their flags.
/// The file is found from the flags and variables alone: `--config`, else
/// `otd.toml` in the `--data` folder.
pub fn load<P: Parser>(
    args: Vec<OsString>,
    settings_of: impl Fn(&P) -> Option<&Settings>,
) -> Result<P, LoadError> {
    let first = P::try_parse_from(&args)?;
    let Some(settings) = settings_of(&first) else {
        return Ok(first);
    };
    let path = settings
        .config
        .clone()
        .unwrap_or_else(|| settings.data.join(FILE_NAME));
    let file = read_file(&path).map_err(LoadError::File)?;
    if file.is_empty() {
        return Ok(first);
    }
    let matches = with_defaults(P::command(), &file).try_get_matches_from(&args)?;
    Ok(P::from_arg_matches(&matches)?)
}

/// `command` (and its subcommands) with the file's values as the defaults of
/// the flags of the same names.
fn with_defaults(command: Command, file: &[(String, String)]) -> Command {
    command
        .mut_args(
            |arg| match file.iter().find(|(key, _)| arg.get_id() == key) {
                Some((_, value)) => arg.default_value(value.clone()),
                None => arg,
            },
        )
        .mut_subcommands(|sub| with_defaults(sub, file))
}

/// The keys a settings file may hold: the settings' flags (but `config`, and `master_key`,
/// which must not be kept beside the data it protects) and `catalog`.
fn file_keys() -> Vec<String> {
    let command = CatalogArg::augment_args(Settings::augment_args(Command::new("otd")));
    command
        .get_arguments()
        .map(|arg| arg.get_id().to_string())
        .filter(|id| id != "config" && id != "master_key")
        .collect()
}

/// The settings file as (key, value) pairs; a missing file holds none.
fn read_file(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let known = file_keys();
    table
        .into_iter()
        .map(|(key, value)| {
            if !known.contains(&key) {
                return Err(format!(
                    "{}: unknown setting `{key}`, expected one of {}",
                    path.display(),
                    known.join(", ")
                ));
            }
            let value = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(n) => n.to_string(),
                other => {
                    return Err(format!(
                        "{}: {key}: expected a string or a whole number, found a {}",
                        path.display(),
                        other.type_str()
                    ))
                }
            };
            Ok((key, value))
        })
        .collect()
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
