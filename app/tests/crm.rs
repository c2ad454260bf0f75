//! Leads and test drives through the use cases and the process managers, under the
//! simulated business clock: the person found or registered once, the 2-hour answer and its
//! breach (recorded once), the follow-up cadence, ownership and the manager's rules, sold on
//! order placement (once, also on redelivery), and test drives booked online and in the
//! showroom through the same aggregate.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use app::leads::{Contact, LeadCustomer, NewLead, Staff};
use app::people::{NewCustomer, NewStaff, Profile, StaffProfile};
use app::process::SlaWatcher;
use app::services::PlaceOrder;
use app::test_drives::{BookTestDrive, Canceller};
use app::{CommandError, Rejection};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::customer::{Channel as CustomerChannel, ConsentChoice};
use domain::lead::{ContactChannel, Grade, Lead, LeadError, LeadSource};
use domain::order::Channel;
use domain::test_drive::{BookingChannel, TestDriveDay, TestDriveError, TestDriveStatus};
use domain::user::StaffRole;
use domain::values::*;
use support::{MiniLeads, World};

fn dealer() -> DealerId {
    DealerId::parse("D-BER-01").unwrap()
}
fn car(n: u32) -> CarId {
    CarId::parse(&format!("DC-BER-01-{n}")).unwrap()
}
fn aura() -> ModelCode {
    ModelCode::parse("AURA").unwrap()
}
fn anna() -> UserId {
    UserId::parse("U-ANNA").unwrap()
}
fn ben() -> UserId {
    UserId::parse("U-BEN").unwrap()
}
fn consultant(user: UserId) -> Staff {
    Staff {
        dealer: dealer(),
        user: Some(user),
        manager: false,
    }
}
fn manager() -> Staff {
    Staff {
        dealer: dealer(),
        user: Some(UserId::parse("U-MIA").unwrap()),
        manager: true,
    }
}
fn person(email: &str) -> NewCustomer {
    NewCustomer {
        customer: CustomerId::parse(&format!("C-{}", email.len())).unwrap(),
        profile: Profile {
            name: PersonName::parse("Erika Muster").unwrap(),
            email: Email::parse(email).unwrap(),
            phone: None,
            billing_address: None,
        },
        language: Language::De,
        market: MarketCode::parse("DE").unwrap(),
        consents: ConsentChoice::default(),
        channel: CustomerChannel::Lead { dealer: dealer() },
        password: None,
    }
}
fn phone_call() -> Contact {
    Contact {
        channel: ContactChannel::Phone,
        note: Some("wants a red one".into()),
        grade: None,
    }
}

/// A lead for the registered customer `C-{n}`, opened now, unassigned.
async fn lead_for(w: &World, n: u32) -> LeadId {
    let customer = CustomerId::parse(&format!("C-{n}")).unwrap();
    w.people
        .register_examples(
            std::slice::from_ref(&customer),
            &MarketCode::parse("DE").unwrap(),
            &w.meta(),
        )
        .await
        .unwrap();
    let lead = LeadId::derived(&format!("lead-{n}"));
    w.people
        .open_lead(
            NewLead {
                lead,
                customer: LeadCustomer::Known(customer),
                dealer: dealer(),
                model: aura(),
                source: LeadSource::Showroom,
                grade: Some(Grade::B),
                note: None,
                assigned_to: None,
            },
            &w.meta(),
        )
        .await
        .unwrap();
    lead
}

async fn lead(w: &World, id: LeadId) -> Lead {
    w.exec.load::<Lead>(&id).await.unwrap().0
}

fn watcher(w: &World) -> SlaWatcher {
    SlaWatcher::new(w.exec.clone(), Arc::new(MiniLeads::new(w.store.clone())))
}

