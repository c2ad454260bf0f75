//! The outbox's aggregates: a message (queued once per fact and recipient,
//! consents, attempts, sent, dead letters, replay) and a webhook endpoint.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::catalog::Catalog;
use domain::message::{
    message_id, AttemptOutcome, AttemptRecord, Channel, Message, MessageCommand, MessageError,
    MessageEvent, MessageKind, MessagePurpose, MessageStatus, Recipient, Subscription,
};
use domain::values::{CustomerId, Language, Sealed, WebhookId};
use domain::webhook::{WebhookCommand, WebhookEndpoint, WebhookError, WebhookEvent};
use domain::{Context, Decider};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

fn customer() -> Recipient {
    Recipient::Customer {
        customer: CustomerId::parse("C-000001").unwrap(),
    }
}

fn data() -> Map<String, Value> {
    let Value::Object(map) = json!({"order_id": "o-1", "model": "AURA"}) else {
        unreachable!()
    };
    map
}

fn queue(kind: MessageKind, fact: &str, recipient: Recipient) -> MessageCommand {
    MessageCommand::Queue {
        message: message_id(kind, fact, &recipient),
        kind,
        fact: fact.into(),
        recipient,
        language: Language::De,
        data: data(),
        occurred_at: t0(),
        purpose: kind.purpose(),
        marketing_opt_in: false,
    }
}

fn decide(state: &Message, command: MessageCommand) -> Result<Vec<MessageEvent>, MessageError> {
    let catalog = Catalog::demo();
    Message::decide(state, command, &Context::new(t0(), &catalog))
}

fn apply(state: Message, events: &[MessageEvent]) -> Message {
    events.iter().fold(state, Message::evolve)
}

fn attempt(number: u32, outcome: AttemptOutcome) -> MessageCommand {
    let at = t0() + Duration::minutes(i64::from(number));
    MessageCommand::RecordAttempt {
        attempt: AttemptRecord {
            number,
            at,
            outcome,
            status: None,
            error: (outcome != AttemptOutcome::Delivered).then(|| "refused".into()),
            next_retry: (outcome == AttemptOutcome::Failed).then(|| at + Duration::minutes(1)),
        },
    }
}

fn queued() -> Message {
    let events = decide(
        &Message::default(),
        queue(MessageKind::OrderConfirmed, "order-1", customer()),
    )
    .unwrap();
    apply(Message::default(), &events)
}

#[test]
fn the_id_of_a_message_is_derived_from_its_kind_fact_and_recipient() {
    let a = message_id(MessageKind::OrderConfirmed, "order-1", &customer());
    assert_eq!(
        a,
        message_id(MessageKind::OrderConfirmed, "order-1", &customer())
    );
    assert_ne!(
        a,
        message_id(MessageKind::VinAssigned, "order-1", &customer())
    );
    assert_ne!(
        a,
        message_id(MessageKind::OrderConfirmed, "order-2", &customer())
    );
    let hook = Recipient::Webhook {
        webhook: WebhookId::derived("w"),
    };
    assert_ne!(a, message_id(MessageKind::OrderConfirmed, "order-1", &hook));
}

#[test]
fn queueing_a_message_records_its_channel_and_makes_it_due_now() {
    let events = decide(
        &Message::default(),
        queue(MessageKind::OrderConfirmed, "order-1", customer()),
    )
    .unwrap();
    assert!(matches!(
        &events[..],
        [MessageEvent::Queued {
            channel: Channel::Email,
            kind: MessageKind::OrderConfirmed,
            ..
        }]
    ));
    let state = apply(Message::default(), &events);
    assert_eq!(state.status(), Some(MessageStatus::Queued));
    assert_eq!(state.next_attempt_at(), Some(t0()));
}

#[test]
fn deciding_the_same_message_twice_is_a_no_op() {
    let state = queued();
    let again = decide(
        &state,
        queue(MessageKind::OrderConfirmed, "order-1", customer()),
    );
    assert_eq!(again, Ok(vec![]));
}

#[test]
fn a_message_whose_id_is_not_derived_from_its_parts_is_refused() {
    let mut command = queue(MessageKind::OrderConfirmed, "order-1", customer());
    if let MessageCommand::Queue { fact, .. } = &mut command {
        *fact = "order-2".into();
    }
    assert!(matches!(
        decide(&Message::default(), command),
        Err(MessageError::WrongId { .. })
    ));
}

