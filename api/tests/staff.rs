//! An outlet's staff by name (`GET /api/v1/dealers/{id}/staff`): what the lead pages show
//! instead of user ids and whom a manager assigns leads to.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::json;
use support::*;

async fn create_user(state: &api::AppState, body: serde_json::Value) -> String {
    let admin = token(Role::Admin, "root");
    let r = call(
        state,
        "POST",
        "/api/v1/users",
        Some(&admin),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["user_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_outlet_lists_its_own_staff_by_name_and_no_one_elses() {
    let rt = sim().await;
    let s = rt.state.clone();
    let lena = create_user(
        &s,
        json!({"email": "lena@otd.example", "name": "Lena Vogel", "role": "dealer",
        "dealer_id": "D-BER-01", "manager": true, "password": "staff password 1"}),
    )
    .await;
    let tom = create_user(
        &s,
        json!({"email": "tom@otd.example", "name": "Tom Berg", "role": "dealer",
        "dealer_id": "D-BER-01", "password": "staff password 2"}),
    )
    .await;
    create_user(
        &s,
        json!({"email": "mia@otd.example", "name": "Mia Hamburg", "role": "dealer",
        "dealer_id": "D-HAM-01", "password": "staff password 3"}),
    )
    .await;
    create_user(
        &s,
        json!({"email": "pia@otd.example", "name": "Pia Planner", "role": "planner",
        "password": "staff password 4"}),
    )
    .await;
    settle(&rt).await;

    let berlin = token(Role::Dealer, "D-BER-01");
    let r = call(
        &s,
        "GET",
        "/api/v1/dealers/D-BER-01/staff",
        Some(&berlin),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(
        r.json,
        json!([
            {"user_id": lena, "name": "Lena Vogel", "manager": true},
            {"user_id": tom, "name": "Tom Berg", "manager": false},
        ])
    );

    let hamburg = token(Role::Dealer, "D-HAM-01");
    let other = call(
        &s,
        "GET",
        "/api/v1/dealers/D-BER-01/staff",
        Some(&hamburg),
        None,
    )
    .await;
    assert_problem(&other, 403);
    let r = call(
        &s,
        "GET",
        "/api/v1/dealers/D-HAM-01/staff",
        Some(&hamburg),
        None,
    )
    .await;
    assert_eq!(r.json.as_array().unwrap().len(), 1);
    assert_eq!(r.json[0]["name"], "Mia Hamburg");

    let admin = token(Role::Admin, "root");
    let unknown = call(
        &s,
        "GET",
        "/api/v1/dealers/D-XXX-01/staff",
        Some(&admin),
        None,
    )
    .await;
    assert_problem(&unknown, 404);
    let anonymous = call(&s, "GET", "/api/v1/dealers/D-BER-01/staff", None, None).await;
    assert_problem(&anonymous, 401);
    let customer = token(Role::Customer, "C-1001");
    let refused = call(
        &s,
        "GET",
        "/api/v1/dealers/D-BER-01/staff",
        Some(&customer),
        None,
    )
    .await;
    assert_problem(&refused, 403);
}
