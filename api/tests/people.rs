//! People through the HTTP contract: one record per person, sign-up and verification,
//! orders only for customers that exist, the customer 360 and who may see it, search,
//! merge, erasure and export, staff accounts.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::{json, Value};
use support::*;

fn anna() -> String {
    json!({
        "name": "Anna Müller", "email": "Anna.Mueller@Example.DE", "phone": "030 1234567",
        "language": "de", "market": "DE", "password": "correct horse battery",
        "consents": {"email": true},
        "billing_address": {"street": "Lindenallee 3", "postcode": "10115", "city": "Berlin", "country": "DE"}
    })
    .to_string()
}

async fn sign_up(state: &api::AppState, body: &str) -> Reply {
    call(state, "POST", "/api/v1/customers", None, Some(body)).await
}

fn id(reply: &Reply) -> String {
    reply.json["customer_id"].as_str().unwrap().to_owned()
}

/// Verifies the account of a sign-up's reply through its development-mode link.
async fn verify(state: &api::AppState, reply: &Reply) {
    let link = reply.json["verification_link"].as_str().unwrap();
    let token = link.split("code=").nth(1).unwrap();
    let body = json!({ "token": token }).to_string();
    let r = call(state, "POST", "/api/v1/customers/verify", None, Some(&body)).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["verified"], true);
}

const ORDER: &str = r#"{"market":"DE","model":"AURA","options":[],"dealer_id":"D-BER-01"}"#;

