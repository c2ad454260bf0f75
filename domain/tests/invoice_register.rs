//! The invoice register: gapless, unique numbers per market-year, also when
//! assigners race under optimistic concurrency.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod support;
use support::*;

use std::collections::{BTreeMap, BTreeSet};

use domain::invoice_register::{
    DocumentKind, InvoiceRegister, InvoiceRegisterCommand, InvoiceRegisterError,
    InvoiceRegisterEvent,
};
use domain::values::InvoiceNumber;
use domain::{Decider, DomainEvent};
use proptest::prelude::*;

const TODAY: &str = "2026-11-23";

fn number(s: &str) -> InvoiceNumber {
    InvoiceNumber::parse(s).unwrap()
}

fn assign(n: u32, kind: DocumentKind) -> InvoiceRegisterCommand {
    InvoiceRegisterCommand::Assign {
        market: market("DE"),
        year: 2026,
        order: order_id(n),
        kind,
    }
}

fn assigned(s: &str, n: u32, kind: DocumentKind) -> InvoiceRegisterEvent {
    InvoiceRegisterEvent::NumberAssigned {
        number: number(s),
        order: order_id(n),
        kind,
    }
}

fn two_assigned() -> Vec<InvoiceRegisterEvent> {
    vec![
        assigned("DE-2026-000001", 1, DocumentKind::Invoice),
        assigned("DE-2026-000002", 2, DocumentKind::Invoice),
    ]
}

#[test]
fn the_first_number_of_a_market_year_is_one() {
    assert_eq!(
        given::<InvoiceRegister>(&[], assign(1, DocumentKind::Invoice), TODAY),
        Ok(vec![assigned("DE-2026-000001", 1, DocumentKind::Invoice)])
    );
}

#[test]
fn the_next_number_follows_the_last_without_a_gap() {
    assert_eq!(
        given::<InvoiceRegister>(&two_assigned(), assign(3, DocumentKind::Invoice), TODAY),
        Ok(vec![assigned("DE-2026-000003", 3, DocumentKind::Invoice)])
    );
}

#[test]
fn asking_again_for_an_orders_invoice_number_assigns_nothing() {
    let history = two_assigned();
    assert_eq!(
        given::<InvoiceRegister>(&history, assign(1, DocumentKind::Invoice), TODAY),
        Ok(vec![])
    );
    // The caller reads the number already assigned.
    assert_eq!(
        InvoiceRegister::replay(&history).number_for(&order_id(1), DocumentKind::Invoice),
        Some(&number("DE-2026-000001"))
    );
}

#[test]
fn a_credit_note_takes_the_next_number_of_the_same_series() {
    assert_eq!(
        given::<InvoiceRegister>(&two_assigned(), assign(1, DocumentKind::CreditNote), TODAY),
        Ok(vec![assigned(
            "DE-2026-000003",
            1,
            DocumentKind::CreditNote
        )])
    );
}

#[test]
fn an_orders_invoice_and_credit_note_have_one_number_each() {
    let mut history = two_assigned();
    history.push(assigned("DE-2026-000003", 1, DocumentKind::CreditNote));
    let register = InvoiceRegister::replay(&history);
    assert_eq!(
        register.number_for(&order_id(1), DocumentKind::Invoice),
        Some(&number("DE-2026-000001"))
    );
    assert_eq!(
        register.number_for(&order_id(1), DocumentKind::CreditNote),
        Some(&number("DE-2026-000003"))
    );
    assert_eq!(
        given::<InvoiceRegister>(&history, assign(1, DocumentKind::CreditNote), TODAY),
        Ok(vec![])
    );
}

#[test]
fn a_market_the_catalog_does_not_know_is_refused() {
    let command = InvoiceRegisterCommand::Assign {
        market: market("US"),
        year: 2026,
        order: order_id(1),
        kind: DocumentKind::Invoice,
    };
    assert_eq!(
        given::<InvoiceRegister>(&[], command, TODAY),
        Err(InvoiceRegisterError::UnknownMarket {
            market: market("US")
        })
    );
}

#[test]
fn a_number_of_another_series_is_refused_by_this_register() {
    for (m, year) in [("CN", 2026), ("DE", 2025)] {
        let command = InvoiceRegisterCommand::Assign {
            market: market(m),
            year,
            order: order_id(9),
            kind: DocumentKind::Invoice,
        };
        assert_eq!(
            given::<InvoiceRegister>(&two_assigned(), command, TODAY),
            Err(InvoiceRegisterError::WrongRegister {
                market: market("DE"),
                year: 2026,
                requested_market: market(m),
                requested_year: year,
            })
        );
    }
}