fn rejected(e: CommandError<Rejection>) -> Rejection {
    match e {
        CommandError::Rejected(r) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn a_person_named_by_email_twice_is_one_customer() {
    let w = World::memory().await;
    let open = |n: u32, email: &str| NewLead {
        lead: LeadId::derived(&format!("web-{n}")),
        customer: LeadCustomer::Person(Box::new(person(email))),
        dealer: dealer(),
        model: aura(),
        source: LeadSource::Web,
        grade: None,
        note: Some("call me after 5".into()),
        assigned_to: None,
    };
    let first = w
        .people
        .open_lead(open(1, "erika@example.de"), &w.meta())
        .await
        .unwrap();
    let mut second = open(2, "ERIKA@example.de");
    if let LeadCustomer::Person(p) = &mut second.customer {
        p.customer = CustomerId::parse("C-OTHER").unwrap();
    }
    let second = w.people.open_lead(second, &w.meta()).await.unwrap();
    assert!(first.customer_created);
    assert!(!second.customer_created);
    assert_eq!(first.customer, second.customer);
    assert_eq!(first.grade, Grade::D, "a lead opens in D unless graded");
    assert_eq!(
        first.respond_by - Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap(),
        Duration::hours(2)
    );
}

#[tokio::test]
async fn a_lead_for_an_unknown_dealer_registers_nobody() {
    let w = World::memory().await;
    let new = NewLead {
        lead: LeadId::derived("x"),
        customer: LeadCustomer::Person(Box::new(person("nobody@example.de"))),
        dealer: DealerId::parse("D-NOWHERE").unwrap(),
        model: aura(),
        source: LeadSource::Web,
        grade: None,
        note: None,
        assigned_to: None,
    };
    let e = w.people.open_lead(new, &w.meta()).await.unwrap_err();
    assert!(matches!(
        rejected(e),
        Rejection::Lead(LeadError::UnknownDealer { .. })
    ));
    assert_eq!(
        w.head().await,
        store::Position::START,
        "nothing was written"
    );
}

#[tokio::test]
async fn the_first_contact_in_time_answers_the_two_hour_rule_and_no_breach_follows() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    w.clock.advance_minutes(90).unwrap();
    w.people
        .record_contact(id, &consultant(anna()), phone_call(), &w.meta())
        .await
        .unwrap();
    w.clock.advance_minutes(60).unwrap();
    assert_eq!(watcher(&w).sweep().await.unwrap(), 0);
    let l = lead(&w, id).await;
    assert!(!l.sla_breached());
    assert_eq!(
        l.assigned_to(),
        Some(&anna()),
        "a consultant's contact takes an unassigned lead"
    );
}

#[tokio::test]
async fn an_unanswered_lead_is_breached_at_respond_by_exactly_once() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    let sla = watcher(&w);
    w.clock.advance_minutes(119).unwrap();
    assert_eq!(sla.sweep().await.unwrap(), 0, "not due before respond_by");
    w.clock.advance_minutes(1).unwrap();
    assert_eq!(
        sla.sweep().await.unwrap(),
        1,
        "at respond_by the time is up"
    );
    assert_eq!(sla.sweep().await.unwrap(), 0, "a breach is recorded once");
    w.clock.advance_minutes(600).unwrap();
    assert_eq!(
        watcher(&w).sweep().await.unwrap(),
        0,
        "a fresh watcher records none again"
    );
    assert!(lead(&w, id).await.sla_breached());
    // The late answer is still recorded, as late.
    w.people
        .record_contact(id, &consultant(anna()), phone_call(), &w.meta())
        .await
        .unwrap();
    assert!(lead(&w, id).await.first_contact_at().is_some());
}

/// A leads view that lags: it still names every lead as due, breached or not.
struct Stale(Vec<LeadId>);

#[async_trait::async_trait]
impl app::LeadsView for Stale {
    async fn open_leads_of(
        &self,
        _: store::Position,
        _: &CustomerId,
        _: &DealerId,
    ) -> Result<Vec<LeadId>, app::ViewError> {
        Ok(vec![])
    }
    async fn leads_to_breach(
        &self,
        _: store::Position,
        _: DateTime<Utc>,
    ) -> Result<Vec<LeadId>, app::ViewError> {
        Ok(self.0.clone())
    }
}

