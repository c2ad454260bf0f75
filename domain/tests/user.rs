//! The staff user aggregate: created once by an admin, deactivated for good.

#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use domain::streams::{stream_name, AnyEvent, AnyId};
use domain::user::{StaffRole, User, UserCommand, UserError, UserEvent};
use domain::values::{ClaimKey, ClaimKind, Sealed, UserId};
use domain::Decider;

fn me() -> UserId {
    UserId::parse("U-4F7Q2M").unwrap()
}
fn sealed(n: u8) -> Sealed {
    Sealed {
        key: "U-4F7Q2M/profile".into(),
        nonce: vec![n; 24],
        ciphertext: vec![n; 8],
    }
}
fn claim(kind: ClaimKind) -> ClaimKey {
    ClaimKey::new(kind, &"0a".repeat(32)).unwrap()
}
fn t() -> chrono::DateTime<chrono::Utc> {
    at("2026-11-23")
}
fn manager() -> StaffRole {
    StaffRole::Dealer {
        dealer: dealer("D-BER-01"),
        manager: true,
    }
}
fn create(login: ClaimKey) -> UserCommand {
    UserCommand::Create {
        user: me(),
        profile: sealed(1),
        role: manager(),
        login,
        password: sealed(2),
        at: t(),
    }
}
fn when(history: &[UserEvent], command: UserCommand) -> Result<Vec<UserEvent>, UserError> {
    given::<User>(history, command, "2026-11-23")
}
fn created() -> Vec<UserEvent> {
    when(&[], create(claim(ClaimKind::Login))).unwrap()
}
fn deactivated() -> Vec<UserEvent> {
    let mut history = created();
    history.extend(when(&history, UserCommand::Deactivate { at: t() }).unwrap());
    history
}

#[test]
fn a_user_is_created_with_a_role_and_a_login() {
    let state = User::replay(&created());
    assert!(state.exists() && state.active());
    assert_eq!(state.id(), Some(&me()));
    assert_eq!(state.role(), Some(&manager()));
    assert_eq!(state.login(), Some(&claim(ClaimKind::Login)));
    assert_eq!(state.password(), Some(&sealed(2)));
}

#[test]
fn the_login_must_be_a_login_claim() {
    assert_eq!(
        when(&[], create(claim(ClaimKind::Email))),
        Err(UserError::InvalidClaim {
            claim: claim(ClaimKind::Email)
        })
    );
}

#[test]
fn a_user_is_created_once() {
    assert_eq!(
        when(&created(), create(claim(ClaimKind::Login))),
        Err(UserError::AlreadyCreated { user: me() })
    );
}

#[test]
fn commands_on_a_user_not_created_are_refused() {
    assert_eq!(
        when(&[], UserCommand::Deactivate { at: t() }),
        Err(UserError::NotFound)
    );
}

#[test]
fn a_password_is_changed() {
    let change = UserCommand::ChangePassword {
        password: sealed(5),
        at: t(),
    };
    let events = when(&created(), change).unwrap();
    let state = User::replay(&[created(), events].concat());
    assert_eq!(state.password(), Some(&sealed(5)));
}

#[test]
fn a_password_reset_is_asked_for_by_a_live_user_only() {
    let ask = UserCommand::RequestPasswordReset { at: t() };
    let events = when(&created(), ask.clone()).unwrap();
    assert_eq!(events, vec![UserEvent::PasswordResetRequested { at: t() }]);
    assert_eq!(
        User::replay(&[created(), events].concat()),
        User::replay(&created())
    );
    assert_eq!(
        when(&deactivated(), ask.clone()),
        Err(UserError::Deactivated)
    );
    assert_eq!(when(&[], ask), Err(UserError::NotFound));
}

#[test]
fn a_deactivated_user_refuses_every_command() {
    let history = deactivated();
    assert_eq!(
        history.last(),
        Some(&UserEvent::Deactivated {
            login: claim(ClaimKind::Login),
            at: t()
        })
    );
    assert!(!User::replay(&history).active());
    let change = UserCommand::ChangePassword {
        password: sealed(5),
        at: t(),
    };
    assert_eq!(when(&history, change), Err(UserError::Deactivated));
    assert_eq!(
        when(&history, create(claim(ClaimKind::Login))),
        Err(UserError::Deactivated)
    );
    assert_eq!(
        when(&history, UserCommand::Deactivate { at: t() }),
        Ok(vec![]),
        "a retry is a no-op"
    );
}

#[test]
fn roles_are_stored_with_a_tag() {
    let json = serde_json::to_value(manager()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"role": "dealer", "dealer": "D-BER-01", "manager": true})
    );
    let planner = serde_json::to_value(StaffRole::Planner).unwrap();
    assert_eq!(planner, serde_json::json!({"role": "planner"}));
}

#[test]
fn a_user_stream_is_decoded_back() {
    let stream = stream_name::<User>(&me());
    assert_eq!(stream, "user-U-4F7Q2M");
    let json = serde_json::to_string(&created()[0]).unwrap();
    let decoded = AnyEvent::decode(&stream, &json).unwrap();
    assert_eq!(decoded.id, AnyId::User(me()));
    assert_eq!(decoded.event, AnyEvent::User(created()[0].clone()));
}
