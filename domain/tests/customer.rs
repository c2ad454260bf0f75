//! The customer aggregate: one record per person, consents, account, merge
//! and erasure.

#![allow(clippy::unwrap_used)]

mod support;
use support::people::*;
use support::*;

use domain::customer::{
    decide, Channel, ConsentChange, ConsentChoice, ConsentSource, Customer, CustomerCommand,
    CustomerError, CustomerEvent, MessageChannel, MessagePurpose,
};
use domain::values::Language;
use domain::{Decider, DomainEvent};

fn when(
    history: &[CustomerEvent],
    command: CustomerCommand,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    given::<Customer>(history, command, "2026-11-23")
}

/// Registered online with an e-mail opt-in only.
fn registered() -> Vec<CustomerEvent> {
    let choice = ConsentChoice {
        email: true,
        ..ConsentChoice::default()
    };
    when(&[], register(Channel::Online, choice)).unwrap()
}

fn with(mut history: Vec<CustomerEvent>, event: CustomerEvent) -> Vec<CustomerEvent> {
    history.push(event);
    history
}

fn with_account() -> Vec<CustomerEvent> {
    with(
        registered(),
        CustomerEvent::AccountOpened {
            login: login(1),
            password: sealed(2),
            at: t(),
        },
    )
}

fn merged() -> Vec<CustomerEvent> {
    with(
        registered(),
        CustomerEvent::MergedInto {
            survivor: other(),
            at: t(),
        },
    )
}

fn erased() -> Vec<CustomerEvent> {
    let claims = Customer::replay(&with_account()).claims();
    with(with_account(), CustomerEvent::Erased { claims, at: t() })
}

#[test]
fn registration_records_every_channels_choice_with_its_time_and_source() {
    let dealer = dealer("D-BER-01");
    let events = when(
        &[],
        register(
            Channel::Showroom {
                dealer: dealer.clone(),
            },
            ConsentChoice {
                sms: true,
                ..ConsentChoice::default()
            },
        ),
    )
    .unwrap();
    let [CustomerEvent::Registered { consents, .. }] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(consents.len(), 3);
    assert!(consents
        .iter()
        .all(|c| c.at == t() && c.source == ConsentSource::Showroom));
    let state = Customer::replay(&events);
    assert!(state.registered() && !state.erased());
    assert_eq!(state.id(), Some(&me()));
    assert_eq!(state.dealer_of_origin(), Some(&dealer));
    assert_eq!(state.market(), Some(&market("DE")));
    assert_eq!(state.language(), Some(Language::De));
    assert_eq!(state.contacts(), &[email(1), phone(1)]);
    assert!(state.consents().marketing(MessageChannel::Sms));
    assert!(!state.consents().marketing(MessageChannel::Email));
    assert_eq!(events[0].event_type(), "CustomerRegistered");
}

#[test]
fn a_customer_is_registered_once() {
    assert_eq!(
        when(
            &registered(),
            register(Channel::Online, ConsentChoice::default())
        ),
        Err(CustomerError::AlreadyRegistered { customer: me() })
    );
}

#[test]
fn contacts_are_one_email_and_one_phone_claim_at_most() {
    let mut command = register(Channel::Online, ConsentChoice::default());
    if let CustomerCommand::Register { contacts, .. } = &mut command {
        *contacts = vec![email(1), email(2)];
    }
    assert_eq!(
        when(&[], command.clone()),
        Err(CustomerError::InvalidClaim { claim: email(2) })
    );
    if let CustomerCommand::Register { contacts, .. } = &mut command {
        *contacts = vec![login(1)];
    }
    assert_eq!(
        when(&[], command),
        Err(CustomerError::InvalidClaim { claim: login(1) })
    );
}

#[test]
fn commands_on_an_unregistered_customer_are_refused() {
    assert_eq!(
        when(&[], CustomerCommand::VerifyEmail { at: t() }),
        Err(CustomerError::NotRegistered)
    );
    assert_eq!(
        when(&[], CustomerCommand::Erase { at: t() }),
        Err(CustomerError::NotRegistered)
    );
}

#[test]
fn a_profile_change_lists_the_claims_acquired_and_released() {
    let change = CustomerCommand::ChangeProfile {
        profile: sealed(3),
        language: Some(Language::En),
        contacts: vec![email(2), phone(1)],
        at: t(),
    };
    let events = when(&registered(), change).unwrap();
    assert_eq!(
        events,
        vec![CustomerEvent::ProfileChanged {
            profile: sealed(3),
            language: Language::En,
            acquired: vec![email(2)],
            released: vec![email(1)],
            at: t(),
        }]
    );
    let state = Customer::replay(&[registered(), events].concat());
    assert_eq!(state.contacts(), &[phone(1), email(2)]);
    assert_eq!(state.language(), Some(Language::En));
    assert_eq!(state.profile(), Some(&sealed(3)));
}