#[tokio::test]
async fn a_lagging_view_asking_again_records_no_second_breach() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    let stale = SlaWatcher::new(w.exec.clone(), Arc::new(Stale(vec![id])));
    assert_eq!(
        stale.sweep().await.unwrap(),
        0,
        "not due yet: the aggregate decides"
    );
    w.clock.advance_minutes(121).unwrap();
    assert_eq!(stale.sweep().await.unwrap(), 1);
    let head = w.head().await;
    assert_eq!(stale.sweep().await.unwrap(), 0);
    assert_eq!(w.head().await, head, "the second look appended nothing");
}

#[tokio::test]
async fn a_late_first_answer_before_the_watcher_looked_leaves_its_breach_once() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    w.clock.advance_minutes(125).unwrap();
    w.people
        .record_contact(id, &consultant(anna()), phone_call(), &w.meta())
        .await
        .unwrap();
    let l = lead(&w, id).await;
    assert!(
        l.sla_breached(),
        "the late answer records the missed one first"
    );
    assert!(l.first_contact_at().is_some());
    assert_eq!(watcher(&w).sweep().await.unwrap(), 0);
    w.people
        .record_contact(id, &consultant(anna()), phone_call(), &w.meta())
        .await
        .unwrap();
    assert_eq!(
        w.store
            .read_stream(
                &store::StreamId::parse(format!("lead-{id}")).unwrap(),
                0,
                100
            )
            .await
            .unwrap()
            .iter()
            .filter(|e| e.event_type == "LeadSlaBreached")
            .count(),
        1
    );
}

#[tokio::test]
async fn the_watcher_records_a_breach_right_after_the_clock_is_advanced() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    let _running = watcher(&w).spawn(std::time::Duration::from_secs(3600));
    w.services.advance_clock(180, &w.meta()).await.unwrap();
    let deadline = std::time::Instant::now() + support::DEADLINE;
    while !lead(&w, id).await.sla_breached() {
        assert!(
            std::time::Instant::now() < deadline,
            "no breach after the advance"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_follow_up_is_due_at_the_last_contact_plus_the_grades_interval() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    let contact = Contact {
        grade: Some(Grade::A),
        ..phone_call()
    };
    w.clock.advance_minutes(30).unwrap();
    let at = w.clock.now();
    w.people
        .record_contact(id, &consultant(anna()), contact, &w.meta())
        .await
        .unwrap();
    let l = lead(&w, id).await;
    assert_eq!(l.grade(), Some(Grade::A));
    assert_eq!(l.next_follow_up(), Some(at + Duration::days(3)));
    w.clock.advance_minutes(3 * 24 * 60 - 1).unwrap();
    assert!(!l.overdue(w.clock.now()));
    w.clock.advance_minutes(1).unwrap();
    assert!(l.overdue(w.clock.now()), "overdue at the due instant");
}

#[tokio::test]
async fn a_consultant_cannot_work_another_consultants_lead_and_nothing_changes() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    w.people
        .record_contact(id, &consultant(anna()), phone_call(), &w.meta())
        .await
        .unwrap();
    let head = w.head().await;
    let e = w
        .people
        .record_contact(id, &consultant(ben()), phone_call(), &w.meta())
        .await
        .unwrap_err();
    let r = rejected(e);
    assert!(matches!(
        r,
        Rejection::Lead(LeadError::AssignedToAnother { .. })
    ));
    assert!(r.is_forbidden());
    assert_eq!(w.head().await, head);
    // A manager may.
    w.people
        .record_contact(id, &manager(), phone_call(), &w.meta())
        .await
        .unwrap();
    assert_eq!(lead(&w, id).await.assigned_to(), Some(&anna()));
}

