//! What each user command does, and how its events fold.

use super::{StaffAccount, User, UserCommand, UserError, UserEvent};
use crate::values::ClaimKind;

/// Decides what a command does to a user.
pub fn decide(state: &User, command: UserCommand) -> Result<Vec<UserEvent>, UserError> {
    let Some(account) = &state.account else {
        return match command {
            UserCommand::Create {
                user,
                profile,
                role,
                login,
                password,
                at,
            } => {
                if login.kind() != ClaimKind::Login {
                    return Err(UserError::InvalidClaim { claim: login });
                }
                Ok(vec![UserEvent::Created {
                    user,
                    profile,
                    role,
                    login,
                    password,
                    at,
                }])
            }
            _ => Err(UserError::NotFound),
        };
    };
    if !account.active {
        return match command {
            UserCommand::Deactivate { .. } => Ok(vec![]),
            _ => Err(UserError::Deactivated),
        };
    }
    match command {
        UserCommand::Create { .. } => Err(UserError::AlreadyCreated {
            user: account.id.clone(),
        }),
        UserCommand::ChangePassword { password, at } => {
            Ok(vec![UserEvent::PasswordChanged { password, at }])
        }
        UserCommand::RequestPasswordReset { at } => {
            Ok(vec![UserEvent::PasswordResetRequested { at }])
        }
        UserCommand::Deactivate { at } => Ok(vec![UserEvent::Deactivated {
            login: account.login.clone(),
            at,
        }]),
    }
}

/// Folds one event into the state; nothing changes a deactivated user.
pub fn evolve(mut state: User, event: &UserEvent) -> User {
    match (&mut state.account, event) {
        (
            None,
            UserEvent::Created {
                user,
                profile,
                role,
                login,
                password,
                at,
            },
        ) => {
            state.account = Some(StaffAccount {
                id: user.clone(),
                profile: profile.clone(),
                role: role.clone(),
                login: login.clone(),
                password: password.clone(),
                active: true,
                created_at: *at,
            });
        }
        (Some(a), _) if !a.active => {}
        (Some(a), UserEvent::PasswordChanged { password, .. }) => {
            a.password = password.clone();
        }
        (Some(a), UserEvent::Deactivated { .. }) => a.active = false,
        _ => {}
    }
    state
}
