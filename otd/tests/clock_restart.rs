//! A simulated clock survives a restart: its advances are recorded in the log, and starting
//! again with the same `--clock sim:` date puts it back where it stood (SQLite, the default).

#![allow(clippy::unwrap_used)]

#[path = "../../api/tests/support/mod.rs"]
mod support;

use api::auth::Role;
use api::runtime::Runtime;
use otd::settings::Settings;
use support::*;

fn settings(data: &std::path::Path, clock: &str) -> Settings {
    Settings::from_flags([
        "--data",
        data.to_str().unwrap(),
        "--backend",
        "sqlite",
        "--clock",
        clock,
        "--jwt-secret",
        std::str::from_utf8(SECRET).unwrap(),
    ])
    .unwrap()
}

async fn today(rt: &Runtime) -> String {
    let r = call(&rt.state, "GET", "/api/v1/clock", None, None).await;
    r.json["today"].as_str().unwrap().to_owned()
}

async fn advance(rt: &Runtime, days: u32) {
    let planner = token(Role::Planner, "pat");
    let body = format!(r#"{{"days": {days}}}"#);
    let r = call(
        &rt.state,
        "POST",
        "/api/v1/clock/advance",
        Some(&planner),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
}

#[tokio::test]
async fn a_restart_with_the_same_start_keeps_the_advanced_clock() {
    let data = tempfile::tempdir().unwrap();
    let rt = otd::stores::start(&settings(data.path(), "sim:2026-11-23"))
        .await
        .unwrap();
    assert_eq!(today(&rt).await, "2026-11-23");
    advance(&rt, 10).await;
    advance(&rt, 5).await;
    register(&rt, "C-1001").await;
    let customer = token(Role::Customer, "C-1001");
    let placed = call(
        &rt.state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01"}"#),
    )
    .await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    let order = placed.json["order_id"].as_str().unwrap().to_owned();
    rt.shutdown().await;

    let rt = otd::stores::start(&settings(data.path(), "sim:2026-11-23"))
        .await
        .unwrap();
    assert_eq!(
        today(&rt).await,
        "2026-12-08",
        "10 + 5 days after 2026-11-23"
    );
    advance(&rt, 1).await;
    assert_eq!(today(&rt).await, "2026-12-09");
    // The history read back from SQLite keeps the business time.
    let history = call(
        &rt.state,
        "GET",
        &format!("/api/v1/orders/{order}/history"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(
        history.json[0]["at"], "2026-12-08T08:00:00Z",
        "{:?}",
        history.json
    );
    rt.shutdown().await;

    let again = otd::stores::start(&settings(data.path(), "sim:2026-11-23"))
        .await
        .unwrap();
    assert_eq!(today(&again).await, "2026-12-09");
    again.shutdown().await;
}

#[tokio::test]
async fn a_log_whose_simulated_clock_started_on_another_day_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let rt = otd::stores::start(&settings(data.path(), "sim:2026-11-23"))
        .await
        .unwrap();
    advance(&rt, 3).await;
    rt.shutdown().await;

    let refused = otd::stores::start(&settings(data.path(), "sim:2027-01-01")).await;
    let message = refused.err().unwrap().to_string();
    assert!(
        message.contains("started on 2026-11-23") && message.contains("sim:2026-11-23"),
        "{message}"
    );

    // The real clock ignores the simulated clock's record.
    let real = otd::stores::start(&settings(data.path(), "real"))
        .await
        .unwrap();
    assert!(!real.state.clock.is_simulated());
    real.shutdown().await;
}

#[tokio::test]
async fn after_the_demo_the_clock_and_the_history_are_in_simulated_time() {
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_otd"))
        .args([
            "demo",
            "--weeks",
            "1",
            "--orders-per-day",
            "2",
            "--seed",
            "3",
        ])
        .args(["--start", "2026-11-23", "--data"])
        .arg(data.path())
        .env_remove("OTD_JWT_SECRET")
        .env("OTD_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let rt = otd::stores::start(&settings(data.path(), "sim:2026-11-23"))
        .await
        .unwrap();
    assert_eq!(today(&rt).await, "2026-11-29", "the demo's seven days");
    let planner = token(Role::Planner, "pat");
    let orders = call(&rt.state, "GET", "/api/v1/orders", Some(&planner), None).await;
    let orders = orders.json["items"]
        .as_array()
        .or(orders.json.as_array())
        .cloned()
        .unwrap();
    assert!(!orders.is_empty());
    for order in orders.iter().take(5) {
        let id = order["order_id"].as_str().unwrap();
        let history = call(
            &rt.state,
            "GET",
            &format!("/api/v1/orders/{id}/history"),
            Some(&planner),
            None,
        )
        .await;
        for entry in history.json.as_array().unwrap() {
            let at = entry["at"].as_str().unwrap();
            assert!(
                ("2026-11-23".."2026-11-30").contains(&&at[..10]),
                "{at} is not in the demo's simulated week"
            );
        }
        assert!(
            ("2026-11-23".."2026-11-30").contains(&&order["updated_at"].as_str().unwrap()[..10])
        );
    }
    rt.shutdown().await;
}