#[tokio::test]
async fn another_outlets_staff_may_not_touch_the_lead() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    let other = Staff {
        dealer: DealerId::parse("D-MUC-01").unwrap(),
        user: None,
        manager: true,
    };
    let e = w
        .people
        .record_contact(id, &other, phone_call(), &w.meta())
        .await
        .unwrap_err();
    assert!(matches!(e, CommandError::NotYours(_)));
    let e = w
        .people
        .record_contact(LeadId::derived("none"), &manager(), phone_call(), &w.meta())
        .await
        .unwrap_err();
    assert!(matches!(e, CommandError::NotFound(_)));
}

#[tokio::test]
async fn only_a_manager_assigns_and_only_to_a_consultant_of_the_outlet() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    let staff = |user: &str, email: &str, dealer: &str| NewStaff {
        user: UserId::parse(user).unwrap(),
        profile: StaffProfile {
            name: PersonName::parse("Staff Member").unwrap(),
            email: Email::parse(email).unwrap(),
        },
        role: StaffRole::Dealer {
            dealer: DealerId::parse(dealer).unwrap(),
            manager: false,
        },
        password: app::accounts::Password::parse("correct horse battery").unwrap(),
    };
    w.people
        .create_staff(staff("U-BEN", "ben@ber.example", "D-BER-01"), &w.meta())
        .await
        .unwrap();
    w.people
        .create_staff(staff("U-MAX", "max@muc.example", "D-MUC-01"), &w.meta())
        .await
        .unwrap();
    let e = w
        .people
        .assign_lead(id, &consultant(anna()), ben(), &w.meta())
        .await
        .unwrap_err();
    assert!(matches!(
        rejected(e),
        Rejection::Lead(LeadError::NotManager)
    ));
    let e = w
        .people
        .assign_lead(id, &manager(), UserId::parse("U-MAX").unwrap(), &w.meta())
        .await
        .unwrap_err();
    assert!(matches!(rejected(e), Rejection::AssigneeNotAtDealer { .. }));
    let done = w
        .people
        .assign_lead(id, &manager(), ben(), &w.meta())
        .await
        .unwrap();
    assert_eq!(done.assigned_to, Some(ben()));
}

#[tokio::test]
async fn lost_needs_a_reason_and_a_managers_approval() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    let anna = consultant(anna());
    let e = w
        .people
        .request_lost(id, &anna, "  ".into(), &w.meta())
        .await
        .unwrap_err();
    assert!(matches!(
        rejected(e),
        Rejection::Lead(LeadError::ReasonMissing)
    ));
    w.people
        .request_lost(id, &anna, "bought elsewhere".into(), &w.meta())
        .await
        .unwrap();
    assert_eq!(
        lead(&w, id).await.grade(),
        Some(Grade::B),
        "the grade stays until approved"
    );
    let e = w
        .people
        .decide_lost(id, &anna, true, &w.meta())
        .await
        .unwrap_err();
    assert!(matches!(
        rejected(e),
        Rejection::Lead(LeadError::NotManager)
    ));
    let done = w
        .people
        .decide_lost(id, &manager(), true, &w.meta())
        .await
        .unwrap();
    assert_eq!(done.grade, Grade::F);
    let e = w
        .people
        .record_contact(
            id,
            &manager(),
            Contact {
                grade: Some(Grade::H),
                ..phone_call()
            },
            &w.meta(),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        rejected(e),
        Rejection::Lead(LeadError::LeadClosed { .. })
    ));
}

#[tokio::test]
async fn a_manager_may_approve_their_own_request() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    w.people
        .request_lost(id, &manager(), "moved abroad".into(), &w.meta())
        .await
        .unwrap();
    let done = w
        .people
        .decide_lost(id, &manager(), true, &w.meta())
        .await
        .unwrap();
    assert_eq!(done.grade, Grade::F);
}

