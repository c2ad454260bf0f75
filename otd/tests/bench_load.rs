//! `otd bench load` runs end to end on a tiny load and checks its own work: every order
//! placed, the board listing them. It is a smoke test; nothing here looks at a time.

#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn the_load_benchmark_places_every_order_and_reads_the_board() {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_otd"))
        .args([
            "bench",
            "load",
            "--rate",
            "40",
            "--seconds",
            "1",
            "--warmup",
            "0",
            "--sign-ins",
            "5",
        ])
        .args([
            "--board-orders",
            "30",
            "--board-rate",
            "10",
            "--board-seconds",
            "1",
        ])
        .arg("--data")
        .arg(data.path().join("bench"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("| POST /api/v1/orders | 40 | 40 | 40 | 0 |"),
        "{stdout}"
    );
    assert!(
        stdout.contains("| GET /api/v1/dealers/D-BER-01/board (30 orders,"),
        "{stdout}"
    );
    assert!(stdout.contains("| 10 | 10 | 10 | 0 |"), "{stdout}");
    assert!(
        stdout.contains("| POST /api/v1/sessions (Argon2id) | 5 | 5 | 5 | 0 |"),
        "{stdout}"
    );
    assert!(stdout.contains("server memory: peak RSS"), "{stdout}");
    // The outbox's peaks, read from /metrics: the orders decide confirmations that wait
    // (no mail server), so the backlog was seen above zero.
    let line = stdout
        .lines()
        .find(|l| l.starts_with("{\"bench\":\"load\""))
        .unwrap_or_else(|| panic!("no JSON line in {stdout}"));
    let json: serde_json::Value = serde_json::from_str(line).unwrap();
    assert!(json["outbox_backlog_max"].as_u64().unwrap() > 0, "{line}");
    assert!(
        json["outbox_oldest_age_max_s"].as_f64().unwrap() >= 0.0,
        "{line}"
    );
}

#[test]
fn the_load_benchmark_refuses_a_folder_that_holds_a_store() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("events.db"), b"").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_otd"))
        .args(["bench", "load", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already holds a store"));
}

#[test]
fn the_load_benchmark_refuses_rates_that_are_not_positive_finite_numbers() {
    for rate in ["0", "-5", "NaN", "inf"] {
        let output = Command::new(env!("CARGO_BIN_EXE_otd"))
            .args(["bench", "load", &format!("--rate={rate}")])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "--rate {rate}: {stderr}");
        assert!(
            stderr.contains("positive, finite"),
            "--rate {rate}: {stderr}"
        );
    }
}
