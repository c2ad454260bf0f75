//! The claim aggregate: one owner per contact.

#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use domain::claim::{Claim, ClaimCommand, ClaimError, ClaimEvent, ClaimOwner};
use domain::streams::{stream_name, AnyEvent, AnyId};
use domain::values::{ClaimKey, ClaimKind, UserId};
use domain::Decider;

fn ana() -> ClaimOwner {
    ClaimOwner::Customer(customer("C-1001"))
}
fn staff() -> ClaimOwner {
    ClaimOwner::User(UserId::parse("U-4F7Q2M").unwrap())
}
fn t() -> chrono::DateTime<chrono::Utc> {
    at("2026-11-23")
}
fn claim(owner: ClaimOwner) -> ClaimCommand {
    ClaimCommand::Claim { owner, at: t() }
}
fn release(owner: ClaimOwner) -> ClaimCommand {
    ClaimCommand::Release { owner, at: t() }
}
fn when(history: &[ClaimEvent], command: ClaimCommand) -> Result<Vec<ClaimEvent>, ClaimError> {
    given::<Claim>(history, command, "2026-11-23")
}
fn held_by(owner: ClaimOwner) -> Vec<ClaimEvent> {
    vec![ClaimEvent::Claimed { owner, at: t() }]
}

#[test]
fn a_free_contact_is_claimed() {
    assert_eq!(when(&[], claim(ana())), Ok(held_by(ana())));
    assert_eq!(Claim::replay(&held_by(ana())).holder(), Some(&ana()));
}

#[test]
fn another_owner_is_refused_naming_the_holder() {
    assert_eq!(
        when(&held_by(ana()), claim(staff())),
        Err(ClaimError::Taken { owner: ana() })
    );
}

#[test]
fn claiming_again_for_the_holder_is_a_no_op() {
    assert_eq!(when(&held_by(ana()), claim(ana())), Ok(vec![]));
}

#[test]
fn the_holder_releases_and_anyone_may_claim_again() {
    let released = when(&held_by(ana()), release(ana())).unwrap();
    assert_eq!(
        released,
        vec![ClaimEvent::Released {
            owner: ana(),
            at: t()
        }]
    );
    let history = [held_by(ana()), released].concat();
    assert_eq!(Claim::replay(&history).holder(), None);
    assert_eq!(when(&history, claim(staff())), Ok(held_by(staff())));
}

#[test]
fn releasing_a_claim_one_does_not_hold_is_a_no_op() {
    assert_eq!(when(&held_by(ana()), release(staff())), Ok(vec![]));
    assert_eq!(when(&[], release(ana())), Ok(vec![]));
}

#[test]
fn a_claim_stream_is_named_by_its_key_and_decoded_back() {
    let key = ClaimKey::new(ClaimKind::Email, &"3f".repeat(32)).unwrap();
    let stream = stream_name::<Claim>(&key);
    assert_eq!(stream, format!("claim-email-{}", "3f".repeat(32)));
    let json = serde_json::to_string(&held_by(staff())[0]).unwrap();
    assert!(json.contains(r#""type":"ContactClaimed""#), "{json}");
    let decoded = AnyEvent::decode(&stream, &json).unwrap();
    assert_eq!(decoded.id, AnyId::Claim(key));
    assert_eq!(decoded.event, AnyEvent::Claim(held_by(staff())[0].clone()));
}
