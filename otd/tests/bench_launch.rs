//! `otd bench launch` runs end to end on a tiny load and checks its own work: every order
//! placed, followed until its tracker shows its vehicle or week and ETA, and the run verified
//! from the read models and the log. A smoke test; nothing here looks at a time.

#![allow(clippy::unwrap_used)]

use std::process::Command;

/// The fields, in its order, then the extra ones.
const FIELDS: [&str; 16] = [
    "bench",
    "backend",
    "offered_per_s",
    "seconds",
    "orders",
    "placed_per_s",
    "fulfilled_per_s",
    "p50_ms_to_eta",
    "p99_ms_to_eta",
    "max_ms_to_eta",
    "max_backlog",
    "overbooked",
    "double_held",
    "verified",
    "cores",
    "date",
];

fn launch(args: &[&str]) -> (serde_json::Value, String, String) {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_otd"))
        .args(["bench", "launch"])
        .args(args)
        .arg("--data")
        .arg(data.path().join("bench"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let line = stdout.lines().last().unwrap_or_default();
    let json = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    // The fields in the order come first, as printed.
    let mut at = 0;
    for field in FIELDS {
        let found = line[at..]
            .find(&format!("\"{field}\":"))
            .unwrap_or_else(|| panic!("{field} missing or out of order in {line}"));
        at += found;
    }
    (json, stdout, stderr)
}

fn assert_fulfilled(report: &serde_json::Value, orders: u64) {
    assert_eq!(report["bench"], "launch", "{report}");
    assert_eq!(
        report["orders"], orders,
        "every order acknowledged: {report}"
    );
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(report["unfulfilled"], 0, "{report}");
    assert_eq!(report["overbooked"], 0, "{report}");
    assert_eq!(report["double_held"], 0, "{report}");
    assert_eq!(report["verified"], true, "{report}");
    assert!(report["max_ms_to_eta"].as_f64().unwrap() > 0.0, "{report}");
    assert!(report["tracker_reads"].as_u64().unwrap() > 0, "{report}");
    assert!(report["board_reads"].as_u64().unwrap() > 0, "{report}");
    assert!(report["peak_rss_mb"].as_f64().unwrap() > 0.0, "{report}");
}

#[test]
fn the_launch_benchmark_fulfils_every_order_and_verifies_on_sqlite() {
    let (report, _, _) = launch(&["--rate", "40", "--seconds", "1", "--stock", "6"]);
    assert_eq!(report["backend"], "sqlite", "{report}");
    assert_fulfilled(&report, 40);
}

#[test]
fn the_launch_benchmark_spreads_orders_over_two_processes_on_postgresql() {
    let Ok(url) = std::env::var("OTD_TEST_POSTGRES_URL") else {
        eprintln!(
            "SKIPPED: OTD_TEST_POSTGRES_URL is not set, the PostgreSQL launch bench did not run"
        );
        return;
    };
    let (report, _, _) = launch(&[
        "--rate",
        "30",
        "--seconds",
        "1",
        "--stock",
        "4",
        "--backend",
        "postgres",
        "--workers",
        "2",
        "--postgres-url",
        &url,
    ]);
    assert_eq!(report["backend"], "postgres", "{report}");
    assert_eq!(report["workers"], 2, "{report}");
    assert_fulfilled(&report, 30);
}

#[test]
fn the_launch_benchmark_refuses_what_it_cannot_run() {
    for (args, expected) in [
        (&["--rate", "0"][..], "positive, finite"),
        (&["--rate", "NaN"][..], "positive, finite"),
        (&["--seconds", "0"][..], "at least 1"),
        (&["--workers", "2"][..], "needs --backend postgres"),
        (
            &["--backend", "postgres", "--workers", "0"][..],
            "--workers is 1 to",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_otd"))
            .args(["bench", "launch"])
            .args(args)
            .env_remove("OTD_POSTGRES_URL")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
