//! The shipment aggregate: a planned, then actual, move of one vehicle.

#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use chrono::{Days, NaiveDate};
use domain::catalog::Catalog;
use domain::shipment::{
    decide, evolve, Leg, Shipment, ShipmentCommand, ShipmentError, ShipmentEvent, ShipmentStatus,
    MAX_REASON_CHARS,
};
use domain::{Context, Decider, DomainEvent};
use proptest::prelude::*;

const TODAY: &str = "2026-11-23";

fn when(
    history: &[ShipmentEvent],
    command: ShipmentCommand,
) -> Result<Vec<ShipmentEvent>, ShipmentError> {
    given::<Shipment>(history, command, TODAY)
}

fn state(history: &[ShipmentEvent]) -> Shipment {
    Shipment::replay(history)
}

fn plan(from: &str, to: &str, ready_on: &str) -> ShipmentCommand {
    ShipmentCommand::Plan {
        shipment: shipment_id(1),
        vehicle: vehicle_id(1),
        order: Some(order_id(1)),
        from: location(from),
        to: location(to),
        ready_on: day(ready_on),
    }
}

/// Leipzig → Munich (4 days) for order 1, leaving `departure`.
fn planned(departure: &str, eta: &str) -> ShipmentEvent {
    ShipmentEvent::Planned {
        shipment: shipment_id(1),
        vehicle: vehicle_id(1),
        order: Some(order_id(1)),
        legs: vec![Leg {
            from: location("P-LEIPZIG"),
            to: location("D-MUC-01"),
            days: 4,
        }],
        departure: day(departure),
        eta: day(eta),
    }
}

fn dispatched(on: &str, eta: &str) -> ShipmentEvent {
    ShipmentEvent::Dispatched {
        shipment: shipment_id(1),
        vehicle: vehicle_id(1),
        order: Some(order_id(1)),
        from: location("P-LEIPZIG"),
        to: location("D-MUC-01"),
        departed_on: day(on),
        eta: day(eta),
    }
}

fn delayed(reason: &str, new_eta: &str) -> ShipmentEvent {
    ShipmentEvent::Delayed {
        shipment: shipment_id(1),
        vehicle: vehicle_id(1),
        order: Some(order_id(1)),
        reason: reason.to_owned(),
        new_eta: day(new_eta),
        on: day(TODAY),
    }
}

fn arrived(on: &str) -> ShipmentEvent {
    ShipmentEvent::Arrived {
        shipment: shipment_id(1),
        vehicle: vehicle_id(1),
        order: Some(order_id(1)),
        at: location("D-MUC-01"),
        on: day(on),
    }
}

fn cancelled(reason: &str) -> ShipmentEvent {
    ShipmentEvent::Cancelled {
        shipment: shipment_id(1),
        vehicle: vehicle_id(1),
        order: Some(order_id(1)),
        reason: reason.to_owned(),
        on: day(TODAY),
    }
}

fn delay(reason: &str, new_eta: &str) -> ShipmentCommand {
    ShipmentCommand::Delay {
        reason: reason.to_owned(),
        new_eta: day(new_eta),
    }
}

fn cancel(reason: &str) -> ShipmentCommand {
    ShipmentCommand::Cancel {
        reason: reason.to_owned(),
    }
}

/// Planned today (2026-11-23), dispatched today, expected 2026-11-27.
fn in_transit() -> Vec<ShipmentEvent> {
    vec![
        planned(TODAY, "2026-11-27"),
        dispatched(TODAY, "2026-11-27"),
    ]
}

// ---- plan -----------------------------------------------------------------

#[test]
fn a_planned_move_is_expected_on_its_ready_day_plus_the_transport_days() {
    // A build of week 2026-W50 is ready at the end of its week.
    assert_eq!(
        when(&[], plan("P-LEIPZIG", "D-MUC-01", "2026-12-13")),
        Ok(vec![planned("2026-12-13", "2026-12-17")])
    );
    let s = state(&[planned("2026-12-13", "2026-12-17")]);
    assert_eq!(s.status(), Some(ShipmentStatus::Planned));
    assert_eq!(s.origin(), Some(&location("P-LEIPZIG")));
    assert_eq!(s.destination(), Some(&location("D-MUC-01")));
    assert_eq!(s.days(), Some(4));
    assert_eq!(s.planned_departure(), Some(day("2026-12-13")));
    assert_eq!(s.eta(), Some(day("2026-12-17")));
    assert_eq!(s.vehicle(), Some(vehicle_id(1)));
    assert_eq!(s.order(), Some(order_id(1)));
    assert_eq!(s.departed_on(), None);
}

