//! The terms of an order fulfilled from stock, through the HTTP API (spec:
//! the order's life, point 6): a car that already stands at the order's
//! dealer keeps the order amendable and its deposit refundable until a
//! handover appointment is booked (which is when it is invoiced) or a payment
//! is made; an order placed online in DE may be withdrawn with a full refund
//! within 14 days of placing it.

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use serde_json::Value;
use support::*;

async fn ok(state: &api::AppState, method: &str, uri: &str, token: &str, body: &str) -> Value {
    let body = (!body.is_empty()).then_some(body);
    let r = call(state, method, uri, Some(token), body).await;
    assert!(
        r.status.is_success(),
        "{method} {uri}: {} {:?}",
        r.status,
        r.json
    );
    r.json
}

struct Desk {
    rt: api::runtime::Runtime,
    planner: String,
    berlin: String,
    finance: String,
}

impl Desk {
    async fn open() -> Desk {
        Desk {
            rt: sim().await,
            planner: token(Role::Planner, "pat"),
            berlin: token(Role::Dealer, "D-BER-01"),
            finance: token(Role::Finance, "fin"),
        }
    }

    fn s(&self) -> &api::AppState {
        &self.rt.state
    }

    /// A red AURA in stock at `at`.
    async fn stock(&self, at: &str) -> String {
        let car =
            format!(r#"{{"market":"DE","model":"AURA","options":["PNT-RED"],"location":"{at}"}}"#);
        let r = ok(self.s(), "POST", "/api/v1/vehicles", &self.planner, &car).await;
        r["vehicle_id"].as_str().unwrap().to_owned()
    }

    /// A red AURA for C-1001 delivered in Berlin, placed with `token` (the Berlin dealer in its
    /// showroom, or the customer online); fulfilment has run.
    async fn order(&self, token: &str) -> String {
        let body = r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01","customer_id":"C-1001"}"#;
        let r = ok(self.s(), "POST", "/api/v1/orders", token, body).await;
        settle(&self.rt).await;
        r["order_id"].as_str().unwrap().to_owned()
    }

    async fn view(&self, order: &str) -> Value {
        settle(&self.rt).await;
        let uri = format!("/api/v1/orders/{order}");
        ok(self.s(), "GET", &uri, &self.planner, "").await
    }

    async fn cancel(&self, order: &str, token: &str) -> Value {
        let uri = format!("/api/v1/orders/{order}/cancel");
        ok(
            self.s(),
            "POST",
            &uri,
            token,
            r#"{"reason":"changed my mind"}"#,
        )
        .await
    }

    async fn advance(&self, days: u32) {
        let body = format!(r#"{{"days":{days}}}"#);
        ok(
            self.s(),
            "POST",
            "/api/v1/clock/advance",
            &self.planner,
            &body,
        )
        .await;
    }
}

fn refunded_and_forfeited(cancelled: &Value) -> (i64, i64) {
    (
        cancelled["deposit_refunded"]["amount_minor"]
            .as_i64()
            .unwrap(),
        cancelled["deposit_forfeited"]["amount_minor"]
            .as_i64()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_car_at_the_dealer_cancelled_right_after_placing_refunds_the_deposit_in_full() {
    let d = Desk::open().await;
    d.stock("D-BER-01").await;
    let order = d.order(&d.berlin).await;
    let o = d.view(&order).await;
    assert_eq!(o["status"], "at_dealer", "{o}");
    assert!(o["invoice"].is_null(), "not invoiced before a booking: {o}");

    let cancelled = d.cancel(&order, &d.berlin).await;
    assert_eq!(
        refunded_and_forfeited(&cancelled),
        (100_000, 0),
        "{cancelled}"
    );
    assert!(cancelled["credit_note"].is_null());
    assert_eq!(d.view(&order).await["status"], "cancelled");
    d.rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_car_at_the_dealer_can_be_amended_and_the_order_finds_a_car_again() {
    let d = Desk::open().await;
    let red = d.stock("D-BER-01").await;
    let order = d.order(&d.berlin).await;
    let uri = format!("/api/v1/orders/{order}/amend");
    let amended = ok(d.s(), "POST", &uri, &d.berlin, r#"{"options":["PNT-BLK"]}"#).await;
    assert_eq!(amended["released_vehicle"], red.as_str());
    assert_eq!(amended["difference"]["amount_minor"], 90_000 - 120_000);
    let o = d.view(&order).await;
    assert_ne!(o["status"], "at_dealer", "{o}");
    assert!(o["invoice"].is_null());
    let car = ok(
        d.s(),
        "GET",
        &format!("/api/v1/vehicles/{red}"),
        &d.planner,
        "",
    )
    .await;
    assert_eq!(car["status"], "free", "the red car is back in stock: {car}");
    d.rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_the_handover_invoices_the_car_at_the_dealer_and_ends_amending_and_refunds() {
    let d = Desk::open().await;
    d.stock("D-BER-01").await;
    let order = d.order(&d.berlin).await;
    d.advance(2).await;
    let book = format!("/api/v1/orders/{order}/handover-appointment");
    ok(
        d.s(),
        "POST",
        &book,
        &d.berlin,
        r#"{"at":"2026-11-27T10:00:00Z"}"#,
    )
    .await;
    let o = d.view(&order).await;
    assert_eq!(o["invoice"]["number"], "DE-2026-000001", "{o}");
    let invoice = ok(
        d.s(),
        "GET",
        "/api/v1/invoices/DE-2026-000001",
        &d.finance,
        "",
    )
    .await;
    assert_eq!(
        invoice["issued_on"], "2026-11-25",
        "dated the booking: {invoice}"
    );

    let amend = format!("/api/v1/orders/{order}/amend");
    let r = call(
        d.s(),
        "POST",
        &amend,
        Some(&d.berlin),
        Some(r#"{"options":["PNT-BLK"]}"#),
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "amend_after_handover_booked");

    let cancelled = d.cancel(&order, &d.berlin).await;
    assert_eq!(
        refunded_and_forfeited(&cancelled),
        (0, 100_000),
        "{cancelled}"
    );
    assert!(cancelled["credit_note"].is_string(), "{cancelled}");
    d.rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_de_online_stock_order_is_withdrawn_with_a_full_refund_within_14_days() {
    let d = Desk::open().await;
    let car = d.stock("D-HAM-01").await;
    let customer = token(Role::Customer, "C-1001");
    let order = d.order(&customer).await;
    let dispatch = format!("/api/v1/vehicles/{car}/dispatch");
    ok(d.s(), "POST", &dispatch, &d.planner, "{}").await;
    d.advance(3).await;
    ok(
        d.s(),
        "POST",
        &format!("/api/v1/vehicles/{car}/arrive"),
        &d.planner,
        "",
    )
    .await;
    let o = d.view(&order).await;
    assert_eq!(o["invoice"]["number"], "DE-2026-000001", "{o}");
    d.advance(11).await;

    let cancelled = d.cancel(&order, &customer).await;
    assert_eq!(
        refunded_and_forfeited(&cancelled),
        (100_000, 0),
        "{cancelled}"
    );
    assert!(cancelled["credit_note"].is_string(), "{cancelled}");
    d.rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_showroom_stock_order_brought_to_the_dealer_forfeits_its_deposit() {
    let d = Desk::open().await;
    let car = d.stock("D-HAM-01").await;
    let order = d.order(&d.berlin).await;
    let dispatch = format!("/api/v1/vehicles/{car}/dispatch");
    ok(d.s(), "POST", &dispatch, &d.planner, "{}").await;
    d.advance(1).await;

    let cancelled = d.cancel(&order, &d.berlin).await;
    assert_eq!(
        refunded_and_forfeited(&cancelled),
        (0, 100_000),
        "{cancelled}"
    );
    d.rt.shutdown().await;
}
