//! The test-drive routes: free slots (anyone), booking online and in the showroom, the
//! refusals of the issue (unknown dealer or car, outside opening hours, in the past, a
//! taken slot), outcomes by role, the showroom's day calendar and the customer 360; and
//! racing requests over HTTP on SQLite: exactly one of two bookings of a slot wins.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::{json, Value};
use support::{assert_problem, call, settle, sim, token};

fn rule(r: &support::Reply) -> &str {
    r.json["errors"][0]["rule"].as_str().unwrap_or_default()
}

fn booking(customer: Option<&str>, car: &str, start: &str) -> String {
    let mut v = json!({"dealer_id": "D-BER-01", "car_id": car, "start": start});
    if let Some(c) = customer {
        v["customer_id"] = json!(c);
    }
    v.to_string()
}

async fn book(rt: &api::runtime::Runtime, who: &str, body: &str) -> support::Reply {
    call(
        &rt.state,
        "POST",
        "/api/v1/test-drives",
        Some(who),
        Some(body),
    )
    .await
}

fn starts(r: &support::Reply, car: &str) -> Vec<String> {
    r.json
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["car_id"] == car)
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn anyone_lists_the_free_slots_and_a_booked_one_disappears_for_everyone() {
    let rt = sim().await;
    let uri = "/api/v1/dealers/D-BER-01/test-drives/slots?date=2026-11-23&model=AURA";
    let r = call(&rt.state, "GET", uri, None, None).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    let first = &r.json[0];
    assert_eq!(
        first["start"], "2026-11-23T08:45:00Z",
        "the opening slot has started"
    );
    assert_eq!(first["end"], "2026-11-23T09:30:00Z");
    assert!(r
        .json
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["model"] == "AURA"));
    let car1 = starts(&r, "DC-BER-01-1");
    assert_eq!(
        car1.len(),
        12,
        "09:00-19:00 local: 13 whole slots, the first started"
    );
    assert_eq!(car1.last().unwrap(), "2026-11-23T17:00:00Z");
    let me = token(Role::Customer, "C-1");
    let r = book(
        &rt,
        &me,
        &booking(None, "DC-BER-01-1", "2026-11-23T10:15:00Z"),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    assert!(r.json["test_drive_id"]
        .as_str()
        .unwrap()
        .starts_with("TD-DC-BER-01-1-20261123-"));
    assert!(
        r.json["lead_id"].is_string(),
        "an online booking opens a lead"
    );
    let dealer = token(Role::Dealer, "D-BER-01");
    let after = call(&rt.state, "GET", uri, Some(&dealer), None).await;
    assert!(!starts(&after, "DC-BER-01-1").contains(&"2026-11-23T10:15:00Z".to_owned()));
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-NOWHERE/test-drives/slots",
        None,
        None,
    )
    .await;
    assert_problem(&r, 404);
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-BER-01/test-drives/slots?date=2026-11-29",
        None,
        None,
    )
    .await;
    assert_eq!(r.json, json!([]), "closed on Sunday");
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-BER-01/test-drives/slots?date=yesterday",
        None,
        None,
    )
    .await;
    assert_problem(&r, 400);
}

