//! The settings' sources and their precedence. Each test sets the `OTD_*`
//! variables it needs while holding [`ENV`], so no two tests see each other's.
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;

use super::*;

/// The process's environment, shared by every test here.
static ENV: Mutex<()> = Mutex::new(());

/// Runs `f` with the variables `vars` set, and unsets them afterwards.
fn with_env<R>(vars: &[(&str, &str)], f: impl FnOnce() -> R) -> R {
    let _held = ENV.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    for (name, value) in vars {
        std::env::set_var(name, value);
    }
    let result = f();
    for (name, _) in vars {
        std::env::remove_var(name);
    }
    result
}

#[test]
fn the_kurrentdb_backend_needs_its_url_and_keeps_the_read_models_url() {
    let missing = with_env(&[], || {
        Settings::from_flags(["--backend", "kurrentdb"]).unwrap()
    });
    assert!(missing.backend().unwrap_err().contains("--kurrentdb-url"));
    let env = with_env(
        &[
            ("OTD_BACKEND", "kurrentdb"),
            ("OTD_KURRENTDB_URL", "esdb://node1:2113"),
            ("OTD_POSTGRES_URL", "postgres://otd@db/otd"),
        ],
        || Settings::from_flags(Vec::<String>::new()).unwrap(),
    );
    assert_eq!(
        env.backend().unwrap(),
        Backend::KurrentDb {
            url: "esdb://node1:2113".into(),
            read_models_url: Some("postgres://otd@db/otd".into()),
            read_models_schema: None,
        }
    );
}

#[test]
fn flags_win_over_the_environment_which_wins_over_the_file() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join(FILE_NAME),
        "listen = \"127.0.0.1:1\"\nclock = \"sim:2026-11-23\"\nrate_limit = 3\n",
    )
    .unwrap();
    let dir = data.path().to_str().unwrap();
    let s = with_env(
        &[("OTD_LISTEN", "127.0.0.1:2"), ("OTD_RATE_LIMIT", "5")],
        || Settings::from_flags(["--data", dir, "--rate-limit", "7"]).unwrap(),
    );
    assert_eq!(s.listen.port(), 2);
    assert_eq!(s.data, data.path());
    assert_eq!(s.rate_limit, 7);
    assert_eq!(
        s.clock,
        ClockSetting::Simulated(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
    );
    assert_eq!(s.backend().unwrap(), Backend::Sqlite);
    assert_eq!(s.connections(), ConnectionLimits::default());
    let c = with_env(
        &[
            ("OTD_MAX_CONNECTIONS", "10"),
            ("OTD_IDLE_TIMEOUT_SECS", "5"),
            ("OTD_STREAMS_PER_SUBJECT", "2"),
        ],
        || Settings::from_flags(Vec::<String>::new()).unwrap(),
    )
    .connections();
    assert_eq!(
        (c.max_connections, c.idle_timeout, c.streams_per_subject),
        (10, Duration::from_secs(5), 2)
    );
}

#[test]
fn the_settings_file_is_found_by_config_and_fills_what_is_not_given() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("elsewhere.toml");
    std::fs::write(
        &file,
        "backend = \"postgres\"\npostgres_url = \"postgres://otd@db/otd\"\ncatalog = \"cat.toml\"\n",
    )
    .unwrap();
    let s = with_env(&[], || {
        Settings::from_flags(["--config", file.to_str().unwrap()]).unwrap()
    });
    assert_eq!(
        s.backend().unwrap(),
        Backend::Postgres {
            url: "postgres://otd@db/otd".into(),
            schema: None
        }
    );
    assert_eq!(s.catalog, Some(PathBuf::from("cat.toml")));
    std::fs::write(&file, "listen_on = \"127.0.0.1:1\"\n").unwrap();
    let unknown = with_env(&[], || {
        Settings::from_flags(["--config", file.to_str().unwrap()])
    });
    assert!(
        matches!(&unknown, Err(LoadError::File(e)) if e.contains("listen_on")),
        "{unknown:?}"
    );
}

