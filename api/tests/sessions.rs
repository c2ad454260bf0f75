//! Signing in and out: the session cookie and its flags, one answer for a
//! wrong password and an unknown e-mail, the throttle, CSRF on cookie writes,
//! revocation, expiry, the admin role, and password hashing that never holds
//! up the runtime.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::auth::{AuthKeys, Claims, Identity, Role};
use api::session::SignIn;
use api::AppState;
use app::accounts::{MemoryAccounts, Password, PasswordCost, PasswordPool, SignInRecord};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::IntoResponse;
use domain::values::{Email, UserId};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use support::{sim, token, SECRET};

const CHEAP: PasswordCost = PasswordCost {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};
const PASSWORD: &str = "correct horse battery";

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    json: Value,
}

impl Reply {
    fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    fn cookie(&self, name: &str) -> String {
        self.cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} cookie in {:?}", self.cookies()))
    }

    /// The value a browser would send back for cookie `name`.
    fn cookie_value(&self, name: &str) -> String {
        let line = self.cookie(name);
        let pair = line.split(';').next().unwrap();
        pair.split_once('=').unwrap().1.to_owned()
    }
}

async fn send(
    state: &AppState,
    method: &str,
    uri: &str,
    headers: &[(&str, String)],
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = api::app(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

async fn sign_in(state: &AppState, email: &str, password: &str) -> Reply {
    send(
        state,
        "POST",
        "/api/v1/sessions",
        &[],
        Some(json!({"email": email, "password": password})),
    )
    .await
}

/// A signed-in browser: its cookies and its CSRF token.
fn browser(reply: &Reply) -> (String, String) {
    let session = reply.cookie_value("otd_session");
    let csrf = reply.cookie_value("otd_csrf");
    (format!("otd_session={session}; otd_csrf={csrf}"), csrf)
}

/// An engine whose accounts hold a planner, an unverified customer, a
/// dealer's manager and an inactive customer, all with [`PASSWORD`].
async fn engine_with_accounts(cost: PasswordCost) -> (api::runtime::Runtime, AppState) {
    let mut rt = sim().await;
    let pool = PasswordPool::with_cost(1, 64, cost);
    let hash = pool.hash(Password::parse(PASSWORD).unwrap()).await.unwrap();
    let accounts = MemoryAccounts::new();
    let people = [
        (
            "pia@otd.example",
            Identity::of(Role::Planner, "planner"),
            true,
        ),
        (
            "anna@example.de",
            Identity::of(Role::Customer, "C-1001"),
            true,
        ),
        (
            "max@dealer.example",
            Identity {
                role: Role::Dealer,
                sub: "D-BER-01".into(),
                user: Some(UserId::parse("U-MAX1").unwrap()),
                manager: true,
            },
            true,
        ),
        (
            "gone@example.de",
            Identity::of(Role::Customer, "C-1002"),
            false,
        ),
    ];
    for (email, identity, active) in people {
        accounts.insert(
            Email::parse(email).unwrap(),
            SignInRecord {
                identity,
                password_hash: hash.clone(),
                verified: false,
                active,
            },
        );
    }
    rt.state.sign_in = SignIn::new(Arc::new(accounts), pool);
    let state = rt.state.clone();
    (rt, state)
}

#[tokio::test]
async fn signing_in_answers_a_token_and_sets_the_session_cookies() {
    let (_rt, state) = engine_with_accounts(CHEAP).await;
    // An unverified customer can sign in; the address is read case-folded.
    let reply = sign_in(&state, " Max@Dealer.example ", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.json);
    assert_eq!(reply.json["role"], "dealer");
    assert_eq!(reply.json["sub"], "D-BER-01");
    assert_eq!(reply.json["user"], "U-MAX1");
    assert_eq!(reply.json["manager"], true);
    assert!(reply.json["expires_at"].as_str().unwrap().ends_with('Z'));
    let caller = AuthKeys::from_secret(SECRET)
        .verify(reply.json["token"].as_str().unwrap())
        .unwrap();
    assert!(caller.manager && caller.user.is_some());

    let session = reply.cookie("otd_session");
    for flag in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
        "Max-Age=28800",
        "Secure",
    ] {
        assert!(session.contains(flag), "{flag} missing in {session}");
    }
    assert_eq!(reply.cookie_value("otd_session"), reply.json["token"]);
    let csrf = reply.cookie("otd_csrf");
    assert!(!csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"));
    assert_eq!(reply.headers["cache-control"], "no-store");

    let customer = sign_in(&state, "anna@example.de", PASSWORD).await;
    assert_eq!(customer.status, StatusCode::OK);
    assert!(customer.json.get("user").is_none());
    assert_eq!(customer.json["manager"], false);
}

#[tokio::test]
async fn cookies_are_not_secure_when_the_setting_says_so() {
    let (mut rt, _) = engine_with_accounts(CHEAP).await;
    rt.state.sign_in.cookie_secure = false;
    let reply = sign_in(&rt.state, "pia@otd.example", PASSWORD).await;
    assert!(reply.cookies().iter().all(|c| !c.contains("Secure")));
}

#[tokio::test]
async fn a_wrong_password_an_unknown_email_and_an_inactive_account_get_one_answer() {
    let (_rt, state) = engine_with_accounts(CHEAP).await;
    let wrong = sign_in(&state, "anna@example.de", "not her password").await;
    let unknown = sign_in(&state, "nobody@example.de", PASSWORD).await;
    let inactive = sign_in(&state, "gone@example.de", PASSWORD).await;
    let short = sign_in(&state, "anna@example.de", "short").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json["errors"][0]["rule"], "invalid_credentials");
    assert_eq!(wrong.json, unknown.json);
    assert_eq!(wrong.json, inactive.json);
    assert_eq!(wrong.json, short.json);
    assert!(wrong.headers.get("set-cookie").is_none());
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_sixth_failure_in_a_row_is_turned_away_until_the_window_passes() {
    let (_rt, state) = engine_with_accounts(CHEAP).await;
    for _ in 0..5 {
        let reply = sign_in(&state, "anna@example.de", "not her password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now.
    let sixth = sign_in(&state, "ANNA@example.de", PASSWORD).await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = sixth.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=901).contains(&wait), "{wait}");
    // Another address is not affected.
    assert_eq!(
        sign_in(&state, "pia@otd.example", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_cookie_write_needs_the_csrf_token_of_its_session_and_a_bearer_write_none() {
    let (_rt, state) = engine_with_accounts(CHEAP).await;
    let signed_in = sign_in(&state, "pia@otd.example", PASSWORD).await;
    let (cookie, csrf) = browser(&signed_in);
    let advance = || Some(json!({"days": 1}));

    // Reads need no CSRF token.
    let read = send(
        &state,
        "GET",
        "/api/v1/stock/summary",
        &[("cookie", cookie.clone())],
        None,
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.json);

    let missing = send(
        &state,
        "POST",
        "/api/v1/clock/advance",
        &[("cookie", cookie.clone())],
        advance(),
    )
    .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert_eq!(missing.json["type"], "/problems/csrf");
    assert_eq!(missing.json["errors"][0]["rule"], "csrf");

    // A token made up by the client (and set as both cookie and header) is refused.
    let forged = "ab".repeat(32);
    let session = signed_in.cookie_value("otd_session");
    let forged_cookie = format!("otd_session={session}; otd_csrf={forged}");
    let wrong = send(
        &state,
        "POST",
        "/api/v1/clock/advance",
        &[("cookie", forged_cookie), ("x-csrf-token", forged)],
        advance(),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);

    // Another session's token is refused too.
    let other = sign_in(&state, "pia@otd.example", PASSWORD).await;
    let (_, other_csrf) = browser(&other);
    let crossed = send(
        &state,
        "POST",
        "/api/v1/clock/advance",
        &[("cookie", cookie.clone()), ("x-csrf-token", other_csrf)],
        advance(),
    )
    .await;
    assert_eq!(crossed.status, StatusCode::FORBIDDEN);

    let ok = send(
        &state,
        "POST",
        "/api/v1/clock/advance",
        &[("cookie", cookie), ("x-csrf-token", csrf)],
        advance(),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.json);

    let bearer = format!("Bearer {}", signed_in.json["token"].as_str().unwrap());
    let by_bearer = send(
        &state,
        "POST",
        "/api/v1/clock/advance",
        &[("authorization", bearer)],
        advance(),
    )
    .await;
    assert_eq!(by_bearer.status, StatusCode::OK, "{:?}", by_bearer.json);
}

#[tokio::test]
async fn signing_out_clears_the_cookies_and_ends_the_session_everywhere() {
    let (_rt, state) = engine_with_accounts(CHEAP).await;
    let signed_in = sign_in(&state, "pia@otd.example", PASSWORD).await;
    let (cookie, csrf) = browser(&signed_in);
    let bearer = format!("Bearer {}", signed_in.json["token"].as_str().unwrap());

    let without_csrf = send(
        &state,
        "DELETE",
        "/api/v1/sessions",
        &[("cookie", cookie.clone())],
        None,
    )
    .await;
    assert_eq!(without_csrf.status, StatusCode::FORBIDDEN);

    let out = send(
        &state,
        "DELETE",
        "/api/v1/sessions",
        &[("cookie", cookie.clone()), ("x-csrf-token", csrf)],
        None,
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.cookie("otd_session").contains("Max-Age=0"));
    assert!(out.cookie("otd_csrf").contains("Max-Age=0"));

    let by_cookie = send(
        &state,
        "GET",
        "/api/v1/stock/summary",
        &[("cookie", cookie)],
        None,
    )
    .await;
    assert_eq!(by_cookie.status, StatusCode::UNAUTHORIZED);
    let by_bearer = send(
        &state,
        "GET",
        "/api/v1/stock/summary",
        &[("authorization", bearer)],
        None,
    )
    .await;
    assert_eq!(by_bearer.status, StatusCode::UNAUTHORIZED);
    // A new sign-in works.
    assert_eq!(
        sign_in(&state, "pia@otd.example", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_expired_session_cookie_is_unauthorized() {
    let (_rt, state) = engine_with_accounts(CHEAP).await;
    let claims = Claims {
        sub: "planner".into(),
        role: Role::Planner,
        exp: chrono::Utc::now().timestamp() - 5,
        iat: 0,
        user: None,
        manager: false,
        jti: Some("expired-session".into()),
    };
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    let reply = send(
        &state,
        "GET",
        "/api/v1/stock/summary",
        &[("cookie", format!("otd_session={expired}"))],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admin_token_is_refused_on_the_order_routes() {
    let rt = sim().await;
    let admin = format!("Bearer {}", token(Role::Admin, "ops"));
    let list = send(
        &rt.state,
        "GET",
        "/api/v1/orders",
        &[("authorization", admin.clone())],
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    let place = send(
        &rt.state,
        "POST",
        "/api/v1/orders",
        &[("authorization", admin.clone())],
        Some(json!({"customer_id": "C-1001", "dealer_id": "D-BER-01", "market": "DE", "model": "AURA", "options": []})),
    )
    .await;
    assert_eq!(place.status, StatusCode::FORBIDDEN, "{:?}", place.json);
    for path in [
        "/api/v1/invoices",
        "/api/v1/vehicles",
        "/api/v1/kpis",
        "/api/v1/stock/summary",
    ] {
        let reply = send(
            &rt.state,
            "GET",
            path,
            &[("authorization", admin.clone())],
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }
}

#[test]
fn a_busy_password_pool_is_a_503_with_retry_after() {
    let response = api::problem::ApiError::from(app::accounts::PasswordError::Busy).into_response();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
}

/// One runtime thread: if hashing ran on it, nothing else could answer
/// while sign-ins are checked.
#[tokio::test(flavor = "current_thread")]
async fn hashing_never_holds_up_the_runtime() {
    let (_rt, state) = engine_with_accounts(PasswordCost::OWASP).await;
    let done = Arc::new(AtomicUsize::new(0));
    let attempts = 4;
    let mut sign_ins = Vec::new();
    for _ in 0..attempts {
        let (state, done) = (state.clone(), done.clone());
        sign_ins.push(tokio::spawn(async move {
            let reply = sign_in(&state, "nobody@example.de", PASSWORD).await;
            done.fetch_add(1, Ordering::SeqCst);
            reply.status
        }));
    }
    // While they are checked one by one on the pool's thread, a cheap
    // route keeps answering at once.
    let mut answered_while_hashing = 0;
    while done.load(Ordering::SeqCst) < attempts {
        let started = Instant::now();
        let health = send(&state, "GET", "/healthz", &[], None).await;
        assert_eq!(health.status, StatusCode::OK);
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "{:?}",
            started.elapsed()
        );
        if done.load(Ordering::SeqCst) < attempts {
            answered_while_hashing += 1;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(answered_while_hashing > 2, "{answered_while_hashing}");
    for sign_in in sign_ins {
        assert_eq!(sign_in.await.unwrap(), StatusCode::UNAUTHORIZED);
    }
}