#[test]
fn a_year_that_has_not_begun_is_refused() {
    let command = InvoiceRegisterCommand::Assign {
        market: market("DE"),
        year: 2027,
        order: order_id(1),
        kind: DocumentKind::Invoice,
    };
    assert_eq!(
        given::<InvoiceRegister>(&[], command, TODAY),
        Err(InvoiceRegisterError::YearNotStarted { year: 2027 })
    );
}

#[test]
fn an_invoice_of_last_year_may_still_take_a_number_of_last_year() {
    assert_eq!(
        given::<InvoiceRegister>(
            &two_assigned(),
            assign(3, DocumentKind::Invoice),
            "2027-01-02"
        ),
        Ok(vec![assigned("DE-2026-000003", 3, DocumentKind::Invoice)])
    );
}

#[test]
fn a_year_that_is_not_four_digits_is_refused() {
    let command = InvoiceRegisterCommand::Assign {
        market: market("DE"),
        year: 999,
        order: order_id(1),
        kind: DocumentKind::Invoice,
    };
    assert_eq!(
        given::<InvoiceRegister>(&[], command, TODAY),
        Err(InvoiceRegisterError::InvalidYear { year: 999 })
    );
}

#[test]
fn a_series_with_no_number_left_is_refused() {
    let last = InvoiceRegisterEvent::NumberAssigned {
        number: InvoiceNumber {
            market: market("DE"),
            year: 2026,
            sequence: u32::MAX,
        },
        order: order_id(1),
        kind: DocumentKind::Invoice,
    };
    assert_eq!(
        given::<InvoiceRegister>(&[last], assign(2, DocumentKind::Invoice), TODAY),
        Err(InvoiceRegisterError::SeriesExhausted {
            market: market("DE"),
            year: 2026
        })
    );
}

#[test]
fn a_register_reports_its_series_and_numbers() {
    let register = InvoiceRegister::replay(&two_assigned());
    assert_eq!(register.market(), Some(&market("DE")));
    assert_eq!(register.year(), Some(2026));
    assert_eq!(register.last_sequence(), 2);
    assert_eq!(register.assigned().count(), 2);
    assert_eq!(InvoiceRegister::default().last_sequence(), 0);
}

#[test]
fn register_events_are_stored_under_their_pinned_names() {
    let event = assigned("DE-2026-000001", 1, DocumentKind::CreditNote);
    assert_eq!(event.event_type(), "NumberAssigned");
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["type"], "NumberAssigned");
    assert_eq!(json["data"]["number"], "DE-2026-000001");
    assert_eq!(json["data"]["kind"], "credit_note");
    assert_eq!(
        serde_json::from_value::<InvoiceRegisterEvent>(json).unwrap(),
        event
    );
}

// --- concurrency ------------------------------------------------------------

/// The register stream appended to under an expected version.
#[derive(Default)]
struct Stream {
    events: Vec<InvoiceRegisterEvent>,
}

impl Stream {
    fn read(&self) -> (InvoiceRegister, usize) {
        (InvoiceRegister::replay(&self.events), self.events.len())
    }

    fn append(&mut self, expected: usize, events: Vec<InvoiceRegisterEvent>) -> bool {
        if expected != self.events.len() {
            return false;
        }
        self.events.extend(events);
        true
    }
}

fn kind_of(credit: bool) -> DocumentKind {
    if credit {
        DocumentKind::CreditNote
    } else {
        DocumentKind::Invoice
    }
}

#[test]
fn two_assigners_deciding_against_the_same_version_cannot_take_the_same_number() {
    let mut stream = Stream {
        events: two_assigned(),
    };
    let today = ctx(TODAY);
    let (state, version) = stream.read();
    let a = domain::invoice_register::decide(&state, assign(3, DocumentKind::Invoice), &today);
    let b = domain::invoice_register::decide(&state, assign(4, DocumentKind::Invoice), &today);
    assert!(stream.append(version, a.unwrap()));
    assert!(!stream.append(version, b.unwrap()));
    let (state, version) = stream.read();
    let b = domain::invoice_register::decide(&state, assign(4, DocumentKind::Invoice), &today);
    assert_eq!(
        b,
        Ok(vec![assigned("DE-2026-000004", 4, DocumentKind::Invoice)])
    );
    assert!(stream.append(version, b.unwrap()));
}

