//! The lead: the 2-hour answer and its breach (exactly once), contacts and
//! ownership, regrading, the follow-up cadence, lost with a manager's
//! approval, and sold.
#![allow(clippy::unwrap_used)]

mod support;
use support::people::sealed;
use support::*;

use chrono::{DateTime, Duration, Utc};
use domain::catalog::Catalog;
use domain::lead::{
    ContactChannel, FirstResponse, Grade, Lead, LeadCommand, LeadError, LeadEvent, LeadSource,
};
use domain::streams::{stream_name, AnyEvent, AnyId};
use domain::values::{LeadId, UserId};
use domain::{Context, Decider, DomainEvent};
use proptest::prelude::*;

/// When the lead comes in: Monday 2026-11-23, 10:00 in Berlin.
const T0: &str = "2026-11-23T09:00:00Z";

fn t(minutes: i64) -> DateTime<Utc> {
    instant(T0) + Duration::minutes(minutes)
}

fn ana() -> UserId {
    user("U-ANA")
}
fn ben() -> UserId {
    user("U-BEN")
}
fn boss() -> UserId {
    user("U-BOSS")
}
fn lead_id() -> LeadId {
    LeadId::derived("lead-1")
}

fn create(grade: Grade) -> LeadCommand {
    LeadCommand::Create {
        lead: lead_id(),
        customer: customer("C-1001"),
        dealer: dealer("D-BER-01"),
        model: model("AURA"),
        source: LeadSource::Web,
        grade,
        note: Some(sealed(1)),
        assigned_to: None,
    }
}

fn when(
    at: DateTime<Utc>,
    history: &[LeadEvent],
    command: LeadCommand,
) -> Result<Vec<LeadEvent>, LeadError> {
    Lead::decide(
        &Lead::replay(history),
        command,
        &Context::new(at, catalog()),
    )
}

/// `history` and what `command` at `at` adds to it (which must be accepted).
fn then(mut history: Vec<LeadEvent>, at: DateTime<Utc>, command: LeadCommand) -> Vec<LeadEvent> {
    history.extend(when(at, &history, command).unwrap());
    history
}

fn created() -> Vec<LeadEvent> {
    when(t(0), &[], create(Grade::B)).unwrap()
}

fn contact(by: UserId, by_manager: bool, grade: Option<Grade>) -> LeadCommand {
    LeadCommand::RecordContact {
        by: Some(by),
        by_manager,
        channel: ContactChannel::Phone,
        note: None,
        grade,
    }
}

/// Created and answered by Ana (who thereby holds it) after 30 minutes.
fn answered() -> Vec<LeadEvent> {
    then(created(), t(30), contact(ana(), false, None))
}

fn lost_requested() -> Vec<LeadEvent> {
    then(
        answered(),
        t(60),
        LeadCommand::RequestLost {
            by: Some(ana()),
            reason: "bought elsewhere".into(),
        },
    )
}

fn decide_lost(by: UserId, by_manager: bool, approve: bool) -> LeadCommand {
    LeadCommand::DecideLost {
        by: Some(by),
        by_manager,
        approve,
    }
}

#[test]
fn a_new_lead_is_due_an_answer_two_hours_after_it_came_in() {
    assert_eq!(
        created(),
        vec![LeadEvent::Created {
            lead: lead_id(),
            customer: customer("C-1001"),
            dealer: dealer("D-BER-01"),
            model: model("AURA"),
            source: LeadSource::Web,
            grade: Grade::B,
            note: Some(sealed(1)),
            assigned_to: None,
            respond_by: t(120),
            at: t(0),
        }]
    );
    assert_eq!(created()[0].event_type(), "LeadCreated");
    let lead = Lead::replay(&created());
    assert!(lead.exists() && lead.open());
    assert_eq!(lead.grade(), Some(Grade::B));
    assert_eq!(lead.respond_by(), Some(t(120)));
    assert_eq!(lead.next_follow_up(), Some(t(120)));
    assert_eq!(lead.assigned_to(), None);
    assert_eq!(lead.source(), Some(LeadSource::Web));
}

#[test]
fn a_lead_is_created_once() {
    assert_eq!(
        when(t(1), &created(), create(Grade::B)),
        Err(LeadError::AlreadyCreated { lead: lead_id() })
    );
}

