//! How each customer event changes the state.

use super::{Account, Consents, Customer, CustomerEvent, Record};

/// Folds one event into the state. Events that cannot apply to the state
/// (never emitted by [`decide`](super::decide)) are ignored, so erasure and a
/// merge stay final whatever follows them in a stream.
pub fn evolve(mut state: Customer, event: &CustomerEvent) -> Customer {
    match (&mut state.record, event) {
        (
            None,
            CustomerEvent::Registered {
                customer,
                profile,
                language,
                market,
                channel,
                consents,
                contacts,
                at,
            },
        ) => {
            let mut recorded = Consents::default();
            for change in consents {
                recorded.record(*change);
            }
            state.record = Some(Record {
                id: customer.clone(),
                profile: profile.clone(),
                language: *language,
                market: market.clone(),
                channel: channel.clone(),
                consents: recorded,
                contacts: contacts.clone(),
                account: None,
                merged_into: None,
                absorbed: Vec::new(),
                erased: false,
                registered_at: *at,
            });
        }
        (Some(r), _) if r.erased => {}
        (Some(r), CustomerEvent::Erased { .. }) => {
            r.erased = true;
            r.contacts.clear();
            r.account = None;
        }
        (Some(r), _) if r.merged_into.is_some() => {}
        (
            Some(r),
            CustomerEvent::ProfileChanged {
                profile,
                language,
                acquired,
                released,
                ..
            },
        ) => {
            r.profile = profile.clone();
            r.language = *language;
            r.contacts.retain(|c| !released.contains(c));
            for claim in acquired {
                if !r.contacts.contains(claim) {
                    r.contacts.push(claim.clone());
                }
            }
        }
        (Some(r), CustomerEvent::ConsentsChanged { changes }) => {
            for change in changes {
                r.consents.record(*change);
            }
        }
        (
            Some(r),
            CustomerEvent::AccountOpened {
                login, password, ..
            },
        ) if r.account.is_none() => {
            r.account = Some(Account {
                login: login.clone(),
                password: password.clone(),
                verified: false,
            });
        }
        (Some(r), CustomerEvent::EmailVerified { .. }) => {
            if let Some(account) = &mut r.account {
                account.verified = true;
            }
        }
        (Some(r), CustomerEvent::PasswordChanged { password, .. }) => {
            if let Some(account) = &mut r.account {
                account.password = password.clone();
            }
        }
        (Some(r), CustomerEvent::MergedInto { survivor, .. }) => {
            r.merged_into = Some(survivor.clone());
        }
        (Some(r), CustomerEvent::Absorbed { duplicate, .. }) if !r.absorbed.contains(duplicate) => {
            r.absorbed.push(duplicate.clone());
        }
        _ => {}
    }
    state
}
