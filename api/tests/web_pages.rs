//! The web UI's pages and assets, driven with oneshot: every page renders
//! with its security headers, assets carry their content types and cache
//! headers, and no page carries private data, with or without a token in
//! its address (the browser tests in `tests/browser/` drive the pages in
//! Chromium).

#![allow(clippy::unwrap_used)]

mod support;

use api::auth::Role;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use support::*;
use tower::ServiceExt;

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn get(state: &api::AppState, uri: &str, headers: &[(&str, &str)]) -> Page {
    let mut req = Request::builder().method("GET").uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = api::app(state.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn header<'a>(page: &'a Page, name: &str) -> &'a str {
    page.headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

/// The asset version the pages link, from `/static/app.css?v=…`.
fn version(html: &str) -> String {
    let start = html.find("/static/app.css?v=").unwrap() + "/static/app.css?v=".len();
    html[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

const PAGES: &[&str] = &[
    "/",
    "/sign-in",
    "/configurator",
    "/orders",
    "/orders/0195f0a4-1c2b-7d3e-8f40-1a2b3c4d5e6f",
    "/dealer",
    "/planner",
    "/finance",
    "/leads",
    "/leads/0195f0a4-1c2b-7d3e-8f40-1a2b3c4d5e6f",
    "/test-drives",
];

#[tokio::test]
async fn every_page_renders_with_its_security_headers() {
    let rt = sim().await;
    for uri in PAGES {
        let page = get(&rt.state, uri, &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
        let csp = header(&page, "content-security-policy");
        assert!(csp.contains("script-src 'self'"), "{uri}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{uri}: {csp}");
        assert_eq!(header(&page, "referrer-policy"), "no-referrer");
        assert_eq!(header(&page, "x-content-type-options"), "nosniff");
        assert!(page.body.starts_with("<!doctype html>"), "{uri}");
        assert!(page.body.contains("<html lang=\"en\">"));
        assert!(page.body.contains("<meta name=\"viewport\""));
        assert!(page.body.contains("<h1>"), "{uri}");
        assert!(page.body.contains("/static/app.js?v="), "{uri}");
        assert!(!page.body.contains("<script>"), "{uri}: no inline script");
    }
}

#[tokio::test]
async fn the_configurator_is_rendered_from_the_catalog_with_labelled_options() {
    let rt = sim().await;
    let page = get(&rt.state, "/configurator", &[]).await;
    for code in ["PNT-RED", "WHL-20", "INT-LEATHER", "PKG-SPORT", "PKG-TOW"] {
        let input = format!("id=\"cfg-opt-{code}\"");
        let label = format!("for=\"cfg-opt-{code}\"");
        assert!(page.body.contains(&input), "{code} has an input");
        assert!(page.body.contains(&label), "{code} has a label");
    }
    assert!(page.body.contains("type=\"radio\" id=\"cfg-opt-PNT-RED\""));
    assert!(page
        .body
        .contains("type=\"checkbox\" id=\"cfg-opt-PKG-TOW\""));
    assert!(page.body.contains("TERRA only"));
    assert!(page.body.contains("requires WHL-20"));
    assert!(page.body.contains("value=\"D-BER-01\""));
    // Labels may carry `data-i18n` (translated on the customer pages).
    assert!(page.body.contains("<label for=\"cfg-market\""));
}

#[tokio::test]
async fn a_malformed_order_number_is_an_html_404_and_unknown_api_routes_stay_problems() {
    let rt = sim().await;
    let page = get(&rt.state, "/orders/not-an-order", &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert!(page.body.contains("is not an order number"));
    assert!(!page.body.contains("<script>"));

    let api = call(&rt.state, "GET", "/api/v1/no-such-thing", None, None).await;
    assert_problem(&api, 404);
    let api = call(&rt.state, "GET", "/no-such-page", None, None).await;
    assert_problem(&api, 404);
}

#[tokio::test]
async fn static_assets_have_their_content_types_and_cache_headers() {
    let rt = sim().await;
    let v = version(&get(&rt.state, "/", &[]).await.body);
    assert_eq!(v.len(), 16);
    for (name, content_type) in [
        ("app.css", "text/css; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("scroll-regions.js", "text/javascript; charset=utf-8"),
        ("index.js", "text/javascript; charset=utf-8"),
        ("configurator.js", "text/javascript; charset=utf-8"),
        ("tracker.js", "text/javascript; charset=utf-8"),
        ("dealer.js", "text/javascript; charset=utf-8"),
        ("dealer-customers.js", "text/javascript; charset=utf-8"),
        ("customer.js", "text/javascript; charset=utf-8"),
        ("planner.js", "text/javascript; charset=utf-8"),
        ("finance.js", "text/javascript; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ] {
        let versioned = get(&rt.state, &format!("/static/{name}?v={v}"), &[]).await;
        assert_eq!(versioned.status, StatusCode::OK, "{name}");
        assert_eq!(header(&versioned, "content-type"), content_type, "{name}");
        assert_eq!(
            header(&versioned, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert!(!versioned.body.is_empty());

        let other = get(&rt.state, &format!("/static/{name}?v=old"), &[]).await;
        assert_eq!(header(&other, "cache-control"), "no-cache", "{name}");
        let etag = header(&other, "etag").to_owned();
        assert!(etag.starts_with('"'), "{name}: {etag}");
        let again = get(
            &rt.state,
            &format!("/static/{name}"),
            &[("if-none-match", &etag)],
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{name}");
        assert!(again.body.is_empty());
    }
    let missing = get(&rt.state, "/static/secret.txt", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(header(&missing, "content-type"), "application/problem+json");
    let traversal = get(&rt.state, "/static/..%2FCargo.toml", &[]).await;
    assert_eq!(traversal.status, StatusCode::NOT_FOUND);
    let favicon = get(&rt.state, "/favicon.ico", &[]).await;
    assert_eq!(favicon.status, StatusCode::MOVED_PERMANENTLY);
    assert!(header(&favicon, "location").starts_with("/static/icon.svg?v="));
}

#[tokio::test]
async fn no_page_carries_private_data_with_or_without_a_token() {
    let rt = sim().await;
    let customer = token(Role::Customer, "C-1001");
    let placed = call(
        &rt.state,
        "POST",
        "/api/v1/orders",
        Some(&customer),
        Some(r#"{"market":"DE","model":"AURA","options":["PNT-RED"],"dealer_id":"D-BER-01"}"#),
    )
    .await;
    assert_eq!(placed.status, 201, "{:?}", placed.json);
    let order = placed.json["order_id"].as_str().unwrap().to_owned();
    settle(&rt).await;

    let tracker = format!("/orders/{order}");
    let mut uris: Vec<String> = PAGES.iter().map(|p| (*p).to_owned()).collect();
    uris.push(tracker.clone());
    for role_token in [None, Some(customer.as_str())] {
        for uri in &uris {
            let with_token = match role_token {
                Some(t) => format!("{uri}?token={t}"),
                None => uri.clone(),
            };
            let mut headers = Vec::new();
            let bearer = role_token.map(|t| format!("Bearer {t}"));
            if let Some(b) = bearer.as_deref() {
                headers.push(("authorization", b));
            }
            let page = get(&rt.state, &with_token, &headers).await;
            assert_eq!(page.status, StatusCode::OK, "{with_token}");
            let body = &page.body;
            assert!(!body.contains("C-1001"), "{uri}: a customer id");
            assert!(!body.contains("€"), "{uri}: a price");
            assert!(!body.contains("4290000"), "{uri}: a price");
            if uri != &tracker {
                assert!(!body.contains(&order), "{uri}: the order id");
            }
            if let Some(t) = role_token {
                assert!(!body.contains(t), "{uri}: the token is never echoed");
            }
        }
    }
    // The tracker's shell names the order it will ask the API for; the
    // loop above shows it carries nothing else of it.
    let page = get(&rt.state, &tracker, &[]).await;
    assert!(page.body.contains(&format!("data-order=\"{order}\"")));
}

#[tokio::test]
async fn the_api_behind_the_pages_still_refuses_callers_without_a_token() {
    let rt = sim().await;
    for uri in [
        "/api/v1/orders",
        "/api/v1/dealers/D-BER-01/board",
        "/api/v1/stock/summary",
        "/api/v1/invoices",
        "/api/v1/vehicles",
    ] {
        let r = call(&rt.state, "GET", uri, None, None).await;
        assert_problem(&r, 401);
    }
    let dealer = token(Role::Dealer, "D-BER-01");
    let r = call(
        &rt.state,
        "GET",
        "/api/v1/dealers/D-MUC-01/board",
        Some(&dealer),
        None,
    )
    .await;
    assert_problem(&r, 403);
}

#[tokio::test]
async fn the_sign_in_page_has_labelled_fields_and_a_single_error_region() {
    let rt = sim().await;
    let page = get(&rt.state, "/sign-in", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    for id in ["account-email", "account-password"] {
        assert!(page.body.contains(&format!("<label for=\"{id}\"")), "{id}");
        assert!(page.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(page.body.contains("autocomplete=\"current-password\""));
    assert_eq!(page.body.matches("id=\"account-error\"").count(), 1);
    assert!(page.body.contains("role=\"alert\""));
    assert!(page.body.contains("/static/sign-in.js?v="));
    assert!(
        page.body.contains("href=\"/sign-in\""),
        "the header links to it"
    );
}

#[tokio::test]
async fn the_people_forms_are_labelled_and_the_360_actions_wait_for_the_script() {
    let rt = sim().await;
    let dealer = get(&rt.state, "/dealer", &[]).await;
    assert_eq!(dealer.status, StatusCode::OK);
    for id in [
        "dc-q",
        "dc-name",
        "dc-email",
        "dc-phone",
        "dc-language",
        "dc-market",
    ] {
        assert!(
            dealer.body.contains(&format!("<label for=\"{id}\">")),
            "{id}"
        );
        assert!(dealer.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(dealer.body.contains("/static/dealer-customers.js?v="));
    assert!(dealer.body.contains("value=\"DE\""), "the markets");

    let customer = get(&rt.state, "/customers/C-1001", &[]).await;
    assert_eq!(customer.status, StatusCode::OK);
    for id in [
        "cu-edit-name",
        "cu-edit-email",
        "cu-edit-phone",
        "cu-edit-language",
        "cu-merge-id",
    ] {
        assert!(
            customer.body.contains(&format!("<label for=\"{id}\"")),
            "{id}"
        );
    }
    // Nothing is offered before the script knows who signed in (the API decides anyway).
    for card in [
        "cu-manage",
        "cu-edit-card",
        "cu-merge-card",
        "cu-privacy-card",
    ] {
        let at = customer.body.find(&format!("id=\"{card}\"")).unwrap();
        let tag = &customer.body[at..at + customer.body[at..].find('>').unwrap()];
        assert!(tag.contains(" hidden"), "{card} starts hidden: {tag}");
    }
    assert!(customer.body.contains("<dialog id=\"cu-erase-dialog\""));
    assert!(customer.body.contains("until their legal retention ends"));
}

#[tokio::test]
async fn a_customer_page_carries_its_number_and_nothing_of_the_person() {
    let rt = sim().await;
    let dealer = token(Role::Dealer, "D-BER-01");
    let registered = call(
        &rt.state,
        "POST",
        "/api/v1/customers",
        Some(&dealer),
        Some(r#"{"name":"Hanna Privat","email":"hanna.privat@example.de","phone":"+49 30 5550888","language":"de","market":"DE"}"#),
    )
    .await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{:?}",
        registered.json
    );
    let id = registered.json["customer_id"].as_str().unwrap().to_owned();
    settle(&rt).await;
    let bearer = format!("Bearer {dealer}");
    let page = get(
        &rt.state,
        &format!("/customers/{id}"),
        &[("authorization", bearer.as_str())],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("data-customer=\"{id}\"")));
    for private in ["Hanna", "Privat", "hanna.privat", "5550888"] {
        assert!(!page.body.contains(private), "{private} is not in the page");
    }
}

#[tokio::test]
async fn the_lead_and_test_drive_pages_are_labelled_and_a_malformed_lead_number_is_a_404() {
    let rt = sim().await;
    let leads = get(&rt.state, "/leads", &[]).await;
    assert_eq!(leads.status, StatusCode::OK);
    for field in [
        "ln-name",
        "ln-email",
        "ln-phone",
        "ln-model",
        "ln-source",
        "ln-grade",
        "ln-note",
        "ld-grade",
        "kp-from",
        "kp-to",
    ] {
        assert!(
            leads.body.contains(&format!("for=\"{field}\"")),
            "/leads: no label for {field}"
        );
    }
    assert!(
        leads.body.contains("href=\"/test-drives\""),
        "the navigation links the calendar"
    );
    let lead = get(
        &rt.state,
        "/leads/0195f0a4-1c2b-7d3e-8f40-1a2b3c4d5e6f",
        &[],
    )
    .await;
    for field in ["lc-channel", "lc-note", "lc-grade", "ll-reason"] {
        assert!(
            lead.body.contains(&format!("for=\"{field}\"")),
            "/leads/{{id}}: no label for {field}"
        );
    }
    assert!(lead
        .body
        .contains("data-lead=\"0195f0a4-1c2b-7d3e-8f40-1a2b3c4d5e6f\""));
    let bad = get(&rt.state, "/leads/not-a-lead", &[]).await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    assert!(bad.body.contains("not a lead number"));
    let calendar = get(&rt.state, "/test-drives", &[]).await;
    assert!(calendar.body.contains("for=\"td-date\"") && calendar.body.contains("for=\"tb-q\""));
    let configurator = get(&rt.state, "/configurator", &[]).await;
    assert!(
        configurator.body.contains("for=\"tdb-dealer\"")
            && configurator.body.contains("for=\"tdb-date\"")
    );
    // The shared script comes before the page's own.
    let crm = configurator.body.find("/static/crm.js").unwrap();
    let page = configurator.body.find("/static/configurator.js").unwrap();
    assert!(crm < page, "crm.js loads before the page's script");
}
