//! Account e-mails end to end against a real local SMTP receiver (aiosmtpd): the
//! verification mail of a sign-up carries a link that verifies; a password reset's mail
//! carries a link that sets a new password once (the old one refused, the new one
//! accepted, the link dead afterwards); an unknown address gets the same 202 and no mail;
//! staff reset their passwords too; and no token is ever in the event log.

#![allow(clippy::unwrap_used)]

#[path = "support/receivers.rs"]
mod receivers;
mod support;

use std::sync::Arc;
use std::time::Duration;

use api::auth::{AuthKeys, Role};
use api::runtime::{OutboxParts, PeopleParts, Runtime};
use app::outbox::SenderOptions;
use channels::config::{SmtpSettings, WebhookSettings, DEFAULT_FROM};
use channels::ChannelsConfig;
use chrono::NaiveDate;
use receivers::{until, Sink};
use serde_json::{json, Value};
use support::*;

const WAIT: Duration = Duration::from_secs(20);

async fn engine(sink: &Sink) -> Runtime {
    let mut smtp =
        SmtpSettings::new(&format!("smtp://127.0.0.1:{}", sink.port), DEFAULT_FROM).unwrap();
    smtp.timeout = Duration::from_secs(2);
    let outbox = OutboxParts {
        channels: ChannelsConfig {
            smtp: Some(smtp),
            webhooks: WebhookSettings::default(),
        },
        sender: SenderOptions {
            tick: Duration::from_millis(50),
            ..SenderOptions::default()
        },
        send: true,
        public_url: "https://orders.example.com/".parse().unwrap(),
    };
    Runtime::start(
        Arc::new(store::MemoryStore::new()),
        Arc::new(projections::MemoryReadModels::new()),
        Arc::new(domain::catalog::Catalog::demo()),
        app::Clock::simulated(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
        AuthKeys::from_secret(SECRET),
        0,
        projections::RunnerOptions::default(),
        PeopleParts::for_tests(),
        outbox,
        api::runtime::Duties::All,
    )
    .await
    .unwrap()
}

/// Waits for the `n`th mail to `to` and returns it.
async fn nth_mail(sink: &Sink, to: &str, n: usize) -> Value {
    until(WAIT, &format!("mail {n} to {to}"), || {
        sink.mails_to(to).len() >= n
    })
    .await;
    sink.mails_to(to)[n - 1].clone()
}

/// The token of the link in a mail's text part under `page` (`/verify-email`, …), checking
/// the HTML part carries the same link.
fn token_in(mail: &Value, page: &str) -> String {
    let text = mail["parts"]["text/plain"].as_str().unwrap();
    let prefix = format!("https://orders.example.com{page}?code=");
    let start = text.find(&prefix).unwrap_or_else(|| panic!("{text}")) + prefix.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    assert!(token.len() > 40, "{token}");
    let html = mail["parts"]["text/html"].as_str().unwrap();
    assert!(html.contains(&token), "{html}");
    token
}

async fn post(s: &api::AppState, uri: &str, body: Value) -> Reply {
    call(s, "POST", uri, None, Some(&body.to_string())).await
}

async fn sign_in(s: &api::AppState, email: &str, password: &str) -> u16 {
    post(
        s,
        "/api/v1/sessions",
        json!({"email": email, "password": password}),
    )
    .await
    .status
    .as_u16()
}

/// Every event in the log, as its stream, type and payload text.
async fn log_text(rt: &Runtime) -> String {
    let events = rt
        .state
        .executor
        .store()
        .read_all(store::Position::START, 100_000)
        .await
        .unwrap();
    events
        .iter()
        .map(|e| format!("{} {} {}\n", e.stream_id, e.event_type, e.payload.as_str()))
        .collect()
}

#[tokio::test]
async fn a_sign_up_is_mailed_a_link_that_verifies_and_a_reset_link_works_once() {
    let Some(sink) = Sink::start() else { return };
    let rt = engine(&sink).await;
    let s = rt.state.clone();
    let email = "erika.reset@example.de";

    let r = post(
        &s,
        "/api/v1/customers",
        json!({"name": "Erika Mustermann", "email": email, "language": "de",
               "market": "DE", "password": "first password 1"}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let customer = r.json["customer_id"].as_str().unwrap().to_owned();

    // The verification mail, in German, with a link that verifies.
    let mail = nth_mail(&sink, email, 1).await;
    assert_eq!(mail["content_language"], "de");
    assert_eq!(mail["subject"], "Bitte bestätigen Sie Ihre E-Mail-Adresse");
    let verify = token_in(&mail, "/verify-email");
    let r = post(&s, "/api/v1/customers/verify", json!({"token": verify})).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["customer_id"], customer.as_str());

    // Verified: asking again sends nothing more (the customer asks as itself).
    let me = token(Role::Customer, &customer);
    let r = call(
        &s,
        "POST",
        "/api/v1/customers/verify/resend",
        Some(&me),
        None,
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json);

    // A reset: 202, a mail, a new password set once.
    let r = post(&s, "/api/v1/password-resets", json!({"email": email})).await;
    assert_eq!(r.status, 202, "{:?}", r.json);
    assert_eq!(r.json["accepted"], true);
    let mail = nth_mail(&sink, email, 2).await;
    assert_eq!(mail["subject"], "Ihr Link zum Zurücksetzen des Passworts");
    let reset = token_in(&mail, "/reset-password");
    let confirm = json!({"token": reset, "password": "second password 2"});
    let r = post(&s, "/api/v1/password-resets/confirm", confirm.clone()).await;
    assert_eq!(r.status, 204, "{:?}", r.json);
    assert_eq!(sign_in(&s, email, "first password 1").await, 401);
    assert_eq!(sign_in(&s, email, "second password 2").await, 200);

    // The link works once.
    let r = post(&s, "/api/v1/password-resets/confirm", confirm).await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "invalid_password_reset");
    let r = post(
        &s,
        "/api/v1/password-resets/confirm",
        json!({"token": "not.a.token", "password": "third password 3"}),
    )
    .await;
    assert_problem(&r, 422);
    assert_eq!(r.json["errors"][0]["rule"], "invalid_password_reset");
    assert_eq!(sign_in(&s, email, "second password 2").await, 200);

    // No token is in the log: the requests are, the links are not.
    let log = log_text(&rt).await;
    assert!(
        log.contains("CustomerPasswordResetRequested"),
        "the scan reads the log"
    );
    assert!(
        log.contains("account.password_reset"),
        "the scan reads the messages"
    );
    for token in [&verify, &reset] {
        for part in token.split('.') {
            assert!(!log.contains(part), "a token's part {part} is in the log");
        }
    }
    assert!(!log.contains("code="));
    assert_eq!(
        sink.mails_to(email).len(),
        2,
        "verified: no second verification mail"
    );
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_nothing_happens() {
    let Some(sink) = Sink::start() else { return };
    let rt = engine(&sink).await;
    let s = rt.state.clone();
    settle(&rt).await;
    let head = s.executor.store().head().await.unwrap();
    for email in ["nobody.here@example.de", "not an address"] {
        let r = post(&s, "/api/v1/password-resets", json!({"email": email})).await;
        assert_eq!(r.status, 202, "{:?}", r.json);
        assert_eq!(r.json, json!({"accepted": true}));
    }
    assert_eq!(
        s.executor.store().head().await.unwrap(),
        head,
        "nothing recorded"
    );
    // Throttled per address like sign-ins, known or not.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = post(
            &s,
            "/api/v1/password-resets",
            json!({"email": "flood@example.de"}),
        )
        .await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(statuses, [202, 202, 202, 202, 202, 429]);
    assert!(sink.mails().is_empty());
}

#[tokio::test]
async fn staff_reset_their_password_by_mail_in_their_language() {
    let Some(sink) = Sink::start() else { return };
    let rt = engine(&sink).await;
    let s = rt.state.clone();
    let admin = token(Role::Admin, "root");
    for (email, body) in [
        (
            "planner.reset@otd.example",
            json!({"email": "planner.reset@otd.example", "name": "Pat Plan",
                   "role": "planner", "password": "planner password"}),
        ),
        (
            "dealer.reset@otd.example",
            json!({"email": "dealer.reset@otd.example", "name": "Dora Deal", "role": "dealer",
                   "dealer_id": "D-BER-01", "manager": false, "password": "dealer password"}),
        ),
    ] {
        let r = call(
            &s,
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
        let r = post(&s, "/api/v1/password-resets", json!({"email": email})).await;
        assert_eq!(r.status, 202);
        let mail = nth_mail(&sink, email, 1).await;
        let reset = token_in(&mail, "/reset-password");
        let r = post(
            &s,
            "/api/v1/password-resets/confirm",
            json!({"token": reset, "password": "a new staff password"}),
        )
        .await;
        assert_eq!(r.status, 204, "{:?}", r.json);
        assert_eq!(sign_in(&s, email, "a new staff password").await, 200);
    }
    // A planner reads English, a Berlin dealer German.
    assert_eq!(
        sink.mails_to("planner.reset@otd.example")[0]["content_language"],
        "en"
    );
    assert_eq!(
        sink.mails_to("dealer.reset@otd.example")[0]["content_language"],
        "de"
    );
}