#[test]
fn the_same_profile_again_is_a_no_op() {
    let same = CustomerCommand::ChangeProfile {
        profile: sealed(1),
        language: None,
        contacts: vec![phone(1), email(1)],
        at: t(),
    };
    assert_eq!(when(&registered(), same), Ok(vec![]));
}

#[test]
fn consents_change_only_on_the_channels_that_change() {
    let set = CustomerCommand::SetConsents {
        email: Some(true),
        sms: Some(true),
        phone: None,
        source: ConsentSource::Lead,
        at: t(),
    };
    let events = when(&registered(), set.clone()).unwrap();
    let change = ConsentChange {
        channel: MessageChannel::Sms,
        granted: true,
        at: t(),
        source: ConsentSource::Lead,
    };
    assert_eq!(
        events,
        vec![CustomerEvent::ConsentsChanged {
            changes: vec![change]
        }]
    );
    let history = [registered(), events].concat();
    assert_eq!(when(&history, set), Ok(vec![]));
    let state = Customer::replay(&history);
    assert_eq!(
        state.consents().get(MessageChannel::Sms),
        Some(&change),
        "recorded with its time and source"
    );
}

#[test]
fn transactional_messages_always_go_marketing_only_with_an_opt_in() {
    let state = Customer::replay(&registered());
    for channel in MessageChannel::ALL {
        assert!(state.may_send(MessagePurpose::Transactional, channel));
    }
    assert!(state.may_send(MessagePurpose::Marketing, MessageChannel::Email));
    assert!(!state.may_send(MessagePurpose::Marketing, MessageChannel::Phone));
    let gone = Customer::replay(&erased());
    assert!(!gone.may_send(MessagePurpose::Transactional, MessageChannel::Email));
}

#[test]
fn an_account_is_opened_once_with_a_login_claim() {
    let open = |login| CustomerCommand::OpenAccount {
        login,
        password: sealed(2),
        at: t(),
    };
    assert_eq!(
        when(&registered(), open(email(9))),
        Err(CustomerError::InvalidClaim { claim: email(9) })
    );
    let state = Customer::replay(&with_account());
    assert!(state.has_account() && !state.verified());
    assert_eq!(state.login(), Some(&login(1)));
    assert_eq!(
        when(&with_account(), open(login(2))),
        Err(CustomerError::AccountExists)
    );
}

#[test]
fn verifying_needs_an_account_and_happens_once() {
    let verify = CustomerCommand::VerifyEmail { at: t() };
    assert_eq!(
        when(&registered(), verify.clone()),
        Err(CustomerError::NoAccount)
    );
    let events = when(&with_account(), verify.clone()).unwrap();
    assert_eq!(events, vec![CustomerEvent::EmailVerified { at: t() }]);
    let history = [with_account(), events].concat();
    assert!(Customer::replay(&history).verified());
    assert_eq!(when(&history, verify), Ok(vec![]));
}

#[test]
fn a_verification_link_is_asked_for_again_only_while_unverified() {
    let ask = CustomerCommand::RequestVerification { at: t() };
    assert_eq!(
        when(&registered(), ask.clone()),
        Err(CustomerError::NoAccount)
    );
    assert_eq!(
        when(&with_account(), ask.clone()),
        Ok(vec![CustomerEvent::VerificationRequested { at: t() }])
    );
    let verified = [
        with_account(),
        vec![CustomerEvent::EmailVerified { at: t() }],
    ]
    .concat();
    assert_eq!(when(&verified, ask), Ok(vec![]));
}

#[test]
fn a_password_reset_is_asked_for_on_an_account_and_changes_nothing_yet() {
    let ask = CustomerCommand::RequestPasswordReset { at: t() };
    assert_eq!(
        when(&registered(), ask.clone()),
        Err(CustomerError::NoAccount)
    );
    let events = when(&with_account(), ask).unwrap();
    assert_eq!(
        events,
        vec![CustomerEvent::PasswordResetRequested { at: t() }]
    );
    let before = Customer::replay(&with_account());
    let after = Customer::replay(&[with_account(), events].concat());
    assert_eq!(before, after);
}

