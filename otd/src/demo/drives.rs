//! Test drives on the dealers' demo cars: customers book online (which opens their lead),
//! consultants book in the showroom or on the phone for a lead they answer; on the day a
//! few customers cancel, most come and drive, some do not show up.
//!
//! Slots are chosen among the ones the engine lists free (the same list online and in the
//! showroom), so a booking is refused only if the slot was taken meanwhile.

use chrono::Days;
use domain::catalog::Dealer;
use domain::test_drive::{BookingChannel, FreeSlot, TestDriveStatus};
use domain::values::{CustomerId, LeadId, ModelCode};

use super::leads::{a_consultant, plan_answer, staff};
use super::world::World;
use super::{configs, people, DemoError};
use api::auth::Role;
use app::test_drives::{BookTestDrive, Canceller};

/// Web leads that come as an online test-drive booking.
pub(super) const BOOKS_ONLINE: f64 = 0.3;
/// Walk-ins who book a test drive with the consultant.
pub(super) const WALK_IN_DRIVES: f64 = 0.35;
/// Leads answered by phone or e-mail that book a test drive in that first answer.
pub(super) const ANSWER_DRIVES: f64 = 0.2;
/// Booked drives the customer calls off the day before.
const CANCELLED: f64 = 0.06;
/// Customers who do not come.
const NO_SHOW: f64 = 0.12;
/// How many days ahead customers book.
const DAYS_AHEAD: u32 = 5;

/// A model `dealer` sells (in its market).
pub(super) fn a_model(world: &mut World<'_>, dealer: &Dealer) -> Option<ModelCode> {
    let models: Vec<ModelCode> = configs::offers(&world.catalog)
        .into_iter()
        .filter(|(m, _)| *m == dealer.market)
        .map(|(_, model)| model)
        .collect();
    world.pick(&models).cloned()
}

/// A free slot of a demo car of `model` at `dealer`, from `first` days ahead on.
async fn a_slot(
    world: &mut World<'_>,
    dealer: &Dealer,
    model: &ModelCode,
    first: u32,
) -> Result<Option<FreeSlot>, DemoError> {
    let today = dealer.local_date(world.now());
    let ahead = world.between(first, DAYS_AHEAD);
    for days in ahead..=DAYS_AHEAD {
        let Some(date) = today.checked_add_days(Days::new(u64::from(days))) else {
            break;
        };
        let result = world
            .services
            .free_test_drive_slots(&dealer.id, date, Some(model))
            .await;
        let free = world.judge("listing free test-drive slots", result)?;
        let free = free.unwrap_or_default();
        if let Some(slot) = world.pick(&free) {
            return Ok(Some(slot.clone()));
        }
    }
    Ok(None)
}

/// A person books a test drive online: registered (or found by e-mail), the booking
/// opens their lead at the dealer (source web, grade C), which a consultant answers.
pub(super) async fn book_online(
    world: &mut World<'_>,
    dealer: &Dealer,
    model: &ModelCode,
) -> Result<(), DemoError> {
    let Some(slot) = a_slot(world, dealer, model, 1).await? else {
        return Ok(());
    };
    let (new, metadata) = people::new_person(world, &dealer.market, None)?;
    let customer = people::register(world, new, &metadata).await?;
    let input = BookTestDrive {
        dealer: dealer.id.clone(),
        car: slot.car,
        customer: customer.clone(),
        start: slot.start,
        channel: BookingChannel::Online,
        lead: None,
    };
    let metadata = world.by(Role::Customer, customer.as_str());
    let result = world.services.book_test_drive(input, &metadata).await;
    let Some(booked) = world.judge("booking a test drive online", result)? else {
        return Ok(());
    };
    world.tally.crm.drives_online += 1;
    // Without a lead named, the booking opened a new one.
    if let Some(lead) = booked.lead {
        world.tally.crm.leads_opened += 1;
        plan_answer(world, lead, world.now());
    }
    Ok(())
}

/// A consultant books a demo car for `lead`'s customer, in the showroom or on the phone.
pub(super) async fn book_in_showroom(
    world: &mut World<'_>,
    dealer: &Dealer,
    lead: LeadId,
    customer: &CustomerId,
    model: &ModelCode,
) -> Result<(), DemoError> {
    let Some(slot) = a_slot(world, dealer, model, 0).await? else {
        return Ok(());
    };
    let input = BookTestDrive {
        dealer: dealer.id.clone(),
        car: slot.car,
        customer: customer.clone(),
        start: slot.start,
        channel: BookingChannel::Showroom,
        lead: Some(lead),
    };
    let metadata = world.by(Role::Dealer, dealer.id.as_str());
    let result = world.services.book_test_drive(input, &metadata).await;
    if world
        .judge("booking a test drive in the showroom", result)?
        .is_some()
    {
        world.tally.crm.drives_showroom += 1;
    }
    Ok(())
}

/// The drives at `dealer` that are over by now: the customer came (a contact on the lead)
/// or did not; at the first look of a day, a few customers call tomorrow's drive off.
pub(super) async fn outcomes(
    world: &mut World<'_>,
    dealer: &Dealer,
    first_look: bool,
) -> Result<(), DemoError> {
    let now = world.now();
    let today = dealer.local_date(now);
    let mut drives = Vec::new();
    for date in [today - Days::new(1), today, today + Days::new(1)] {
        drives.extend(world.views.test_drives_of_dealer(&dealer.id, date).await?);
    }
    let metadata = world.by(Role::Dealer, dealer.id.as_str());
    for drive in drives {
        if drive.status != TestDriveStatus::Booked {
            continue;
        }
        if drive.end <= now {
            let consultant = match &drive.lead_id {
                Some(lead) => world.views.lead(lead).await?.and_then(|l| l.assigned_to),
                None => None,
            };
            let consultant = consultant.or_else(|| a_consultant(world, &dealer.id));
            let by = staff(world, &dealer.id, consultant.as_ref());
            if world.chance(NO_SHOW) {
                let result = world
                    .services
                    .no_show_test_drive(&drive.test_drive_id, &by, &metadata)
                    .await;
                if world.judge("recording a no-show", result)?.is_some() {
                    world.tally.crm.drives_no_show += 1;
                }
            } else {
                let result = world
                    .services
                    .complete_test_drive(&drive.test_drive_id, &by, &metadata)
                    .await;
                if world.judge("completing a test drive", result)?.is_some() {
                    world.tally.crm.drives_completed += 1;
                }
            }
        } else if first_look
            && dealer.local_date(drive.start) == today + Days::new(1)
            && world.chance(CANCELLED)
        {
            let by = Canceller::Customer(vec![drive.customer_id.clone()]);
            let metadata = world.by(Role::Customer, drive.customer_id.as_str());
            let reason = Some("cannot make it".to_owned());
            let result = world
                .services
                .cancel_test_drive(&drive.test_drive_id, &by, reason, &metadata)
                .await;
            if world.judge("cancelling a test drive", result)?.is_some() {
                world.tally.crm.drives_cancelled += 1;
            }
        }
    }
    Ok(())
}
