//! The outbox end to end, against real local receivers (aiosmtpd for e-mail, an HTTP
//! receiver verifying Standard Webhooks signatures): every kind decided from its event and
//! delivered on both channels in the recipient's language, retries and dead letters, the
//! replay of a dead letter, an endpoint gone (410), a crash between sending and recording
//! (the same id redelivered), no message on a rebuild, and the routes.

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
use channels::retry::RetryPolicy;
use channels::ChannelsConfig;
use chrono::NaiveDate;
use domain::message::{Message, MessageStatus};
use domain::streams::Aggregate;
use domain::values::{CustomerId, Language, MessageId};
use receivers::{until, Receiver, Sink};
use serde_json::{json, Value};
use support::*;

const WAIT: Duration = Duration::from_secs(20);

/// Retries at once, three attempts: a dead letter in a moment.
fn quick() -> SenderOptions {
    SenderOptions {
        policy: RetryPolicy {
            base: Duration::ZERO,
            cap: Duration::ZERO,
            max_attempts: 3,
            max_retry_after: Duration::ZERO,
        },
        concurrency: 4,
        batch: 64,
        tick: Duration::from_millis(50),
    }
}

fn parts(smtp_port: Option<u16>, send: bool) -> OutboxParts {
    OutboxParts {
        channels: ChannelsConfig {
            smtp: smtp_port.map(|port| {
                let mut settings =
                    SmtpSettings::new(&format!("smtp://127.0.0.1:{port}"), DEFAULT_FROM).unwrap();
                settings.timeout = Duration::from_secs(2);
                settings
            }),
            webhooks: WebhookSettings {
                allow_hosts: vec!["127.0.0.1".into()],
                timeout: Duration::from_secs(2),
            },
        },
        sender: quick(),
        send,
        public_url: OutboxParts::test_public_url(),
    }
}