#[test]
fn a_lead_is_for_a_dealer_and_a_model_of_the_catalog_sold_in_its_market() {
    let mut command = create(Grade::B);
    if let LeadCommand::Create { dealer: d, .. } = &mut command {
        *d = dealer("D-XYZ-01");
    }
    assert_eq!(
        when(t(0), &[], command),
        Err(LeadError::UnknownDealer {
            dealer: dealer("D-XYZ-01")
        })
    );
    let mut command = create(Grade::B);
    if let LeadCommand::Create { model: m, .. } = &mut command {
        *m = model("NOVA");
    }
    assert_eq!(
        when(t(0), &[], command),
        Err(LeadError::UnknownModel {
            model: model("NOVA")
        })
    );
    // A catalog where AURA is sold in Germany only (and no dealer shows one).
    let demo = include_str!("../catalog/demo.toml");
    let without_cars: Vec<&str> = demo
        .split("\n\n")
        .filter(|block| !block.starts_with("[[dealers.demo_cars]]"))
        .collect();
    let text = without_cars.join("\n\n").replacen(
        "prices = { DE = 4290000, CN = 22990000 }",
        "prices = { DE = 4290000 }",
        1,
    );
    let german = Catalog::from_toml(&text).unwrap();
    let mut command = create(Grade::B);
    if let LeadCommand::Create { dealer: d, .. } = &mut command {
        *d = dealer("D-SHA-01");
    }
    assert_eq!(
        Lead::decide(&Lead::default(), command, &Context::new(t(0), &german)),
        Err(LeadError::ModelNotSoldInMarket {
            model: model("AURA"),
            market: market("CN")
        })
    );
}

#[test]
fn a_lead_opens_in_an_open_grade_only() {
    for grade in [Grade::F, Grade::S] {
        assert_eq!(
            when(t(0), &[], create(grade)),
            Err(LeadError::GradeNotAllowed { grade })
        );
    }
    for grade in Grade::OPEN {
        assert!(when(t(0), &[], create(grade)).is_ok());
    }
}

#[test]
fn nothing_but_creation_is_asked_of_a_lead_that_does_not_exist() {
    for command in [
        contact(ana(), false, None),
        LeadCommand::Assign {
            user: ana(),
            by_manager: true,
        },
        LeadCommand::MarkSold { order: order_id(1) },
        LeadCommand::RecordBreach,
        LeadCommand::EnsureAtLeast { grade: Grade::C },
    ] {
        assert_eq!(when(t(0), &[], command), Err(LeadError::NotCreated));
    }
}

#[test]
fn the_first_contact_answers_the_lead_and_records_how_long_it_took() {
    let events = when(t(90), &created(), contact(ana(), false, None)).unwrap();
    assert_eq!(
        events,
        vec![
            LeadEvent::Assigned {
                user: ana(),
                at: t(90)
            },
            LeadEvent::ContactRecorded {
                by: Some(ana()),
                channel: ContactChannel::Phone,
                note: None,
                first_response: Some(FirstResponse {
                    after_seconds: 90 * 60,
                    in_time: true
                }),
                at: t(90),
            },
        ]
    );
    let history = then(created(), t(90), contact(ana(), false, None));
    let lead = Lead::replay(&history);
    assert_eq!(lead.first_contact_at(), Some(t(90)));
    assert_eq!(lead.assigned_to(), Some(&ana()));
    let again = when(t(200), &history, contact(ana(), false, None)).unwrap();
    assert!(matches!(
        again.as_slice(),
        [LeadEvent::ContactRecorded {
            first_response: None,
            ..
        }]
    ));
}

#[test]
fn an_answer_after_two_hours_is_recorded_as_late() {
    let events = when(t(120), &created(), contact(ana(), false, None)).unwrap();
    assert!(events.contains(&LeadEvent::ContactRecorded {
        by: Some(ana()),
        channel: ContactChannel::Phone,
        note: None,
        first_response: Some(FirstResponse {
            after_seconds: 2 * 3600,
            in_time: false
        }),
        at: t(120),
    }));
}