#[test]
fn a_password_changes_only_on_an_account() {
    let change = CustomerCommand::ChangePassword {
        password: sealed(7),
        at: t(),
    };
    assert_eq!(
        when(&registered(), change.clone()),
        Err(CustomerError::NoAccount)
    );
    let events = when(&with_account(), change).unwrap();
    let state = Customer::replay(&[with_account(), events].concat());
    assert_eq!(state.password(), Some(&sealed(7)));
}

#[test]
fn a_duplicate_is_merged_into_a_survivor_and_then_points_at_it() {
    let merge = CustomerCommand::MergeInto {
        survivor: other(),
        at: t(),
    };
    assert_eq!(
        when(&registered(), merge.clone()),
        Ok(vec![CustomerEvent::MergedInto {
            survivor: other(),
            at: t()
        }])
    );
    assert_eq!(Customer::replay(&merged()).merged_into(), Some(&other()));
    assert_eq!(when(&merged(), merge), Ok(vec![]), "a retry is a no-op");
    let elsewhere = CustomerCommand::MergeInto {
        survivor: customer("C-3003"),
        at: t(),
    };
    assert_eq!(
        when(&merged(), elsewhere),
        Err(CustomerError::MergedInto(other()))
    );
    assert_eq!(
        when(&merged(), CustomerCommand::VerifyEmail { at: t() }),
        Err(CustomerError::MergedInto(other()))
    );
}

#[test]
fn a_customer_is_not_merged_into_itself_nor_when_erased() {
    let into_me = CustomerCommand::MergeInto {
        survivor: me(),
        at: t(),
    };
    assert_eq!(
        when(&registered(), into_me.clone()),
        Err(CustomerError::MergeWithItself { customer: me() })
    );
    assert_eq!(when(&erased(), into_me), Err(CustomerError::Erased));
}

#[test]
fn the_survivor_absorbs_a_duplicate_once() {
    let absorb = CustomerCommand::Absorb {
        duplicate: other(),
        at: t(),
    };
    let events = when(&registered(), absorb.clone()).unwrap();
    let history = [registered(), events].concat();
    assert_eq!(Customer::replay(&history).absorbed(), &[other()]);
    assert_eq!(when(&history, absorb.clone()), Ok(vec![]));
    assert_eq!(when(&erased(), absorb.clone()), Err(CustomerError::Erased));
    let survivor_merged_away = with(
        registered(),
        CustomerEvent::MergedInto {
            survivor: customer("C-3003"),
            at: t(),
        },
    );
    assert_eq!(
        when(&survivor_merged_away, absorb),
        Err(CustomerError::MergedInto(customer("C-3003")))
    );
    let itself = CustomerCommand::Absorb {
        duplicate: me(),
        at: t(),
    };
    assert_eq!(
        when(&registered(), itself),
        Err(CustomerError::MergeWithItself { customer: me() })
    );
}

#[test]
fn erasure_lists_every_claim_to_release_and_is_final() {
    let events = when(&with_account(), CustomerCommand::Erase { at: t() }).unwrap();
    assert_eq!(
        events,
        vec![CustomerEvent::Erased {
            claims: vec![email(1), phone(1), login(1)],
            at: t()
        }]
    );
    let state = Customer::replay(&erased());
    assert!(state.erased() && !state.has_account());
    assert!(state.claims().is_empty());
    assert_eq!(
        when(&erased(), CustomerCommand::Erase { at: t() }),
        Ok(vec![])
    );
    assert_eq!(
        when(&erased(), CustomerCommand::VerifyEmail { at: t() }),
        Err(CustomerError::Erased)
    );
    assert_eq!(
        when(
            &erased(),
            register(Channel::Online, ConsentChoice::default())
        ),
        Err(CustomerError::Erased)
    );
}

#[test]
fn a_merged_away_duplicate_can_still_be_erased() {
    let events = when(&merged(), CustomerCommand::Erase { at: t() }).unwrap();
    let state = Customer::replay(&[merged(), events].concat());
    assert!(state.erased());
    assert_eq!(state.merged_into(), Some(&other()), "the pointer stays");
}

#[test]
fn events_round_trip_through_json() {
    for event in erased().into_iter().chain(merged()) {
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<CustomerEvent>(&json).unwrap(), event);
    }
}

#[test]
fn decide_is_the_deciders() {
    let history = registered();
    let state = Customer::replay(&history);
    let command = CustomerCommand::Erase { at: t() };
    assert_eq!(
        decide(&state, command.clone()),
        Customer::decide(&state, command, &ctx("2026-11-23"))
    );
}
