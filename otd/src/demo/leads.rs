//! The dealers' business hours: leads come in from every source, consultants answer them
//! (mostly within the 2 hours), grade and follow them up on their cadence (`follow_ups`), ask for the
//! hopeless ones to be closed as lost (the manager approves most), and book, hold and
//! close test drives (`drives`).
//!
//! The clock stands at 08:00 UTC when the hours begin and moves in steps of
//! [`STEP_MINUTES`] to 18:00 UTC; a dealer works in the steps its showroom is open. After
//! every step the demo waits for the engine to settle and the SLA watcher to record the
//! breaches the clock brought (it records none itself), so a consultant who answers late
//! answers a breached lead, in every run alike. Within a step a dealer reads only its own
//! leads and drives, which no other dealer's work changes.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use domain::catalog::Dealer;
use domain::lead::{ContactChannel, Grade, LeadSource};
use domain::values::{DealerId, LeadId, UserId};

use super::follow_ups::{follow_ups, lost};
use super::world::World;
use super::{drives, people, DemoError};
use api::auth::Role;
use app::leads::{Contact, LeadCustomer, NewLead, Staff};

/// How far the clock moves between two looks at the leads.
pub(super) const STEP_MINUTES: u32 = 30;
/// Steps from 08:00 to 18:00 UTC.
const STEPS: u32 = 20;
/// Leads per dealer on an open day for each order the network takes on an average day.
const LEADS_PER_ORDER: f64 = 0.6;
/// Where leads come from (weights).
const SOURCES: &[(LeadSource, u32)] = &[
    (LeadSource::Web, 35),
    (LeadSource::Showroom, 25),
    (LeadSource::Phone, 20),
    (LeadSource::Event, 10),
    (LeadSource::LiveStream, 10),
];
/// Leads from a person who is already a customer.
const KNOWN_PERSON: f64 = 0.2;
/// Leads the manager gives a consultant before anybody answers (the rest are taken by
/// the consultant who answers first).
const ASSIGNED: f64 = 0.4;
/// Leads answered within the 2 hours.
const IN_TIME: f64 = 0.85;
/// Leads whose person turns out not to want a car at all when first answered (a wrong
/// number, a competitor's customer): the consultant asks to close them as lost.
const NOT_INTERESTED: f64 = 0.05;

/// The dealers' working hours of today. The clock moves on to the next step in which
/// someone has something to do: a dealer's first look of the day (drives to close and
/// cancel, follow-ups), a lead arriving or due to be answered, or the last step.
pub(super) async fn business_hours(world: &mut World<'_>) -> Result<(), DemoError> {
    let dealers: Vec<Dealer> = world.catalog.dealers().cloned().collect();
    let arrivals = plan_arrivals(world, &dealers);
    let day_start = world.now();
    let mut looked: BTreeSet<DealerId> = BTreeSet::new();
    let mut moved = 0;
    for step in 0..=STEPS {
        let at = day_start + Duration::minutes(i64::from(step * STEP_MINUTES));
        let open: Vec<&Dealer> = dealers.iter().filter(|d| open_at(d, at)).collect();
        let first_looks = open.iter().any(|d| !looked.contains(&d.id));
        let arriving = open
            .iter()
            .any(|d| arrivals.contains_key(&(step, d.id.clone())));
        let answering = world.to_answer.values().any(|due| *due <= at);
        if !(step == STEPS || first_looks || arriving || answering) {
            continue;
        }
        if step > 0 {
            world.advance(step * STEP_MINUTES - moved).await?;
            moved = step * STEP_MINUTES;
            world.await_breaches().await?;
        }
        for dealer in open {
            let first = looked.insert(dealer.id.clone());
            drives::outcomes(world, dealer, first).await?;
            if first {
                follow_ups(world, dealer).await?;
            }
            answer_due(world, dealer).await?;
            for source in arrivals
                .get(&(step, dealer.id.clone()))
                .into_iter()
                .flatten()
            {
                arrive(world, dealer, *source).await?;
            }
        }
    }
    world.settle().await
}

/// Whether `dealer`'s showroom is open at `now`.
fn open_at(dealer: &Dealer, now: DateTime<Utc>) -> bool {
    dealer
        .opening(dealer.local_date(now))
        .is_some_and(|(open, close)| open <= now && now < close)
}

