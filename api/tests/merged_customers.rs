//! A merged duplicate's records follow the survivor: the person signed in under either id
//! sees and acts on every order of both, however many merges deep, and erasing the person
//! erases every id it answered for.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::{json, Value};
use support::*;

const ORDER: &str = r#"{"market":"DE","model":"AURA","options":[],"dealer_id":"D-BER-01"}"#;

/// Registers a showroom customer at D-BER-01 and returns its id.
async fn showroom_customer(s: &api::AppState, name: &str, email: &str) -> String {
    let staff = token(Role::Dealer, "D-BER-01");
    let body = json!({"name": name, "email": email, "language": "de", "market": "DE"}).to_string();
    let r = call(s, "POST", "/api/v1/customers", Some(&staff), Some(&body)).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["customer_id"].as_str().unwrap().to_owned()
}

/// Places an order as the customer `id` and returns the order id.
async fn order_as(s: &api::AppState, id: &str) -> String {
    let placed = call(
        s,
        "POST",
        "/api/v1/orders",
        Some(&token(Role::Customer, id)),
        Some(ORDER),
    )
    .await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    placed.json["order_id"].as_str().unwrap().to_owned()
}

/// Merges `duplicate` into `survivor` as D-BER-01's manager; the position reached.
async fn merge(s: &api::AppState, survivor: &str, duplicate: &str) -> u64 {
    let body = json!({ "duplicate_id": duplicate }).to_string();
    let uri = format!("/api/v1/customers/{survivor}/merge");
    let r = call(
        s,
        "POST",
        &uri,
        Some(&manager_token("D-BER-01")),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    r.json["position"].as_u64().unwrap()
}

fn order_ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn the_survivor_sees_and_acts_on_the_duplicates_orders() {
    let rt = sim().await;
    let s = rt.state.clone();
    let survivor = showroom_customer(&s, "Anna Müller", "anna@mail.example").await;
    let duplicate = showroom_customer(&s, "Anna Mueller", "a.mueller@mail.example").await;
    let own = order_as(&s, &survivor).await;
    let followed = order_as(&s, &duplicate).await;
    let stranger = showroom_customer(&s, "Bert Brandt", "bert@mail.example").await;
    let strangers = order_as(&s, &stranger).await;
    settle(&rt).await;
    let me = token(Role::Customer, &survivor);
    let mine = format!("/api/v1/orders/{followed}");
    assert_problem(&call(&s, "GET", &mine, Some(&me), None).await, 403);

    let at = merge(&s, &survivor, &duplicate).await;
    let list = call(
        &s,
        "GET",
        &format!("/api/v1/orders?min_position={at}"),
        Some(&me),
        None,
    )
    .await;
    assert_eq!(list.status, 200, "{:?}", list.json);
    let mut expected = vec![own.clone(), followed.clone()];
    expected.sort();
    assert_eq!(
        order_ids(&list.json),
        expected,
        "both ids' orders, no one else's"
    );
    let only = format!("/api/v1/orders?customer_id={duplicate}");
    assert_eq!(
        order_ids(&call(&s, "GET", &only, Some(&me), None).await.json),
        vec![followed.clone()]
    );
    let theirs = format!("/api/v1/orders?customer_id={stranger}");
    assert_problem(&call(&s, "GET", &theirs, Some(&me), None).await, 403);
    assert_eq!(call(&s, "GET", &mine, Some(&me), None).await.status, 200);
    let history = format!("{mine}/history");
    assert_eq!(call(&s, "GET", &history, Some(&me), None).await.status, 200);

    // Commands decide on the write model: the survivor may amend and cancel it.
    let amend = json!({"options": ["PNT-RED"]}).to_string();
    let r = call(
        &s,
        "POST",
        &format!("{mine}/amend"),
        Some(&me),
        Some(&amend),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    let cancel = json!({"reason": "bought one already"}).to_string();
    let r = call(
        &s,
        "POST",
        &format!("{mine}/cancel"),
        Some(&me),
        Some(&cancel),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    // The duplicate's old token is the same person: it sees the survivor's order too.
    let old = token(Role::Customer, &duplicate);
    let r = call(
        &s,
        "GET",
        &format!("/api/v1/orders/{own}"),
        Some(&old),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    // And nobody's scope grew beyond the person.
    let r = call(
        &s,
        "GET",
        &format!("/api/v1/orders/{strangers}"),
        Some(&me),
        None,
    )
    .await;
    assert_problem(&r, 403);
    let r = call(
        &s,
        "POST",
        &format!("/api/v1/orders/{strangers}/cancel"),
        Some(&me),
        Some(&cancel),
    )
    .await;
    assert_problem(&r, 403);
}

#[tokio::test]
async fn merges_chain_and_erasing_the_person_erases_every_id_it_answered_for() {
    let rt = sim().await;
    let s = rt.state.clone();
    let first = showroom_customer(&s, "Carla Chen", "carla@mail.example").await;
    let second = showroom_customer(&s, "Carla Chen", "c.chen@mail.example").await;
    let third = showroom_customer(&s, "Carla C.", "cc@mail.example").await;
    let orders = [
        order_as(&s, &first).await,
        order_as(&s, &second).await,
        order_as(&s, &third).await,
    ];
    merge(&s, &second, &third).await;
    let at = merge(&s, &first, &second).await;

    let me = token(Role::Customer, &first);
    let view = call(
        &s,
        "GET",
        &format!("/api/v1/customers/{first}?min_position={at}"),
        Some(&me),
        None,
    )
    .await;
    assert_eq!(view.status, 200, "{:?}", view.json);
    let mut merged: Vec<&str> = view.json["merged_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    merged.sort();
    let mut expected = vec![second.as_str(), third.as_str()];
    expected.sort();
    assert_eq!(merged, expected, "the survivor absorbed the whole line");
    let mut all = orders.to_vec();
    all.sort();
    assert_eq!(order_ids(&view.json["orders"]), all);
    let list = call(&s, "GET", "/api/v1/orders", Some(&me), None).await;
    assert_eq!(order_ids(&list.json), all);

    let erased = call(
        &s,
        "POST",
        &format!("/api/v1/customers/{first}/erase"),
        Some(&me),
        Some("{}"),
    )
    .await;
    assert_eq!(erased.status, 200, "{:?}", erased.json);
    // Erasure gives every contact back: the deepest duplicate's e-mail signs up anew.
    let again =
        json!({"name": "Carla", "email": "cc@mail.example", "language": "de", "market": "DE"})
            .to_string();
    let staff = token(Role::Dealer, "D-BER-01");
    let r = call(&s, "POST", "/api/v1/customers", Some(&staff), Some(&again)).await;
    assert_eq!(
        r.status, 201,
        "a new record, not the erased one: {:?}",
        r.json
    );
    assert_ne!(r.json["customer_id"], third.as_str());
}