#[test]
fn every_kind_is_transactional_and_goes_out_without_a_marketing_opt_in() {
    for kind in MessageKind::ALL {
        assert_eq!(kind.purpose(), MessagePurpose::Transactional);
        let events = decide(&Message::default(), queue(kind, "f", customer())).unwrap();
        assert_eq!(events.len(), 1, "{kind}");
    }
}

#[test]
fn marketing_needs_an_opt_in_on_the_channel() {
    let marketing = |opt_in| {
        let mut command = queue(MessageKind::OrderConfirmed, "f", customer());
        if let MessageCommand::Queue {
            purpose,
            marketing_opt_in,
            ..
        } = &mut command
        {
            *purpose = MessagePurpose::Marketing;
            *marketing_opt_in = opt_in;
        }
        decide(&Message::default(), command)
    };
    assert_eq!(
        marketing(false),
        Err(MessageError::NoConsent {
            kind: MessageKind::OrderConfirmed,
            channel: Channel::Email
        })
    );
    assert_eq!(marketing(true).unwrap().len(), 1);
}

#[test]
fn a_delivered_attempt_sends_the_message_and_a_late_report_changes_nothing() {
    let state = queued();
    let events = decide(&state, attempt(1, AttemptOutcome::Failed)).unwrap();
    let state = apply(state, &events);
    assert_eq!(state.attempts(), 1);
    assert_eq!(state.next_attempt_at(), Some(t0() + Duration::minutes(2)));
    let events = decide(&state, attempt(2, AttemptOutcome::Delivered)).unwrap();
    assert!(matches!(
        &events[..],
        [
            MessageEvent::AttemptRecorded { .. },
            MessageEvent::Sent { attempts: 2, .. }
        ]
    ));
    let state = apply(state, &events);
    assert_eq!(state.status(), Some(MessageStatus::Sent));
    assert_eq!(state.next_attempt_at(), None);
    // A redelivery after a crash reports attempt 2 again: nothing more is recorded.
    assert_eq!(
        decide(&state, attempt(2, AttemptOutcome::Delivered)),
        Ok(vec![])
    );
}

#[test]
fn attempts_are_numbered_without_gaps() {
    assert_eq!(
        decide(&queued(), attempt(2, AttemptOutcome::Failed)),
        Err(MessageError::AttemptOutOfOrder {
            given: 2,
            recorded: 0
        })
    );
    assert_eq!(
        decide(&Message::default(), attempt(1, AttemptOutcome::Failed)),
        Err(MessageError::NotQueued)
    );
}

#[test]
fn the_last_attempt_dead_letters_the_message_and_only_a_dead_letter_is_replayed() {
    let state = queued();
    assert_eq!(
        decide(&state, MessageCommand::Replay),
        Err(MessageError::NotDeadLettered)
    );
    let events = decide(&state, attempt(1, AttemptOutcome::DeadLettered)).unwrap();
    assert!(matches!(
        &events[..],
        [
            MessageEvent::AttemptRecorded { .. },
            MessageEvent::DeadLettered { attempts: 1, .. }
        ]
    ));
    let state = apply(state, &events);
    assert_eq!(state.status(), Some(MessageStatus::DeadLettered));
    let events = decide(&state, MessageCommand::Replay).unwrap();
    let state = apply(state, &events);
    assert_eq!(state.status(), Some(MessageStatus::Queued));
    assert_eq!(state.attempts(), 0);
    assert_eq!(state.next_attempt_at(), Some(t0()));
    // The new round starts at attempt 1 again.
    assert!(decide(&state, attempt(1, AttemptOutcome::Delivered)).is_ok());
}

#[test]
fn a_gone_endpoint_dead_letters_the_message() {
    let events = decide(&queued(), attempt(1, AttemptOutcome::EndpointDisabled)).unwrap();
    assert!(matches!(
        &events[..],
        [
            MessageEvent::AttemptRecorded { .. },
            MessageEvent::DeadLettered { .. }
        ]
    ));
}

