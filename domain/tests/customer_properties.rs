//! Properties of the customer aggregate: erasure and merge are final.

#![allow(clippy::unwrap_used)]

mod support;
use support::people::*;
use support::*;

use domain::customer::{
    Channel, ConsentChoice, ConsentSource, Customer, CustomerCommand, CustomerEvent,
};
use domain::Decider;
use proptest::prelude::*;

/// Any command, drawn from a small alphabet of ids and claims.
fn command() -> impl Strategy<Value = CustomerCommand> {
    let id = prop_oneof![Just(me()), Just(other()), Just(customer("C-3003"))];
    let contact = prop_oneof![
        (1u64..3).prop_map(email),
        (1u64..3).prop_map(phone),
        (1u64..3).prop_map(login)
    ];
    let flag = proptest::option::of(any::<bool>());
    prop_oneof![
        (any::<bool>(), any::<bool>()).prop_map(|(online, email)| register(
            if online {
                Channel::Online
            } else {
                Channel::Lead {
                    dealer: dealer("D-BER-01"),
                }
            },
            ConsentChoice {
                email,
                ..ConsentChoice::default()
            }
        )),
        (
            any::<u8>(),
            proptest::collection::vec(contact.clone(), 0..3)
        )
            .prop_map(|(n, contacts)| CustomerCommand::ChangeProfile {
                profile: sealed(n % 3),
                language: None,
                contacts,
                at: t(),
            }),
        (flag.clone(), flag.clone(), flag).prop_map(|(email, sms, phone)| {
            CustomerCommand::SetConsents {
                email,
                sms,
                phone,
                source: ConsentSource::Online,
                at: t(),
            }
        }),
        contact.prop_map(|login| CustomerCommand::OpenAccount {
            login,
            password: sealed(2),
            at: t(),
        }),
        Just(CustomerCommand::VerifyEmail { at: t() }),
        Just(CustomerCommand::ChangePassword {
            password: sealed(4),
            at: t()
        }),
        id.clone()
            .prop_map(|survivor| CustomerCommand::MergeInto { survivor, at: t() }),
        id.prop_map(|duplicate| CustomerCommand::Absorb { duplicate, at: t() }),
        Just(CustomerCommand::Erase { at: t() }),
    ]
}

proptest! {
    #[test]
    fn nothing_follows_erasure_and_merge_and_erasure_stay_final(
        commands in proptest::collection::vec(command(), 1..40)
    ) {
        let ctx = ctx("2026-11-23");
        let mut state = Customer::default();
        let mut log: Vec<CustomerEvent> = Vec::new();
        for command in commands {
            let before = state.clone();
            let Ok(events) = Customer::decide(&state, command, &ctx) else { continue };
            if before.erased() {
                prop_assert!(events.is_empty(), "events after erasure: {events:?}");
            }
            for event in &events {
                state = Customer::evolve(state, event);
            }
            log.extend(events);
            if before.erased() {
                prop_assert!(state.erased());
            }
            if let Some(survivor) = before.merged_into() {
                prop_assert_eq!(state.merged_into(), Some(survivor));
            }
            prop_assert_eq!(&state, &Customer::replay(&log));
        }
        let is_erasure = |e: &CustomerEvent| matches!(e, CustomerEvent::Erased { .. });
        let erasures = log.iter().filter(|e| is_erasure(e)).count();
        prop_assert!(erasures <= 1);
        if erasures == 1 {
            prop_assert!(log.last().is_some_and(is_erasure), "erasure is the last event");
        }
    }
}
