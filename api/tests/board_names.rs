//! The dealer board's names: kept between reads by the customer documents changed since,
//! so a name changed elsewhere (another process: nothing here is told) still shows, and
//! the board without a status is the board with names, its rows of that status left out.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use domain::values::{CustomerId, PersonName};
use serde_json::{json, Value};
use support::*;

async fn customer(state: &api::AppState, dealer: &str, name: &str, email: &str) -> String {
    let body = json!({"name": name, "email": email, "language": "de", "market": "DE"});
    let reply = call(
        state,
        "POST",
        "/api/v1/customers",
        Some(dealer),
        Some(&body.to_string()),
    )
    .await;
    assert!(
        reply.status == 201 || reply.status == 200,
        "{:?}",
        reply.json
    );
    reply.json["customer_id"].as_str().unwrap().to_owned()
}

async fn place(state: &api::AppState, dealer: &str, customer: &str) -> Value {
    let order = json!({"market": "DE", "model": "AURA", "options": [], "dealer_id": "D-BER-01",
        "customer_id": customer});
    let placed = call(
        state,
        "POST",
        "/api/v1/orders",
        Some(dealer),
        Some(&order.to_string()),
    )
    .await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    placed.json
}

async fn board(state: &api::AppState, dealer: &str, query: &str) -> Value {
    let reply = call(
        state,
        "GET",
        &format!("/api/v1/dealers/D-BER-01/board?{query}"),
        Some(dealer),
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.json);
    reply.json
}

fn name_of(board: &Value, customer: &str) -> Value {
    board["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["customer_id"] == customer)
        .map(|r| r["customer_name"].clone())
        .unwrap()
}

#[tokio::test]
async fn a_name_changed_where_the_board_is_not_told_still_shows_on_it() {
    let rt = sim().await;
    let s = rt.state.clone();
    let dealer = token(Role::Dealer, "D-BER-01");
    let anna = customer(&s, &dealer, "Anna Müller", "anna@example.de").await;
    let ben = customer(&s, &dealer, "Ben \"Benny\" Schulz", "ben@example.de").await;
    place(&s, &dealer, &anna).await;
    let at = place(&s, &dealer, &ben).await["position"].clone();
    let before = board(&s, &dealer, &format!("min_position={at}")).await;
    assert_eq!(before["dealer_name"], "Berlin");
    assert_eq!(name_of(&before, &anna), "Anna Müller");
    assert_eq!(name_of(&before, &ben), "Ben \"Benny\" Schulz");

    // Changed through the service, not the route: the API is not told a name changed.
    let change = app::people::ProfileChange {
        name: Some(PersonName::parse("Anna Schmidt").unwrap()),
        ..Default::default()
    };
    let done = s
        .people
        .as_ref()
        .unwrap()
        .change_profile(
            &CustomerId::parse(&anna).unwrap(),
            change,
            &store::Metadata::default(),
        )
        .await
        .unwrap();
    let after = board(&s, &dealer, &format!("min_position={}", done.position.0)).await;
    assert_eq!(name_of(&after, &anna), "Anna Schmidt");
    assert_eq!(name_of(&after, &ben), "Ben \"Benny\" Schulz");
    assert_eq!(after["counts"], before["counts"]);

    // Read again (the names from the book kept since): the same names.
    let again = board(&s, &dealer, "").await;
    assert_eq!(name_of(&again, &anna), "Anna Schmidt");
    assert_eq!(name_of(&again, &ben), "Ben \"Benny\" Schulz");
}

#[tokio::test]
async fn the_board_without_a_status_is_the_named_board_without_its_rows() {
    let rt = sim().await;
    let s = rt.state.clone();
    let dealer = token(Role::Dealer, "D-BER-01");
    let anna = customer(&s, &dealer, "Anna Müller", "anna@example.de").await;
    let first = place(&s, &dealer, &anna).await;
    place(&s, &dealer, &anna).await;
    let order = first["order_id"].as_str().unwrap();
    let cancel = json!({"reason": "changed my mind"}).to_string();
    let cancelled = call(
        &s,
        "POST",
        &format!("/api/v1/orders/{order}/cancel"),
        Some(&dealer),
        Some(&cancel),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.json);
    let at = cancelled.json["position"].clone();
    // Reactions to the cancellation may still change the board: compare two reads of the
    // same board (the whole one before and after the one without a status).
    let mut all = board(&s, &dealer, &format!("min_position={at}")).await;
    let mut without = board(&s, &dealer, "except_status=cancelled").await;
    for _ in 0..50 {
        let again = board(&s, &dealer, "").await;
        if again == all {
            break;
        }
        all = again;
        without = board(&s, &dealer, "except_status=cancelled").await;
    }
    let mut expected = all.clone();
    expected["orders"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["status"] != "cancelled");
    assert_eq!(all["counts"]["cancelled"], 1);
    assert_eq!(all["orders"].as_array().unwrap().len(), 2);
    assert_eq!(without, expected);
    assert_eq!(without["orders"].as_array().unwrap().len(), 1);
    assert_eq!(name_of(&without, &anna), "Anna Müller");
}