#[tokio::test]
async fn a_second_sign_up_with_the_same_email_or_phone_answers_with_the_first_customer() {
    let rt = sim().await;
    let s = rt.state.clone();
    let first = sign_up(&s, &anna()).await;
    assert_eq!(first.status, 201, "{:?}", first.json);
    assert_eq!(first.json["created"], true);
    assert!(first.json["verification_link"]
        .as_str()
        .unwrap()
        .starts_with("/verify-email?code="));
    let again =
        json!({"name": "A. Müller", "email": "  anna.mueller@example.de ", "language": "de",
        "market": "DE", "password": "another password!"})
        .to_string();
    let second = sign_up(&s, &again).await;
    assert_eq!(second.status, 200, "{:?}", second.json);
    assert_eq!(second.json["created"], false);
    assert_eq!(id(&second), id(&first));
    assert!(second.json.get("verification_link").is_none());
    let dealer = token(Role::Dealer, "D-BER-01");
    let same_phone =
        json!({"name": "Anna M.", "email": "anna@elsewhere.de", "phone": "+49 30 1234567",
        "language": "de", "market": "DE"})
        .to_string();
    let third = call(
        &s,
        "POST",
        "/api/v1/customers",
        Some(&dealer),
        Some(&same_phone),
    )
    .await;
    assert_eq!(third.status, 200, "{:?}", third.json);
    assert_eq!(id(&third), id(&first));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_sign_ups_of_one_person_make_exactly_one_record() {
    let (rt, _data) = sqlite().await;
    let s = rt.state.clone();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let s = s.clone();
            tokio::spawn(async move {
                let body = json!({"name": format!("Racer {i}"), "email": "racer@example.de",
                    "phone": if i % 2 == 0 { Value::from("+49 40 7654321") } else { Value::Null },
                    "language": "de", "market": "DE"})
                .to_string();
                let dealer = token(Role::Dealer, "D-HAM-01");
                call(&s, "POST", "/api/v1/customers", Some(&dealer), Some(&body)).await
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    let mut created = 0;
    for task in tasks {
        let r = task.await.unwrap();
        assert!(
            r.status == 200 || r.status == 201 || r.status == 409,
            "{:?}",
            r.json
        );
        if r.status != 409 {
            created += usize::from(r.json["created"] == true);
            ids.insert(id(&r));
        }
    }
    assert_eq!(ids.len(), 1, "one person, one record: {ids:?}");
    assert!(created <= 1);
    let registered = rt
        .state
        .executor
        .store()
        .read_all(store::Position::START, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "CustomerRegistered")
        .count();
    // The seeded test customers plus this one person.
    assert_eq!(registered, CUSTOMERS.len() + 1);
}

#[tokio::test]
async fn bad_people_input_is_a_clear_422_and_registers_nobody() {
    let rt = sim().await;
    let s = rt.state.clone();
    let before = s.executor.store().head().await.unwrap();
    let cases = [
        (
            json!({"name": "X", "email": "not-an-email", "language": "de", "market": "DE", "password": "long enough pw"}),
            "invalid_email",
        ),
        (
            json!({"name": "X", "email": "x@example.de", "phone": "12", "language": "de", "market": "DE", "password": "long enough pw"}),
            "invalid_phone",
        ),
        (
            json!({"name": "X", "email": "x@example.de", "language": "de", "market": "DE", "password": "short"}),
            "password_too_short",
        ),
        (
            json!({"name": "X", "email": "x@example.de", "language": "de", "market": "DE", "password": "p".repeat(129)}),
            "password_too_long",
        ),
        (
            json!({"name": "X", "email": "x@example.de", "language": "de", "market": "XX", "password": "long enough pw"}),
            "unknown_market",
        ),
        (
            json!({"name": "", "email": "x@example.de", "language": "de", "market": "DE", "password": "long enough pw"}),
            "invalid_name",
        ),
        (
            json!({"name": "X", "email": "x@example.de", "language": "de", "market": "DE"}),
            "password_too_short",
        ),
    ];
    for (body, rule) in cases {
        let r = sign_up(&s, &body.to_string()).await;
        assert_problem(&r, 422);
        assert_eq!(r.json["errors"][0]["rule"], rule, "{body}");
        assert!(
            !r.json["detail"].as_str().unwrap().contains("not-an-email"),
            "no personal data echoed"
        );
    }
    let r = sign_up(&s, r#"{"name": "X", "email": "x@example.de""#).await;
    assert_problem(&r, 400);
    let planner = token(Role::Planner, "pat");
    let r = call(
        &s,
        "POST",
        "/api/v1/customers",
        Some(&planner),
        Some(&anna()),
    )
    .await;
    assert_problem(&r, 403);
    assert_eq!(
        s.executor.store().head().await.unwrap(),
        before,
        "nothing written"
    );
}

#[tokio::test]
async fn an_order_needs_a_customer_that_exists_and_online_a_verified_email() {
    let rt = sim().await;
    let s = rt.state.clone();
    let stranger = token(Role::Customer, "C-7777");
    let r = call(&s, "POST", "/api/v1/orders", Some(&stranger), Some(ORDER)).await;
    assert_problem(&r, 404);
    let signed_up = sign_up(&s, &anna()).await;
    let me = token(Role::Customer, &id(&signed_up));
    let r = call(&s, "POST", "/api/v1/orders", Some(&me), Some(ORDER)).await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "email_unverified");
    verify(&s, &signed_up).await;
    let r = call(&s, "POST", "/api/v1/orders", Some(&me), Some(ORDER)).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let forged = json!({"token": "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"}).to_string();
    let r = call(&s, "POST", "/api/v1/customers/verify", None, Some(&forged)).await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "invalid_verification");
}

#[tokio::test]
async fn a_customer_signs_in_with_the_sign_up_password_and_sees_its_360() {
    let rt = sim().await;
    let s = rt.state.clone();
    let signed_up = sign_up(&s, &anna()).await;
    verify(&s, &signed_up).await;
    let body = json!({"email": "anna.mueller@example.de", "password": "correct horse battery"})
        .to_string();
    let r = call(&s, "POST", "/api/v1/sessions", None, Some(&body)).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    let me = r.json["token"].as_str().unwrap().to_owned();
    let placed = call(&s, "POST", "/api/v1/orders", Some(&me), Some(ORDER)).await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    let uri = format!(
        "/api/v1/customers/{}?min_position={}",
        id(&signed_up),
        placed.json["position"]
    );
    let view = call(&s, "GET", &uri, Some(&me), None).await;
    assert_eq!(view.status, 200, "{:?}", view.json);
    assert_eq!(view.json["name"], "Anna Müller");
    assert_eq!(view.json["email"], "anna.mueller@example.de");
    assert_eq!(view.json["phone"], "+49301234567");
    assert_eq!(view.json["billing_address"]["city"], "Berlin");
    assert_eq!(view.json["consents"]["email"]["granted"], true);
    assert_eq!(view.json["consents"]["email"]["source"], "online");
    assert_eq!(view.json["orders"].as_array().unwrap().len(), 1);
    assert_eq!(view.json["erased"], false);
    let wrong =
        json!({"email": "anna.mueller@example.de", "password": "wrong password!"}).to_string();
    let r = call(&s, "POST", "/api/v1/sessions", None, Some(&wrong)).await;
    assert_problem(&r, 401);
    // Someone else's 360: another customer, a dealer that never met her.
    let other = token(Role::Customer, "C-1001");
    assert_problem(&call(&s, "GET", &uri, Some(&other), None).await, 403);
    let stranger = token(Role::Dealer, "D-HAM-01");
    assert_problem(&call(&s, "GET", &uri, Some(&stranger), None).await, 403);
    let her_dealer = token(Role::Dealer, "D-BER-01");
    assert_eq!(
        call(&s, "GET", &uri, Some(&her_dealer), None).await.status,
        200
    );
    let unknown = call(
        &s,
        "GET",
        "/api/v1/customers/C-NOPE",
        Some(&token(Role::Planner, "p")),
        None,
    )
    .await;
    assert_problem(&unknown, 404);
}

#[tokio::test]
async fn a_dealer_finds_its_customers_by_name_email_or_phone_and_no_one_elses() {
    let rt = sim().await;
    let s = rt.state.clone();
    let berlin = token(Role::Dealer, "D-BER-01");
    let r = call(
        &s,
        "POST",
        "/api/v1/customers",
        Some(&berlin),
        Some(&anna()),
    )
    .await;
    assert_eq!(r.status, 201);
    let pos = r.json["position"].clone();
    for q in [
        "m%C3%BCller",
        "ANNA.MUELLER%40example.de",
        "030%201234567",
        "1234567",
    ] {
        let uri = format!("/api/v1/customers?q={q}&min_position={pos}");
        let hits = call(&s, "GET", &uri, Some(&berlin), None).await;
        assert_eq!(hits.status, 200, "{:?}", hits.json);
        assert_eq!(
            hits.json.as_array().unwrap().len(),
            1,
            "{q}: {:?}",
            hits.json
        );
        assert_eq!(hits.json[0]["name"], "Anna Müller");
    }
    let hamburg = token(Role::Dealer, "D-HAM-01");
    let uri = format!("/api/v1/customers?q=anna&min_position={pos}");
    let none = call(&s, "GET", &uri, Some(&hamburg), None).await;
    assert_eq!(none.json.as_array().unwrap().len(), 0);
    let customer = token(Role::Customer, "C-1001");
    assert_problem(&call(&s, "GET", &uri, Some(&customer), None).await, 403);
}

#[tokio::test]
async fn a_manager_merges_a_duplicate_and_the_old_id_answers_as_the_survivor() {
    let rt = sim().await;
    let s = rt.state.clone();
    let staff = token(Role::Dealer, "D-BER-01");
    let a = call(&s, "POST", "/api/v1/customers", Some(&staff), Some(&anna())).await;
    let dup = json!({"name": "Anna Mueller", "email": "anna.m@mail.example", "language": "de", "market": "DE"}).to_string();
    let b = call(&s, "POST", "/api/v1/customers", Some(&staff), Some(&dup)).await;
    assert_eq!((a.status.as_u16(), b.status.as_u16()), (201, 201));
    let (survivor, duplicate) = (id(&a), id(&b));
    let dup_token = token(Role::Customer, &duplicate);
    let placed = call(&s, "POST", "/api/v1/orders", Some(&dup_token), Some(ORDER)).await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    let body = json!({"duplicate_id": duplicate}).to_string();
    let uri = format!("/api/v1/customers/{survivor}/merge");
    assert_problem(
        &call(&s, "POST", &uri, Some(&staff), Some(&body)).await,
        403,
    );
    let manager = manager_token("D-BER-01");
    let itself = json!({"duplicate_id": survivor}).to_string();
    let r = call(&s, "POST", &uri, Some(&manager), Some(&itself)).await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "merge_with_itself");
    let merged = call(&s, "POST", &uri, Some(&manager), Some(&body)).await;
    assert_eq!(merged.status, 200, "{:?}", merged.json);
    let old = format!(
        "/api/v1/customers/{duplicate}?min_position={}",
        merged.json["position"]
    );
    let view = call(&s, "GET", &old, Some(&manager), None).await;
    assert_eq!(view.status, 200, "{:?}", view.json);
    assert_eq!(view.json["customer_id"], survivor.as_str());
    assert_eq!(view.json["merged_ids"][0], duplicate.as_str());
    assert_eq!(
        view.json["orders"].as_array().unwrap().len(),
        1,
        "the duplicate's order follows"
    );
    // The duplicate's own token answers as the survivor too.
    let mine = call(&s, "GET", &old, Some(&dup_token), None).await;
    assert_eq!(mine.status, 200, "{:?}", mine.json);
}

#[tokio::test]
async fn erasure_leaves_no_personal_data_in_the_views_and_the_address_can_sign_up_again() {
    let rt = sim().await;
    let s = rt.state.clone();
    let signed_up = sign_up(&s, &anna()).await;
    verify(&s, &signed_up).await;
    let customer = id(&signed_up);
    let me = token(Role::Customer, &customer);
    let placed = call(&s, "POST", "/api/v1/orders", Some(&me), Some(ORDER)).await;
    assert_eq!(placed.status, 201);
    let uri = format!(
        "/api/v1/customers/{customer}/export?min_position={}",
        placed.json["position"]
    );
    let export = call(&s, "GET", &uri, Some(&me), None).await;
    assert_eq!(export.status, 200, "{:?}", export.json);
    assert_eq!(export.json["customer"]["name"], "Anna Müller");
    assert!(export.json["record"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "CustomerRegistered"));
    let other = token(Role::Customer, "C-1001");
    assert_problem(
        &call(
            &s,
            "GET",
            &format!("/api/v1/customers/{customer}/export"),
            Some(&other),
            None,
        )
        .await,
        403,
    );
    let dealer = token(Role::Dealer, "D-BER-01");
    assert_problem(
        &call(
            &s,
            "POST",
            &format!("/api/v1/customers/{customer}/erase"),
            Some(&dealer),
            None,
        )
        .await,
        403,
    );
    let erased = call(
        &s,
        "POST",
        &format!("/api/v1/customers/{customer}/erase"),
        Some(&me),
        None,
    )
    .await;
    assert_eq!(erased.status, 200, "{:?}", erased.json);
    let uri = format!(
        "/api/v1/customers/{customer}?min_position={}",
        erased.json["position"]
    );
    let admin = token(Role::Admin, "root");
    let view = call(&s, "GET", &uri, Some(&admin), None).await;
    assert_eq!(view.status, 200);
    assert_eq!(view.json["erased"], true);
    assert_eq!(view.json["name"], Value::Null);
    assert_eq!(view.json["email"], Value::Null);
    assert_eq!(
        view.json["orders"].as_array().unwrap().len(),
        1,
        "orders and amounts stay"
    );
    let text = view.json.to_string();
    assert!(!text.contains("Müller") && !text.contains("mueller") && !text.contains("1234567"));
    let export = call(
        &s,
        "GET",
        &format!("/api/v1/customers/{customer}/export"),
        Some(&admin),
        None,
    )
    .await;
    assert_problem(&export, 422);
    let merge_into_erased = json!({"duplicate_id": "C-1001"}).to_string();
    let r = call(
        &s,
        "POST",
        &format!("/api/v1/customers/{customer}/merge"),
        Some(&admin),
        Some(&merge_into_erased),
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "customer_erased");
    let body = json!({"email": "anna.mueller@example.de", "password": "correct horse battery"})
        .to_string();
    assert_problem(
        &call(&s, "POST", "/api/v1/sessions", None, Some(&body)).await,
        401,
    );
    let again = sign_up(&s, &anna()).await;
    assert_eq!(
        again.status, 201,
        "the address is free again: {:?}",
        again.json
    );
    assert_ne!(id(&again), customer);
}

#[tokio::test]
async fn an_admin_creates_staff_who_sign_in_as_themselves() {
    let rt = sim().await;
    let s = rt.state.clone();
    let admin = token(Role::Admin, "root");
    let body = json!({"email": "lena@otd.example", "name": "Lena Vogel", "role": "dealer",
        "dealer_id": "D-BER-01", "manager": true, "password": "staff password 1"})
    .to_string();
    let dealer = token(Role::Dealer, "D-BER-01");
    assert_problem(
        &call(&s, "POST", "/api/v1/users", Some(&dealer), Some(&body)).await,
        403,
    );
    let r = call(&s, "POST", "/api/v1/users", Some(&admin), Some(&body)).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let user = r.json["user_id"].as_str().unwrap().to_owned();
    assert!(user.starts_with("U-"));
    let again = call(&s, "POST", "/api/v1/users", Some(&admin), Some(&body)).await;
    assert_problem(&again, 422);
    assert_eq!(again.json["errors"][0]["rule"], "login_taken");
    let bad = json!({"email": "x@otd.example", "name": "X", "role": "planner", "manager": true, "password": "staff password 1"}).to_string();
    assert_eq!(
        call(&s, "POST", "/api/v1/users", Some(&admin), Some(&bad))
            .await
            .json["errors"][0]["rule"],
        "manager_not_dealer"
    );
    let sign_in = json!({"email": "LENA@otd.example", "password": "staff password 1"}).to_string();
    let session = call(&s, "POST", "/api/v1/sessions", None, Some(&sign_in)).await;
    assert_eq!(session.status, 200, "{:?}", session.json);
    let caller = s
        .auth
        .verify(session.json["token"].as_str().unwrap())
        .unwrap();
    assert_eq!(caller.role, Role::Dealer);
    assert_eq!(caller.sub, "D-BER-01");
    assert_eq!(caller.user.unwrap().as_str(), user);
    assert!(caller.manager);
}

#[tokio::test]
async fn boards_and_trackers_show_names_beside_ids_and_erased_customer_after_erasure() {
    let rt = sim().await;
    let s = rt.state.clone();
    let dealer = token(Role::Dealer, "D-BER-01");
    let customer = id(&call(
        &s,
        "POST",
        "/api/v1/customers",
        Some(&dealer),
        Some(&anna()),
    )
    .await);
    let order = json!({"market": "DE", "model": "AURA", "options": [], "dealer_id": "D-BER-01",
        "customer_id": customer})
    .to_string();
    let placed = call(&s, "POST", "/api/v1/orders", Some(&dealer), Some(&order)).await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    let at = placed.json["position"].clone();
    let board = call(
        &s,
        "GET",
        &format!("/api/v1/dealers/D-BER-01/board?min_position={at}"),
        Some(&dealer),
        None,
    )
    .await;
    assert_eq!(board.status, 200);
    assert_eq!(board.json["dealer_name"], "Berlin");
    let row = board.json["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["customer_id"] == customer.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["customer_name"], "Anna Müller");
    let tracker = call(
        &s,
        "GET",
        &format!(
            "/api/v1/orders/{}",
            placed.json["order_id"].as_str().unwrap()
        ),
        Some(&dealer),
        None,
    )
    .await;
    assert_eq!(tracker.json["customer_name"], "Anna Müller");
    assert_eq!(
        tracker.json["customer_id"],
        customer.as_str(),
        "ids stay alongside"
    );
    assert_eq!(tracker.json["dealer_name"], "Berlin");
    let admin = token(Role::Admin, "root");
    let erased = call(
        &s,
        "POST",
        &format!("/api/v1/customers/{customer}/erase"),
        Some(&admin),
        None,
    )
    .await;
    let at = erased.json["position"].clone();
    let board = call(
        &s,
        "GET",
        &format!("/api/v1/dealers/D-BER-01/board?min_position={at}"),
        Some(&dealer),
        None,
    )
    .await;
    let row = board.json["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["customer_id"] == customer.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["customer_name"], "erased customer");
    assert!(!board.json.to_string().contains("Müller"));
}

#[tokio::test]
async fn a_customer_changes_profile_and_consents_but_not_to_someone_elses_email() {
    let rt = sim().await;
    let s = rt.state.clone();
    let signed_up = sign_up(&s, &anna()).await;
    let customer = id(&signed_up);
    let me = token(Role::Customer, &customer);
    let uri = format!("/api/v1/customers/{customer}");
    let patch = json!({"phone": "+49 40 1112223", "consents": {"email": false, "sms": true},
        "billing_address": null})
    .to_string();
    let changed = call(&s, "PATCH", &uri, Some(&me), Some(&patch)).await;
    assert_eq!(changed.status, 200, "{:?}", changed.json);
    let view = call(
        &s,
        "GET",
        &format!("{uri}?min_position={}", changed.json["position"]),
        Some(&me),
        None,
    )
    .await;
    assert_eq!(view.json["phone"], "+49401112223");
    assert_eq!(view.json["billing_address"], Value::Null);
    assert_eq!(view.json["consents"]["email"]["granted"], false);
    assert_eq!(view.json["consents"]["sms"]["granted"], true);
    // The old phone is free again; the new one is taken.
    let dealer = token(Role::Dealer, "D-BER-01");
    let old_phone = json!({"name": "Other", "email": "other@example.de", "phone": "030 1234567",
        "language": "de", "market": "DE"})
    .to_string();
    let other = call(
        &s,
        "POST",
        "/api/v1/customers",
        Some(&dealer),
        Some(&old_phone),
    )
    .await;
    assert_eq!(other.status, 201, "{:?}", other.json);
    let steal = json!({"email": "other@example.de"}).to_string();
    let r = call(&s, "PATCH", &uri, Some(&me), Some(&steal)).await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "claim_taken");
    let stranger = token(Role::Customer, "C-1001");
    assert_problem(
        &call(&s, "PATCH", &uri, Some(&stranger), Some(&patch)).await,
        403,
    );
    let unknown_field = json!({"nickname": "A"}).to_string();
    assert_problem(
        &call(&s, "PATCH", &uri, Some(&me), Some(&unknown_field)).await,
        400,
    );
}

#[tokio::test]
async fn an_issued_invoice_keeps_its_billing_identity_through_the_customers_erasure() {
    let rt = sim().await;
    let s = rt.state.clone();
    let dealer = token(Role::Dealer, "D-BER-01");
    let customer = id(&call(
        &s,
        "POST",
        "/api/v1/customers",
        Some(&dealer),
        Some(&anna()),
    )
    .await);
    let planner = token(Role::Planner, "pat");
    let car = r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"location":"D-BER-01"}"#;
    assert_eq!(
        call(&s, "POST", "/api/v1/vehicles", Some(&planner), Some(car))
            .await
            .status,
        201
    );
    let order =
        json!({"market": "DE", "model": "AURA", "options": ["PNT-RED"], "dealer_id": "D-BER-01",
        "customer_id": customer})
        .to_string();
    let placed = call(&s, "POST", "/api/v1/orders", Some(&dealer), Some(&order)).await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    let order = placed.json["order_id"].as_str().unwrap().to_owned();
    settle(&rt).await;
    let booking = call(
        &s,
        "POST",
        &format!("/api/v1/orders/{order}/handover-appointment"),
        Some(&dealer),
        Some(r#"{"at":"2026-11-27T10:00:00Z"}"#),
    )
    .await;
    assert_eq!(booking.status.as_u16() / 100, 2, "{:?}", booking.json);
    settle(&rt).await;
    let finance = token(Role::Finance, "fin");
    let invoices = call(
        &s,
        "GET",
        &format!("/api/v1/invoices?order_id={order}"),
        Some(&finance),
        None,
    )
    .await;
    let invoice = invoices.json[0].clone();
    assert_eq!(
        invoice["billed_to"], "Anna Müller, Lindenallee 3, 10115 Berlin, DE",
        "{invoice}"
    );
    assert_eq!(invoice["customer_name"], "Anna Müller");
    let admin = token(Role::Admin, "root");
    let erased = call(
        &s,
        "POST",
        &format!("/api/v1/customers/{customer}/erase"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(erased.status, 200);
    settle(&rt).await;
    let number = invoice["number"].as_str().unwrap();
    let after = call(
        &s,
        "GET",
        &format!("/api/v1/invoices/{number}"),
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(after.json["customer_name"], "erased customer");
    assert_eq!(
        after.json["billed_to"], "Anna Müller, Lindenallee 3, 10115 Berlin, DE",
        "the invoice keeps who it was made out to until its retention ends"
    );
    let view = call(
        &s,
        "GET",
        &format!("/api/v1/customers/{customer}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(view.json["erased"], true);
    assert_eq!(view.json["email"], Value::Null);
}
