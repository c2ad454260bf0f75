//! Under a simulated clock, the history's `at` and the views' `updated_at` show the business
//! time the events happened at, not the wall clock.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use support::*;

const ORDER: &str =
    r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01"}"#;

#[tokio::test]
async fn history_and_views_are_dated_in_simulated_time() {
    let rt = sim().await;
    let state = rt.state.clone();
    let customer = token(Role::Customer, "C-1001");
    let planner = token(Role::Planner, "pat");

    let placed = call(
        &state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(ORDER),
    )
    .await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    let order = placed.json["order_id"].as_str().unwrap().to_owned();
    let vehicle = call(
        &state,
        "POST",
        "/api/v1/vehicles",
        Some(&planner),
        Some(r#"{"market":"DE","model":"AURA","options":["PNT-RED","WHL-20","PKG-SPORT"],"location":"P-LEIPZIG"}"#),
    )
    .await;
    assert_eq!(vehicle.status, 201, "{:?}", vehicle.json);
    let vehicle = vehicle.json["vehicle_id"].as_str().unwrap().to_owned();
    settle(&rt).await;

    let advanced = call(
        &state,
        "POST",
        "/api/v1/clock/advance",
        Some(&planner),
        Some(r#"{"days": 3}"#),
    )
    .await;
    assert_eq!(advanced.status, 200, "{:?}", advanced.json);
    let amended = call(
        &state,
        "POST",
        &format!("/api/v1/orders/{order}/amend"),
        Some(&customer),
        Some(r#"{"options":["PNT-BLK"]}"#),
    )
    .await;
    assert_eq!(amended.status, 200, "{:?}", amended.json);
    settle(&rt).await;

    let history = call(
        &state,
        "GET",
        &format!("/api/v1/orders/{order}/history"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(history.status, 200, "{:?}", history.json);
    let entries = history.json.as_array().unwrap();
    let at = |i: usize| entries[i]["at"].as_str().unwrap().to_owned();
    assert_eq!(entries[0]["type"], "OrderPlaced");
    assert_eq!(at(0), "2026-11-23T08:00:00Z", "{entries:?}");
    let last = entries.len() - 1;
    assert_eq!(entries[last]["type"], "OrderAmended", "{entries:?}");
    assert_eq!(at(last), "2026-11-26T08:00:00Z", "{entries:?}");

    let view = call(
        &state,
        "GET",
        &format!("/api/v1/orders/{order}"),
        Some(&customer),
        None,
    )
    .await;
    assert_eq!(
        view.json["updated_at"], "2026-11-26T08:00:00Z",
        "{:?}",
        view.json
    );

    let unit = call(
        &state,
        "GET",
        &format!("/api/v1/vehicles/{vehicle}"),
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(unit.status, 200, "{:?}", unit.json);
    assert_eq!(
        unit.json["updated_at"], "2026-11-23T08:00:00Z",
        "{:?}",
        unit.json
    );
}
