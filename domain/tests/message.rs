//! Message kinds: their stable names, audiences, purposes and subscriptions.

use domain::message::{
    Audience, MessageKind, MessagePurpose, Subscription, SubscriptionError, UnknownMessageKind,
};
use proptest::prelude::*;

const API_NAMES: [&str; 15] = [
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

#[test]
fn the_kinds_of_fact_are_exactly_the_fifteen_names_of_the_api() {
    let names: Vec<&str> = MessageKind::FACTS.iter().map(|k| k.name()).collect();
    assert_eq!(names, API_NAMES);
    assert!(MessageKind::FACTS
        .iter()
        .all(|k| k.is_fact() && !k.carries_link()));
}

#[test]
fn the_account_messages_are_no_facts_and_no_webhook_subscribes_to_them() {
    let account: Vec<MessageKind> = MessageKind::ALL
        .into_iter()
        .filter(|k| !MessageKind::FACTS.contains(k))
        .collect();
    assert_eq!(
        account,
        [
            MessageKind::AccountVerifyEmail,
            MessageKind::AccountPasswordReset
        ]
    );
    for kind in account {
        assert!(!kind.is_fact() && kind.carries_link(), "{kind}");
        assert_eq!(kind.audience(), Audience::AccountHolder);
        assert_eq!(kind.fields(), ["account_id", "link"]);
        assert!(!Subscription::All.wants(kind), "{kind}");
        assert_eq!(
            Subscription::parse(&[kind.name()]),
            Err(SubscriptionError::Unknown(UnknownMessageKind(
                kind.name().into()
            )))
        );
    }
}

#[test]
fn a_kind_serializes_as_its_name_and_reads_back() {
    for kind in MessageKind::ALL {
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{}\"", kind.name()));
        assert_eq!(serde_json::from_str::<MessageKind>(&json).unwrap(), kind);
        assert_eq!(kind.name().parse::<MessageKind>().unwrap(), kind);
    }
    assert_eq!(
        "order.shipped".parse::<MessageKind>(),
        Err(UnknownMessageKind("order.shipped".into()))
    );
    assert!(serde_json::from_str::<MessageKind>("\"OrderConfirmed\"").is_err());
}

#[test]
fn dealer_messages_go_to_staff_and_the_breach_to_the_manager() {
    let dealer: Vec<(MessageKind, Audience)> = MessageKind::ALL
        .into_iter()
        .map(|k| (k, k.audience()))
        .filter(|(_, a)| !matches!(a, Audience::Customer | Audience::AccountHolder))
        .collect();
    assert_eq!(
        dealer,
        [
            (MessageKind::LeadCreated, Audience::DealerStaff),
            (MessageKind::LeadResponseDue, Audience::DealerStaff),
            (MessageKind::LeadSlaBreached, Audience::DealerManager),
            (MessageKind::TestDriveBooked, Audience::DealerStaff),
        ]
    );
}

#[test]
fn every_kind_is_a_transactional_message_with_its_subject_id() {
    for kind in MessageKind::ALL {
        assert_eq!(kind.purpose(), MessagePurpose::Transactional, "{kind}");
        let id = kind.fields()[0];
        assert!(
            id.ends_with("_id"),
            "{kind} leads with its subject's id, not {id}"
        );
        let mut fields = kind.fields().to_vec();
        fields.sort();
        fields.dedup();
        assert_eq!(
            fields.len(),
            kind.fields().len(),
            "{kind} lists a field twice"
        );
    }
}

#[test]
fn a_star_subscribes_to_everything_and_names_to_those_kinds() {
    let all = Subscription::parse(&["order.confirmed", "*"]).unwrap();
    assert_eq!(all, Subscription::All);
    assert!(MessageKind::FACTS.iter().all(|k| all.wants(*k)));

    let some = Subscription::parse(&["lead.created", "order.confirmed", "lead.created"]).unwrap();
    assert_eq!(
        some,
        Subscription::Kinds(vec![MessageKind::OrderConfirmed, MessageKind::LeadCreated])
    );
    assert!(some.wants(MessageKind::LeadCreated));
    assert!(!some.wants(MessageKind::Delivered));
    assert_eq!(
        serde_json::to_value(&some).unwrap(),
        serde_json::json!(["order.confirmed", "lead.created"])
    );
    assert_eq!(
        serde_json::from_value::<Subscription>(serde_json::json!(["*"])).unwrap(),
        Subscription::All
    );
}

#[test]
fn an_empty_or_unknown_subscription_is_refused() {
    let none: [&str; 0] = [];
    assert_eq!(Subscription::parse(&none), Err(SubscriptionError::Empty));
    assert_eq!(
        Subscription::parse(&["order.confirmed", "order.lost"]),
        Err(SubscriptionError::Unknown(UnknownMessageKind(
            "order.lost".into()
        )))
    );
    assert!(serde_json::from_value::<Subscription>(serde_json::json!([])).is_err());
}

proptest! {
    #[test]
    fn a_subscription_wants_exactly_the_kinds_it_lists(picks in proptest::collection::vec(0usize..15, 1..20)) {
        let names: Vec<&str> = picks.iter().map(|i| API_NAMES[*i]).collect();
        let sub = Subscription::parse(&names).unwrap();
        for kind in MessageKind::FACTS {
            prop_assert_eq!(sub.wants(kind), names.contains(&kind.name()));
        }
        let back: Subscription = serde_json::from_value(serde_json::to_value(&sub).unwrap()).unwrap();
        prop_assert_eq!(back, sub);
    }
}
