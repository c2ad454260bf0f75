//! Dates stay in the business calendar (years 0001 to 9999): a clock advance, a capacity
//! week or a date in a body that would leave it is a 422 `date_out_of_range`, and nothing
//! moves.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use chrono::NaiveDate;
use support::*;

async fn at(date: &str) -> api::runtime::Runtime {
    engine(app::Clock::simulated(
        NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
    ))
    .await
}

fn rule(r: &Reply) -> &str {
    r.json["errors"][0]["rule"].as_str().unwrap_or_default()
}

async fn today(state: &api::AppState) -> String {
    let r = call(state, "GET", "/api/v1/clock", None, None).await;
    r.json["today"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_clock_never_passes_9999_12_31() {
    let rt = at("9999-12-01").await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let advance = |days: &str| {
        let state = state.clone();
        let planner = planner.clone();
        let body = format!(r#"{{"days": {days}}}"#);
        async move {
            call(
                &state,
                "POST",
                "/api/v1/clock/advance",
                Some(&planner),
                Some(&body),
            )
            .await
        }
    };

    let r = advance("31").await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "date_out_of_range", "{:?}", r.json);
    assert_eq!(
        today(&state).await,
        "9999-12-01",
        "a refused advance moves nothing"
    );

    for absurd in [
        i64::MAX.to_string(),
        i64::MIN.to_string(),
        "-1".into(),
        "3651".into(),
    ] {
        let r = advance(&absurd).await;
        assert_problem(&r, 422);
        assert_eq!(rule(&r), "invalid_advance", "{absurd}: {:?}", r.json);
    }
    assert_problem(&advance("1e30").await, 400);
    assert_eq!(today(&state).await, "9999-12-01");

    let r = advance("30").await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["today"], "9999-12-31");
    let r = advance("1").await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "date_out_of_range");
    assert_eq!(today(&state).await, "9999-12-31");
}

#[tokio::test]
async fn a_capacity_week_that_leaves_the_calendar_is_refused() {
    let rt = sim().await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let put = |week: &'static str| {
        let state = state.clone();
        let planner = planner.clone();
        async move {
            call(
                &state,
                "PUT",
                &format!("/api/v1/plants/P-LEIPZIG/capacity/{week}"),
                Some(&planner),
                Some(r#"{"units": 5}"#),
            )
            .await
        }
    };
    // 9999-W52 runs from 9999-12-27 to 10000-01-02.
    for week in ["9999-W52", "10000-W01", "123456-W10", "0999-W10"] {
        let r = put(week).await;
        assert_problem(&r, 422);
        assert_eq!(rule(&r), "date_out_of_range", "{week}: {:?}", r.json);
    }
    for malformed in ["2026-W5", "20x6-W01", "2026-W99", "-2026-W01"] {
        assert_problem(&put(malformed).await, 400);
    }
    let r = put("9999-W51").await;
    assert_eq!(r.status, 200, "the last week of the calendar: {:?}", r.json);
    let r = call(
        &state,
        "POST",
        "/api/v1/plants/P-LEIPZIG/capacity/9999-W52/start-production",
        Some(&planner),
        None,
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "date_out_of_range");
}

#[tokio::test]
async fn dates_in_bodies_outside_the_calendar_are_refused() {
    let rt = sim().await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let customer = token(Role::Customer, "C-1001");

    let vehicle = call(
        &state,
        "POST",
        "/api/v1/vehicles",
        Some(&planner),
        Some(r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"location":"P-LEIPZIG"}"#),
    )
    .await;
    assert_eq!(vehicle.status, 201, "{:?}", vehicle.json);
    let vehicle = vehicle.json["vehicle_id"].as_str().unwrap().to_owned();
    for eta in ["0000-12-31", "+10000-01-01"] {
        let body = format!(r#"{{"reason":"storm","new_eta":"{eta}"}}"#);
        let r = call(
            &state,
            "POST",
            &format!("/api/v1/vehicles/{vehicle}/delay"),
            Some(&planner),
            Some(&body),
        )
        .await;
        assert_problem(&r, 422);
        assert_eq!(rule(&r), "date_out_of_range", "{eta}: {:?}", r.json);
    }

    let placed = call(
        &state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(r#"{"market":"DE","model":"AURA","options":["PNT-BLK"],"dealer_id":"D-BER-01"}"#),
    )
    .await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    let order = placed.json["order_id"].as_str().unwrap().to_owned();
    for at in ["0000-06-01T10:00:00Z", "+10000-01-01T10:00:00Z"] {
        let body = format!(r#"{{"at":"{at}"}}"#);
        let r = call(
            &state,
            "POST",
            &format!("/api/v1/orders/{order}/handover-appointment"),
            Some(&customer),
            Some(&body),
        )
        .await;
        assert_problem(&r, 422);
        assert_eq!(rule(&r), "date_out_of_range", "{at}: {:?}", r.json);
    }
}

#[tokio::test]
async fn no_delivery_is_promised_past_9999_12_31() {
    let rt = at("9999-11-01").await;
    let state = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let customer = token(Role::Customer, "C-2001");
    // The last week of the calendar, Monday 9999-12-20 to Sunday 9999-12-26.
    let r = call(
        &state,
        "PUT",
        "/api/v1/plants/P-SHENYANG/capacity/9999-W51",
        Some(&planner),
        Some(r#"{"units": 5}"#),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    settle(&rt).await;

    let place = |dealer: &'static str| {
        let state = state.clone();
        let customer = customer.clone();
        let body =
            format!(r#"{{"market":"CN","model":"TERRA","options":[],"dealer_id":"{dealer}"}}"#);
        async move {
            let r = call(
                &state,
                "POST",
                "/api/v1/orders",
                Some(&customer),
                Some(&body),
            )
            .await;
            assert_eq!(r.status, 201, "{:?}", r.json);
            r.json["order_id"].as_str().unwrap().to_owned()
        }
    };
    // Four days from Shenyang to Beijing: at the dealer on 9999-12-30.
    let beijing = place("D-BJS-01").await;
    settle(&rt).await;
    // Nine days to Shanghai would be 10000-01-04: the week is not booked for it.
    let shanghai = place("D-SHA-01").await;
    settle(&rt).await;

    let view = |order: String| {
        let state = state.clone();
        let customer = customer.clone();
        async move {
            call(
                &state,
                "GET",
                &format!("/api/v1/orders/{order}"),
                Some(&customer),
                None,
            )
            .await
            .json
        }
    };
    let booked = view(beijing).await;
    assert_eq!(booked["status"], "scheduled", "{booked:?}");
    assert_eq!(booked["eta"], "9999-12-30", "{booked:?}");
    let waiting = view(shanghai).await;
    assert_eq!(waiting["status_reason"], "awaiting capacity", "{waiting:?}");
    assert_eq!(
        waiting["fulfilment"],
        serde_json::Value::Null,
        "{waiting:?}"
    );
    assert_eq!(waiting["eta"], serde_json::Value::Null, "{waiting:?}");
}
