//! `otd demo`, run as a user runs it: the real binary on a fresh data
//! folder, two short simulated weeks.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn demo(data: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_otd"))
        .args(["demo", "--data"])
        .arg(data)
        .args(extra)
        .env_remove("OTD_JWT_SECRET")
        .env("OTD_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The first figure on the report line starting with `label`.
fn figure(report: &str, label: &str) -> u64 {
    let line = report
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no line {label:?} in\n{report}"));
    let value = line.trim_start()[label.len()..]
        .split_whitespace()
        .next()
        .unwrap();
    value.replace(',', "").parse().unwrap()
}

/// The report without the lines about this run (folder, timing).
fn business(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter(|l| {
            !(l.starts_with("data folder")
                || l.contains("wall time")
                || l.contains("events/s")
                // A verification link expires a week from now (wall time).
                || l.contains("verify-email?code="))
        })
        .collect()
}

#[test]
fn the_demo_does_business_and_the_same_seed_does_the_same_business() {
    let dir = tempfile::tempdir().unwrap();
    let two_weeks = |folder: &str, seed: &str| {
        demo(&dir.path().join(folder), &["--weeks", "2", "--seed", seed])
    };
    let (code, first, err) = two_weeks("a", "7");
    assert_eq!(code, 0, "{err}\n{first}");
    assert!(!err.contains("panicked"), "{err}");

    let placed = figure(&first, "placed");
    assert!(placed > 0, "{first}");
    assert!(figure(&first, "delivered") <= placed, "{first}");
    assert!(figure(&first, "cancelled") <= placed, "{first}");
    assert!(figure(&first, "customers") > 0, "{first}");
    assert!(figure(&first, "stock cars registered") > 0, "{first}");
    assert!(
        figure(&first, "capacity opened (plant-weeks)") > 0,
        "{first}"
    );
    assert!(figure(&first, "events written") > placed, "{first}");
    // Customers send configurations the rules refuse; the demo counts
    // them by rule and goes on.
    assert!(first.contains("refused attempts"), "{first}");
    for section in [
        "from stock (LTO)",
        "order to delivery, median",
        "invoices",
        "commission",
    ] {
        assert!(first.contains(section), "{section} missing in\n{first}");
    }
    for market in ["DE", "CN"] {
        assert!(
            first.lines().any(|l| l.trim_start().starts_with(market)),
            "no invoice line for {market} in\n{first}"
        );
    }
    for dealer in ["D-BER-01", "D-MUC-01", "D-HAM-01", "D-SHA-01", "D-BJS-01"] {
        assert!(first.contains(dealer), "{dealer} missing in\n{first}");
    }
    for who in [
        "Sign in as",
        "planner@otd.example",
        "finance@otd.example",
        "admin@otd.example",
        "manager.d-ber-01@otd.example",
        "customer.de@example.com",
        "/verify-email?code=",
    ] {
        assert!(first.contains(who), "{who} missing in\n{first}");
    }

    let (code, second, err) = two_weeks("b", "7");
    assert_eq!(code, 0, "{err}");
    assert_eq!(business(&first), business(&second));

    let (code, other, err) = two_weeks("c", "8");
    assert_eq!(code, 0, "{err}");
    assert_ne!(
        business(&first),
        business(&other),
        "another seed, same business?"
    );
}

#[test]
fn a_data_folder_that_holds_events_is_refused_unless_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args = ["--seed", "3", "--orders-per-day", "1", "--weeks", "1"];
    let (code, _, err) = demo(&data, &args);
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = demo(&data, &args);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("already holds"), "{err}");
    assert!(err.contains("--fresh"), "{err}");
    assert!(out.is_empty(), "{out}");

    let fresh: Vec<&str> = args.iter().copied().chain(["--fresh"]).collect();
    let (code, out, err) = demo(&data, &fresh);
    assert_eq!(code, 0, "{err}");
    assert!(figure(&out, "placed") > 0, "{out}");
}

#[test]
fn nonsense_options_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = demo(dir.path(), &["--weeks", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--weeks"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // Days and production weeks past 9999 cannot be recorded (invoice numbers hold a
    // four-digit year): a demo that would reach them is refused before it starts.
    for start in ["9999-11-01", "0999-06-01"] {
        let (code, _, err) = demo(dir.path(), &["--weeks", "1", "--start", start]);
        assert_eq!(code, 2, "{start}: {err}");
        assert!(err.contains("--start"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