#[test]
fn a_missed_answer_is_recorded_exactly_once() {
    assert_eq!(
        when(t(119), &created(), LeadCommand::RecordBreach),
        Ok(vec![])
    );
    assert_eq!(
        when(t(120), &created(), LeadCommand::RecordBreach),
        Ok(vec![LeadEvent::SlaBreached {
            respond_by: t(120),
            at: t(120)
        }])
    );
    let breached = then(created(), t(125), LeadCommand::RecordBreach);
    assert!(Lead::replay(&breached).sla_breached());
    assert_eq!(
        when(t(130), &breached, LeadCommand::RecordBreach),
        Ok(vec![])
    );
    assert_eq!(
        when(t(9999), &breached, LeadCommand::RecordBreach),
        Ok(vec![])
    );
    // Answered late, the breach is still recorded once and never again.
    let late = then(breached, t(140), contact(ana(), false, None));
    assert_eq!(when(t(150), &late, LeadCommand::RecordBreach), Ok(vec![]));
}

#[test]
fn a_lead_answered_in_time_never_breaches() {
    assert_eq!(
        when(t(500), &answered(), LeadCommand::RecordBreach),
        Ok(vec![])
    );
    assert!(!Lead::replay(&answered()).sla_breached());
}

#[test]
fn a_lead_closed_before_an_answer_has_nothing_left_to_answer() {
    let sold = then(
        created(),
        t(60),
        LeadCommand::MarkSold { order: order_id(1) },
    );
    assert_eq!(when(t(500), &sold, LeadCommand::RecordBreach), Ok(vec![]));
}

#[test]
fn a_contact_may_regrade_to_an_open_grade() {
    let events = when(t(30), &created(), contact(ana(), false, Some(Grade::H))).unwrap();
    assert_eq!(
        events.last(),
        Some(&LeadEvent::Regraded {
            from: Grade::B,
            to: Grade::H,
            by: Some(ana()),
            at: t(30)
        })
    );
    let same = when(t(30), &created(), contact(ana(), false, Some(Grade::B))).unwrap();
    assert!(!same.iter().any(|e| matches!(e, LeadEvent::Regraded { .. })));
    for grade in [Grade::F, Grade::S] {
        assert_eq!(
            when(t(30), &created(), contact(ana(), false, Some(grade))),
            Err(LeadError::GradeNotAllowed { grade })
        );
    }
}

#[test]
fn a_lead_assigned_to_a_consultant_is_worked_by_them_or_a_manager() {
    assert_eq!(
        when(t(40), &answered(), contact(ben(), false, None)),
        Err(LeadError::AssignedToAnother { assignee: ana() })
    );
    let by_manager = when(t(40), &answered(), contact(boss(), true, None)).unwrap();
    assert!(matches!(
        by_manager.as_slice(),
        [LeadEvent::ContactRecorded { .. }]
    ));
    let history = then(answered(), t(40), contact(boss(), true, None));
    assert_eq!(Lead::replay(&history).assigned_to(), Some(&ana()));
}

#[test]
fn the_outlets_shared_account_answers_unassigned_leads_but_takes_none() {
    let outlet = LeadCommand::RecordContact {
        by: None,
        by_manager: false,
        channel: ContactChannel::Phone,
        note: None,
        grade: None,
    };
    let history = then(created(), t(10), outlet.clone());
    let lead = Lead::replay(&history);
    assert_eq!(lead.assigned_to(), None, "no person to give it to");
    assert_eq!(lead.first_contact_at(), Some(t(10)), "the answer counts");
    assert_eq!(
        when(t(40), &answered(), outlet),
        Err(LeadError::AssignedToAnother { assignee: ana() }),
        "a lead a consultant works is theirs"
    );
}

#[test]
fn a_managers_contact_on_an_unassigned_lead_leaves_it_unassigned() {
    let history = then(created(), t(10), contact(boss(), true, None));
    assert_eq!(Lead::replay(&history).assigned_to(), None);
    assert!(Lead::replay(&history).first_contact_at().is_some());
}