#[test]
fn a_move_ready_in_the_past_is_planned_from_today() {
    assert_eq!(
        when(&[], plan("P-LEIPZIG", "D-MUC-01", "2026-11-01")),
        Ok(vec![planned(TODAY, "2026-11-27")])
    );
}

#[test]
fn a_transfer_of_free_stock_has_no_order() {
    let command = ShipmentCommand::Plan {
        shipment: shipment_id(2),
        vehicle: vehicle_id(2),
        order: None,
        from: location("D-HAM-01"),
        to: location("D-BER-01"),
        ready_on: day(TODAY),
    };
    assert_eq!(
        when(&[], command),
        Ok(vec![ShipmentEvent::Planned {
            shipment: shipment_id(2),
            vehicle: vehicle_id(2),
            order: None,
            legs: vec![Leg {
                from: location("D-HAM-01"),
                to: location("D-BER-01"),
                days: 1,
            }],
            departure: day(TODAY),
            eta: day("2026-11-24"),
        }])
    );
}

#[test]
fn planning_the_same_move_again_changes_nothing_even_on_a_later_day() {
    let history = [planned(TODAY, "2026-11-27")];
    assert_eq!(
        when(&history, plan("P-LEIPZIG", "D-MUC-01", TODAY)),
        Ok(vec![])
    );
    assert_eq!(
        given::<Shipment>(&history, plan("P-LEIPZIG", "D-MUC-01", TODAY), "2026-11-25"),
        Ok(vec![])
    );
}

#[test]
fn planning_a_different_move_under_the_same_id_is_rejected() {
    let history = [planned(TODAY, "2026-11-27")];
    let already = Err(ShipmentError::AlreadyPlanned {
        shipment: shipment_id(1),
    });
    assert_eq!(
        when(&history, plan("P-LEIPZIG", "D-BER-01", TODAY)),
        already
    );
    let other_order = ShipmentCommand::Plan {
        shipment: shipment_id(1),
        vehicle: vehicle_id(1),
        order: Some(order_id(2)),
        from: location("P-LEIPZIG"),
        to: location("D-MUC-01"),
        ready_on: day(TODAY),
    };
    assert_eq!(when(&history, other_order), already);
}

#[test]
fn a_move_must_go_somewhere_else() {
    assert_eq!(
        when(&[], plan("D-BER-01", "D-BER-01", TODAY)),
        Err(ShipmentError::SameLocation {
            location: location("D-BER-01")
        })
    );
}

#[test]
fn a_move_from_or_to_an_unknown_location_is_rejected() {
    assert_eq!(
        when(&[], plan("D-XYZ-01", "D-BER-01", TODAY)),
        Err(ShipmentError::UnknownLocation {
            location: location("D-XYZ-01")
        })
    );
    assert_eq!(
        when(&[], plan("D-BER-01", "P-NOWHERE", TODAY)),
        Err(ShipmentError::UnknownLocation {
            location: location("P-NOWHERE")
        })
    );
}

#[test]
fn a_move_without_a_route_in_the_transport_table_is_rejected() {
    const DEMO: &str = include_str!("../catalog/demo.toml");
    let route = "[[transport]]\nbetween = [\"D-BER-01\", \"D-HAM-01\"]\ndays = 1\n";
    assert!(DEMO.contains(route));
    let catalog = Catalog::from_toml(&DEMO.replace(route, "")).unwrap();
    let ctx = Context::new(at(TODAY), &catalog);
    assert_eq!(
        decide(
            &Shipment::default(),
            plan("D-HAM-01", "D-BER-01", TODAY),
            &ctx
        ),
        Err(ShipmentError::NoRoute {
            from: location("D-HAM-01"),
            to: location("D-BER-01"),
        })
    );
}

#[test]
fn commands_for_a_shipment_not_planned_are_rejected() {
    for command in [
        ShipmentCommand::Dispatch,
        delay("port congestion", "2026-12-01"),
        ShipmentCommand::Arrive,
        cancel("order cancelled"),
    ] {
        assert_eq!(when(&[], command), Err(ShipmentError::NotFound));
    }
}

// ---- dispatch -------------------------------------------------------------