#[tokio::test]
async fn bad_bookings_are_refused_and_change_nothing() {
    let rt = sim().await;
    let dealer = token(Role::Dealer, "D-BER-01");
    let ok = "2026-11-23T10:15:00Z";
    assert_eq!(
        book(&rt, &dealer, &booking(Some("C-1"), "DC-BER-01-1", ok))
            .await
            .status,
        201
    );
    let head = rt.state.executor.store().head().await.unwrap();
    let cases: Vec<(String, u16, &str)> = vec![
        (booking(Some("C-2"), "DC-BER-01-1", ok), 409, "slot_taken"),
        (
            booking(Some("C-2"), "DC-BER-01-1", "2026-11-23T08:00:00Z"),
            422,
            "slot_in_past",
        ),
        (
            booking(Some("C-2"), "DC-BER-01-1", "2026-11-23T18:00:00Z"),
            422,
            "outside_opening_hours",
        ),
        (
            booking(Some("C-2"), "DC-BER-01-1", "2026-11-29T10:15:00Z"),
            422,
            "outside_opening_hours",
        ),
        (
            booking(Some("C-2"), "DC-BER-01-1", "2026-11-23T10:20:00Z"),
            422,
            "not_on_slot_grid",
        ),
        (booking(Some("C-2"), "DC-NOPE-1", ok), 422, "unknown_car"),
        (
            booking(Some("C-2"), "DC-MUC-01-1", ok),
            422,
            "car_not_at_dealer",
        ),
        (booking(None, "DC-BER-01-2", ok), 422, "customer_required"),
    ];
    for (body, status, code) in cases {
        let r = book(&rt, &dealer, &body).await;
        assert_problem(&r, status);
        assert_eq!(rule(&r), code, "{body}");
    }
    let r = book(&rt, &dealer, &booking(Some("C-NOBODY"), "DC-BER-01-2", ok)).await;
    assert_problem(&r, 404);
    let elsewhere = json!({"dealer_id": "D-NOWHERE", "car_id": "DC-BER-01-1", "start": ok, "customer_id": "C-2"});
    let r = book(
        &rt,
        &token(Role::Dealer, "D-NOWHERE"),
        &elsewhere.to_string(),
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "unknown_dealer");
    let r = book(
        &rt,
        &token(Role::Dealer, "D-MUC-01"),
        &booking(Some("C-2"), "DC-BER-01-2", ok),
    )
    .await;
    assert_problem(&r, 403);
    let r = book(
        &rt,
        &token(Role::Customer, "C-1"),
        &booking(Some("C-2"), "DC-BER-01-2", ok),
    )
    .await;
    assert_problem(&r, 403);
    let r = book(
        &rt,
        &token(Role::Planner, "planner"),
        &booking(Some("C-2"), "DC-BER-01-2", ok),
    )
    .await;
    assert_problem(&r, 403);
    let r = call(
        &rt.state,
        "POST",
        "/api/v1/test-drives",
        None,
        Some(&booking(Some("C-2"), "DC-BER-01-2", ok)),
    )
    .await;
    assert_problem(&r, 401);
    assert_eq!(rt.state.executor.store().head().await.unwrap(), head);
}

#[tokio::test]
async fn outcomes_by_role_and_each_once() {
    let rt = sim().await;
    let dealer = token(Role::Dealer, "D-BER-01");
    let customer = token(Role::Customer, "C-1");
    let r = book(
        &rt,
        &customer,
        &booking(None, "DC-BER-01-1", "2026-11-23T08:45:00Z"),
    )
    .await;
    let first = r.json["test_drive_id"].as_str().unwrap().to_owned();
    let lead = r.json["lead_id"].as_str().unwrap().to_owned();
    let r = book(
        &rt,
        &customer,
        &booking(None, "DC-BER-01-2", "2026-11-23T12:30:00Z"),
    )
    .await;
    let second = r.json["test_drive_id"].as_str().unwrap().to_owned();
    let post = |who: &str, id: &str, what: &str| {
        let uri = format!("/api/v1/test-drives/{id}/{what}");
        let who = who.to_owned();
        let rt = &rt;
        async move { call(&rt.state, "POST", &uri, Some(&who), None).await }
    };
    let r = post(&dealer, &first, "complete").await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "test_drive_not_started");
    rt.state.clock.advance_minutes(60).unwrap();
    assert_problem(&post(&customer, &first, "complete").await, 403);
    assert_problem(
        &post(&token(Role::Dealer, "D-MUC-01"), &first, "complete").await,
        403,
    );
    let r = post(&dealer, &first, "complete").await;
    assert_eq!(
        (r.status.as_u16(), r.json["status"].as_str()),
        (200, Some("completed"))
    );
    let r = post(&dealer, &first, "no-show").await;
    assert_eq!(rule(&r), "already_completed");
    settle(&rt).await;
    let d = call(
        &rt.state,
        "GET",
        &format!("/api/v1/leads/{lead}"),
        Some(&dealer),
        None,
    )
    .await;
    assert_eq!(
        d.json["contacts"][0]["channel"], "test_drive",
        "{:?}",
        d.json
    );
    assert_eq!(d.json["source"], "web");
    assert_eq!(d.json["grade"], "C");
    let r = post(&token(Role::Customer, "C-2"), &second, "cancel").await;
    assert_problem(&r, 403);
    let r = post(&customer, &second, "cancel").await;
    assert_eq!(r.json["status"], "cancelled");
    assert_eq!(
        rule(&post(&dealer, &second, "cancel").await),
        "already_cancelled"
    );
    assert_problem(
        &post(&dealer, "TD-DC-BER-01-1-20261123-9", "no-show").await,
        404,
    );
    assert_problem(&post(&dealer, "not-a-drive", "no-show").await, 400);
    settle(&rt).await;
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/customers/C-1",
        Some(&customer),
        None,
    )
    .await;
    let drives = r.json["test_drives"].as_array().unwrap();
    assert_eq!(drives.len(), 2, "{:?}", r.json);
    assert!(
        drives.iter().any(|d| d["status"] == "completed")
            && drives.iter().any(|d| d["status"] == "cancelled")
    );
    assert_eq!(r.json["leads"][0]["source"], "web");
}