#[test]
fn only_a_manager_assigns_an_open_lead() {
    let assign = |user: UserId, by_manager: bool| LeadCommand::Assign { user, by_manager };
    assert_eq!(
        when(t(40), &answered(), assign(ben(), false)),
        Err(LeadError::NotManager)
    );
    assert_eq!(
        when(t(40), &answered(), assign(ben(), true)),
        Ok(vec![LeadEvent::Assigned {
            user: ben(),
            at: t(40)
        }])
    );
    assert_eq!(when(t(40), &answered(), assign(ana(), true)), Ok(vec![]));
    let history = then(answered(), t(40), assign(ben(), true));
    assert_eq!(Lead::replay(&history).assigned_to(), Some(&ben()));
    assert!(when(t(50), &history, contact(ben(), false, None)).is_ok());
    let sold = then(
        answered(),
        t(40),
        LeadCommand::MarkSold { order: order_id(1) },
    );
    assert_eq!(
        when(t(50), &sold, assign(ben(), true)),
        Err(LeadError::LeadClosed { grade: Grade::S })
    );
}

#[test]
fn asking_for_lost_keeps_the_grade_until_a_manager_decides() {
    let history = lost_requested();
    assert_eq!(
        history.last(),
        Some(&LeadEvent::LostRequested {
            by: Some(ana()),
            reason: "bought elsewhere".into(),
            at: t(60)
        })
    );
    let lead = Lead::replay(&history);
    assert_eq!(lead.grade(), Some(Grade::B));
    assert!(lead.open());
    assert_eq!(lead.lost_request().unwrap().by, Some(ana()));
    assert_eq!(
        when(
            t(70),
            &history,
            LeadCommand::RequestLost {
                by: Some(ana()),
                reason: "again".into()
            }
        ),
        Err(LeadError::LostAlreadyRequested { by: Some(ana()) })
    );
}

#[test]
fn asking_for_lost_needs_a_reason() {
    let request = |reason: &str| LeadCommand::RequestLost {
        by: Some(ana()),
        reason: reason.into(),
    };
    assert_eq!(
        when(t(60), &answered(), request("  ")),
        Err(LeadError::ReasonMissing)
    );
    assert_eq!(
        when(t(60), &answered(), request(&"x".repeat(201))),
        Err(LeadError::ReasonTooLong { max: 200 })
    );
}

#[test]
fn a_consultant_cannot_approve_their_own_request_for_lost() {
    assert_eq!(
        when(t(70), &lost_requested(), decide_lost(ana(), false, true)),
        Err(LeadError::NotManager)
    );
}

#[test]
fn a_manager_approving_lost_closes_the_lead_as_f() {
    let events = when(t(70), &lost_requested(), decide_lost(boss(), true, true)).unwrap();
    assert_eq!(
        events,
        vec![LeadEvent::Lost {
            by: Some(boss()),
            requested_by: Some(ana()),
            reason: "bought elsewhere".into(),
            from: Grade::B,
            at: t(70)
        }]
    );
    let lost = then(lost_requested(), t(70), decide_lost(boss(), true, true));
    let lead = Lead::replay(&lost);
    assert_eq!(lead.grade(), Some(Grade::F));
    assert!(!lead.open());
    assert_eq!(lead.next_follow_up(), None);
    assert!(!lead.overdue(t(100_000)));
    assert_eq!(
        when(t(80), &lost, contact(ana(), false, None)),
        Err(LeadError::LeadClosed { grade: Grade::F })
    );
}

#[test]
fn a_manager_refusing_lost_keeps_the_grade_and_clears_the_request() {
    let refused = then(lost_requested(), t(70), decide_lost(boss(), true, false));
    assert!(matches!(
        refused.last(),
        Some(LeadEvent::LostRefused { requested_by, .. }) if *requested_by == Some(ana())
    ));
    let lead = Lead::replay(&refused);
    assert_eq!(lead.grade(), Some(Grade::B));
    assert_eq!(lead.lost_request(), None);
    assert_eq!(
        when(t(80), &refused, decide_lost(boss(), true, true)),
        Err(LeadError::NoLostRequest)
    );
    let again = LeadCommand::RequestLost {
        by: Some(ana()),
        reason: "no budget".into(),
    };
    assert!(when(t(80), &refused, again).is_ok());
}

#[test]
fn a_manager_may_decide_their_own_request_for_lost() {
    let own = then(
        created(),
        t(10),
        LeadCommand::RequestLost {
            by: Some(boss()),
            reason: "duplicate enquiry".into(),
        },
    );
    assert!(matches!(
        when(t(20), &own, decide_lost(boss(), true, true)).as_deref(),
        Ok([LeadEvent::Lost { .. }])
    ));
}