#[test]
fn dispatching_a_planned_move_sets_it_off_today_with_a_fresh_eta() {
    // Planned to leave on 2026-12-13, the yard hands it over early.
    let history = [planned("2026-12-13", "2026-12-17")];
    assert_eq!(
        when(&history, ShipmentCommand::Dispatch),
        Ok(vec![dispatched(TODAY, "2026-11-27")])
    );
    let s = state(&[
        planned("2026-12-13", "2026-12-17"),
        dispatched(TODAY, "2026-11-27"),
    ]);
    assert_eq!(s.status(), Some(ShipmentStatus::InTransit));
    assert_eq!(s.departed_on(), Some(day(TODAY)));
    assert_eq!(s.eta(), Some(day("2026-11-27")));
}

#[test]
fn dispatching_a_moving_shipment_again_changes_nothing() {
    assert_eq!(when(&in_transit(), ShipmentCommand::Dispatch), Ok(vec![]));
}

#[test]
fn only_a_planned_shipment_can_be_dispatched() {
    assert_eq!(
        when(
            &[planned(TODAY, "2026-11-27"), cancelled("order cancelled")],
            ShipmentCommand::Dispatch
        ),
        Err(ShipmentError::NotPlanned {
            status: ShipmentStatus::Cancelled
        })
    );
    let mut history = in_transit();
    history.push(arrived("2026-11-27"));
    assert_eq!(
        when(&history, ShipmentCommand::Dispatch),
        Err(ShipmentError::NotPlanned {
            status: ShipmentStatus::Arrived
        })
    );
}

// ---- delay ----------------------------------------------------------------

#[test]
fn a_moving_shipment_can_be_delayed_with_a_reason_and_a_new_eta() {
    let mut history = in_transit();
    assert_eq!(
        when(&history, delay(" port congestion ", "2026-12-02")),
        Ok(vec![delayed("port congestion", "2026-12-02")])
    );
    history.push(delayed("port congestion", "2026-12-02"));
    let s = state(&history);
    assert_eq!(s.eta(), Some(day("2026-12-02")));
    assert_eq!(s.delays().len(), 1);
    assert_eq!(s.delays()[0].reason, "port congestion");
    assert_eq!(s.delays()[0].recorded_on, day(TODAY));
    assert_eq!(s.status(), Some(ShipmentStatus::InTransit));
}

#[test]
fn a_planned_shipment_can_be_delayed_before_it_leaves() {
    let history = [planned(TODAY, "2026-11-27")];
    assert_eq!(
        when(&history, delay("no carrier available", "2026-11-30")),
        Ok(vec![delayed("no carrier available", "2026-11-30")])
    );
}

#[test]
fn recording_the_same_delay_again_changes_nothing() {
    let mut history = in_transit();
    history.push(delayed("port congestion", "2026-12-02"));
    assert_eq!(
        when(&history, delay("port congestion", "2026-12-02")),
        Ok(vec![])
    );
    // A new reason or a new ETA is a new delay.
    assert!(matches!(
        when(&history, delay("port congestion", "2026-12-04")).as_deref(),
        Ok([ShipmentEvent::Delayed { .. }])
    ));
}

#[test]
fn a_delay_needs_a_reason_of_reasonable_length() {
    assert_eq!(
        when(&in_transit(), delay("  ", "2026-12-02")),
        Err(ShipmentError::ReasonMissing)
    );
    assert_eq!(
        when(
            &in_transit(),
            delay(&"x".repeat(MAX_REASON_CHARS + 1), "2026-12-02")
        ),
        Err(ShipmentError::ReasonTooLong {
            max: MAX_REASON_CHARS
        })
    );
}

#[test]
fn a_delay_with_a_new_eta_in_the_past_is_rejected() {
    assert_eq!(
        when(&in_transit(), delay("port congestion", "2026-11-22")),
        Err(ShipmentError::EtaInPast {
            eta: day("2026-11-22"),
            today: day(TODAY)
        })
    );
}

#[test]
fn an_arrived_or_cancelled_shipment_cannot_be_delayed() {
    let mut arrived_history = in_transit();
    arrived_history.push(arrived("2026-11-27"));
    assert_eq!(
        when(&arrived_history, delay("port congestion", "2026-12-02")),
        Err(ShipmentError::NotUnderway {
            status: ShipmentStatus::Arrived
        })
    );
    assert_eq!(
        when(
            &[planned(TODAY, "2026-11-27"), cancelled("order cancelled")],
            delay("port congestion", "2026-12-02")
        ),
        Err(ShipmentError::NotUnderway {
            status: ShipmentStatus::Cancelled
        })
    );
}

// ---- arrive ---------------------------------------------------------------

