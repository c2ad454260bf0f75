//! The sender's queue as the messages view answers it: the due messages, longest waiting
//! first (then by id), at most as many as asked, none tried later than now, none sent; on
//! every backend (the index is read with a key range and a limit).

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::message::{
    message_id, AttemptOutcome, AttemptRecord, Message, MessageCommand, MessageKind, Recipient,
};
use domain::values::{CustomerId, Language, MessageId};
use projections::ReadModelStore;
use store::{EventStore, Metadata};
use support::world::World;

const WAIT: Duration = Duration::from_secs(10);

async fn queue(w: &World, customer: &str) -> MessageId {
    let recipient = Recipient::Customer {
        customer: CustomerId::parse(customer).unwrap(),
    };
    let kind = MessageKind::OrderConfirmed;
    let fact = format!("fact-of-{customer}");
    let id = message_id(kind, &fact, &recipient);
    let command = MessageCommand::Queue {
        message: id,
        kind,
        fact,
        recipient,
        language: Language::En,
        data: serde_json::Map::new(),
        occurred_at: w.now(),
        purpose: kind.purpose(),
        marketing_opt_in: false,
    };
    w.exec
        .execute::<Message>(&id, &Metadata::default(), move |_| command.clone())
        .await
        .unwrap();
    id
}

async fn attempt(w: &World, id: MessageId, outcome: AttemptOutcome, next: Option<DateTime<Utc>>) {
    let attempt = AttemptRecord {
        number: 1,
        at: w.now(),
        outcome,
        status: None,
        error: None,
        next_retry: next,
    };
    w.exec
        .execute::<Message>(&id, &Metadata::default(), move |_| {
            MessageCommand::RecordAttempt {
                attempt: attempt.clone(),
            }
        })
        .await
        .unwrap();
}

async fn story(events: Arc<dyn EventStore>, read_models: Arc<dyn ReadModelStore>) {
    let runner = support::runner(&events, &read_models, 2).await;
    let views = support::views(&runner, &events, &read_models);
    let w = World::new(Arc::clone(&events));

    // Three queued on day 0, two on day 1; of day 0's, one is sent and one fails and is
    // tried again on day 3.
    let day0 = w.now();
    let early: Vec<MessageId> = vec![
        queue(&w, "C-1001").await,
        queue(&w, "C-1002").await,
        queue(&w, "C-1003").await,
    ];
    w.advance(1);
    let day1 = w.now();
    let late = vec![queue(&w, "C-1004").await, queue(&w, "C-1005").await];
    attempt(&w, early[0], AttemptOutcome::Delivered, None).await;
    let day3 = day1 + chrono::Duration::days(2);
    attempt(&w, early[1], AttemptOutcome::Failed, Some(day3)).await;
    runner.wait_for(w.head().await, WAIT).await.unwrap();

    let mut waiting_since_day0 = vec![early[2]];
    let mut waiting_since_day1 = late.clone();
    waiting_since_day1.sort();
    waiting_since_day0.sort();
    let expected: Vec<MessageId> = waiting_since_day0
        .iter()
        .chain(&waiting_since_day1)
        .copied()
        .collect();
    assert_eq!(views.messages_due(day1, 100).await.unwrap(), expected);
    assert_eq!(
        views.messages_due(day1, 2).await.unwrap(),
        expected[..2],
        "no more than asked, the longest waiting first"
    );
    assert_eq!(
        views.messages_due(day0, 100).await.unwrap(),
        waiting_since_day0,
        "nothing queued after now"
    );
    let mut on_day3 = expected.clone();
    on_day3.push(early[1]);
    assert_eq!(
        views.messages_due(day3, 100).await.unwrap(),
        on_day3,
        "the failed one is due again at its retry, after the others"
    );
    runner.stop().await;
}

#[tokio::test]
async fn the_due_messages_in_memory() {
    let (events, read_models) = support::memory();
    story(events, read_models).await;
}

#[tokio::test]
async fn the_due_messages_on_sqlite() {
    let (events, read_models, _dir) = support::sqlite().await;
    story(events, read_models).await;
}

#[tokio::test]
async fn the_due_messages_on_postgres() {
    let Some((events, read_models, _schema)) = support::pg::fresh().await else {
        return;
    };
    story(events, read_models).await;
}