#[tokio::test]
async fn an_order_for_the_customer_at_the_dealer_sells_the_open_lead_once() {
    let mut w = World::memory().await;
    w.start();
    let id = lead_for(&w, 1).await;
    let other_dealer_lead = {
        let lead = LeadId::derived("muc");
        w.people
            .open_lead(
                NewLead {
                    lead,
                    customer: LeadCustomer::Known(CustomerId::parse("C-1").unwrap()),
                    dealer: DealerId::parse("D-MUC-01").unwrap(),
                    model: aura(),
                    source: LeadSource::Phone,
                    grade: None,
                    note: None,
                    assigned_to: None,
                },
                &w.meta(),
            )
            .await
            .unwrap();
        lead
    };
    let order = w.place(1, "D-BER-01", "AURA", &[]).await;
    w.settle().await;
    let l = lead(&w, id).await;
    assert_eq!(l.grade(), Some(Grade::S));
    assert_eq!(l.sold_with(), Some(order));
    assert!(
        lead(&w, other_dealer_lead).await.open(),
        "a lead at another dealer stays open"
    );
    let (before, after) = w.replay().await;
    assert_eq!(
        before, after,
        "a redelivered OrderPlaced sells nothing again"
    );
    w.stop().await;
}

#[tokio::test]
async fn an_order_naming_its_lead_sells_that_lead() {
    let mut w = World::memory().await;
    w.start();
    let id = lead_for(&w, 2).await;
    let order = OrderId::derived("named");
    w.services
        .place_order(
            PlaceOrder {
                order,
                customer: CustomerId::parse("C-2").unwrap(),
                dealer: dealer(),
                selling_dealer: Some(dealer()),
                market: MarketCode::parse("DE").unwrap(),
                model: aura(),
                options: vec![],
                channel: Channel::Showroom,
                lead: Some(id),
            },
            &w.meta(),
        )
        .await
        .unwrap();
    w.settle().await;
    assert_eq!(lead(&w, id).await.sold_with(), Some(order));
    w.stop().await;
}

/// A start of the slot grid at D-BER-01 on the first day (Berlin is UTC+1 in November:
/// 09:00 local is 08:00 UTC); `slot` 0 is the opening.
fn slot(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap() + Duration::minutes(45 * n)
}

fn booking(
    customer: &CustomerId,
    car_n: u32,
    start: DateTime<Utc>,
    channel: BookingChannel,
) -> BookTestDrive {
    BookTestDrive {
        dealer: dealer(),
        car: car(car_n),
        customer: customer.clone(),
        start,
        channel,
        lead: None,
    }
}

async fn customers(w: &World, ids: &[&str]) -> Vec<CustomerId> {
    let ids: Vec<CustomerId> = ids.iter().map(|c| CustomerId::parse(c).unwrap()).collect();
    w.people
        .register_examples(&ids, &MarketCode::parse("DE").unwrap(), &w.meta())
        .await
        .unwrap();
    ids
}

#[tokio::test]
async fn booking_online_opens_a_web_lead_in_c_and_the_showroom_sees_the_slot_taken() {
    let w = World::memory().await;
    let c = customers(&w, &["C-1", "C-2"]).await;
    let booked = w
        .services
        .book_test_drive(
            booking(&c[0], 1, slot(2), BookingChannel::Online),
            &w.meta(),
        )
        .await
        .unwrap();
    let lead_id = booked.lead.unwrap();
    let l = lead(&w, lead_id).await;
    assert_eq!(
        (l.source(), l.grade()),
        (Some(LeadSource::Web), Some(Grade::C))
    );
    let free = w
        .services
        .free_test_drive_slots(&dealer(), slot(0).date_naive(), None)
        .await
        .unwrap();
    assert!(!free.iter().any(|s| s.car == car(1) && s.start == slot(2)));
    let e = w
        .services
        .book_test_drive(
            booking(&c[1], 1, slot(2), BookingChannel::Showroom),
            &w.meta(),
        )
        .await
        .unwrap_err();
    let r = rejected(e);
    assert!(matches!(
        r,
        Rejection::TestDrive(TestDriveError::SlotTaken { .. })
    ));
    assert!(r.is_conflict());
    // The same customer booking the same slot again (a double submit) finds its drive.
    let again = w
        .services
        .book_test_drive(
            booking(&c[0], 1, slot(2), BookingChannel::Online),
            &w.meta(),
        )
        .await
        .unwrap();
    assert_eq!(again.test_drive, booked.test_drive);
}

