//! Paging, search and filters of the lists that grow: orders, invoices (and the payments
//! among them), vehicles. The body stays the contract's JSON array; the total is in
//! `X-Total-Count`, the next page in `Link`; bad values are a 400 problem.

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

/// The 8 characters the pages show of an id: its end (the random part of a UUIDv7; its
/// start is a timestamp that ids made in the same minute share).
fn tail(id: &str) -> &str {
    &id[id.len() - 8..]
}

fn total(r: &Reply) -> u64 {
    r.headers
        .get("x-total-count")
        .expect("X-Total-Count")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

fn next(r: &Reply) -> Option<String> {
    r.headers
        .get("link")
        .map(|l| l.to_str().unwrap().to_owned())
}

fn ids(r: &Reply, field: &str) -> Vec<String> {
    r.json
        .as_array()
        .unwrap_or_else(|| panic!("{} {:?}", r.status, r.json))
        .iter()
        .map(|v| v[field].as_str().unwrap().to_owned())
        .collect()
}

async fn place(rt: &api::runtime::Runtime, customer: &str, options: &str) -> String {
    let body =
        format!(r#"{{"market":"DE","model":"AURA","options":{options},"dealer_id":"D-BER-01"}}"#);
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

/// Every way a caller can get paging or a filter wrong is a 400 problem, never a 500.
async fn refuses_bad_values(rt: &api::runtime::Runtime, path: &str, who: &str) {
    for bad in [
        "limit=-1",
        "limit=abc",
        "limit=0",
        "limit=501",
        "limit=1.5",
        "offset=-3",
        "offset=x",
        "market=not%20a%20market",
    ] {
        let r = call(&rt.state, "GET", &format!("{path}?{bad}"), Some(who), None).await;
        assert_problem(&r, 400);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_paged_searched_and_filtered_by_market_and_day() {
    let rt = sim().await;
    let mut placed = Vec::new();
    for customer in ["C-1001", "C-1002", "C-1003", "C-1004", "C-1005"] {
        placed.push(place(&rt, customer, "[]").await);
    }
    settle(&rt).await;
    let planner = token(Role::Planner, "pat");

    let all = call(&rt.state, "GET", "/api/v1/orders", Some(&planner), None).await;
    assert_eq!(
        all.json.as_array().unwrap().len(),
        5,
        "no limit: every order"
    );
    assert_eq!(total(&all), 5);
    assert_eq!(next(&all), None);
    let newest_first = ids(&all, "order_id");

    let first = call(
        &rt.state,
        "GET",
        "/api/v1/orders?limit=2",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(ids(&first, "order_id"), newest_first[..2]);
    assert_eq!(total(&first), 5);
    assert_eq!(
        next(&first).as_deref(),
        Some("</api/v1/orders?limit=2&offset=2>; rel=\"next\"")
    );
    let last = call(
        &rt.state,
        "GET",
        "/api/v1/orders?limit=2&offset=4",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(ids(&last, "order_id"), newest_first[4..]);
    assert_eq!((total(&last), next(&last)), (5, None));

    // The 8 characters the pages show (the id's end) find the one order; so do the customer's number
    // and the status; a search narrows the total too.
    let short = tail(&placed[2]);
    let found = call(
        &rt.state,
        "GET",
        &format!("/api/v1/orders?q={short}"),
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(ids(&found, "order_id"), vec![placed[2].clone()]);
    assert_eq!(total(&found), 1);
    let by_customer = call(
        &rt.state,
        "GET",
        "/api/v1/orders?q=c-1004",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(ids(&by_customer, "order_id"), vec![placed[3].clone()]);
    assert!(
        by_customer.json[0]["customer_name"].is_string(),
        "named after the search"
    );
    let none = call(
        &rt.state,
        "GET",
        "/api/v1/orders?q=nobody-here",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!((none.json.as_array().unwrap().len(), total(&none)), (0, 0));

    let cn = call(
        &rt.state,
        "GET",
        "/api/v1/orders?market=CN",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(total(&cn), 0);
    let de = call(
        &rt.state,
        "GET",
        "/api/v1/orders?market=DE&from=2026-11-23&to=2026-11-23",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(total(&de), 5, "placed on the simulated day");
    let later = call(
        &rt.state,
        "GET",
        "/api/v1/orders?from=2026-11-24",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(total(&later), 0);

    // A dealer pages its own orders; a customer its own.
    let dealer = call(
        &rt.state,
        "GET",
        "/api/v1/orders?limit=1",
        Some(&token(Role::Dealer, "D-BER-01")),
        None,
    )
    .await;
    assert_eq!(
        (dealer.json.as_array().unwrap().len(), total(&dealer)),
        (1, 5)
    );
    let mine = call(
        &rt.state,
        "GET",
        "/api/v1/orders?limit=1",
        Some(&token(Role::Customer, "C-1001")),
        None,
    )
    .await;
    assert_eq!(total(&mine), 1);

    refuses_bad_values(&rt, "/api/v1/orders", &planner).await;
    for bad in [
        "from=yesterday",
        "to=2026-13-01",
        "from=2026-11-24&to=2026-11-23",
        "status=lost",
    ] {
        let r = call(
            &rt.state,
            "GET",
            &format!("/api/v1/orders?{bad}"),
            Some(&planner),
            None,
        )
        .await;
        assert_problem(&r, 400);
    }
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vehicles_are_paged_and_searched() {
    let rt = sim().await;
    let planner = token(Role::Planner, "pat");
    let mut registered = Vec::new();
    for (location, paint) in [
        ("D-HAM-01", "PNT-BLK"),
        ("D-HAM-01", "PNT-WHT"),
        ("D-BER-01", "PNT-RED"),
    ] {
        let car = format!(
            r#"{{"market":"DE","model":"TERRA","options":["{paint}"],"location":"{location}"}}"#
        );
        let v = ok(&rt, "POST", "/api/v1/vehicles", &planner, Some(&car)).await;
        registered.push(v["vehicle_id"].as_str().unwrap().to_owned());
    }
    settle(&rt).await;

    let page = call(
        &rt.state,
        "GET",
        "/api/v1/vehicles?limit=2",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!((ids(&page, "vehicle_id").len(), total(&page)), (2, 3));
    assert!(next(&page).unwrap().contains("offset=2"));
    let short = tail(&registered[1]);
    let found = call(
        &rt.state,
        "GET",
        &format!("/api/v1/vehicles?q={short}"),
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(ids(&found, "vehicle_id"), vec![registered[1].clone()]);
    let red = call(
        &rt.state,
        "GET",
        "/api/v1/vehicles?q=pnt-red",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(ids(&red, "vehicle_id"), vec![registered[2].clone()]);
    let at_hamburg = call(
        &rt.state,
        "GET",
        "/api/v1/vehicles?q=D-HAM",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(total(&at_hamburg), 2);
    let cn = call(
        &rt.state,
        "GET",
        "/api/v1/vehicles?market=CN",
        Some(&planner),
        None,
    )
    .await;
    assert_eq!(total(&cn), 0);
    // The dealer's own location only, paged like the planner's.
    let berlin = call(
        &rt.state,
        "GET",
        "/api/v1/vehicles?limit=5",
        Some(&token(Role::Dealer, "D-BER-01")),
        None,
    )
    .await;
    assert_eq!(ids(&berlin, "vehicle_id"), vec![registered[2].clone()]);

    refuses_bad_values(&rt, "/api/v1/vehicles", &planner).await;
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_and_the_payments_among_them_are_paged_searched_and_filtered() {
    let rt = sim().await;
    let planner = token(Role::Planner, "pat");
    let berlin = token(Role::Dealer, "D-BER-01");
    let finance = token(Role::Finance, "fin");
    // Two cars from Hamburg's stock, each sold, shipped to Berlin and invoiced on arrival.
    let mut orders = Vec::new();
    for (customer, paint) in [("C-1001", "PNT-BLK"), ("C-1002", "PNT-WHT")] {
        let car = format!(
            r#"{{"market":"DE","model":"AURA","options":["{paint}"],"location":"D-HAM-01"}}"#
        );
        let vehicle = ok(&rt, "POST", "/api/v1/vehicles", &planner, Some(&car)).await["vehicle_id"]
            .as_str()
            .unwrap()
            .to_owned();
        orders.push(place(&rt, customer, &format!(r#"["{paint}"]"#)).await);
        settle(&rt).await;
        ok(
            &rt,
            "POST",
            &format!("/api/v1/vehicles/{vehicle}/dispatch"),
            &planner,
            None,
        )
        .await;
        ok(
            &rt,
            "POST",
            &format!("/api/v1/vehicles/{vehicle}/arrive"),
            &berlin,
            None,
        )
        .await;
        settle(&rt).await;
    }

    let all = call(&rt.state, "GET", "/api/v1/invoices", Some(&finance), None).await;
    assert_eq!(
        ids(&all, "number"),
        vec!["DE-2026-000001", "DE-2026-000002"],
        "by number"
    );
    let newest = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?newest_first=true&limit=1",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(ids(&newest, "number"), vec!["DE-2026-000002"]);
    assert_eq!(total(&newest), 2);
    assert!(next(&newest).unwrap().contains("offset=1"));

    let by_order = call(
        &rt.state,
        "GET",
        &format!("/api/v1/invoices?q={}", tail(&orders[0])),
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(ids(&by_order, "number"), vec!["DE-2026-000001"]);
    let by_number = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?q=000002",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(ids(&by_number, "number"), vec!["DE-2026-000002"]);
    let hamburg = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?dealer_id=D-HAM-01",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(total(&hamburg), 0);
    let berlin_de = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?dealer_id=D-BER-01&market=DE&from=2026-11-01&to=2026-11-30",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(total(&berlin_de), 2);
    let cn = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?market=CN",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(total(&cn), 0);

    // The payments list: invoices with a payment received.
    let none_paid = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?paid=true",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(total(&none_paid), 0);
    ok(
        &rt,
        "POST",
        "/api/v1/invoices/DE-2026-000001/payments",
        &finance,
        Some(r#"{"amount_minor":100}"#),
    )
    .await;
    settle(&rt).await;
    let paid = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?paid=true",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(ids(&paid, "number"), vec!["DE-2026-000001"]);
    let unpaid = call(
        &rt.state,
        "GET",
        "/api/v1/invoices?paid=false",
        Some(&finance),
        None,
    )
    .await;
    assert_eq!(ids(&unpaid, "number"), vec!["DE-2026-000002"]);

    refuses_bad_values(&rt, "/api/v1/invoices", &finance).await;
    for bad in [
        "paid=maybe",
        "newest_first=2",
        "from=2026-12-01&to=2026-11-01",
    ] {
        let r = call(
            &rt.state,
            "GET",
            &format!("/api/v1/invoices?{bad}"),
            Some(&finance),
            None,
        )
        .await;
        assert_problem(&r, 400);
    }
    rt.shutdown().await;
}