#[test]
fn a_message_event_is_stored_under_its_pinned_name_and_reads_back() {
    use domain::streams::{stream_name, AnyEvent};
    let command = queue(MessageKind::TestDriveBooked, "td-1", customer());
    let events = decide(&Message::default(), command).unwrap();
    let json = serde_json::to_string(&events[0]).unwrap();
    assert!(json.contains("\"type\":\"MessageQueued\""), "{json}");
    assert!(json.contains("\"kind\":\"test_drive.booked\""), "{json}");
    let MessageEvent::Queued { message, .. } = &events[0] else {
        unreachable!()
    };
    let decoded = AnyEvent::decode(&stream_name::<Message>(message), &json).unwrap();
    assert_eq!(decoded.event, AnyEvent::Message(events[0].clone()));
}

fn sealed() -> Sealed {
    serde_json::from_value(json!({"key": "k", "nonce": "AAAAAAAAAAAAAAAA", "ciphertext": "AAAA"}))
        .unwrap()
}

#[test]
fn a_webhook_endpoint_is_registered_once_and_disabled_once() {
    let catalog = Catalog::demo();
    let ctx = Context::new(t0(), &catalog);
    let webhook = WebhookId::derived("w");
    let register = || WebhookCommand::Register {
        webhook,
        url: "https://hooks.example.com/otd".into(),
        events: Subscription::parse(&["order.confirmed"]).unwrap(),
        secret: sealed(),
    };
    let events = WebhookEndpoint::decide(&WebhookEndpoint::default(), register(), &ctx).unwrap();
    let state = WebhookEndpoint::replay(&events);
    assert!(state.wants(MessageKind::OrderConfirmed));
    assert!(!state.wants(MessageKind::VinAssigned));
    assert_eq!(
        WebhookEndpoint::decide(&state, register(), &ctx),
        Err(WebhookError::AlreadyRegistered { webhook })
    );
    let disable = || WebhookCommand::Disable {
        reason: "410".into(),
    };
    let events = WebhookEndpoint::decide(&state, disable(), &ctx).unwrap();
    assert!(matches!(&events[..], [WebhookEvent::Disabled { .. }]));
    let state = events.iter().fold(state, WebhookEndpoint::evolve);
    assert!(!state.wants(MessageKind::OrderConfirmed));
    assert_eq!(WebhookEndpoint::decide(&state, disable(), &ctx), Ok(vec![]));
    assert_eq!(
        WebhookEndpoint::decide(&WebhookEndpoint::default(), disable(), &ctx),
        Err(WebhookError::NotRegistered)
    );
}

fn outcome() -> impl Strategy<Value = AttemptOutcome> {
    prop_oneof![
        Just(AttemptOutcome::Delivered),
        Just(AttemptOutcome::Failed),
        Just(AttemptOutcome::DeadLettered),
        Just(AttemptOutcome::EndpointDisabled),
    ]
}

proptest! {
    /// Whatever attempts and replays are reported, a round ends at most once (sent or dead),
    /// a sent message stays sent, and the state equals the replay of the events.
    #[test]
    fn a_message_is_sent_at_most_once_and_its_state_is_its_events(
        steps in proptest::collection::vec(prop_oneof![
            outcome().prop_map(Some),
            Just(None),
        ], 0..20)
    ) {
        let mut events = decide(
            &Message::default(),
            queue(MessageKind::OrderConfirmed, "o", customer()),
        ).unwrap();
        let mut state = Message::replay(&events);
        for step in steps {
            let command = match step {
                Some(outcome) => attempt(state.attempts() + 1, outcome),
                None => MessageCommand::Replay,
            };
            let was = state.status();
            if let Ok(new) = decide(&state, command) {
                if was == Some(MessageStatus::Sent) {
                    prop_assert!(new.is_empty());
                }
                let ends = new.iter().filter(|e| matches!(
                    e, MessageEvent::Sent { .. } | MessageEvent::DeadLettered { .. })).count();
                prop_assert!(ends <= 1);
                state = apply(state, &new);
                events.extend(new);
            }
        }
        prop_assert_eq!(Message::replay(&events), state);
        let sent = events.iter().filter(|e| matches!(e, MessageEvent::Sent { .. })).count();
        prop_assert!(sent <= 1);
    }
}
