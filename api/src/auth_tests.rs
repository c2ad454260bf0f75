#![allow(clippy::unwrap_used)]

use super::*;

fn keys() -> AuthKeys {
    AuthKeys::from_secret(b"0123456789abcdef0123456789abcdef")
}

#[test]
fn a_token_round_trips_with_its_role_and_subject() {
    let token = keys()
        .issue_role(Role::Dealer, "D-BER-01", Duration::hours(1))
        .unwrap();
    assert_eq!(
        keys().verify(&token).unwrap(),
        Caller::of(Role::Dealer, "D-BER-01")
    );
}

#[test]
fn forged_expired_and_wrong_algorithm_tokens_are_unauthorized() {
    let other = AuthKeys::from_secret(b"another-secret-another-secret-xx");
    let forged = other
        .issue_role(Role::Planner, "alice", Duration::hours(1))
        .unwrap();
    assert!(matches!(
        keys().verify(&forged),
        Err(ApiError::Unauthorized(_))
    ));

    let claims = Claims {
        sub: "alice".into(),
        role: Role::Planner,
        exp: Utc::now().timestamp() - 10,
        iat: 0,
        user: None,
        manager: false,
        jti: None,
    };
    let secret = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
    let expired = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &secret).unwrap();
    assert!(matches!(
        keys().verify(&expired),
        Err(ApiError::Unauthorized(_))
    ));

    let claims = Claims {
        exp: Utc::now().timestamp() + 600,
        ..claims
    };
    let hs512 = jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims, &secret).unwrap();
    assert!(matches!(
        keys().verify(&hs512),
        Err(ApiError::Unauthorized(_))
    ));

    // alg "none": header {"alg":"none"} with no signature.
    let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJwbGFubmVyIiwiZXhwIjo0MTAyNDQ0ODAwfQ.";
    assert!(matches!(
        keys().verify(none),
        Err(ApiError::Unauthorized(_))
    ));
}

#[test]
fn a_subject_must_fit_its_role() {
    assert!(keys()
        .issue_role(Role::Customer, "D-BER-01", Duration::hours(1))
        .is_err());
    assert!(keys()
        .issue_role(Role::Dealer, "C-1001", Duration::hours(1))
        .is_err());
    assert!(keys()
        .issue_role(Role::Customer, "C-1001", Duration::zero())
        .is_err());
}

#[test]
fn a_staff_token_carries_the_person_and_the_manager_flag() {
    let identity = Identity {
        role: Role::Dealer,
        sub: "D-BER-01".into(),
        user: Some(UserId::parse("U-4F7Q2M").unwrap()),
        manager: true,
    };
    let issued = keys().issue_session(&identity, Duration::hours(1)).unwrap();
    let verified = keys().verify_token(&issued.token).unwrap();
    assert_eq!(verified.caller, Caller::from(identity));
    assert_eq!(verified.jti.as_deref(), Some(issued.jti.as_str()));
    assert_eq!(verified.expires_at, issued.expires_at);
}

#[test]
fn only_a_dealer_token_may_say_manager() {
    let planner = Identity {
        manager: true,
        ..Identity::of(Role::Planner, "alice")
    };
    assert!(matches!(
        keys().issue(&planner, Duration::hours(1)),
        Err(TokenError::Identity(IdentityError::ManagerNotDealer(
            Role::Planner
        )))
    ));
    // A forged claim is refused on the way in too.
    let claims = Claims {
        sub: "alice".into(),
        role: Role::Planner,
        exp: Utc::now().timestamp() + 600,
        iat: 0,
        user: Some("not-a-user".into()),
        manager: false,
        jti: None,
    };
    let secret = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
    let bad_user = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &secret).unwrap();
    assert!(matches!(
        keys().verify(&bad_user),
        Err(ApiError::Unauthorized(_))
    ));
    let claims = Claims {
        user: None,
        manager: true,
        ..claims
    };
    let manager = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &secret).unwrap();
    assert!(matches!(
        keys().verify(&manager),
        Err(ApiError::Unauthorized(_))
    ));
}

#[test]
fn a_token_of_before_staff_claims_stays_valid() {
    // {"sub":"D-BER-01","role":"dealer","exp":4102444800}
    let claims = serde_json::json!({"sub": "D-BER-01", "role": "dealer", "exp": 4_102_444_800_i64});
    let secret = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
    let old = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &secret).unwrap();
    assert_eq!(
        keys().verify(&old).unwrap(),
        Caller::of(Role::Dealer, "D-BER-01")
    );
}

#[test]
fn the_csrf_token_is_bound_to_the_session_and_the_secret() {
    let token = keys().csrf_token("session-1");
    assert!(keys().csrf_matches("session-1", &token));
    assert!(!keys().csrf_matches("session-2", &token));
    let other = AuthKeys::from_secret(b"another-secret-another-secret-xx");
    assert!(!other.csrf_matches("session-1", &token));
    assert!(!keys().csrf_matches("session-1", "zz"));
    assert!(!keys().csrf_matches("session-1", "é"));
    assert!(!keys().csrf_matches("session-1", ""));
}
