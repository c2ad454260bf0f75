//! The follow-ups of answered leads on their grade's cadence (the customer warms up, cools
//! off or gives up) and the requests to close a lead as lost, which the manager decides.

use domain::catalog::Dealer;
use domain::lead::{ContactChannel, Grade};
use domain::values::{DealerId, LeadId, UserId};
use projections::views::LeadFilter;

use super::leads::{a_consultant, contact, manager_of, staff, weighted};
use super::world::World;
use super::DemoError;
use api::auth::Role;

/// Follow-ups made on the day they are due (the rest stay overdue a while).
const FOLLOWED_UP: f64 = 0.7;
/// Of the follow-ups: the customer comes closer to buying, cools off, gives up.
const WARMER: f64 = 0.25;
const COOLER: f64 = 0.15;
const GIVES_UP: f64 = 0.08;
/// Requests to close a lead as lost that the manager approves.
const APPROVED: f64 = 0.85;
const LOST_REASONS: &[&str] = &[
    "bought a competitor's car",
    "no budget this year",
    "not reachable after five attempts",
    "waits for the next model year",
];

/// The follow-ups due at `dealer`: most are made (the customer warms up, cools off or
/// gives up, and a consultant asks for the lead to be closed as lost); some stay overdue.
pub(super) async fn follow_ups(world: &mut World<'_>, dealer: &Dealer) -> Result<(), DemoError> {
    let now = world.now();
    let filter = LeadFilter {
        open_only: true,
        ..LeadFilter::default()
    };
    let mut due = world.views.leads_of_dealer(&dealer.id, &filter).await?;
    due.retain(|l| {
        l.first_contact_at.is_some()
            && l.lost_request.is_none()
            && l.next_follow_up.is_some_and(|at| at <= now)
    });
    due.reverse(); // the oldest first
    for doc in due {
        if !world.chance(FOLLOWED_UP) {
            continue;
        }
        let user = match doc.assigned_to.clone() {
            Some(user) => Some(user),
            None => a_consultant(world, &dealer.id),
        };
        let draw: f64 = world.between(0, 999) as f64 / 1000.0;
        let grade = if draw < WARMER {
            Some(warmer(doc.grade))
        } else if draw < WARMER + COOLER {
            Some(cooler(doc.grade))
        } else {
            None
        };
        let channel = weighted(
            world,
            &[(ContactChannel::Phone, 3), (ContactChannel::Sms, 1)],
        );
        if !contact(
            world,
            &dealer.id,
            doc.lead_id,
            user.as_ref(),
            channel,
            grade,
        )
        .await?
        {
            continue;
        }
        world.tally.crm.follow_ups += 1;
        if grade.is_some_and(|g| g != doc.grade) {
            world.tally.crm.regradings += 1;
        }
        if draw >= 1.0 - GIVES_UP {
            lost(world, &dealer.id, doc.lead_id, user.as_ref()).await?;
        }
    }
    Ok(())
}

/// A consultant asks for `lead` to be closed as lost; the manager decides at once.
pub(super) async fn lost(
    world: &mut World<'_>,
    dealer: &DealerId,
    lead: LeadId,
    user: Option<&UserId>,
) -> Result<(), DemoError> {
    let reason = world
        .pick(LOST_REASONS)
        .copied()
        .unwrap_or("not reachable after five attempts");
    let metadata = world.by(Role::Dealer, dealer.as_str());
    let by = staff(world, dealer, user);
    let result = world
        .people
        .request_lost(lead, &by, reason.into(), &metadata)
        .await;
    if world
        .judge("asking to close a lead as lost", result)?
        .is_none()
    {
        return Ok(());
    }
    world.tally.crm.lost_requested += 1;
    let Some(manager) = manager_of(world, dealer) else {
        return Ok(());
    };
    let approve = world.chance(APPROVED);
    let by = staff(world, dealer, Some(&manager));
    let result = world
        .people
        .decide_lost(lead, &by, approve, &metadata)
        .await;
    if world.judge("deciding on a lost lead", result)?.is_some() {
        if approve {
            world.tally.crm.lost_approved += 1;
        } else {
            world.tally.crm.lost_refused += 1;
        }
    }
    Ok(())
}

/// One grade closer to buying (H stays H).
fn warmer(grade: Grade) -> Grade {
    match grade {
        Grade::D => Grade::C,
        Grade::C => Grade::B,
        Grade::B => Grade::A,
        _ => Grade::H,
    }
}

/// One grade further from buying (D stays D).
fn cooler(grade: Grade) -> Grade {
    match grade {
        Grade::H => Grade::A,
        Grade::A => Grade::B,
        Grade::B => Grade::C,
        _ => Grade::D,
    }
}
