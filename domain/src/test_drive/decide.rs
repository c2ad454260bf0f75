//! What each test-drive command does, rule by rule.

use super::slots::{check_start, SlotRefusal};
use super::{
    TestDrive, TestDriveCommand, TestDriveDay, TestDriveError, TestDriveEvent, TestDriveStatus,
};
use crate::decider::Context;
use crate::rules::{checked_reason, ReasonProblem, MAX_REASON_CHARS};
use crate::values::{CarDayKey, TestDriveId};

/// Decides what a command does to a car-day.
pub fn decide(
    state: &TestDriveDay,
    command: TestDriveCommand,
    ctx: &Context<'_>,
) -> Result<Vec<TestDriveEvent>, TestDriveError> {
    match command {
        TestDriveCommand::Book { .. } => book(state, command, ctx),
        TestDriveCommand::Complete { id } => {
            let drive = booked(state, &id)?;
            if ctx.now < drive.start {
                return Err(TestDriveError::NotStarted { start: drive.start });
            }
            Ok(vec![TestDriveEvent::Completed {
                drive: drive.clone(),
                at: ctx.now,
            }])
        }
        TestDriveCommand::NoShow { id } => {
            let drive = booked(state, &id)?;
            if ctx.now < drive.start {
                return Err(TestDriveError::NotStarted { start: drive.start });
            }
            Ok(vec![TestDriveEvent::NoShow {
                drive: drive.clone(),
                at: ctx.now,
            }])
        }
        TestDriveCommand::Cancel {
            id,
            by_customer,
            reason,
        } => {
            let reason = optional_reason(reason)?;
            let drive = booked(state, &id)?;
            if ctx.now >= drive.end {
                return Err(TestDriveError::AlreadyOver { end: drive.end });
            }
            Ok(vec![TestDriveEvent::Cancelled {
                drive: drive.clone(),
                by_customer,
                reason,
                at: ctx.now,
            }])
        }
    }
}

/// Books a slot: the car is the dealer's, the stream is the car's day of
/// `start`, and the start passes [`check_start`], the same check the slot
/// listing applies.
fn book(
    state: &TestDriveDay,
    command: TestDriveCommand,
    ctx: &Context<'_>,
) -> Result<Vec<TestDriveEvent>, TestDriveError> {
    let TestDriveCommand::Book {
        car,
        dealer,
        customer,
        lead,
        start,
        channel,
    } = command
    else {
        return Ok(vec![]);
    };
    let Some(demo) = ctx.catalog.demo_car(&car) else {
        return Err(TestDriveError::UnknownCar { car });
    };
    let at_dealer = ctx
        .catalog
        .dealer(&dealer)
        .filter(|_| demo.dealer == dealer);
    let Some(at_dealer) = at_dealer else {
        return Err(TestDriveError::CarNotAtDealer { car, dealer });
    };
    let key = CarDayKey::new(car.clone(), at_dealer.local_date(start));
    if let Some(holds) = state.key().filter(|holds| **holds != key) {
        return Err(TestDriveError::WrongCarDay {
            holds: holds.clone(),
            requested: key,
        });
    }
    if state
        .active_at(start)
        .is_some_and(|d| d.customer == customer)
    {
        return Ok(vec![]);
    }
    let span =
        check_start(at_dealer, start, &state.held(), ctx.now).map_err(|refusal| match refusal {
            SlotRefusal::OutsideOpeningHours => TestDriveError::OutsideOpeningHours { start },
            SlotRefusal::NotOnSlotGrid => TestDriveError::NotOnSlotGrid { start },
            SlotRefusal::InThePast => TestDriveError::InThePast { start },
            SlotRefusal::Taken => TestDriveError::SlotTaken {
                car: car.clone(),
                start,
            },
        })?;
    // `check_start` only passes dates of the business calendar, for which
    // every ordinal makes an id.
    let id = TestDriveId::new(key, state.next_ordinal())
        .ok_or(TestDriveError::OutsideOpeningHours { start })?;
    Ok(vec![TestDriveEvent::Booked {
        drive: TestDrive {
            id,
            car,
            dealer,
            model: demo.model.clone(),
            customer,
            lead,
            start: span.start,
            end: span.end,
            channel,
        },
        at: ctx.now,
    }])
}

/// The drive `id` if it is booked here and still booked.
fn booked<'s>(state: &'s TestDriveDay, id: &TestDriveId) -> Result<&'s TestDrive, TestDriveError> {
    let Some(record) = state.drive(id) else {
        return Err(TestDriveError::UnknownTestDrive { id: id.clone() });
    };
    let id = id.clone();
    match record.status {
        TestDriveStatus::Booked => Ok(&record.drive),
        TestDriveStatus::Completed => Err(TestDriveError::AlreadyCompleted { id }),
        TestDriveStatus::Cancelled => Err(TestDriveError::AlreadyCancelled { id }),
        TestDriveStatus::NoShow => Err(TestDriveError::AlreadyNoShow { id }),
    }
}

/// A cancellation's reason, trimmed; blank is none.
fn optional_reason(reason: Option<String>) -> Result<Option<String>, TestDriveError> {
    match reason.as_deref().map(checked_reason) {
        None | Some(Err(ReasonProblem::Missing)) => Ok(None),
        Some(Err(ReasonProblem::TooLong)) => Err(TestDriveError::ReasonTooLong {
            max: MAX_REASON_CHARS,
        }),
        Some(Ok(reason)) => Ok(Some(reason)),
    }
}