#[test]
fn a_moving_shipment_arrives_at_its_destination_today() {
    let mut history = in_transit();
    assert_eq!(
        given::<Shipment>(&history, ShipmentCommand::Arrive, "2026-11-27"),
        Ok(vec![arrived("2026-11-27")])
    );
    history.push(arrived("2026-11-27"));
    let s = state(&history);
    assert_eq!(s.status(), Some(ShipmentStatus::Arrived));
    assert_eq!(s.arrived_on(), Some(day("2026-11-27")));
}

#[test]
fn arriving_again_changes_nothing() {
    let mut history = in_transit();
    history.push(arrived("2026-11-27"));
    assert_eq!(when(&history, ShipmentCommand::Arrive), Ok(vec![]));
}

#[test]
fn a_shipment_that_has_not_left_cannot_arrive() {
    assert_eq!(
        when(&[planned(TODAY, "2026-11-27")], ShipmentCommand::Arrive),
        Err(ShipmentError::NotInTransit {
            status: ShipmentStatus::Planned
        })
    );
}

// ---- cancel ---------------------------------------------------------------

#[test]
fn a_planned_move_can_be_cancelled_with_a_reason() {
    let history = [planned(TODAY, "2026-11-27")];
    assert_eq!(
        when(&history, cancel("order cancelled")),
        Ok(vec![cancelled("order cancelled")])
    );
    let s = state(&[planned(TODAY, "2026-11-27"), cancelled("order cancelled")]);
    assert_eq!(s.status(), Some(ShipmentStatus::Cancelled));
    assert_eq!(s.cancel_reason(), Some("order cancelled"));
}

#[test]
fn cancelling_again_changes_nothing() {
    assert_eq!(
        when(
            &[planned(TODAY, "2026-11-27"), cancelled("order cancelled")],
            cancel("order cancelled")
        ),
        Ok(vec![])
    );
}

#[test]
fn a_move_under_way_cannot_be_cancelled() {
    assert_eq!(
        when(&in_transit(), cancel("order cancelled")),
        Err(ShipmentError::NotCancellable {
            status: ShipmentStatus::InTransit
        })
    );
}

#[test]
fn a_cancellation_needs_a_reason() {
    assert_eq!(
        when(&[planned(TODAY, "2026-11-27")], cancel("")),
        Err(ShipmentError::ReasonMissing)
    );
}

// ---- the stored form ------------------------------------------------------

#[test]
fn events_are_stored_under_their_pinned_names() {
    let all = [
        (planned(TODAY, "2026-11-27"), "ShipmentPlanned"),
        (dispatched(TODAY, "2026-11-27"), "ShipmentDispatched"),
        (delayed("strike", "2026-12-01"), "ShipmentDelayed"),
        (arrived("2026-11-27"), "ShipmentArrived"),
        (cancelled("order cancelled"), "ShipmentCancelled"),
    ];
    for (event, name) in all {
        assert_eq!(event.event_type(), name);
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], name);
        let back: ShipmentEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }
    let json = serde_json::to_value(planned(TODAY, "2026-11-27")).unwrap();
    assert_eq!(json["data"]["legs"][0]["from"], "P-LEIPZIG");
    assert_eq!(json["data"]["eta"], "2026-11-27");
    assert_eq!(
        serde_json::to_value(ShipmentStatus::InTransit).unwrap(),
        "in_transit"
    );
}

#[test]
fn evolve_ignores_events_that_cannot_apply() {
    assert_eq!(state(&[arrived(TODAY)]), Shipment::default());
    // Arrival before dispatch, cancellation of a moving shipment: ignored.
    let s = state(&[planned(TODAY, "2026-11-27"), arrived(TODAY)]);
    assert_eq!(s.status(), Some(ShipmentStatus::Planned));
    let mut history = in_transit();
    history.push(cancelled("too late"));
    assert_eq!(state(&history).status(), Some(ShipmentStatus::InTransit));
}

// ---- properties -----------------------------------------------------------

const LOCATIONS: [&str; 5] = ["P-LEIPZIG", "D-MUC-01", "D-BER-01", "D-SHA-01", "D-XYZ-01"];