#[tokio::test]
async fn an_online_booking_raises_the_customers_open_lead_to_at_least_c() {
    let w = World::memory().await;
    let id = lead_for(&w, 1).await;
    w.people
        .record_contact(
            id,
            &consultant(anna()),
            Contact {
                grade: Some(Grade::D),
                ..phone_call()
            },
            &w.meta(),
        )
        .await
        .unwrap();
    let mut input = booking(
        &CustomerId::parse("C-1").unwrap(),
        1,
        slot(3),
        BookingChannel::Online,
    );
    input.lead = Some(id);
    let booked = w.services.book_test_drive(input, &w.meta()).await.unwrap();
    assert_eq!(booked.lead, Some(id));
    assert_eq!(lead(&w, id).await.grade(), Some(Grade::C));
}

#[tokio::test]
async fn slots_outside_opening_hours_off_the_grid_or_past_are_refused() {
    let w = World::memory().await;
    let c = customers(&w, &["C-1"]).await;
    let head = w.head().await;
    let refuse = |start| {
        let w = &w;
        let c = c[0].clone();
        async move {
            rejected(
                w.services
                    .book_test_drive(booking(&c, 1, start, BookingChannel::Showroom), &w.meta())
                    .await
                    .unwrap_err(),
            )
        }
    };
    assert!(matches!(
        refuse(slot(0)).await,
        Rejection::TestDrive(TestDriveError::InThePast { .. })
    ));
    assert!(matches!(
        refuse(slot(14)).await,
        Rejection::TestDrive(TestDriveError::OutsideOpeningHours { .. })
    ));
    assert!(matches!(
        refuse(slot(2) + Duration::minutes(5)).await,
        Rejection::TestDrive(TestDriveError::NotOnSlotGrid { .. })
    ));
    let mut unknown = booking(&c[0], 1, slot(2), BookingChannel::Showroom);
    unknown.car = CarId::parse("DC-NOPE-1").unwrap();
    let e = w
        .services
        .book_test_drive(unknown, &w.meta())
        .await
        .unwrap_err();
    assert!(matches!(
        rejected(e),
        Rejection::TestDrive(TestDriveError::UnknownCar { .. })
    ));
    assert_eq!(w.head().await, head, "nothing was booked");
}

