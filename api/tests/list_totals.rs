//! What the pages need beside a page of a list: the invoices' totals per currency over every
//! match (`X-Total-Gross`, `X-Total-Outstanding`), and a dealer board without the rows of
//! one status (`except_status`), whose delivered orders the page reads through the paged
//! orders list instead.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::Value;
use support::*;

async fn ok(
    rt: &api::runtime::Runtime,
    method: &str,
    uri: &str,
    who: &str,
    body: Option<&str>,
) -> Value {
    let r = call(&rt.state, method, uri, Some(who), body).await;
    assert!(
        r.status.is_success(),
        "{method} {uri}: {} {:?}",
        r.status,
        r.json
    );
    r.json
}

fn header(r: &Reply, name: &str) -> String {
    r.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .to_str()
        .unwrap()
        .to_owned()
}

async fn place(rt: &api::runtime::Runtime, customer: &str, paint: &str) -> String {
    let body =
        format!(r#"{{"market":"DE","model":"AURA","options":["{paint}"],"dealer_id":"D-BER-01"}}"#);
    let r = ok(
        rt,
        "POST",
        "/api/v1/orders",
        &token(Role::Customer, customer),
        Some(&body),
    )
    .await;
    r["order_id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoice_totals_cover_every_match_not_only_the_page() {
    let rt = sim().await;
    let planner = token(Role::Planner, "pat");
    let berlin = token(Role::Dealer, "D-BER-01");
    let finance = token(Role::Finance, "fin");
    for (customer, paint) in [("C-1001", "PNT-BLK"), ("C-1002", "PNT-WHT")] {
        let car = format!(
            r#"{{"market":"DE","model":"AURA","options":["{paint}"],"location":"D-HAM-01"}}"#
        );
        let vehicle = ok(&rt, "POST", "/api/v1/vehicles", &planner, Some(&car)).await["vehicle_id"]
            .as_str()
            .unwrap()
            .to_owned();
        place(&rt, customer, paint).await;
        settle(&rt).await;
        let dispatch = format!("/api/v1/vehicles/{vehicle}/dispatch");
        ok(&rt, "POST", &dispatch, &planner, None).await;
        let arrive = format!("/api/v1/vehicles/{vehicle}/arrive");
        ok(&rt, "POST", &arrive, &berlin, None).await;
        settle(&rt).await;
    }
    let all = call(&rt.state, "GET", "/api/v1/invoices", Some(&finance), None).await;
    let sum = |field: &str| -> i64 {
        all.json
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i[field]["amount_minor"].as_i64().unwrap())
            .sum()
    };
    let (gross, outstanding) = (sum("gross"), sum("outstanding"));
    assert!(gross > 0 && outstanding > 0);

    // A page of one invoice still totals both.
    let page = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?limit=1",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(page.json.as_array().unwrap().len(), 1);
    assert_eq!(header(&page, "x-total-gross"), format!("EUR={gross}"));
    assert_eq!(
        header(&page, "x-total-outstanding"),
        format!("EUR={outstanding}")
    );

    // A payment lowers what is outstanding, not the gross.
    ok(
        &rt,
        "POST",
        "/api/v1/invoices/DE-2026-000001/payments",
        &finance,
        Some(r#"{"amount_minor":100}"#),
    )
    .await;
    settle(&rt).await;
    let after = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?limit=1&offset=1",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(header(&after, "x-total-gross"), format!("EUR={gross}"));
    assert_eq!(
        header(&after, "x-total-outstanding"),
        format!("EUR={}", outstanding - 100)
    );

    // The totals follow the filters: nothing in China, one invoice by its number.
    let cn = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?market=CN",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(header(&cn, "x-total-gross"), "");
    let one = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?q=000002",
        Some(&finance),
        None,
    )
    .await;
    let only = one.json[0]["gross"]["amount_minor"].as_i64().unwrap();
    assert_eq!(header(&one, "x-total-gross"), format!("EUR={only}"));
    assert!(only < gross);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_without_one_status_keeps_its_counts() {
    let rt = sim().await;
    let berlin = token(Role::Dealer, "D-BER-01");
    let order = place(&rt, "C-1001", "PNT-BLK").await;
    settle(&rt).await;
    let board = ok(&rt, "GET", "/api/v1/dealers/D-BER-01/board", &berlin, None).await;
    let status = board["orders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["order_id"] == order.as_str())
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .expect("the order on the board");

    let without = ok(
        &rt,
        "GET",
        &format!("/api/v1/dealers/D-BER-01/board?except_status={status}"),
        &berlin,
        None,
    )
    .await;
    assert!(
        without["orders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] != status.as_str()),
        "{without:?}"
    );
    assert_eq!(without["counts"], board["counts"], "the counts stay");
    assert_eq!(without["dealer_name"], board["dealer_name"]);
    let other = ok(
        &rt,
        "GET",
        "/api/v1/dealers/D-BER-01/board?except_status=delivered",
        &berlin,
        None,
    )
    .await;
    assert_eq!(other["orders"], board["orders"]);

    let bad = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-BER-01/board?except_status=lost",
        Some(&berlin),
        None,
    )
    .await;
    assert_problem(&bad, 400);
    rt.shutdown().await;
}