#[test]
fn a_lead_is_sold_once_for_one_order() {
    let sell = |n: u32| LeadCommand::MarkSold { order: order_id(n) };
    assert_eq!(
        when(t(60), &answered(), sell(1)),
        Ok(vec![LeadEvent::Sold {
            order: order_id(1),
            from: Grade::B,
            at: t(60)
        }])
    );
    let sold = then(answered(), t(60), sell(1));
    let lead = Lead::replay(&sold);
    assert_eq!(lead.grade(), Some(Grade::S));
    assert_eq!(lead.sold_with(), Some(order_id(1)));
    assert_eq!(lead.next_follow_up(), None);
    assert_eq!(when(t(70), &sold, sell(1)), Ok(vec![]));
    assert_eq!(
        when(t(70), &sold, sell(2)),
        Err(LeadError::AlreadySold { order: order_id(1) })
    );
    assert_eq!(
        when(t(70), &sold, contact(ana(), false, None)),
        Err(LeadError::LeadClosed { grade: Grade::S })
    );
}

#[test]
fn a_lost_lead_whose_customer_came_back_and_bought_is_sold() {
    let lost = then(lost_requested(), t(70), decide_lost(boss(), true, true));
    let events = when(t(5000), &lost, LeadCommand::MarkSold { order: order_id(1) }).unwrap();
    assert_eq!(
        events,
        vec![LeadEvent::Sold {
            order: order_id(1),
            from: Grade::F,
            at: t(5000)
        }]
    );
}

#[test]
fn a_sale_clears_a_pending_request_for_lost() {
    let sold = then(
        lost_requested(),
        t(70),
        LeadCommand::MarkSold { order: order_id(1) },
    );
    assert_eq!(Lead::replay(&sold).lost_request(), None);
    assert_eq!(
        when(t(80), &sold, decide_lost(boss(), true, true)),
        Err(LeadError::LeadClosed { grade: Grade::S })
    );
}

#[test]
fn an_online_booking_raises_an_open_lead_to_at_least_c() {
    let at_least_c = || LeadCommand::EnsureAtLeast { grade: Grade::C };
    assert_eq!(when(t(10), &created(), at_least_c()), Ok(vec![]));
    let cold = when(t(0), &[], create(Grade::D)).unwrap();
    assert_eq!(
        when(t(10), &cold, at_least_c()),
        Ok(vec![LeadEvent::Regraded {
            from: Grade::D,
            to: Grade::C,
            by: None,
            at: t(10)
        }])
    );
    assert_eq!(
        when(t(10), &cold, LeadCommand::EnsureAtLeast { grade: Grade::F }),
        Err(LeadError::GradeNotAllowed { grade: Grade::F })
    );
    let sold = then(cold, t(20), LeadCommand::MarkSold { order: order_id(1) });
    assert_eq!(
        when(t(30), &sold, at_least_c()),
        Err(LeadError::LeadClosed { grade: Grade::S })
    );
}

#[test]
fn the_next_follow_up_is_the_last_contact_plus_the_grades_interval() {
    let expected = [
        (Grade::H, 1),
        (Grade::A, 3),
        (Grade::B, 5),
        (Grade::C, 15),
        (Grade::D, 30),
    ];
    for (grade, days) in expected {
        let history = then(
            when(t(0), &[], create(grade)).unwrap(),
            t(30),
            contact(ana(), false, None),
        );
        let lead = Lead::replay(&history);
        let due = t(30) + Duration::days(days);
        assert_eq!(lead.next_follow_up(), Some(due), "{grade}");
        assert!(!lead.overdue(due - Duration::seconds(1)), "{grade}");
        assert!(lead.overdue(due), "{grade}");
        // A later contact moves it on.
        let later = then(history, t(600), contact(ana(), false, None));
        assert_eq!(
            Lead::replay(&later).next_follow_up(),
            Some(t(600) + Duration::days(days))
        );
    }
}

#[test]
fn before_the_first_contact_the_follow_up_is_the_answer_due() {
    let lead = Lead::replay(&created());
    assert!(!lead.overdue(t(119)));
    assert!(lead.overdue(t(120)));
}

#[test]
fn a_regrade_changes_the_cadence_from_the_last_contact() {
    let hot = then(created(), t(30), contact(ana(), false, Some(Grade::H)));
    assert_eq!(
        Lead::replay(&hot).next_follow_up(),
        Some(t(30) + Duration::days(1))
    );
}

