//! The outbox's sender on a shared PostgreSQL schema: two `otd serve` processes (two
//! engines here) start on a backlog and each runs a sender, but only the one holding the
//! lease sends, so every message arrives once; when that process dies its lease ends and
//! another takes over.
//! Against a real SMTP receiver (aiosmtpd) and PostgreSQL (`OTD_TEST_POSTGRES_URL`).

#![allow(clippy::unwrap_used)]

#[path = "support/receivers.rs"]
mod receivers;
mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use api::auth::AuthKeys;
use api::runtime::{OutboxParts, PeopleParts, Runtime};
use app::outbox::SenderOptions;
use channels::config::{SmtpSettings, WebhookSettings, DEFAULT_FROM};
use channels::ChannelsConfig;
use chrono::NaiveDate;
use receivers::{until, Sink};
use serde_json::json;
use support::*;

const WAIT: Duration = Duration::from_secs(30);

/// An engine on the schema, sending to the sink, ticking often (so that two senders without
/// a lease would race on every message).
/// Both engines share one vault, as processes on one database share its key table.
async fn engine(
    url: &str,
    schema: &str,
    sink: &Sink,
    vault: &app::vault::Vault,
    send: bool,
) -> Runtime {
    let events = store::PostgresStore::connect(url, Some(schema))
        .await
        .unwrap();
    let read_models = projections::PostgresReadModels::connect(url, events.schema())
        .await
        .unwrap();
    let mut smtp =
        SmtpSettings::new(&format!("smtp://127.0.0.1:{}", sink.port), DEFAULT_FROM).unwrap();
    smtp.timeout = Duration::from_secs(2);
    Runtime::start(
        Arc::new(events),
        Arc::new(read_models),
        Arc::new(domain::catalog::Catalog::demo()),
        app::Clock::simulated(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
        AuthKeys::from_secret(SECRET),
        0,
        projections::RunnerOptions::default(),
        PeopleParts {
            vault: vault.clone(),
            ..PeopleParts::for_tests()
        },
        OutboxParts {
            channels: ChannelsConfig {
                smtp: Some(smtp),
                webhooks: WebhookSettings::default(),
            },
            sender: SenderOptions {
                tick: Duration::from_millis(20),
                ..SenderOptions::default()
            },
            send,
            public_url: OutboxParts::test_public_url(),
        },
        api::runtime::Duties::All,
    )
    .await
    .unwrap()
}

/// Signs up `n` people named `{prefix}{i}`: each is mailed one verification link.
async fn sign_ups(rt: &Runtime, prefix: &str, n: usize) {
    for i in 0..n {
        let body = json!({"name": "Lea Lease", "email": format!("{prefix}{i}@example.de"),
            "language": "en", "market": "DE", "password": "lease password 1"});
        let r = call(
            &rt.state,
            "POST",
            "/api/v1/customers",
            None,
            Some(&body.to_string()),
        )
        .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
    }
}

/// Waits until `n` messages are recorded sent and none waits (so no sender is about to
/// try one again), as `rt`'s views see the whole log.
async fn all_sent(rt: &Runtime, n: usize) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let head = rt.state.executor.store().head().await.unwrap();
        rt.state.views.wait_for(head, WAIT).await.unwrap();
        let backlog = rt.state.views.outbox_backlog().await.unwrap();
        let decided = rt.state.views.message_counts().await.unwrap();
        let sent: u64 = decided.iter().map(|c| c.sent).sum();
        if backlog.queued == 0 && sent as usize == n {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{n} messages sent? {decided:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How many mails arrived per Message-ID.
fn arrivals(sink: &Sink) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for mail in sink.mails() {
        *seen
            .entry(mail["message_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_on_one_schema_deliver_each_message_once_and_one_takes_over() {
    let Some(url) = std::env::var("OTD_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("SKIPPED: OTD_TEST_POSTGRES_URL is not set");
        return;
    };
    let Some(sink) = Sink::start() else { return };
    let schema = store::ThrowawaySchema::new(&url, "otd_lease");
    let vault = api::runtime::memory_vault();
    let at = |send| engine(&url, schema.name(), &sink, &vault, send);

    // Twelve messages wait (decided by a process that sends nothing)…
    let writer = at(false).await;
    sign_ups(&writer, "waiting", 12).await;
    settle(&writer).await;
    writer.shutdown().await;
    assert!(sink.mails().is_empty());
    // …when two processes start at once: both run a sender, each message arrives once.
    let (first, second) = tokio::join!(at(true), at(true));
    until(WAIT, "twelve mails", || sink.mails().len() >= 12).await;
    all_sent(&first, 12).await;
    let seen = arrivals(&sink);
    assert_eq!(seen.len(), 12, "{seen:?}");
    assert!(
        seen.values().all(|n| *n == 1),
        "a message arrived twice: {seen:?}"
    );

    // Processes die one after the other, a new one starts: whoever led, the lease passes
    // on at least once, and what is decided meanwhile arrives once.
    first.shutdown().await;
    let third = at(true).await;
    sign_ups(&second, "after-first", 2).await;
    until(WAIT, "fourteen mails", || sink.mails().len() >= 14).await;
    second.shutdown().await;
    sign_ups(&third, "after-second", 2).await;
    until(WAIT, "sixteen mails", || sink.mails().len() >= 16).await;
    all_sent(&third, 16).await;
    let seen = arrivals(&sink);
    assert_eq!(seen.len(), 16, "{seen:?}");
    assert!(
        seen.values().all(|n| *n == 1),
        "a message arrived twice: {seen:?}"
    );
    third.shutdown().await;
}