/// Today's leads: the step each arrives in and where it comes from, per dealer. They
/// arrive while the showroom is open and 2 hours remain before it closes.
fn plan_arrivals(
    world: &mut World<'_>,
    dealers: &[Dealer],
) -> BTreeMap<(u32, DealerId), Vec<LeadSource>> {
    let start = world.now();
    let mean = LEADS_PER_ORDER * f64::from(world.orders_per_day);
    let mut plan: BTreeMap<(u32, DealerId), Vec<LeadSource>> = BTreeMap::new();
    for dealer in dealers {
        let steps: Vec<u32> = (0..=STEPS)
            .filter(|step| {
                let at = start + Duration::minutes(i64::from(step * STEP_MINUTES));
                open_at(dealer, at) && open_at(dealer, at + Duration::minutes(120))
            })
            .collect();
        if steps.is_empty() {
            continue;
        }
        let most = (2.0 * mean).round() as u32;
        for _ in 0..world.between(0, most) {
            let Some(step) = world.pick(&steps).copied() else {
                continue;
            };
            let source = weighted(world, SOURCES);
            plan.entry((step, dealer.id.clone()))
                .or_default()
                .push(source);
        }
    }
    plan
}

/// One of `items`, drawn by weight.
pub(super) fn weighted<T: Copy>(world: &mut World<'_>, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut draw = world.between(1, total.max(1));
    for (item, weight) in items {
        if draw <= *weight {
            return *item;
        }
        draw -= weight;
    }
    items[0].0
}

/// A consultant of `dealer` (its staff acting as the person `user`), or the manager.
pub(super) fn staff(world: &World<'_>, dealer: &DealerId, user: Option<&UserId>) -> Staff {
    let manager = world.staff.get(dealer).and_then(|s| s.manager.clone());
    Staff {
        dealer: dealer.clone(),
        manager: user.is_some() && user == manager.as_ref(),
        user: user.cloned(),
    }
}

/// One of `dealer`'s consultants, drawn at random.
pub(super) fn a_consultant(world: &mut World<'_>, dealer: &DealerId) -> Option<UserId> {
    let consultants = world
        .staff
        .get(dealer)
        .map(|s| s.consultants.clone())
        .unwrap_or_default();
    world.pick(&consultants).cloned()
}

pub(super) fn manager_of(world: &World<'_>, dealer: &DealerId) -> Option<UserId> {
    world.staff.get(dealer).and_then(|s| s.manager.clone())
}

/// A new lead at `dealer` from `source`: a person fills in a web form (or books a test
/// drive online), calls, meets the brand at an event or a live stream, or walks in.
async fn arrive(
    world: &mut World<'_>,
    dealer: &Dealer,
    source: LeadSource,
) -> Result<(), DemoError> {
    let Some(model) = drives::a_model(world, dealer) else {
        return Ok(());
    };
    if source == LeadSource::Web && world.chance(drives::BOOKS_ONLINE) {
        return drives::book_online(world, dealer, &model).await;
    }
    let walk_in = source == LeadSource::Showroom;
    let customer = lead_customer(world, dealer, walk_in)?;
    let consultant = a_consultant(world, &dealer.id);
    let grade = if walk_in {
        weighted(
            world,
            &[(Grade::A, 2), (Grade::B, 3), (Grade::C, 3), (Grade::D, 2)],
        )
    } else {
        weighted(world, &[(Grade::B, 1), (Grade::C, 3), (Grade::D, 4)])
    };
    let known = matches!(customer, LeadCustomer::Known(_));
    let profile = match &customer {
        LeadCustomer::Person(p) => Some(p.profile.clone()),
        LeadCustomer::Known(_) => None,
    };
    let n = world.tally.crm.leads_opened + 1;
    let lead = LeadId::derived(&format!("demo:{}:lead:{n}", world.seed));
    let new = NewLead {
        lead,
        customer,
        dealer: dealer.id.clone(),
        model: model.clone(),
        source,
        grade: Some(grade),
        note: None,
        // A consultant who meets the customer in the showroom keeps the lead.
        assigned_to: if walk_in { consultant.clone() } else { None },
    };
    let metadata = world.by(Role::Dealer, dealer.id.as_str());
    let result = world.people.open_lead(new, &metadata).await;
    let Some(opened) = world.judge("opening a lead", result)? else {
        return Ok(());
    };
    world.tally.crm.leads_opened += 1;
    if known || !opened.customer_created {
        world.tally.crm.known_people += 1;
    }
    if let Some(profile) = profile {
        people::known(
            world,
            &opened.customer,
            &dealer.market,
            profile,
            opened.customer_created,
        );
    }
    if walk_in {
        // Answered on the spot; some take a test drive.
        contact(
            world,
            &dealer.id,
            lead,
            consultant.as_ref(),
            ContactChannel::Showroom,
            None,
        )
        .await?;
        world.tally.crm.first_answers += 1;
        if world.chance(drives::WALK_IN_DRIVES) {
            drives::book_in_showroom(world, dealer, lead, &opened.customer, &model).await?;
        }
        return Ok(());
    }
    if world.chance(ASSIGNED) {
        if let (Some(manager), Some(consultant)) = (manager_of(world, &dealer.id), consultant) {
            let by = staff(world, &dealer.id, Some(&manager));
            let result = world
                .people
                .assign_lead(lead, &by, consultant, &metadata)
                .await;
            if world.judge("assigning a lead", result)?.is_some() {
                world.tally.crm.assignments += 1;
            }
        }
    }
    plan_answer(world, lead, world.now());
    Ok(())
}