#[tokio::test]
async fn a_completed_drive_is_a_contact_on_its_lead_and_a_cancelled_one_frees_its_slot() {
    let w = World::memory().await;
    let c = customers(&w, &["C-1", "C-2"]).await;
    let first = w
        .services
        .book_test_drive(
            booking(&c[0], 1, slot(2), BookingChannel::Online),
            &w.meta(),
        )
        .await
        .unwrap();
    let e = w
        .services
        .complete_test_drive(&first.test_drive, &consultant(anna()), &w.meta())
        .await
        .unwrap_err();
    assert!(matches!(
        rejected(e),
        Rejection::TestDrive(TestDriveError::NotStarted { .. })
    ));
    w.clock.advance_minutes(2 * 45 + 10).unwrap();
    let done = w
        .services
        .complete_test_drive(&first.test_drive, &consultant(anna()), &w.meta())
        .await
        .unwrap();
    assert_eq!(done.status, TestDriveStatus::Completed);
    let l = lead(&w, first.lead.unwrap()).await;
    assert!(
        l.first_contact_at().is_some(),
        "completion counts as a contact"
    );
    let e = w
        .services
        .no_show_test_drive(&first.test_drive, &consultant(anna()), &w.meta())
        .await
        .unwrap_err();
    assert!(matches!(
        rejected(e),
        Rejection::TestDrive(TestDriveError::AlreadyCompleted { .. })
    ));

    let second = w
        .services
        .book_test_drive(
            booking(&c[1], 2, slot(5), BookingChannel::Online),
            &w.meta(),
        )
        .await
        .unwrap();
    let e = w
        .services
        .cancel_test_drive(
            &second.test_drive,
            &Canceller::Customer(vec![c[0].clone()]),
            None,
            &w.meta(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, CommandError::NotYours(_)),
        "only its customer or its dealer cancels"
    );
    w.services
        .cancel_test_drive(
            &second.test_drive,
            &Canceller::Customer(vec![c[1].clone()]),
            Some("ill".into()),
            &w.meta(),
        )
        .await
        .unwrap();
    let free = w
        .services
        .free_test_drive_slots(&dealer(), slot(0).date_naive(), None)
        .await
        .unwrap();
    assert!(
        free.iter().any(|s| s.car == car(2) && s.start == slot(5)),
        "the slot is free again"
    );
    let day = w
        .exec
        .load::<TestDriveDay>(second.test_drive.key())
        .await
        .unwrap()
        .0;
    assert_eq!(
        day.drive(&second.test_drive).unwrap().status,
        TestDriveStatus::Cancelled
    );
}

#[tokio::test]
async fn an_erased_customer_gets_no_lead_and_no_test_drive() {
    let w = World::memory().await;
    let c = customers(&w, &["C-7"]).await;
    w.people.erase(&c[0], &w.meta()).await.unwrap();
    let head = w.head().await;
    let new = NewLead {
        lead: LeadId::derived("erased"),
        customer: LeadCustomer::Known(c[0].clone()),
        dealer: dealer(),
        model: aura(),
        source: LeadSource::Phone,
        grade: None,
        note: None,
        assigned_to: None,
    };
    let e = w.people.open_lead(new, &w.meta()).await.unwrap_err();
    assert!(matches!(
        rejected(e),
        Rejection::Customer(domain::customer::CustomerError::Erased)
    ));
    let e = w
        .services
        .book_test_drive(
            booking(&c[0], 1, slot(3), BookingChannel::Online),
            &w.meta(),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        rejected(e),
        Rejection::Customer(domain::customer::CustomerError::Erased)
    ));
    assert_eq!(w.head().await, head);
}

/// The sale of a lead and a contested slot on the real stores (SQLite, and PostgreSQL when
/// `OTD_TEST_POSTGRES_URL` is set).
async fn sold_and_contested_on(mut w: World) {
    w.start();
    let id = lead_for(&w, 1).await;
    let c = customers(&w, &["C-2"]).await;
    let order = w.place(1, "D-BER-01", "AURA", &[]).await;
    let meta = w.meta();
    let online = booking(
        &CustomerId::parse("C-1").unwrap(),
        3,
        slot(4),
        BookingChannel::Online,
    );
    let showroom = booking(&c[0], 3, slot(4), BookingChannel::Showroom);
    let (a, b) = tokio::join!(
        w.services.book_test_drive(online, &meta),
        w.services.book_test_drive(showroom, &meta),
    );
    assert_eq!(
        u8::from(a.is_ok()) + u8::from(b.is_ok()),
        1,
        "one of two racing bookings wins"
    );
    w.settle().await;
    assert_eq!(lead(&w, id).await.sold_with(), Some(order));
    let (before, after) = w.replay().await;
    assert_eq!(before, after);
    w.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sold_and_contested_on_sqlite() {
    sold_and_contested_on(World::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sold_and_contested_on_postgres() {
    if let Some(w) = World::postgres().await {
        sold_and_contested_on(w).await;
    }
}
