//! What each customer command does, rule by rule.

use super::{
    ConsentChange, Customer, CustomerCommand, CustomerError, CustomerEvent, MessageChannel, Record,
};
use crate::values::{ClaimKey, ClaimKind};

/// Decides what a command does to a customer.
///
/// The order of the checks is the contract: an unregistered customer only
/// registers; an erased one refuses everything ([`CustomerError::Erased`])
/// and erasing it again is a no-op; a merged-away one may still be erased,
/// takes the same merge again as a no-op and refuses the rest with
/// [`CustomerError::MergedInto`]. Retries are no-ops: the same profile, the
/// consents already recorded, a verified e-mail, a duplicate already absorbed.
pub fn decide(
    state: &Customer,
    command: CustomerCommand,
) -> Result<Vec<CustomerEvent>, CustomerError> {
    let Some(record) = &state.record else {
        return match command {
            CustomerCommand::Register {
                customer,
                profile,
                language,
                market,
                channel,
                consents,
                contacts,
                at,
            } => {
                checked_contacts(&contacts)?;
                let source = channel.consent_source();
                let consents = MessageChannel::ALL
                    .into_iter()
                    .map(|channel| ConsentChange {
                        channel,
                        granted: consents.get(channel),
                        at,
                        source,
                    })
                    .collect();
                Ok(vec![CustomerEvent::Registered {
                    customer,
                    profile,
                    language,
                    market,
                    channel,
                    consents,
                    contacts,
                    at,
                }])
            }
            _ => Err(CustomerError::NotRegistered),
        };
    };
    if record.erased {
        return match command {
            CustomerCommand::Erase { .. } => Ok(vec![]),
            _ => Err(CustomerError::Erased),
        };
    }
    if let Some(merged_into) = &record.merged_into {
        match &command {
            CustomerCommand::Erase { .. } => {}
            CustomerCommand::MergeInto { survivor, .. } if survivor == merged_into => {
                return Ok(vec![]);
            }
            _ => return Err(CustomerError::MergedInto(merged_into.clone())),
        }
    }
    active(record, command)
}

/// A command on a registered customer that is not erased (and not merged
/// away, but for erasure).
fn active(record: &Record, command: CustomerCommand) -> Result<Vec<CustomerEvent>, CustomerError> {
    match command {
        CustomerCommand::Register { .. } => Err(CustomerError::AlreadyRegistered {
            customer: record.id.clone(),
        }),
        CustomerCommand::ChangeProfile {
            profile,
            language,
            contacts,
            at,
        } => {
            checked_contacts(&contacts)?;
            let language = language.unwrap_or(record.language);
            let acquired = missing_from(&contacts, &record.contacts);
            let released = missing_from(&record.contacts, &contacts);
            let same = profile == record.profile
                && language == record.language
                && acquired.is_empty()
                && released.is_empty();
            if same {
                return Ok(vec![]);
            }
            Ok(vec![CustomerEvent::ProfileChanged {
                profile,
                language,
                acquired,
                released,
                at,
            }])
        }
        CustomerCommand::SetConsents {
            email,
            sms,
            phone,
            source,
            at,
        } => {
            let asked = [
                (MessageChannel::Email, email),
                (MessageChannel::Sms, sms),
                (MessageChannel::Phone, phone),
            ];
            let changes: Vec<ConsentChange> = asked
                .into_iter()
                .filter_map(|(channel, granted)| Some((channel, granted?)))
                .filter(|(channel, granted)| {
                    record.consents.get(*channel).map(|c| c.granted) != Some(*granted)
                })
                .map(|(channel, granted)| ConsentChange {
                    channel,
                    granted,
                    at,
                    source,
                })
                .collect();
            if changes.is_empty() {
                return Ok(vec![]);
            }
            Ok(vec![CustomerEvent::ConsentsChanged { changes }])
        }
        CustomerCommand::OpenAccount {
            login,
            password,
            at,
        } => {
            if record.account.is_some() {
                return Err(CustomerError::AccountExists);
            }
            if login.kind() != ClaimKind::Login {
                return Err(CustomerError::InvalidClaim { claim: login });
            }
            Ok(vec![CustomerEvent::AccountOpened {
                login,
                password,
                at,
            }])
        }
        CustomerCommand::VerifyEmail { at } => match &record.account {
            None => Err(CustomerError::NoAccount),
            Some(account) if account.verified => Ok(vec![]),
            Some(_) => Ok(vec![CustomerEvent::EmailVerified { at }]),
        },
        CustomerCommand::ChangePassword { password, at } => match &record.account {
            None => Err(CustomerError::NoAccount),
            Some(_) => Ok(vec![CustomerEvent::PasswordChanged { password, at }]),
        },
        CustomerCommand::RequestVerification { at } => match &record.account {
            None => Err(CustomerError::NoAccount),
            Some(account) if account.verified => Ok(vec![]),
            Some(_) => Ok(vec![CustomerEvent::VerificationRequested { at }]),
        },
        CustomerCommand::RequestPasswordReset { at } => match &record.account {
            None => Err(CustomerError::NoAccount),
            Some(_) => Ok(vec![CustomerEvent::PasswordResetRequested { at }]),
        },
        CustomerCommand::MergeInto { survivor, at } => {
            if survivor == record.id {
                return Err(CustomerError::MergeWithItself { customer: survivor });
            }
            Ok(vec![CustomerEvent::MergedInto { survivor, at }])
        }
        CustomerCommand::Absorb { duplicate, at } => {
            if duplicate == record.id {
                return Err(CustomerError::MergeWithItself {
                    customer: duplicate,
                });
            }
            if record.absorbed.contains(&duplicate) {
                return Ok(vec![]);
            }
            Ok(vec![CustomerEvent::Absorbed { duplicate, at }])
        }
        CustomerCommand::Erase { at } => Ok(vec![CustomerEvent::Erased {
            claims: record.claims(),
            at,
        }]),
    }
}

/// Contacts are e-mail and phone claims, at most one of each.
fn checked_contacts(contacts: &[ClaimKey]) -> Result<(), CustomerError> {
    for (i, claim) in contacts.iter().enumerate() {
        let repeated = contacts[..i].iter().any(|c| c.kind() == claim.kind());
        if claim.kind() == ClaimKind::Login || repeated {
            return Err(CustomerError::InvalidClaim {
                claim: claim.clone(),
            });
        }
    }
    Ok(())
}

/// The claims of `these` that are not in `those`.
fn missing_from(these: &[ClaimKey], those: &[ClaimKey]) -> Vec<ClaimKey> {
    these
        .iter()
        .filter(|c| !those.contains(c))
        .cloned()
        .collect()
}
