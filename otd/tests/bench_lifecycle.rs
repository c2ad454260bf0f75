//! `otd bench lifecycle` runs end to end on a few orders and verifies its own work (exactly
//! seven events per order, every order delivered in the tracker and on the boards). A smoke
//! test: nothing here looks at a time.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn lifecycle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_otd"))
        .args(["bench", "lifecycle"])
        .args(args)
        .output()
        .unwrap()
}

/// The one JSON line the benchmark prints.
fn report(output: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stdout}");
    serde_json::from_str(lines[0]).unwrap()
}

fn assert_verified(report: &serde_json::Value, backend: &str, projections: bool) {
    assert_eq!(report["framework"], "otd");
    assert_eq!(report["backend"], backend);
    assert_eq!(report["orders"], 5);
    assert_eq!(report["concurrency"], 3);
    assert_eq!(report["commands"], 35);
    assert_eq!(report["events"], 35);
    assert_eq!(report["projections"], projections);
    assert_eq!(report["verified"], true);
    for field in ["seconds", "commands_per_s", "p50_ms", "p99_ms"] {
        assert!(report[field].as_f64().unwrap() > 0.0, "{field}: {report}");
    }
}

#[test]
fn the_lifecycle_benchmark_verifies_its_run_on_sqlite() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("bench");
    let dir = dir.to_str().unwrap();
    let output = lifecycle(&["--orders", "5", "--concurrency", "3", "--data", dir]);
    assert_verified(&report(&output), "sqlite", true);
}

#[test]
fn the_lifecycle_benchmark_runs_without_projections() {
    let output = lifecycle(&["--orders", "5", "--concurrency", "3", "--no-projections"]);
    assert_verified(&report(&output), "sqlite", false);
}

#[test]
fn the_lifecycle_benchmark_verifies_its_run_on_postgres() {
    let Some(url) = std::env::var("OTD_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED: OTD_TEST_POSTGRES_URL is not set");
        return;
    };
    let output = lifecycle(&[
        "--backend",
        "postgres",
        "--postgres-url",
        &url,
        "--orders",
        "5",
        "--concurrency",
        "3",
    ]);
    assert_verified(&report(&output), "postgres", true);
}

#[test]
fn the_lifecycle_benchmark_refuses_a_folder_that_holds_a_store() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("events.db"), b"").unwrap();
    let output = lifecycle(&["--orders", "1", "--data", data.path().to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already holds a store"));
}

#[test]
fn the_lifecycle_benchmark_refuses_postgres_without_a_url() {
    let output = Command::new(env!("CARGO_BIN_EXE_otd"))
        .args([
            "bench",
            "lifecycle",
            "--backend",
            "postgres",
            "--orders",
            "1",
        ])
        .env_remove("OTD_POSTGRES_URL")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--postgres-url"));
}

#[test]
fn the_lifecycle_benchmark_refuses_sizes_it_cannot_run() {
    for args in [
        ["--orders", "0", "--concurrency", "1"],
        ["--orders", "1", "--concurrency", "0"],
        ["--orders", "1", "--concurrency", "100000"],
        ["--orders", "18446744073709551615", "--concurrency", "1"],
    ] {
        let output = lifecycle(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("at most")
                || String::from_utf8_lossy(&output.stderr).contains("at least"),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
