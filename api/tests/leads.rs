//! The leads routes: opening a lead (web form, dealer, customer), the inbox and detail by
//! role, contacts, assignment, lost and its approval, the 2-hour breach under the simulated
//! clock, sold on an order naming the lead, the customer 360, and the CRM KPIs checked
//! against a hand-computed example.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::{AuthKeys, Identity, Role};
use chrono::Duration;
use serde_json::{json, Value};
use support::{assert_problem, call, manager_token, settle, sim, token, SECRET};

/// A consultant's (or manager's) token at D-BER-01 naming the person `user`.
fn staff(user: &str, manager: bool) -> String {
    AuthKeys::from_secret(SECRET)
        .issue(
            &Identity {
                role: Role::Dealer,
                sub: "D-BER-01".into(),
                user: Some(domain::values::UserId::parse(user).unwrap()),
                manager,
            },
            Duration::hours(1),
        )
        .unwrap()
}

fn body(v: Value) -> String {
    v.to_string()
}

async fn open(rt: &api::runtime::Runtime, who: Option<&str>, v: Value) -> support::Reply {
    call(&rt.state, "POST", "/api/v1/leads", who, Some(&body(v))).await
}

async fn lead_id(rt: &api::runtime::Runtime, who: &str, customer: &str, source: &str) -> String {
    let r = open(
        rt,
        Some(who),
        json!({"customer_id": customer, "dealer_id": "D-BER-01", "model": "AURA", "source": source, "grade": "B"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["lead_id"].as_str().unwrap().to_owned()
}

async fn detail(rt: &api::runtime::Runtime, who: &str, lead: &str) -> support::Reply {
    settle(rt).await;
    call(
        &rt.state,
        "GET",
        &format!("/api/v1/leads/{lead}"),
        Some(who),
        None,
    )
    .await
}

fn rule(r: &support::Reply) -> &str {
    r.json["errors"][0]["rule"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn the_web_form_finds_or_registers_the_person_once() {
    let rt = sim().await;
    let form = json!({"name": "Erika Muster", "email": "erika@example.de", "dealer_id": "D-BER-01",
        "model": "AURA", "source": "web", "note": "please call after 5"});
    let first = open(&rt, None, form.clone()).await;
    assert_eq!(first.status, 201, "{:?}", first.json);
    assert_eq!(first.json["grade"], "D");
    assert_eq!(first.json["respond_by"], "2026-11-23T10:00:00Z");
    assert_eq!(first.json["customer_created"], true);
    let mut again = form.clone();
    again["email"] = json!("Erika@Example.de");
    let second = open(&rt, None, again).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.json["customer_id"], first.json["customer_id"]);
    assert_eq!(second.json["customer_created"], false);
    let lead = first.json["lead_id"].as_str().unwrap();
    let d = detail(&rt, &manager_token("D-BER-01"), lead).await;
    assert_eq!(d.status, 200, "{:?}", d.json);
    assert_eq!(d.json["note"], "please call after 5");
    assert_eq!(d.json["name"], "Erika Muster");
}

#[tokio::test]
async fn bad_leads_are_refused_and_change_nothing() {
    let rt = sim().await;
    let head = rt.state.executor.store().head().await.unwrap();
    let base =
        json!({"customer_id": "C-1", "dealer_id": "D-BER-01", "model": "AURA", "source": "phone"});
    let dealer = token(Role::Dealer, "D-BER-01");
    let mut unknown = base.clone();
    unknown["dealer_id"] = json!("D-NOWHERE");
    let r = open(&rt, Some(&dealer), unknown).await;
    assert_problem(&r, 403);
    let r = open(&rt, Some(&token(Role::Dealer, "D-NOWHERE")), {
        let mut v = base.clone();
        v["dealer_id"] = json!("D-NOWHERE");
        v
    })
    .await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "unknown_dealer");
    let mut model = base.clone();
    model["model"] = json!("NOPE");
    let r = open(&rt, Some(&dealer), model).await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "unknown_model");
    let mut closed = base.clone();
    closed["grade"] = json!("F");
    let r = open(&rt, Some(&dealer), closed).await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "grade_not_allowed");
    let mut nonsense = base.clone();
    nonsense["grade"] = json!("X");
    assert_problem(&open(&rt, Some(&dealer), nonsense).await, 400);
    let r = open(&rt, None, base.clone()).await;
    assert_problem(&r, 403);
    let r = open(
        &rt,
        None,
        json!({"name": "No Mail", "dealer_id": "D-BER-01", "model": "AURA", "source": "web"}),
    )
    .await;
    assert_problem(&r, 400);
    let r = open(&rt, Some(&token(Role::Planner, "planner")), base.clone()).await;
    assert_problem(&r, 403);
    let mut unknown_customer = base.clone();
    unknown_customer["customer_id"] = json!("C-NOBODY");
    assert_problem(&open(&rt, Some(&dealer), unknown_customer).await, 404);
    assert_eq!(rt.state.executor.store().head().await.unwrap(), head);
}

#[tokio::test]
async fn consultants_see_their_own_and_unassigned_leads_managers_all() {
    let rt = sim().await;
    let anna = staff("U-ANNA", false);
    let ben = staff("U-BEN", false);
    let boss = staff("U-MIA", true);
    let annas = lead_id(&rt, &anna, "C-1", "showroom").await;
    let open_one = lead_id(&rt, &boss, "C-2", "phone").await;
    settle(&rt).await;
    let ids = |r: &support::Reply| -> Vec<String> {
        r.json
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["lead_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = |who: String| {
        let rt = &rt;
        async move {
            call(
                &rt.state,
                "GET",
                "/api/v1/leads?dealer_id=D-BER-01",
                Some(&who),
                None,
            )
            .await
        }
    };
    let r = list(anna.clone()).await;
    assert_eq!(r.status, 200);
    let mut mine = ids(&r);
    mine.sort();
    let mut both = vec![annas.clone(), open_one.clone()];
    both.sort();
    assert_eq!(mine, both);
    assert_eq!(ids(&list(ben.clone()).await), vec![open_one.clone()]);
    assert_eq!(ids(&list(boss.clone()).await).len(), 2);
    let row = &list(anna.clone()).await.json[0];
    for field in [
        "lead_id",
        "customer_id",
        "name",
        "model",
        "source",
        "grade",
        "assigned_to",
        "respond_by",
        "next_follow_up",
        "overdue",
        "sla_breached",
    ] {
        assert!(row.get(field).is_some(), "the row has {field}");
    }
    let r = call(&rt.state, "GET", "/api/v1/leads?grade=B", Some(&boss), None).await;
    assert_eq!(r.json.as_array().unwrap().len(), 2);
    let r = call(&rt.state, "GET", "/api/v1/leads?grade=H", Some(&boss), None).await;
    assert!(r.json.as_array().unwrap().is_empty());
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/leads?dealer_id=D-MUC-01",
        Some(&boss),
        None,
    )
    .await;
    assert_problem(&r, 403);
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/leads",
        Some(&token(Role::Customer, "C-1")),
        None,
    )
    .await;
    assert_problem(&r, 403);
    assert_problem(&detail(&rt, &ben, &annas).await, 403);
    assert_problem(
        &detail(&rt, &token(Role::Dealer, "D-MUC-01"), &annas).await,
        403,
    );
    let unknown = uuid::Uuid::now_v7();
    assert_problem(&detail(&rt, &boss, &unknown.to_string()).await, 404);
}