proptest! {
    /// Several assigners (process managers, some retrying the same job)
    /// decide against possibly stale states; the stream accepts only a
    /// decision made against its current version, the others reload and
    /// decide again. Whatever the interleaving, the numbers assigned are
    /// exactly 1..=n, each job's document has one number, and every
    /// assigner ends up with that number.
    #[test]
    fn racing_assigners_leave_no_gap_and_no_duplicate(
        jobs in prop::collection::vec((0u32..10, any::<bool>(), 0usize..4), 1..30),
        schedule in prop::collection::vec((0usize..4, any::<bool>()), 0..120),
    ) {
        let today = ctx(TODAY);
        let actors = 4;
        let mut stream = Stream::default();
        let mut queues: Vec<Vec<(u32, DocumentKind)>> = vec![Vec::new(); actors];
        for (order, credit, actor) in &jobs {
            queues[*actor].push((*order, kind_of(*credit)));
        }
        let mut snapshots: Vec<(InvoiceRegister, usize)> =
            (0..actors).map(|_| stream.read()).collect();
        let mut got: Vec<((u32, DocumentKind), InvoiceNumber)> = Vec::new();
        let fallback = (0..jobs.len() * (jobs.len() + 2) * actors).map(|i| (i % actors, false));
        for (actor, reload) in schedule.into_iter().chain(fallback) {
            let Some(&(order, kind)) = queues[actor].first() else { continue };
            if reload {
                snapshots[actor] = stream.read();
                continue;
            }
            let (state, version) = &snapshots[actor];
            let events = domain::invoice_register::decide(state, assign(order, kind), &today)
                .map_err(|e| TestCaseError::fail(format!("{e}")))?;
            let number = if events.is_empty() {
                // Already assigned in the state it read: numbers never change.
                state.number_for(&order_id(order), kind).cloned()
            } else if stream.append(*version, events) {
                stream.read().0.number_for(&order_id(order), kind).cloned()
            } else {
                snapshots[actor] = stream.read();
                continue;
            };
            let number = number.ok_or_else(|| TestCaseError::fail("no number"))?;
            got.push(((order, kind), number));
            queues[actor].remove(0);
            snapshots[actor] = stream.read();
        }
        prop_assert!(queues.iter().all(Vec::is_empty), "every job done");

        let register = stream.read().0;
        let distinct: BTreeSet<(u32, DocumentKind)> =
            jobs.iter().map(|(o, c, _)| (*o, kind_of(*c))).collect();
        let mut sequences: Vec<u32> = register.assigned().map(|(_, _, n)| n.sequence).collect();
        sequences.sort_unstable();
        let n = u32::try_from(distinct.len()).unwrap();
        prop_assert_eq!(sequences, (1..=n).collect::<Vec<_>>());
        prop_assert_eq!(register.last_sequence(), n);
        prop_assert_eq!(stream.events.len(), distinct.len(), "one event per document");

        let mut per_job: BTreeMap<(u32, DocumentKind), BTreeSet<InvoiceNumber>> = BTreeMap::new();
        for (job, number) in got {
            per_job.entry(job).or_default().insert(number);
        }
        for (job, numbers) in per_job {
            prop_assert_eq!(numbers.len(), 1, "one number per document");
            prop_assert_eq!(
                numbers.first(),
                register.number_for(&order_id(job.0), job.1)
            );
        }
    }

    #[test]
    fn replaying_the_assigned_numbers_reproduces_the_register(
        requests in prop::collection::vec((0u32..12, any::<bool>()), 0..40)
    ) {
        let today = ctx(TODAY);
        let mut state = InvoiceRegister::default();
        let mut accepted = Vec::new();
        for (order, credit) in requests {
            let events = domain::invoice_register::decide(&state, assign(order, kind_of(credit)), &today)
                .map_err(|e| TestCaseError::fail(format!("{e}")))?;
            for event in &events {
                state = domain::invoice_register::evolve(state, event);
            }
            accepted.extend(events);
            let assigned: Vec<u32> = state.assigned().map(|(_, _, n)| n.sequence).collect();
            let unique: BTreeSet<u32> = assigned.iter().copied().collect();
            prop_assert_eq!(unique.len(), assigned.len());
            prop_assert_eq!(unique.last().copied().unwrap_or(0), state.last_sequence());
        }
        prop_assert_eq!(InvoiceRegister::replay(&accepted), state);
    }
}