#[test]
fn grades_are_written_as_their_letter_and_ranked_by_intent() {
    for grade in Grade::ALL {
        assert_eq!(
            serde_json::to_value(grade).unwrap(),
            serde_json::json!(grade.as_str())
        );
        assert_eq!(Grade::parse(grade.as_str()), Ok(grade));
    }
    assert!(Grade::parse("E").is_err());
    assert!(Grade::H.at_least(Grade::A) && Grade::A.at_least(Grade::A));
    assert!(!Grade::D.at_least(Grade::C));
    assert!(!Grade::S.at_least(Grade::D) && !Grade::H.at_least(Grade::F));
    assert_eq!(Grade::F.follow_up_every(), None);
    for source in LeadSource::ALL {
        assert_eq!(
            serde_json::to_value(source).unwrap(),
            serde_json::json!(source.as_str())
        );
    }
    for channel in ContactChannel::ALL {
        assert_eq!(
            serde_json::to_value(channel).unwrap(),
            serde_json::json!(channel.as_str())
        );
    }
}

#[test]
fn a_leads_stream_is_named_by_its_id_and_reads_back() {
    let stream = stream_name::<Lead>(&lead_id());
    assert_eq!(stream, format!("lead-{}", lead_id()));
    let json = serde_json::to_string(&created()[0]).unwrap();
    let decoded = AnyEvent::decode(&stream, &json).unwrap();
    assert_eq!(decoded.id, AnyId::Lead(lead_id()));
    assert_eq!(decoded.event, AnyEvent::Lead(created()[0].clone()));
}

// Properties.

fn command() -> impl Strategy<Value = LeadCommand> {
    let who = prop_oneof![Just(ana()), Just(ben()), Just(boss())];
    let grade = prop::sample::select(Grade::ALL.to_vec());
    prop_oneof![
        (who.clone(), any::<bool>(), prop::option::of(grade.clone()))
            .prop_map(|(by, by_manager, grade)| contact(by, by_manager, grade)),
        (who.clone(), any::<bool>())
            .prop_map(|(user, by_manager)| LeadCommand::Assign { user, by_manager }),
        who.clone().prop_map(|by| LeadCommand::RequestLost {
            by: Some(by),
            reason: "no budget".into()
        }),
        (who, any::<bool>(), any::<bool>()).prop_map(|(by, by_manager, approve)| {
            LeadCommand::DecideLost {
                by: Some(by),
                by_manager,
                approve,
            }
        }),
        (1..3u32).prop_map(|n| LeadCommand::MarkSold { order: order_id(n) }),
        grade.prop_map(|grade| LeadCommand::EnsureAtLeast { grade }),
        Just(LeadCommand::RecordBreach),
        Just(LeadCommand::RecordBreach),
    ]
}

proptest! {
    #[test]
    fn whatever_happens_a_breach_is_recorded_at_most_once_and_only_unanswered(
        steps in prop::collection::vec((command(), 0..90i64), 1..40),
    ) {
        let mut history = created();
        let mut state = Lead::replay(&history);
        let mut now = t(0);
        for (command, minutes) in steps {
            now += Duration::minutes(minutes);
            let Ok(events) = Lead::decide(&state, command, &Context::new(now, catalog())) else {
                continue;
            };
            for event in &events {
                let was_open = state.open();
                match event {
                    LeadEvent::SlaBreached { .. } => {
                        prop_assert!(state.first_contact_at().is_none());
                        prop_assert!(now >= state.respond_by().unwrap());
                    }
                    LeadEvent::Lost { .. } => prop_assert!(state.lost_request().is_some()),
                    LeadEvent::ContactRecorded { .. }
                    | LeadEvent::Regraded { .. }
                    | LeadEvent::Assigned { .. } => prop_assert!(was_open),
                    _ => {}
                }
                state = Lead::evolve(state, event);
            }
            history.extend(events);
            if let Some(grade) = state.grade() {
                prop_assert_eq!(state.next_follow_up().is_none(), !grade.is_open());
            }
        }
        let breaches = history
            .iter()
            .filter(|e| matches!(e, LeadEvent::SlaBreached { .. }))
            .count();
        prop_assert!(breaches <= 1);
        prop_assert_eq!(Lead::replay(&history), state);
    }
}