#[tokio::test]
async fn contacts_answer_the_sla_and_someone_elses_lead_is_refused() {
    let rt = sim().await;
    let anna = staff("U-ANNA", false);
    let lead = lead_id(&rt, &anna, "C-1", "showroom").await;
    let contact = |who: String, v: Value| {
        let rt = &rt;
        let uri = format!("/api/v1/leads/{lead}/contacts");
        async move { call(&rt.state, "POST", &uri, Some(&who), Some(&body(v))).await }
    };
    let r = contact(
        staff("U-BEN", false),
        json!({"channel": "phone", "note": "hello"}),
    )
    .await;
    assert_problem(&r, 403);
    assert_eq!(rule(&r), "assigned_to_another");
    let r = contact(token(Role::Dealer, "D-MUC-01"), json!({"channel": "phone"})).await;
    assert_problem(&r, 403);
    let r = contact(
        anna.clone(),
        json!({"channel": "phone", "note": "wants red", "grade": "A"}),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["grade"], "A");
    let r = contact(anna.clone(), json!({"channel": "email", "grade": "S"})).await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "grade_not_allowed");
    let r = contact(anna.clone(), json!({"channel": "pigeon"})).await;
    assert_problem(&r, 400);
    let d = detail(&rt, &anna, &lead).await;
    let contacts = d.json["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 1, "the refused contacts changed nothing");
    assert_eq!(contacts[0]["note"], "wants red");
    assert_eq!(d.json["sla"]["in_time"], true);
    assert_eq!(d.json["answered"], true);
    assert_eq!(
        d.json["next_follow_up"], "2026-11-26T08:00:00Z",
        "A: the last contact + 3 days"
    );
}

