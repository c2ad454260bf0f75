//! `GET /api/v1/vehicles/locate` answers with the contract's field names.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::Value;
use support::*;

async fn register(
    rt: &api::runtime::Runtime,
    planner: &str,
    options: &str,
    location: &str,
) -> String {
    let body =
        format!(r#"{{"market":"DE","model":"AURA","options":{options},"location":"{location}"}}"#);
    let r = call(
        &rt.state,
        "POST",
        "/api/v1/vehicles",
        Some(planner),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["vehicle_id"].as_str().unwrap().to_owned()
}

fn keys(candidate: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = candidate
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn the_locator_answers_vehicle_id_location_status_match_differences_and_eta() {
    let rt = sim().await;
    let planner = token(Role::Planner, "planner");
    let black = register(&rt, &planner, r#"["PNT-BLK"]"#, "D-HAM-01").await;
    let red = register(&rt, &planner, r#"["PNT-RED"]"#, "D-HAM-01").await;
    settle(&rt).await;

    for (who, token) in [
        ("planner", planner.clone()),
        ("dealer", token(Role::Dealer, "D-BER-01")),
    ] {
        let r = call(
            &rt.state,
            "GET",
            "/api/v1/vehicles/locate?market=DE&model=AURA&options=PNT-BLK",
            Some(&token),
            None,
        )
        .await;
        assert_eq!(r.status, 200, "{who}: {:?}", r.json);
        let found = r.json.as_array().unwrap();
        assert_eq!(found.len(), 2, "{who}: {found:?}");
        for candidate in found {
            assert_eq!(
                keys(candidate),
                [
                    "differences",
                    "eta",
                    "location",
                    "match",
                    "status",
                    "vehicle_id"
                ],
                "{who}: {candidate}"
            );
        }
        let (exact, near) = (&found[0], &found[1]);
        assert_eq!(exact["vehicle_id"], black.as_str());
        assert_eq!(exact["location"], "D-HAM-01");
        assert_eq!(exact["status"], "free");
        assert_eq!(exact["match"], "exact");
        assert_eq!(exact["differences"], serde_json::json!([]));
        assert!(
            exact["eta"].is_string(),
            "{who}: a route from Hamburg is known: {exact}"
        );
        assert_eq!(near["vehicle_id"], red.as_str());
        assert_eq!(near["match"], "near");
        assert_eq!(near["status"], "free");
        assert_eq!(
            near["differences"],
            serde_json::json!(["+PNT-RED", "-PNT-BLK"])
        );
    }
}
