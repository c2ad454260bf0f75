//! Health, catalog, quotes and the clock, per route and role, with every
//! error path.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use support::*;

#[tokio::test]
async fn health_says_ok() {
    let r = call(&sim().await.state, "GET", "/healthz", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, serde_json::json!({"status": "ok"}));
}

#[tokio::test]
async fn the_catalog_is_public() {
    let r = call(&sim().await.state, "GET", "/api/v1/catalog", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["markets"]["DE"]["currency"], "EUR");
    assert_eq!(
        r.json["models"]["AURA"]["prices"]["DE"]["amount_minor"],
        4_290_000
    );
}

#[tokio::test]
async fn a_quote_returns_the_full_breakdown() {
    let body = r#"{"market":"DE","model":"AURA","options":["PNT-RED","WHL-20","PKG-SPORT"]}"#;
    let r = call(
        &sim().await.state,
        "POST",
        "/api/v1/quotes",
        None,
        Some(body),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(
        r.json["net"],
        serde_json::json!({"amount_minor": 4_870_000, "currency": "EUR"})
    );
    assert_eq!(r.json["vat"]["amount_minor"], 925_300);
    assert_eq!(r.json["gross"]["amount_minor"], 5_795_300);
    assert_eq!(r.json["deposit"]["amount_minor"], 100_000);
    assert_eq!(r.json["lines"].as_array().unwrap().len(), 5);
    assert_eq!(r.json["lines"][0]["kind"], "base");
}

#[tokio::test]
async fn an_invalid_configuration_is_a_422_listing_every_rule() {
    let body = r#"{"market":"DE","model":"AURA","options":["PKG-TOW","PKG-SPORT","XYZ-9"]}"#;
    let r = call(
        &sim().await.state,
        "POST",
        "/api/v1/quotes",
        None,
        Some(body),
    )
    .await;
    assert_problem(&r, 422);
    let rules: Vec<&str> = r.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    for rule in ["model_only", "requires", "excludes", "unknown_option"] {
        assert!(rules.contains(&rule), "{rule} missing: {rules:?}");
    }
    let about = |rule: &str| -> Vec<&str> {
        r.json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["rule"] == rule)
            .map(|e| e["option"].as_str().unwrap())
            .collect()
    };
    assert_eq!(about("unknown_option"), ["XYZ-9"]);
    assert_eq!(about("model_only"), ["PKG-TOW"]);
    assert!(about("requires").contains(&"PKG-SPORT"));
}

#[tokio::test]
async fn malformed_bodies_are_400_problems() {
    let rt = sim().await;
    let state = rt.state.clone();
    for body in [
        "{not json",
        r#"{"market":"DE"}"#,
        r#"{"market":"DE","model":"AURA","options":"PNT-RED"}"#,
        r#"{"market":"DE","model":"AURA","colour":"red"}"#,
        r#"{"market":"germany","model":"AURA"}"#,
        r#"{"market":"DE","model":"AURA","options":["pnt red"]}"#,
    ] {
        let r = call(&state, "POST", "/api/v1/quotes", None, Some(body)).await;
        assert_problem(&r, 400);
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413_problem() {
    let options: Vec<String> = (0..20_000).map(|i| format!("OPT-{i}")).collect();
    let body = serde_json::json!({"market": "DE", "model": "AURA", "options": options}).to_string();
    assert!(body.len() > 64 * 1024);
    let r = call(
        &sim().await.state,
        "POST",
        "/api/v1/quotes",
        None,
        Some(&body),
    )
    .await;
    assert_problem(&r, 413);
}

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let r = call(&sim().await.state, "GET", "/api/v1/nowhere", None, None).await;
    assert_problem(&r, 404);
}

#[tokio::test]
async fn the_clock_tells_the_simulated_day() {
    let r = call(&sim().await.state, "GET", "/api/v1/clock", None, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["today"], "2026-11-23");
    assert_eq!(r.json["simulated"], true);
}

#[tokio::test]
async fn only_a_planner_advances_the_clock() {
    let rt = sim().await;
    let state = rt.state.clone();
    let body = Some(r#"{"days": 7}"#);
    assert_problem(
        &call(&state, "POST", "/api/v1/clock/advance", None, body).await,
        401,
    );
    let dealer = token(Role::Dealer, "D-BER-01");
    assert_problem(
        &call(&state, "POST", "/api/v1/clock/advance", Some(&dealer), body).await,
        403,
    );
    assert_problem(
        &call(
            &state,
            "POST",
            "/api/v1/clock/advance",
            Some("not.a.token"),
            body,
        )
        .await,
        401,
    );
    let planner = token(Role::Planner, "pat");
    let r = call(
        &state,
        "POST",
        "/api/v1/clock/advance",
        Some(&planner),
        body,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["today"], "2026-11-30");
    let r = call(
        &state,
        "POST",
        "/api/v1/clock/advance",
        Some(&planner),
        Some(r#"{"days": 0}"#),
    )
    .await;
    assert_problem(&r, 422);
}

#[tokio::test]
async fn the_clock_advances_by_hours_and_minutes_too() {
    let rt = sim().await;
    let planner = token(Role::Planner, "pat");
    let advance = |body: &'static str| {
        let (state, planner) = (rt.state.clone(), planner.clone());
        async move {
            call(
                &state,
                "POST",
                "/api/v1/clock/advance",
                Some(&planner),
                Some(body),
            )
            .await
        }
    };
    let r = advance(r#"{"hours": 2, "minutes": 30}"#).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["now"], "2026-11-23T10:30:00Z");
    let r = advance(r#"{"days": 1, "hours": 1}"#).await;
    assert_eq!(r.json["now"], "2026-11-24T11:30:00Z");
    for refused in [r#"{}"#, r#"{"hours": -1, "days": 1}"#, r#"{"minutes": 0}"#] {
        let r = advance(refused).await;
        assert_problem(&r, 422);
        assert_eq!(r.json["errors"][0]["rule"], "invalid_advance", "{refused}");
    }
    assert_problem(&advance(r#"{"weeks": 1}"#).await, 400);
    let r = call(&rt.state, "GET", "/api/v1/clock", None, None).await;
    assert_eq!(
        r.json["now"], "2026-11-24T11:30:00Z",
        "refusals moved nothing"
    );
}

#[tokio::test]
async fn a_real_clock_cannot_be_advanced() {
    let rt = engine(app::Clock::System).await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let r = call(
        &state,
        "POST",
        "/api/v1/clock/advance",
        Some(&planner),
        Some(r#"{"days": 1}"#),
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "clock_not_simulated");
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes() {
    let r = call(&sim().await.state, "GET", "/openapi.json", None, None).await;
    assert_eq!(r.status, 200);
    assert!(r.json["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/quotes",
        "/api/v1/catalog",
        "/api/v1/clock/advance",
        "/healthz",
    ] {
        assert!(r.json["paths"][path].is_object(), "{path} missing");
    }
}