/// When a consultant will answer a lead opened at `at`: mostly within the 2 hours.
pub(super) fn plan_answer(world: &mut World<'_>, lead: LeadId, at: DateTime<Utc>) {
    let steps = if world.chance(IN_TIME) {
        world.between(1, 3)
    } else {
        world.between(5, 12)
    };
    let answer_at = at + Duration::minutes(i64::from(steps * STEP_MINUTES));
    world.to_answer.insert(lead, answer_at);
}

/// Who a new lead is about: a customer of the market now and then (by id, or filling in
/// the e-mail address they registered with), else a new person.
fn lead_customer(
    world: &mut World<'_>,
    dealer: &Dealer,
    walk_in: bool,
) -> Result<LeadCustomer, DemoError> {
    let known: Vec<_> = world
        .customers
        .iter()
        .filter(|(_, m)| **m == dealer.market)
        .map(|(c, _)| c.clone())
        .collect();
    if !known.is_empty() && world.chance(KNOWN_PERSON) {
        if let Some(customer) = world.pick(&known).cloned() {
            let again = world.chance(0.5);
            return Ok(match world.profiles.get(&customer).cloned() {
                Some(profile) if again => {
                    let (mut new, _) = people::new_person(world, &dealer.market, None)?;
                    new.profile = profile;
                    LeadCustomer::Person(Box::new(new))
                }
                _ => LeadCustomer::Known(customer),
            });
        }
    }
    let showroom = walk_in.then_some(&dealer.id);
    let (new, _) = people::new_person(world, &dealer.market, showroom)?;
    Ok(LeadCustomer::Person(Box::new(new)))
}

/// Records a contact on `lead` by `user` (a consultant, or the manager); whether it was
/// recorded.
pub(super) async fn contact(
    world: &mut World<'_>,
    dealer: &DealerId,
    lead: LeadId,
    user: Option<&UserId>,
    channel: ContactChannel,
    grade: Option<Grade>,
) -> Result<bool, DemoError> {
    let by = staff(world, dealer, user);
    let metadata = world.by(Role::Dealer, dealer.as_str());
    let contact = Contact {
        channel,
        note: None,
        grade,
    };
    let result = world
        .people
        .record_contact(lead, &by, contact, &metadata)
        .await;
    Ok(world.judge("recording a contact", result)?.is_some())
}

/// The consultants answer the leads whose planned answer is due, at `dealer`.
async fn answer_due(world: &mut World<'_>, dealer: &Dealer) -> Result<(), DemoError> {
    let now = world.now();
    let due: Vec<LeadId> = world
        .to_answer
        .iter()
        .filter(|(_, at)| **at <= now)
        .map(|(lead, _)| *lead)
        .collect();
    for lead in due {
        let Some(doc) = world.views.lead(&lead).await? else {
            continue;
        };
        if doc.dealer_id != dealer.id {
            continue;
        }
        world.to_answer.remove(&lead);
        if !doc.open || doc.first_contact_at.is_some() {
            continue;
        }
        let user = match doc.assigned_to.clone() {
            Some(user) => Some(user),
            None => a_consultant(world, &dealer.id),
        };
        let channel = weighted(
            world,
            &[
                (ContactChannel::Phone, 5),
                (ContactChannel::Email, 3),
                (ContactChannel::Video, 1),
            ],
        );
        let grade = world.chance(0.5).then(|| {
            weighted(
                world,
                &[(Grade::A, 1), (Grade::B, 2), (Grade::C, 3), (Grade::D, 2)],
            )
        });
        if contact(world, &dealer.id, lead, user.as_ref(), channel, grade).await? {
            world.tally.crm.first_answers += 1;
            if grade.is_some_and(|g| g != doc.grade) {
                world.tally.crm.regradings += 1;
            }
            if world.chance(NOT_INTERESTED) {
                lost(world, &dealer.id, lead, user.as_ref()).await?;
            } else if world.chance(drives::ANSWER_DRIVES) {
                drives::book_in_showroom(world, dealer, lead, &doc.customer_id, &doc.model).await?;
            }
        }
    }
    Ok(())
}