/// A command; dates are given as days after the day it is decided on.
fn any_command() -> impl Strategy<Value = (ShipmentCommand, i64)> {
    let location = prop::sample::select(&LOCATIONS[..]);
    prop_oneof![
        2 => (location.clone(), location, prop::option::of(1..3u32), -3..20i64).prop_map(
            |(from, to, order, offset)| {
                let command = ShipmentCommand::Plan {
                    shipment: shipment_id(1),
                    vehicle: vehicle_id(1),
                    order: order.map(order_id),
                    from: support::location(from),
                    to: support::location(to),
                    ready_on: day(TODAY),
                };
                (command, offset)
            }
        ),
        3 => Just((ShipmentCommand::Dispatch, 0)),
        2 => (prop::sample::select(vec!["port congestion", " ", "strike"]), -2..10i64)
            .prop_map(|(reason, offset)| (delay(reason, TODAY), offset)),
        3 => Just((ShipmentCommand::Arrive, 0)),
        1 => prop::sample::select(vec!["order cancelled", ""])
            .prop_map(|reason| (cancel(reason), 0)),
    ]
}

fn dated(command: ShipmentCommand, today: NaiveDate, offset: i64) -> ShipmentCommand {
    let date = if offset >= 0 {
        today + Days::new(offset as u64)
    } else {
        today - Days::new(offset.unsigned_abs())
    };
    match command {
        ShipmentCommand::Plan {
            shipment,
            vehicle,
            order,
            from,
            to,
            ..
        } => ShipmentCommand::Plan {
            shipment,
            vehicle,
            order,
            from,
            to,
            ready_on: date,
        },
        ShipmentCommand::Delay { reason, .. } => ShipmentCommand::Delay {
            reason,
            new_eta: date,
        },
        other => other,
    }
}

/// The statuses a shipment may go to from `from` (staying put included).
fn may_follow(from: Option<ShipmentStatus>, to: Option<ShipmentStatus>) -> bool {
    use ShipmentStatus::*;
    from == to
        || matches!(
            (from, to),
            (None, Some(Planned))
                | (Some(Planned), Some(InTransit))
                | (Some(Planned), Some(Cancelled))
                | (Some(InTransit), Some(Arrived))
        )
}

fn consistent(s: &Shipment) -> Result<(), TestCaseError> {
    let Some(status) = s.status() else {
        prop_assert_eq!(s, &Shipment::default());
        return Ok(());
    };
    prop_assert!(!s.legs().is_empty());
    prop_assert_ne!(s.origin(), s.destination());
    prop_assert!(s.days().unwrap_or(0) > 0);
    let departed = matches!(status, ShipmentStatus::InTransit | ShipmentStatus::Arrived);
    prop_assert_eq!(s.departed_on().is_some(), departed);
    prop_assert_eq!(s.arrived_on().is_some(), status == ShipmentStatus::Arrived);
    prop_assert_eq!(
        s.cancel_reason().is_some(),
        status == ShipmentStatus::Cancelled
    );
    if let (Some(left), Some(arrived)) = (s.departed_on(), s.arrived_on()) {
        prop_assert!(left <= arrived);
    }
    for d in s.delays() {
        prop_assert!(!d.reason.trim().is_empty());
        prop_assert!(d.new_eta >= d.recorded_on);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any sequence of commands: the accepted events replayed from the
    /// default give the state reached step by step; the status only moves
    /// forward (planned → in transit → arrived, or planned → cancelled) and
    /// arrived/cancelled are terminal; every accepted command is a no-op
    /// when retried.
    #[test]
    fn any_history_replays_and_only_moves_forward(
        steps in prop::collection::vec((any_command(), 0..4u64), 1..40)
    ) {
        let mut today = day(TODAY);
        let mut state = Shipment::default();
        let mut accepted: Vec<ShipmentEvent> = Vec::new();
        for ((command, offset), advance) in steps {
            today = today + Days::new(advance);
            let ctx = Context::new(at(&today.to_string()), catalog());
            let command = dated(command, today, offset);
            let before = state.clone();
            let Ok(events) = decide(&before, command.clone(), &ctx) else { continue };
            prop_assert!(events.len() <= 1);
            for event in &events {
                state = evolve(state, event);
                accepted.push(event.clone());
            }
            prop_assert_eq!(&Shipment::replay(&accepted), &state);
            prop_assert!(
                may_follow(before.status(), state.status()),
                "{:?} -> {:?}", before.status(), state.status()
            );
            if matches!(
                before.status(),
                Some(ShipmentStatus::Arrived | ShipmentStatus::Cancelled)
            ) {
                prop_assert_eq!(&before, &state);
            }
            consistent(&state)?;
            if !events.is_empty() {
                prop_assert_eq!(decide(&state, command, &ctx), Ok(vec![]));
            }
        }
    }
}