#[tokio::test]
async fn assigning_and_deciding_lost_are_for_managers() {
    let rt = sim().await;
    let anna = staff("U-ANNA", false);
    let boss = staff("U-MIA", true);
    let lead = lead_id(&rt, &anna, "C-1", "showroom").await;
    let post = |who: &str, path: &str, v: Value| {
        let uri = format!("/api/v1/leads/{lead}/{path}");
        let who = who.to_owned();
        let rt = &rt;
        async move { call(&rt.state, "POST", &uri, Some(&who), Some(&body(v))).await }
    };
    let r = post(&anna, "assign", json!({"user_id": "U-BEN"})).await;
    assert_problem(&r, 403);
    assert_eq!(rule(&r), "manager_only");
    let r = post(&boss, "assign", json!({"user_id": "U-NOBODY"})).await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "assignee_not_at_dealer");
    let r = post(&anna, "lost", json!({"reason": ""})).await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "reason_missing");
    let r = post(&anna, "lost/approve", json!({"approve": true})).await;
    assert_problem(&r, 403);
    let r = post(&boss, "lost/approve", json!({"approve": true})).await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "no_lost_request");
    let r = post(&anna, "lost", json!({"reason": "bought a used car"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json["grade"], "B",
        "the grade stays until a manager decides"
    );
    let r = post(&anna, "lost", json!({"reason": "again"})).await;
    assert_eq!(rule(&r), "lost_already_requested");
    let r = post(&anna, "lost/approve", json!({"approve": true})).await;
    assert_problem(&r, 403);
    assert_eq!(rule(&r), "manager_only");
    let r = post(&boss, "lost/approve", json!({"approve": false})).await;
    assert_eq!(
        (r.status.as_u16(), r.json["grade"].as_str()),
        (200, Some("B"))
    );
    post(&anna, "lost", json!({"reason": "bought a used car"})).await;
    let r = post(&boss, "lost/approve", json!({"approve": true})).await;
    assert_eq!(r.json["grade"], "F");
    let r = post(&anna, "contacts", json!({"channel": "phone", "grade": "H"})).await;
    assert_problem(&r, 422);
    assert_eq!(rule(&r), "lead_closed");
    let d = detail(&rt, &boss, &lead).await;
    assert_eq!(d.json["lost_reason"], "bought a used car");
}

#[tokio::test]
async fn an_unanswered_lead_is_breached_when_the_clock_passes_respond_by() {
    let rt = sim().await;
    let boss = manager_token("D-BER-01");
    let lead = lead_id(&rt, &boss, "C-1", "event").await;
    let planner = token(Role::Planner, "planner");
    let r = call(
        &rt.state,
        "POST",
        "/api/v1/clock/advance",
        Some(&planner),
        Some(r#"{"minutes": 119}"#),
    )
    .await;
    assert_eq!(r.status, 200);
    let d = detail(&rt, &boss, &lead).await;
    assert_eq!(d.json["sla_breached"], false);
    assert_eq!(d.json["respond_in_seconds"], 60);
    call(
        &rt.state,
        "POST",
        "/api/v1/clock/advance",
        Some(&planner),
        Some(r#"{"minutes": 1}"#),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let d = detail(&rt, &boss, &lead).await;
        if d.json["sla"]["breached"] == true {
            assert_eq!(d.json["sla"]["breached_at"], "2026-11-23T10:00:00Z");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no breach: {:?}",
            d.json
        );
        tokio::task::yield_now().await;
    }
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/leads?overdue=true",
        Some(&boss),
        None,
    )
    .await;
    assert_eq!(r.json[0]["sla_breached"], true, "{:?}", r.json);
    assert_eq!(r.json[0]["overdue"], true);
}

#[tokio::test]
async fn an_order_naming_the_lead_sells_it_and_the_360_shows_it() {
    let rt = sim().await;
    let dealer = token(Role::Dealer, "D-BER-01");
    let lead = lead_id(&rt, &dealer, "C-1", "live_stream").await;
    let order = json!({"market": "DE", "model": "AURA", "options": [], "customer_id": "C-1", "lead_id": lead});
    let r = call(
        &rt.state,
        "POST",
        "/api/v1/orders",
        Some(&dealer),
        Some(&body(order)),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let order_id = r.json["order_id"].clone();
    let d = detail(&rt, &dealer, &lead).await;
    assert_eq!(d.json["grade"], "S");
    assert_eq!(d.json["sold_order"], order_id);
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/customers/C-1",
        Some(&dealer),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["leads"][0]["lead_id"], lead.as_str());
    assert_eq!(r.json["leads"][0]["grade"], "S");
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/customers/C-1",
        Some(&token(Role::Dealer, "D-MUC-01")),
        None,
    )
    .await;
    assert_problem(&r, 403);
    let bad = json!({"market": "DE", "model": "AURA", "options": [], "customer_id": "C-1", "lead_id": "not-a-lead"});
    let r = call(
        &rt.state,
        "POST",
        "/api/v1/orders",
        Some(&dealer),
        Some(&body(bad)),
    )
    .await;
    assert_problem(&r, 400);
}

/// Three leads on 2026-11-23 at D-BER-01, answered after 30, 60 and 180 minutes (the last
/// one breached); the first sold (graded H), the second lost (in B); three showroom drives:
/// one completed, one a no-show, one cancelled.
#[tokio::test]
async fn the_crm_kpis_match_a_hand_computed_example() {
    let rt = sim().await;
    let boss = manager_token("D-BER-01");
    let planner = token(Role::Planner, "planner");
    let web = lead_id(&rt, &boss, "C-1", "web").await;
    let phone = lead_id(&rt, &boss, "C-2", "phone").await;
    let showroom = lead_id(&rt, &boss, "C-3", "showroom").await;
    let mut drives = Vec::new();
    for (customer, start) in [("C-4", "08:45"), ("C-9", "09:30"), ("C-1001", "10:15")] {
        let v = json!({"dealer_id": "D-BER-01", "car_id": "DC-BER-01-1", "customer_id": customer,
            "start": format!("2026-11-23T{start}:00Z")});
        let r = call(
            &rt.state,
            "POST",
            "/api/v1/test-drives",
            Some(&boss),
            Some(&body(v)),
        )
        .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
        drives.push(r.json["test_drive_id"].as_str().unwrap().to_owned());
    }
    let post = |uri: String, v: Value| {
        let rt = &rt;
        let boss = boss.clone();
        async move {
            let r = call(&rt.state, "POST", &uri, Some(&boss), Some(&body(v))).await;
            assert!(r.status.is_success(), "{uri}: {:?}", r.json);
            r
        }
    };
    let advance = |minutes: u32| {
        let rt = &rt;
        let planner = planner.clone();
        async move {
            let v = json!({ "minutes": minutes });
            call(
                &rt.state,
                "POST",
                "/api/v1/clock/advance",
                Some(&planner),
                Some(&body(v)),
            )
            .await;
        }
    };
    post(
        format!("/api/v1/test-drives/{}/cancel", drives[2]),
        json!({}),
    )
    .await;
    advance(30).await;
    post(
        format!("/api/v1/leads/{web}/contacts"),
        json!({"channel": "phone", "grade": "H"}),
    )
    .await;
    advance(30).await;
    post(
        format!("/api/v1/leads/{phone}/contacts"),
        json!({"channel": "email"}),
    )
    .await;
    advance(120).await;
    // The watcher records the breach before anyone answers (a first answer ends the wait).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while detail(&rt, &boss, &showroom).await.json["sla"]["breached"] != true {
        assert!(
            std::time::Instant::now() < deadline,
            "the breach was not recorded"
        );
    }
    post(
        format!("/api/v1/leads/{showroom}/contacts"),
        json!({"channel": "showroom"}),
    )
    .await;
    post(
        format!("/api/v1/test-drives/{}/complete", drives[0]),
        json!({}),
    )
    .await;
    post(
        format!("/api/v1/test-drives/{}/no-show", drives[1]),
        json!({}),
    )
    .await;
    post(
        format!("/api/v1/leads/{phone}/lost"),
        json!({"reason": "too expensive"}),
    )
    .await;
    post(
        format!("/api/v1/leads/{phone}/lost/approve"),
        json!({"approve": true}),
    )
    .await;
    let order = json!({"market": "DE", "model": "AURA", "options": [], "customer_id": "C-1", "lead_id": web});
    post("/api/v1/orders".into(), order).await;
    settle(&rt).await;
    let k = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-BER-01/crm-kpis?from=2026-11-23&to=2026-11-23",
        Some(&boss),
        None,
    )
    .await;
    assert_eq!(k.status, 200, "{:?}", k.json);
    let k = k.json;
    assert_eq!(k["leads"], 3);
    assert_eq!(k["answered"], 3);
    assert_eq!(k["first_response"]["median_minutes"], 60.0);
    assert_eq!(k["first_response"]["p90_minutes"], 180.0);
    let share = k["first_response"]["within_2h_share"].as_f64().unwrap();
    assert!((share - 2.0 / 3.0).abs() < 1e-9, "{share}");
    assert_eq!(k["sla_breaches"], 1);
    assert_eq!(k["overdue_follow_ups"], 0);
    let by_source = |s: &str| {
        k["conversion_by_source"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["source"] == s)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            by_source("web")["sold"].clone(),
            by_source("web")["rate"].clone()
        ),
        (json!(1), json!(1.0))
    );
    assert_eq!(
        (
            by_source("phone")["lost"].clone(),
            by_source("phone")["rate"].clone()
        ),
        (json!(1), json!(0.0))
    );
    assert_eq!(by_source("showroom")["rate"], Value::Null);
    let by_grade = |g: &str| {
        k["conversion_by_grade"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["grade"] == g)
            .unwrap()
            .clone()
    };
    assert_eq!(by_grade("H")["sold"], 1);
    assert_eq!(by_grade("B")["lost"], 1);
    assert_eq!(
        k["test_drives"],
        json!({"booked": 3, "completed": 1, "no_show": 1, "cancelled": 1})
    );
    let consultant = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-BER-01/crm-kpis",
        Some(&staff("U-ANNA", false)),
        None,
    )
    .await;
    assert_problem(&consultant, 403);
    assert_eq!(rule(&consultant), "manager_only");
    let other = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-BER-01/crm-kpis",
        Some(&manager_token("D-MUC-01")),
        None,
    )
    .await;
    assert_problem(&other, 403);
    let planner_view = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-BER-01/crm-kpis?from=2026-11-24&to=2026-11-23",
        Some(&planner),
        None,
    )
    .await;
    assert_problem(&planner_view, 400);
    let unknown = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-NOWHERE/crm-kpis",
        Some(&planner),
        None,
    )
    .await;
    assert_problem(&unknown, 404);
}