#[test]
fn bad_settings_are_clear_errors() {
    let refused = |flags: &[&str]| with_env(&[], || Settings::from_flags(flags).is_err());
    assert!(refused(&["--clock", "sim:2026-13-01"]));
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
    let postgres = with_env(&[], || {
        Settings::from_flags(["--backend", "postgres"]).unwrap()
    });
    assert!(postgres.backend().is_err());
    assert!(refused(&["--listen", "nowhere"]));
    for (name, value) in [
        ("OTD_MAX_CONNECTIONS", "0"),
        ("OTD_IDLE_TIMEOUT_SECS", "soon"),
        ("OTD_HEADER_READ_TIMEOUT_SECS", "-1"),
    ] {
        let loaded = with_env(&[(name, value)], || {
            Settings::from_flags(Vec::<String>::new())
        });
        assert!(loaded.is_err(), "{name}={value}");
    }
    let s = with_env(&[("OTD_JWT_SECRET", "s3cret")], || {
        Settings::from_flags(Vec::<String>::new()).unwrap()
    });
    assert!(
        !format!("{s:?}").contains("s3cret"),
        "the secret is never printed"
    );
}

#[test]
fn session_cookies_are_secure_unless_on_loopback_or_told_otherwise() {
    let loopback = with_env(&[], || {
        Settings::from_flags(["--listen", "127.0.0.1:8080"]).unwrap()
    });
    assert!(!loopback.cookie_secure());
    let public = with_env(&[], || {
        Settings::from_flags(["--listen", "0.0.0.0:8080"]).unwrap()
    });
    assert!(public.cookie_secure());
    let told = with_env(&[("OTD_COOKIE_SECURE", "false")], || {
        Settings::from_flags(["--listen", "0.0.0.0:8080"]).unwrap()
    });
    assert!(!told.cookie_secure());
    let forced = with_env(&[], || {
        Settings::from_flags(["--listen", "[::1]:8080", "--cookie-secure", "true"]).unwrap()
    });
    assert!(forced.cookie_secure());
}

#[test]
fn links_go_to_the_public_url_else_to_the_listen_address() {
    let told = with_env(&[("OTD_PUBLIC_URL", "https://orders.example.com")], || {
        Settings::from_flags(["--listen", "0.0.0.0:8080"]).unwrap()
    });
    assert_eq!(told.public_url().as_str(), "https://orders.example.com/");
    let any = with_env(&[], || {
        Settings::from_flags(["--listen", "0.0.0.0:8080"]).unwrap()
    });
    assert_eq!(any.public_url().as_str(), "http://localhost:8080/");
    let loopback = with_env(&[], || {
        Settings::from_flags(["--listen", "127.0.0.1:9000"]).unwrap()
    });
    assert_eq!(loopback.public_url().as_str(), "http://127.0.0.1:9000/");
    assert!(with_env(&[("OTD_PUBLIC_URL", "not a url")], || {
        Settings::from_flags(["--listen", "0.0.0.0:8080"])
    })
    .is_err());
}

#[test]
fn the_master_key_comes_from_the_environment_never_from_the_file_and_is_never_shown() {
    let key = "ab".repeat(32);
    let s = with_env(&[("OTD_MASTER_KEY", &key)], || {
        Settings::from_flags(Vec::<String>::new()).unwrap()
    });
    assert_eq!(s.master_key.as_deref(), Some(key.as_str()));
    assert!(!format!("{s:?}").contains(&key));
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join(FILE_NAME),
        format!("master_key = \"{key}\"\n"),
    )
    .unwrap();
    let dir = data.path().to_str().unwrap();
    let refused = with_env(&[], || Settings::from_flags(["--data", dir]));
    match refused {
        Err(LoadError::File(message)) => {
            assert!(message.contains("unknown setting `master_key`"));
            assert!(!message.contains(&key));
        }
        other => panic!("expected the file to be refused, got {other:?}"),
    }
}

#[test]
fn the_role_is_split_only_where_processes_share_the_read_models() {
    use api::runtime::Duties;
    let sqlite = with_env(&[], || Settings::from_flags(Vec::<String>::new()).unwrap());
    assert_eq!(ServeRole::All.duties(&sqlite), Ok(Duties::All));
    assert!(ServeRole::Api
        .duties(&sqlite)
        .unwrap_err()
        .contains("--role api needs several processes"));
    let postgres = with_env(
        &[
            ("OTD_BACKEND", "postgres"),
            ("OTD_POSTGRES_URL", "postgres://otd@db/otd"),
        ],
        || Settings::from_flags(Vec::<String>::new()).unwrap(),
    );
    assert_eq!(ServeRole::Worker.duties(&postgres), Ok(Duties::Worker));
    assert_eq!(ServeRole::Api.duties(&postgres), Ok(Duties::Api));
    let kurrent_alone = with_env(&[], || {
        Settings::from_flags(["--backend", "kurrentdb"]).unwrap()
    });
    assert!(ServeRole::Worker.duties(&kurrent_alone).is_err());
}