#[tokio::test]
async fn the_showroom_day_shows_every_demo_car_with_its_bookings() {
    let rt = sim().await;
    let dealer = token(Role::Dealer, "D-BER-01");
    let r = book(
        &rt,
        &dealer,
        &booking(Some("C-2"), "DC-BER-01-2", "2026-11-23T09:30:00Z"),
    )
    .await;
    assert_eq!(r.status, 201);
    settle(&rt).await;
    let uri = "/api/v1/dealers/D-BER-01/test-drives?date=2026-11-23";
    let r = call(&rt.state, "GET", uri, Some(&dealer), None).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["open"], "2026-11-23T08:00:00Z");
    assert_eq!(r.json["close"], "2026-11-23T18:00:00Z");
    let cars = r.json["cars"].as_array().unwrap();
    assert_eq!(cars.len(), 3);
    let car2 = cars.iter().find(|c| c["car_id"] == "DC-BER-01-2").unwrap();
    assert_eq!(car2["bookings"][0]["customer_id"], "C-2");
    assert_eq!(car2["bookings"][0]["channel"], "showroom");
    let free: Vec<&Value> = car2["free"].as_array().unwrap().iter().collect();
    assert!(!free.iter().any(|s| s["start"] == "2026-11-23T09:30:00Z"));
    assert_problem(
        &call(
            &rt.state,
            "GET",
            uri,
            Some(&token(Role::Dealer, "D-MUC-01")),
            None,
        )
        .await,
        403,
    );
    assert_problem(
        &call(
            &rt.state,
            "GET",
            uri,
            Some(&token(Role::Customer, "C-2")),
            None,
        )
        .await,
        403,
    );
    assert_eq!(
        call(
            &rt.state,
            "GET",
            uri,
            Some(&token(Role::Planner, "p")),
            None
        )
        .await
        .status,
        200
    );
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-NOWHERE/test-drives",
        Some(&token(Role::Planner, "p")),
        None,
    )
    .await;
    assert_problem(&r, 404);
}

/// Six slots of one car, each raced by an online and a showroom booking through `one` and
/// `two` (the same engine, or two processes on one database): one wins, the other is 409.
async fn race_bookings(one: &api::AppState, two: &api::AppState) {
    for round in 0..6 {
        let minutes = 8 * 60 + 45 * (round + 1);
        let start = format!("2026-11-23T{:02}:{:02}:00Z", minutes / 60, minutes % 60);
        let online = token(Role::Customer, "C-1");
        let showroom = token(Role::Dealer, "D-BER-01");
        let a = booking(None, "DC-BER-01-3", &start);
        let b = booking(Some("C-2"), "DC-BER-01-3", &start);
        let (ra, rb) = tokio::join!(
            call(one, "POST", "/api/v1/test-drives", Some(&online), Some(&a)),
            call(
                two,
                "POST",
                "/api/v1/test-drives",
                Some(&showroom),
                Some(&b)
            ),
        );
        let mut statuses = [ra.status.as_u16(), rb.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "{start}: {:?} {:?}", ra.json, rb.json);
        let lost = if ra.status == 409 { &ra } else { &rb };
        assert_eq!(rule(lost), "slot_taken");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_racing_bookings_of_one_slot_over_http_on_sqlite_one_wins_the_other_is_409() {
    let (rt, _data) = support::sqlite().await;
    support::seed_customers(&rt).await;
    race_bookings(&rt.state, &rt.state).await;
}

/// Two `otd serve` processes on one PostgreSQL schema: racing bookings of one slot through
/// both, exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_sharing_postgres_book_a_raced_slot_once() {
    let Some(url) = std::env::var("OTD_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED: OTD_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = store::ThrowawaySchema::new(&url, "otd_drives");
    let one = support::postgres(&url, schema.name()).await;
    let two = support::postgres(&url, schema.name()).await;
    support::seed_customers(&one).await;
    race_bookings(&one.state, &two.state).await;
}