/// An engine on `events` and `read_models` with these outbox parts, on the simulated clock
/// at 2026-11-23, the test customers registered.
async fn engine_on(
    events: Arc<dyn store::EventStore>,
    read_models: Arc<dyn projections::ReadModelStore>,
    outbox: OutboxParts,
) -> Runtime {
    let rt = Runtime::start(
        events,
        read_models,
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
    .unwrap();
    seed_customers(&rt).await;
    rt
}

async fn engine(outbox: OutboxParts) -> Runtime {
    engine_on(
        Arc::new(store::MemoryStore::new()),
        Arc::new(projections::MemoryReadModels::new()),
        outbox,
    )
    .await
}

async fn ok(
    state: &api::AppState,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<&str>,
) -> Value {
    let r = call(state, method, uri, Some(token), body).await;
    assert!(
        r.status.is_success(),
        "{method} {uri}: {} {:?}",
        r.status,
        r.json
    );
    r.json
}

fn admin() -> String {
    token(Role::Admin, "root")
}

/// Registers an endpoint for `events` at the receiver and hands it the secret.
async fn subscribe(rt: &Runtime, receiver: &Receiver, events: &[&str]) -> String {
    let body = json!({"url": receiver.url(), "events": events}).to_string();
    let r = call(
        &rt.state,
        "POST",
        "/api/v1/webhooks",
        Some(&admin()),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let secret = r.json["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    receiver.set_secret(secret);
    r.json["webhook_id"].as_str().unwrap().to_owned()
}

async fn place(state: &api::AppState, customer: &str, options: &str) -> String {
    let body =
        format!(r#"{{"market":"DE","model":"AURA","options":{options},"dealer_id":"D-BER-01"}}"#);
    ok(
        state,
        "POST",
        "/api/v1/orders",
        &token(Role::Customer, customer),
        Some(&body),
    )
    .await["order_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn advance(state: &api::AppState, body: &str) {
    ok(
        state,
        "POST",
        "/api/v1/clock/advance",
        &token(Role::Planner, "pat"),
        Some(body),
    )
    .await;
}

/// Every event of the message streams in the log.
async fn message_events(rt: &Runtime) -> usize {
    let head = rt.state.executor.store().head().await.unwrap();
    let mut count = 0;
    let mut from = store::Position::START;
    loop {
        let page = rt
            .state
            .executor
            .store()
            .read_all(from, 1000)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        from = last.position;
        count += page
            .iter()
            .filter(|e| domain::streams::category_of(e.stream_id.as_str()) == Message::CATEGORY)
            .count();
        if from >= head {
            break;
        }
    }
    count
}

const ALL_KINDS: [&str; 15] = [
    "order.confirmed",
    "order.vehicle_found",
    "order.week_booked",
    "order.vin_assigned",
    "order.eta_changed",
    "order.ready_for_handover",
    "invoice.issued",
    "payment.received",
    "handover.reminder",
    "order.delivered",
    "compensation.credited",
    "lead.created",
    "lead.response_due",
    "lead.sla_breached",
    "test_drive.booked",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_is_decided_from_its_event_and_sent_by_email_and_webhook_in_the_recipients_language(
) {
    let Some(sink) = Sink::start() else { return };
    let receiver = Receiver::start().await;
    let rt = engine(parts(Some(sink.port), true)).await;
    let s = rt.state.clone();
    let planner = token(Role::Planner, "pat");
    let finance = token(Role::Finance, "fin");
    let berlin = token(Role::Dealer, "D-BER-01");
    let webhook = subscribe(&rt, &receiver, &["*"]).await;

    // Dealer staff at Berlin: a manager and a consultant.
    for (email, name, manager) in [
        ("lena@otd.example", "Lena Vogel", true),
        ("max@otd.example", "Max Kern", false),
    ] {
        let body = json!({"email": email, "name": name, "role": "dealer",
            "dealer_id": "D-BER-01", "manager": manager, "password": "staff password 1"})
        .to_string();
        ok(&s, "POST", "/api/v1/users", &admin(), Some(&body)).await;
    }
    // C-1002 reads English.
    rt.state
        .people
        .as_ref()
        .unwrap()
        .change_profile(
            &CustomerId::parse("C-1002").unwrap(),
            app::people::ProfileChange {
                language: Some(Language::En),
                ..Default::default()
            },
            &store::Metadata::default(),
        )
        .await
        .unwrap();

    // A lead at Berlin (nobody owns it: the team hears of it), a test drive booked for it.
    ok(
        &s,
        "POST",
        "/api/v1/leads",
        &berlin,
        Some(
            r#"{"customer_id":"C-1003","dealer_id":"D-BER-01","model":"AURA","source":"showroom"}"#,
        ),
    )
    .await;
    let drive = json!({"dealer_id": "D-BER-01", "car_id": "DC-BER-01-1",
        "start": "2026-11-24T08:00:00Z", "customer_id": "C-1003"})
    .to_string();
    ok(&s, "POST", "/api/v1/test-drives", &berlin, Some(&drive)).await;
    // 90 minutes on, the answer is due in 30 minutes; 2 hours on, it is breached.
    advance(&s, r#"{"minutes": 91}"#).await;
    until(WAIT, "lead.response_due", || {
        !receiver.seen_of("lead.response_due").is_empty()
    })
    .await;
    advance(&s, r#"{"minutes": 30}"#).await;
    settle(&rt).await;
    until(WAIT, "lead.sla_breached", || {
        !receiver.seen_of("lead.sla_breached").is_empty()
    })
    .await;

    // A build for C-1002: week booked, VIN, delayed, at the dealer, invoiced, paid, reminded,
    // delivered.
    ok(
        &s,
        "PUT",
        "/api/v1/plants/P-LEIPZIG/capacity/2026-W50",
        &planner,
        Some(r#"{"units": 1}"#),
    )
    .await;
    let build = place(&s, "C-1002", r#"["PNT-RED","WHL-20"]"#).await;
    settle(&rt).await;
    advance(&s, r#"{"days": 14}"#).await;
    let builds = ok(
        &s,
        "POST",
        "/api/v1/plants/P-LEIPZIG/capacity/2026-W50/start-production",
        &planner,
        None,
    )
    .await;
    let vehicle = builds[0]["vehicle_id"].as_str().unwrap().to_owned();
    let vin = builds[0]["vin"].as_str().unwrap().to_owned();
    for step in ["complete-build", "dispatch"] {
        ok(
            &s,
            "POST",
            &format!("/api/v1/vehicles/{vehicle}/{step}"),
            &planner,
            None,
        )
        .await;
    }
    let delay = r#"{"reason":"port congestion","new_eta":"2026-12-12"}"#;
    ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/delay"),
        &planner,
        Some(delay),
    )
    .await;
    ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{vehicle}/arrive"),
        &berlin,
        None,
    )
    .await;
    settle(&rt).await;
    let o = ok(
        &s,
        "GET",
        &format!("/api/v1/orders/{build}"),
        &planner,
        None,
    )
    .await;
    let number = o["invoice"]["number"].as_str().unwrap().to_owned();
    let due = o["invoice"]["amount_due"]["amount_minor"].as_i64().unwrap();
    let pay = format!(r#"{{"amount_minor": {due}}}"#);
    ok(
        &s,
        "POST",
        &format!("/api/v1/invoices/{number}/payments"),
        &finance,
        Some(&pay),
    )
    .await;
    let customer = token(Role::Customer, "C-1002");
    let at = r#"{"at":"2026-12-09T10:00:00Z"}"#;
    ok(
        &s,
        "POST",
        &format!("/api/v1/orders/{build}/handover-appointment"),
        &customer,
        Some(at),
    )
    .await;
    settle(&rt).await;
    assert!(
        receiver.seen_of("handover.reminder").is_empty(),
        "not before the day before"
    );
    advance(&s, r#"{"days": 1, "hours": 12}"#).await;
    until(WAIT, "handover.reminder", || {
        !receiver.seen_of("handover.reminder").is_empty()
    })
    .await;
    ok(
        &s,
        "POST",
        &format!("/api/v1/orders/{build}/handover"),
        &berlin,
        None,
    )
    .await;

    // A stock car for C-1001, a month late: found, at the dealer, compensated.
    let car = r#"{"market":"DE","model":"AURA","options":["PNT-BLK"],"location":"D-HAM-01"}"#;
    let stock = ok(&s, "POST", "/api/v1/vehicles", &planner, Some(car)).await["vehicle_id"]
        .as_str()
        .unwrap()
        .to_owned();
    place(&s, "C-1001", r#"["PNT-BLK"]"#).await;
    settle(&rt).await;
    ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{stock}/dispatch"),
        &planner,
        None,
    )
    .await;
    advance(&s, r#"{"days": 30}"#).await;
    ok(
        &s,
        "POST",
        &format!("/api/v1/vehicles/{stock}/arrive"),
        &berlin,
        None,
    )
    .await;
    settle(&rt).await;

    // Every kind reached the endpoint, signed, once per fact.
    until(WAIT, "every kind at the webhook", || {
        ALL_KINDS.iter().all(|k| !receiver.seen_of(k).is_empty())
    })
    .await;
    let seen = receiver.seen();
    assert!(seen.iter().all(|d| d.verified), "every signature verifies");
    let mut ids: Vec<&str> = seen.iter().map(|d| d.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), seen.len(), "one delivery per message");
    let vin_hook = &receiver.seen_of("order.vin_assigned")[0].body;
    assert_eq!(vin_hook["data"]["vin"], vin.as_str());
    assert_eq!(vin_hook["data"]["order_id"], build.as_str());
    let eta = &receiver.seen_of("order.eta_changed")[0].body["data"];
    assert_eq!(eta["eta"], "2026-12-12");
    assert_eq!(eta["reason"], "port congestion");
    let credited = &receiver.seen_of("compensation.credited")[0].body["data"];
    assert_eq!(credited["days_late"], 29);
    assert_eq!(credited["amount"], "440.00 EUR");

    // The customers got theirs by e-mail, each in their language, with the message's id.
    until(WAIT, "C-1002's ten e-mails", || {
        sink.mails_to("c-1002@customers.example").len() >= 9
    })
    .await;
    let english = sink.mails_to("c-1002@customers.example");
    assert!(
        english.iter().all(|m| m["content_language"] == "en"),
        "{english:?}"
    );
    until(WAIT, "C-1001's e-mails", || {
        !sink.mails_to("c-1001@customers.example").is_empty()
    })
    .await;
    let german = sink.mails_to("c-1001@customers.example");
    assert!(!german.is_empty() && german.iter().all(|m| m["content_language"] == "de"));
    // Dealer messages went to the staff: the team hears of the lead, the manager of the breach.
    until(WAIT, "the staff's e-mails", || {
        sink.mails_to("lena@otd.example").len() >= 4
    })
    .await;
    let subjects = |to: &str| -> usize { sink.mails_to(to).len() };
    assert!(
        subjects("max@otd.example") >= 3,
        "lead created, answer due, test drive"
    );
    let messages = ok(
        &s,
        "GET",
        "/api/v1/customers/C-1002/messages",
        &customer,
        None,
    )
    .await;
    let kinds: Vec<&str> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "order.confirmed",
        "order.week_booked",
        "order.vin_assigned",
        "order.eta_changed",
        "order.ready_for_handover",
        "invoice.issued",
        "payment.received",
        "handover.reminder",
        "order.delivered",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let confirmed = messages
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "order.confirmed")
        .unwrap();
    assert_eq!(confirmed["channel"], "email");
    assert!(confirmed["subject"].as_str().unwrap().len() > 3);
    let id = confirmed["message_id"].as_str().unwrap();
    let mail = english
        .iter()
        .find(|m| m["message_id"].as_str().unwrap().contains(id))
        .expect("the e-mail carries the message's id as its Message-ID");
    assert_eq!(mail["subject"], confirmed["subject"]);
    // The 360 lists them too.
    let c360 = ok(&s, "GET", "/api/v1/customers/C-1002", &customer, None).await;
    assert_eq!(
        c360["messages"].as_array().unwrap().len(),
        messages.as_array().unwrap().len()
    );
    // The delivery log shows them sent.
    let log = ok(
        &s,
        "GET",
        &format!("/api/v1/webhooks/{webhook}/deliveries"),
        &admin(),
        None,
    )
    .await;
    assert!(log["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["status"] == "sent" && d["attempts"].as_array().unwrap().len() == 1));
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_endpoint_is_retried_dead_lettered_and_replayed_with_the_same_webhook_id() {
    let receiver = Receiver::start().await;
    let rt = engine(parts(None, true)).await;
    let s = rt.state.clone();
    let webhook = subscribe(&rt, &receiver, &["order.confirmed"]).await;
    receiver.answer(&[500, 503, 500]);
    place(&s, "C-1001", r#"["PNT-BLK"]"#).await;
    let log_uri = format!("/api/v1/webhooks/{webhook}/deliveries");
    let mut log = Value::Null;
    for _ in 0..500 {
        settle(&rt).await;
        log = ok(&s, "GET", &log_uri, &admin(), None).await;
        if log["deliveries"][0]["status"] == "dead_lettered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivery = log["deliveries"][0].clone();
    assert_eq!(delivery["status"], "dead_lettered", "{log}");
    let attempts = delivery["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "three tries, then a dead letter");
    assert_eq!(attempts[0]["outcome"], "failed");
    assert_eq!(attempts[0]["status"], 500);
    assert!(attempts[0]["next_retry"].is_string());
    assert_eq!(attempts[2]["outcome"], "dead_lettered");
    assert_eq!(receiver.seen().len(), 3);
    // Only the order.confirmed kind was subscribed: nothing else arrived.
    assert!(receiver.seen().iter().all(|d| d.kind == "order.confirmed"));

    // Replayed, it goes out again under the same id and is delivered once.
    let id = delivery["delivery_id"].as_str().unwrap();
    let r = call(
        &s,
        "POST",
        &format!("{}/{id}/replay", log_uri.trim_end_matches('/')),
        Some(&admin()),
        None,
    )
    .await;
    assert_eq!(r.status, 202, "{:?}", r.json);
    until(WAIT, "the replayed delivery", || receiver.seen().len() == 4).await;
    let seen = receiver.seen();
    assert!(seen.iter().all(|d| d.id == id && d.verified));
    settle(&rt).await;
    let log = ok(&s, "GET", &log_uri, &admin(), None).await;
    assert_eq!(log["deliveries"][0]["status"], "sent");
    assert_eq!(
        log["deliveries"][0]["attempts"].as_array().unwrap().len(),
        4
    );
    // A message that is not a dead letter is not replayed; another endpoint's is not found.
    let again = call(
        &s,
        "POST",
        &format!("{log_uri}/{id}/replay"),
        Some(&admin()),
        None,
    )
    .await;
    assert_problem(&again, 422);
    assert_eq!(again.json["errors"][0]["rule"], "not_dead_lettered");
    let other = format!(
        "/api/v1/webhooks/{}/deliveries/{id}/replay",
        uuid::Uuid::now_v7()
    );
    assert_problem(&call(&s, "POST", &other, Some(&admin()), None).await, 404);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_answers_410_is_disabled_and_gets_nothing_more() {
    let receiver = Receiver::start().await;
    let rt = engine(parts(None, true)).await;
    let s = rt.state.clone();
    let webhook = subscribe(&rt, &receiver, &["*"]).await;
    receiver.answer(&[410]);
    place(&s, "C-1001", r#"["PNT-BLK"]"#).await;
    let log_uri = format!("/api/v1/webhooks/{webhook}/deliveries");
    until(WAIT, "the 410", || !receiver.seen().is_empty()).await;
    let mut log = Value::Null;
    for _ in 0..500 {
        settle(&rt).await;
        log = ok(&s, "GET", &log_uri, &admin(), None).await;
        if log["active"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(log["active"], false, "{log}");
    assert_eq!(log["deliveries"][0]["status"], "dead_lettered");
    assert_eq!(
        log["deliveries"][0]["attempts"][0]["outcome"],
        "endpoint_disabled"
    );
    place(&s, "C-1002", r#"["PNT-BLK"]"#).await;
    settle(&rt).await;
    assert_eq!(
        receiver.seen().len(),
        1,
        "a disabled endpoint gets no new message"
    );
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_smtp_server_that_is_down_gets_the_mail_retried_then_dead_lettered() {
    // Nothing listens on this port.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let rt = engine(parts(Some(closed), true)).await;
    let s = rt.state.clone();
    place(&s, "C-1001", r#"["PNT-BLK"]"#).await;
    let customer = token(Role::Customer, "C-1001");
    let mut messages = Value::Null;
    for _ in 0..500 {
        settle(&rt).await;
        messages = ok(
            &s,
            "GET",
            "/api/v1/customers/C-1001/messages",
            &customer,
            None,
        )
        .await;
        if messages[0]["status"] == "dead_lettered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(messages[0]["status"], "dead_lettered", "{messages}");
    let id = MessageId::parse(messages[0]["message_id"].as_str().unwrap()).unwrap();
    let doc = rt.state.views.message(&id).await.unwrap().unwrap();
    assert_eq!(doc.attempts.len(), 3);
    assert!(doc.attempts[0].error.as_deref().unwrap().contains("SMTP"));
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_smtp_server_mails_stay_queued_and_the_360_shows_them() {
    let rt = engine(parts(None, true)).await;
    let s = rt.state.clone();
    place(&s, "C-1001", r#"["PNT-BLK"]"#).await;
    settle(&rt).await;
    let customer = token(Role::Customer, "C-1001");
    let messages = ok(
        &s,
        "GET",
        "/api/v1/customers/C-1001/messages",
        &customer,
        None,
    )
    .await;
    assert_eq!(messages[0]["kind"], "order.confirmed");
    assert_eq!(messages[0]["status"], "queued");
    assert_eq!(messages[0]["channel"], "email");
    let c360 = ok(&s, "GET", "/api/v1/customers/C-1001", &customer, None).await;
    assert_eq!(c360["messages"][0]["kind"], "order.confirmed");
    // Another customer, finance and planners do not read them.
    for who in [
        token(Role::Customer, "C-1002"),
        token(Role::Finance, "fin"),
        token(Role::Planner, "pat"),
    ] {
        let r = call(
            &s,
            "GET",
            "/api/v1/customers/C-1001/messages",
            Some(&who),
            None,
        )
        .await;
        assert_problem(&r, 403);
    }
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_sending_and_recording_redelivers_the_same_webhook_id_once_recorded() {
    let receiver = Receiver::start().await;
    // The engine decides but does not send: this test is the sender.
    let rt = engine(parts(None, false)).await;
    let s = rt.state.clone();
    subscribe(&rt, &receiver, &["order.confirmed"]).await;
    place(&s, "C-1001", r#"["PNT-BLK"]"#).await;
    settle(&rt).await;
    let outbox: Arc<dyn app::OutboxView> = Arc::new(projections::Outbox::new(s.views.clone()));
    let sender = app::outbox::Sender::new(
        s.people.clone().unwrap(),
        outbox.clone(),
        app::outbox::Channels {
            email: None,
            webhooks: Some(
                channels::WebhookChannel::new(&parts(None, false).channels.webhooks).unwrap(),
            ),
        },
        Arc::new(channels::Templates::builtin().unwrap()),
        quick(),
    );
    let due = outbox.due(s.clock.now(), 10).await.unwrap();
    let webhook_message = {
        let mut found = None;
        for id in &due {
            let doc = s.views.message(id).await.unwrap().unwrap();
            if doc.channel == domain::message::Channel::Webhook {
                found = Some(*id);
            }
        }
        found.unwrap()
    };
    // Sent, then the process dies before recording it:
    let (_, result) = sender.send(&webhook_message).await.unwrap().unwrap();
    assert!(result.is_ok());
    assert_eq!(receiver.seen().len(), 1);
    // after the restart the message is still due and goes out again, with the same id,
    sender.sweep().await.unwrap();
    let seen = receiver.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].id, seen[1].id,
        "the receiver sees one message twice"
    );
    assert_eq!(seen[0].id, webhook_message.to_string());
    assert_eq!(seen[0].body, seen[1].body);
    // and it is recorded sent, with one attempt, and never sent again.
    let state = rt
        .state
        .executor
        .load::<Message>(&webhook_message)
        .await
        .unwrap()
        .0;
    assert_eq!(state.status(), Some(MessageStatus::Sent));
    assert_eq!(state.attempts(), 1);
    settle(&rt).await;
    sender.sweep().await.unwrap();
    assert_eq!(receiver.seen().len(), 2);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuilding_the_views_and_rereading_the_log_never_sends_again() {
    let receiver = Receiver::start().await;
    let rt = engine(parts(None, true)).await;
    let s = rt.state.clone();
    subscribe(&rt, &receiver, &["*"]).await;
    place(&s, "C-1001", r#"["PNT-BLK"]"#).await;
    place(&s, "C-1002", r#"["PNT-RED"]"#).await;
    until(WAIT, "the confirmations", || {
        receiver.seen_of("order.confirmed").len() == 2
    })
    .await;
    settle(&rt).await;
    let before = message_events(&rt).await;
    let delivered = receiver.seen().len();

    // Every view rebuilt from the log,
    rt.projections().rebuild(None).await.unwrap();
    settle(&rt).await;
    // and the messages manager fed the whole log again, as after a lost checkpoint.
    let outbox: Arc<dyn app::OutboxView> = Arc::new(projections::Outbox::new(s.views.clone()));
    let manager = app::outbox::MessagesManager::new(s.executor.clone(), outbox);
    let head = s.executor.store().head().await.unwrap();
    let mut from = store::Position::START;
    while from < head {
        let page = s.executor.store().read_all(from, 500).await.unwrap();
        for record in &page {
            let Ok(decoded) = domain::streams::AnyEvent::decode(
                record.stream_id.as_str(),
                record.payload.as_str(),
            ) else {
                continue;
            };
            let incoming = app::process::Incoming {
                record: record.clone(),
                id: decoded.id,
                event: decoded.event,
                partition: app::process::Partition::WHOLE,
            };
            use app::process::ProcessManager;
            manager.react(&incoming).await.unwrap();
        }
        from = page.last().unwrap().position;
    }
    settle(&rt).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(message_events(&rt).await, before, "nothing decided twice");
    assert_eq!(receiver.seen().len(), delivered, "nothing sent twice");
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_on_a_private_address_or_naming_no_kind_is_refused_and_only_admins_register() {
    // Without the allow-list, loopback and private addresses are refused.
    let rt = engine(OutboxParts::for_tests()).await;
    let s = rt.state.clone();
    for url in [
        "http://127.0.0.1:9/hook",
        "http://10.0.0.8/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest",
        "ftp://example.com/hook",
        "not a url",
    ] {
        let body = json!({"url": url, "events": ["*"]}).to_string();
        let r = call(&s, "POST", "/api/v1/webhooks", Some(&admin()), Some(&body)).await;
        assert_problem(&r, 422);
        assert_eq!(r.json["errors"][0]["rule"], "webhook_url_refused", "{url}");
    }
    for events in [json!([]), json!(["order.shipped"])] {
        let body = json!({"url": "http://127.0.0.1:9/hook", "events": events}).to_string();
        let r = call(&s, "POST", "/api/v1/webhooks", Some(&admin()), Some(&body)).await;
        assert_problem(&r, 422);
        assert_eq!(r.json["errors"][0]["rule"], "unknown_event");
    }
    let body = json!({"url": "https://example.com/hook", "events": ["*"]}).to_string();
    for who in [token(Role::Planner, "pat"), token(Role::Dealer, "D-BER-01")] {
        let r = call(&s, "POST", "/api/v1/webhooks", Some(&who), Some(&body)).await;
        assert_problem(&r, 403);
    }
    let r = call(
        &s,
        "POST",
        "/api/v1/webhooks",
        Some(&admin()),
        Some(r#"{"url": 1}"#),
    )
    .await;
    assert!(r.status.is_client_error());
    let unknown = format!("/api/v1/webhooks/{}/deliveries", uuid::Uuid::now_v7());
    assert_problem(&call(&s, "GET", &unknown, Some(&admin()), None).await, 404);
    rt.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_a_message_is_decided_once_and_delivered() {
    let Some(url) = std::env::var("OTD_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED: OTD_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = store::ThrowawaySchema::new(&url, "otd_outbox");
    let events = store::PostgresStore::connect(&url, Some(schema.name()))
        .await
        .unwrap();
    let read_models = projections::PostgresReadModels::connect(&url, events.schema())
        .await
        .unwrap();
    let receiver = Receiver::start().await;
    let rt = engine_on(Arc::new(events), Arc::new(read_models), parts(None, true)).await;
    let s = rt.state.clone();
    let webhook = subscribe(&rt, &receiver, &["order.confirmed"]).await;
    place(&s, "C-1001", r#"["PNT-BLK"]"#).await;
    until(WAIT, "the confirmation", || receiver.seen().len() == 1).await;
    let log_uri = format!("/api/v1/webhooks/{webhook}/deliveries");
    let mut log = Value::Null;
    for _ in 0..500 {
        settle(&rt).await;
        log = ok(&s, "GET", &log_uri, &admin(), None).await;
        if log["deliveries"][0]["status"] == "sent" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(log["deliveries"][0]["status"], "sent");
    assert!(receiver.seen()[0].verified);
    rt.shutdown().await;
}
