//! Typed settings, loaded once at start: defaults, then a settings file,
//! then `OTD_*` environment variables, then flags (flags win).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use serde::Deserialize;

/// Which event store to run on.
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

/// How many connections and event streams the server holds, and how long it
/// waits for a client (see `connections.rs` and docs/decisions/0006).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once; the next is answered 503 and closed.
    pub max_connections: u32,
    /// From a request's first byte until its head is complete.
    pub header_read_timeout: Duration,
    /// A connection waiting for its next request is closed after this.
    pub idle_timeout: Duration,
    /// Live board streams open at once per token subject; the next is 429.
    pub streams_per_subject: usize,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            streams_per_subject: 8,
        }
    }
}

/// Everything the server needs to start. The secret is never logged.
#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data: PathBuf,
    pub backend: Backend,
    pub clock: ClockSetting,
    pub jwt_secret: Option<String>,
    pub catalog: Option<PathBuf>,
    /// Requests per second per subject (0: no limit).
    pub rate_limit: u32,
    pub connections: ConnectionLimits,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("data", &self.data)
            .field(
                "backend",
                &match &self.backend {
                    Backend::Sqlite => "sqlite",
                    Backend::Postgres { .. } => "postgres",
                    Backend::KurrentDb { .. } => "kurrentdb",
                },
            )
            .field("clock", &self.clock)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("catalog", &self.catalog)
            .field("rate_limit", &self.rate_limit)
            .field("connections", &self.connections)
            .finish()
    }
}

/// The settings file (`otd.toml`), every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub listen: Option<String>,
    pub data: Option<PathBuf>,
    pub backend: Option<String>,
    pub postgres_url: Option<String>,
    pub postgres_schema: Option<String>,
    pub kurrentdb_url: Option<String>,
    pub clock: Option<String>,
    pub jwt_secret: Option<String>,
    pub catalog: Option<PathBuf>,
    pub rate_limit: Option<u32>,
    pub max_connections: Option<u32>,
    pub header_read_timeout_secs: Option<u64>,
    pub idle_timeout_secs: Option<u64>,
    pub streams_per_subject: Option<u32>,
}

/// One layer of raw values (file, environment or flags).
#[derive(Debug, Default, Clone)]
pub struct Layer {
    pub listen: Option<String>,
    pub data: Option<PathBuf>,
    pub backend: Option<String>,
    pub postgres_url: Option<String>,
    pub postgres_schema: Option<String>,
    pub kurrentdb_url: Option<String>,
    pub clock: Option<String>,
    pub jwt_secret: Option<String>,
    pub catalog: Option<PathBuf>,
    pub rate_limit: Option<String>,
    pub max_connections: Option<String>,
    pub header_read_timeout_secs: Option<String>,
    pub idle_timeout_secs: Option<String>,
    pub streams_per_subject: Option<String>,
}

impl Layer {
    /// The `OTD_*` variables of `env`.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Layer {
        Layer {
            listen: env("OTD_LISTEN"),
            data: env("OTD_DATA").map(PathBuf::from),
            backend: env("OTD_BACKEND"),
            postgres_url: env("OTD_POSTGRES_URL"),
            postgres_schema: env("OTD_POSTGRES_SCHEMA"),
            kurrentdb_url: env("OTD_KURRENTDB_URL"),
            clock: env("OTD_CLOCK"),
            jwt_secret: env("OTD_JWT_SECRET"),
            catalog: env("OTD_CATALOG").map(PathBuf::from),
            rate_limit: env("OTD_RATE_LIMIT"),
            max_connections: env("OTD_MAX_CONNECTIONS"),
            header_read_timeout_secs: env("OTD_HEADER_READ_TIMEOUT_SECS"),
            idle_timeout_secs: env("OTD_IDLE_TIMEOUT_SECS"),
            streams_per_subject: env("OTD_STREAMS_PER_SUBJECT"),
        }
    }

    /// A settings file; a missing file is an empty layer.
    pub fn from_file(path: &Path) -> Result<Layer, String> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Layer::default()),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let f: FileSettings =
            toml_from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Layer {
            listen: f.listen,
            data: f.data,
            backend: f.backend,
            postgres_url: f.postgres_url,
            postgres_schema: f.postgres_schema,
            kurrentdb_url: f.kurrentdb_url,
            clock: f.clock,
            jwt_secret: f.jwt_secret,
            catalog: f.catalog,
            rate_limit: f.rate_limit.map(|r| r.to_string()),
            max_connections: f.max_connections.map(|n| n.to_string()),
            header_read_timeout_secs: f.header_read_timeout_secs.map(|n| n.to_string()),
            idle_timeout_secs: f.idle_timeout_secs.map(|n| n.to_string()),
            streams_per_subject: f.streams_per_subject.map(|n| n.to_string()),
        })
    }

    /// `self` with the values of `over` where it has them.
    pub fn under(self, over: Layer) -> Layer {
        Layer {
            listen: over.listen.or(self.listen),
            data: over.data.or(self.data),
            backend: over.backend.or(self.backend),
            postgres_url: over.postgres_url.or(self.postgres_url),
            postgres_schema: over.postgres_schema.or(self.postgres_schema),
            kurrentdb_url: over.kurrentdb_url.or(self.kurrentdb_url),
            clock: over.clock.or(self.clock),
            jwt_secret: over.jwt_secret.or(self.jwt_secret),
            catalog: over.catalog.or(self.catalog),
            rate_limit: over.rate_limit.or(self.rate_limit),
            max_connections: over.max_connections.or(self.max_connections),
            header_read_timeout_secs: over
                .header_read_timeout_secs
                .or(self.header_read_timeout_secs),
            idle_timeout_secs: over.idle_timeout_secs.or(self.idle_timeout_secs),
            streams_per_subject: over.streams_per_subject.or(self.streams_per_subject),
        }
    }

    /// Checks and types the merged layers.
    pub fn resolve(self) -> Result<Settings, String> {
        let listen = self.listen.unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen: SocketAddr = listen
            .parse()
            .map_err(|e| format!("listen address {listen:?}: {e}"))?;
        let backend = match self.backend.as_deref().unwrap_or("sqlite") {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres {
                schema: self.postgres_schema,
                url: self.postgres_url.ok_or(
                    "the postgres backend needs a URL (--postgres-url or OTD_POSTGRES_URL)",
                )?,
            },
            "kurrentdb" => Backend::KurrentDb {
                url: self.kurrentdb_url.ok_or(
                    "the kurrentdb backend needs a URL (--kurrentdb-url or OTD_KURRENTDB_URL)",
                )?,
                read_models_url: self.postgres_url,
                read_models_schema: self.postgres_schema,
            },
            other => {
                return Err(format!(
                    "backend {other:?}: expected sqlite, postgres or kurrentdb"
                ))
            }
        };
        let clock = self.clock.as_deref().unwrap_or("real").parse()?;
        let rate_limit = match self.rate_limit.as_deref() {
            None => crate::runtime::DEFAULT_RATE_LIMIT,
            Some(r) => r
                .parse()
                .map_err(|_| format!("rate limit {r:?}: expected requests per second (0: off)"))?,
        };
        let defaults = ConnectionLimits::default();
        let connections = ConnectionLimits {
            max_connections: positive(
                "max_connections",
                self.max_connections.as_deref(),
                defaults.max_connections,
            )?,
            header_read_timeout: Duration::from_secs(positive(
                "header_read_timeout_secs",
                self.header_read_timeout_secs.as_deref(),
                defaults.header_read_timeout.as_secs(),
            )?),
            idle_timeout: Duration::from_secs(positive(
                "idle_timeout_secs",
                self.idle_timeout_secs.as_deref(),
                defaults.idle_timeout.as_secs(),
            )?),
            streams_per_subject: positive(
                "streams_per_subject",
                self.streams_per_subject.as_deref(),
                defaults.streams_per_subject,
            )?,
        };
        Ok(Settings {
            listen,
            data: self.data.unwrap_or_else(|| PathBuf::from("./otd-data")),
            backend,
            clock,
            jwt_secret: self.jwt_secret,
            catalog: self.catalog,
            rate_limit,
            connections,
        })
    }
}

/// A whole number above zero, or `default` when not given.
fn positive<N>(name: &str, given: Option<&str>, default: N) -> Result<N, String>
where
    N: std::str::FromStr + PartialOrd + Default,
{
    let Some(text) = given else {
        return Ok(default);
    };
    match text.trim().parse::<N>() {
        Ok(n) if n > N::default() => Ok(n),
        _ => Err(format!("{name} {text:?}: expected a whole number above 0")),
    }
}

fn toml_from_str(text: &str) -> Result<FileSettings, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kurrentdb_backend_needs_its_url_and_keeps_the_read_models_url() {
        let missing = Layer {
            backend: Some("kurrentdb".into()),
            ..Layer::default()
        };
        assert!(missing.resolve().unwrap_err().contains("--kurrentdb-url"));
        let env = Layer::from_env(|name| match name {
            "OTD_BACKEND" => Some("kurrentdb".into()),
            "OTD_KURRENTDB_URL" => Some("esdb://node1:2113".into()),
            "OTD_POSTGRES_URL" => Some("postgres://otd@db/otd".into()),
            _ => None,
        });
        assert_eq!(
            env.resolve().unwrap().backend,
            Backend::KurrentDb {
                url: "esdb://node1:2113".into(),
                read_models_url: Some("postgres://otd@db/otd".into()),
                read_models_schema: None,
            }
        );
    }

    #[test]
    fn flags_win_over_the_environment_which_wins_over_the_file() {
        let file = Layer {
            listen: Some("127.0.0.1:1".into()),
            clock: Some("sim:2026-11-23".into()),
            ..Layer::default()
        };
        let env = Layer {
            listen: Some("127.0.0.1:2".into()),
            ..Layer::default()
        };
        let flags = Layer {
            data: Some("/tmp/x".into()),
            ..Layer::default()
        };
        let s = file.under(env).under(flags).resolve().unwrap();
        assert_eq!(s.listen.port(), 2);
        assert_eq!(s.data, PathBuf::from("/tmp/x"));
        assert_eq!(
            s.clock,
            ClockSetting::Simulated(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
        );
        assert_eq!(s.backend, Backend::Sqlite);
        assert_eq!(s.connections, ConnectionLimits::default());
        let env = Layer::from_env(|k| match k {
            "OTD_MAX_CONNECTIONS" => Some("10".into()),
            "OTD_IDLE_TIMEOUT_SECS" => Some("5".into()),
            "OTD_STREAMS_PER_SUBJECT" => Some("2".into()),
            _ => None,
        });
        let c = env.resolve().unwrap().connections;
        assert_eq!(
            (c.max_connections, c.idle_timeout, c.streams_per_subject),
            (10, Duration::from_secs(5), 2)
        );
    }

    #[test]
    fn bad_settings_are_clear_errors() {
        assert!(Layer {
            clock: Some("sim:2026-13-01".into()),
            ..Layer::default()
        }
        .resolve()
        .is_err());
        for outside in ["sim:0000-06-01", "sim:10000-01-01", "sim:+12000-01-01"] {
            let refused = outside.parse::<ClockSetting>();
            assert!(refused.is_err(), "{outside}: {refused:?}");
        }
        assert_eq!(
            "sim:9999-12-31".parse::<ClockSetting>(),
            Ok(ClockSetting::Simulated(
                NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()
            ))
        );
        assert!(Layer {
            backend: Some("postgres".into()),
            ..Layer::default()
        }
        .resolve()
        .is_err());
        assert!(Layer {
            listen: Some("nowhere".into()),
            ..Layer::default()
        }
        .resolve()
        .is_err());
        for (name, value) in [
            ("OTD_MAX_CONNECTIONS", "0"),
            ("OTD_IDLE_TIMEOUT_SECS", "soon"),
            ("OTD_HEADER_READ_TIMEOUT_SECS", "-1"),
        ] {
            let layer = Layer::from_env(|k| (k == name).then(|| value.to_owned()));
            assert!(layer.resolve().is_err(), "{name}={value}");
        }
        let env = Layer::from_env(|k| (k == "OTD_JWT_SECRET").then(|| "s3cret".to_owned()));
        let s = env.resolve().unwrap();
        assert!(
            !format!("{s:?}").contains("s3cret"),
            "the secret is never printed"
        );
    }
}
