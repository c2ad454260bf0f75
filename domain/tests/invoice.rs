//! The invoice: invariant 4 on issue, payments without overpayment, credit
//! notes on cancellation.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod support;
use support::*;

use domain::catalog::{Price, Quote};
use domain::invoice::{Invoice, InvoiceCommand, InvoiceError, InvoiceEvent, InvoiceStatus};
use domain::values::{Currency, InvoiceNumber, Money};
use domain::{Decider, DomainEvent};
use proptest::prelude::*;

const TODAY: &str = "2026-11-23";

fn number(s: &str) -> InvoiceNumber {
    InvoiceNumber::parse(s).unwrap()
}

fn invoice_number() -> InvoiceNumber {
    number("DE-2026-000123")
}

fn credit_number() -> InvoiceNumber {
    number("DE-2026-000130")
}

/// A red AURA in Germany: net 44,100.00, VAT 8,379.00, gross 52,479.00.
fn red_aura() -> Quote {
    catalog()
        .quote(&market("DE"), &model("AURA"), &options(&["PNT-RED"]))
        .unwrap()
}

fn issue_with(quote: &Quote, deposit_paid: Money) -> InvoiceCommand {
    let currency = quote.price.net.currency;
    let number = if currency == Currency::EUR {
        invoice_number()
    } else {
        number("CN-2026-000007")
    };
    InvoiceCommand::Issue {
        number,
        order: order_id(1),
        customer: customer("C-1001"),
        dealer: dealer(if currency == Currency::EUR {
            "D-BER-01"
        } else {
            "D-SHA-01"
        }),
        market: quote.market.clone(),
        lines: quote.lines.clone(),
        price: quote.price,
        deposit_paid,
        compensation: None,
        issued_on: day(TODAY),
        billing: None,
    }
}

fn issue() -> InvoiceCommand {
    issue_with(&red_aura(), eur(100_000))
}

/// The events `command` causes on a new invoice (it must be accepted).
fn issued_by(command: InvoiceCommand) -> Vec<InvoiceEvent> {
    given::<Invoice>(&[], command, TODAY).unwrap()
}

fn issued() -> Vec<InvoiceEvent> {
    issued_by(issue())
}

fn pay(n: u32, minor: i64) -> InvoiceCommand {
    InvoiceCommand::RecordPayment {
        payment: payment_id(n),
        amount: eur(minor),
    }
}

fn recorded(n: u32, minor: i64, paid_total: i64) -> InvoiceEvent {
    InvoiceEvent::PaymentRecorded {
        number: invoice_number(),
        order: order_id(1),
        payment: payment_id(n),
        amount: eur(minor),
        paid_total: eur(paid_total),
        outstanding: eur(5_147_900 - paid_total),
        recorded_on: day(TODAY),
    }
}

fn paid(paid_total: i64) -> InvoiceEvent {
    InvoiceEvent::Paid {
        number: invoice_number(),
        order: order_id(1),
        paid_total: eur(paid_total),
        paid_on: day(TODAY),
    }
}

fn credit(reason: &str) -> InvoiceCommand {
    InvoiceCommand::Credit {
        credit_number: credit_number(),
        reason: reason.to_owned(),
        deposit_refunded: false,
    }
}

fn with(mut history: Vec<InvoiceEvent>, more: &[InvoiceEvent]) -> Vec<InvoiceEvent> {
    history.extend_from_slice(more);
    history
}

fn price_of(command: &mut InvoiceCommand) -> &mut Price {
    match command {
        InvoiceCommand::Issue { price, .. } => price,
        _ => unreachable!(),
    }
}

// --- issue ------------------------------------------------------------------

#[test]
fn an_invoice_is_issued_for_the_locked_price_less_the_deposit_paid() {
    let quote = red_aura();
    assert_eq!(
        given::<Invoice>(&[], issue(), TODAY),
        Ok(vec![InvoiceEvent::Issued {
            number: invoice_number(),
            order: order_id(1),
            customer: customer("C-1001"),
            dealer: dealer("D-BER-01"),
            market: market("DE"),
            lines: quote.lines.clone(),
            price: Price {
                net: eur(4_410_000),
                vat: eur(837_900),
                gross: eur(5_247_900),
            },
            deposit_paid: eur(100_000),
            compensation: None,
            amount_due: eur(5_147_900),
            issued_on: day(TODAY),
            billing: None,
        }])
    );
}

#[test]
fn a_terra_in_china_is_invoiced_in_yuan_with_13_percent_vat() {
    let quote = catalog()
        .quote(&market("CN"), &model("TERRA"), &options(&["PKG-TOW"]))
        .unwrap();
    let events = issued_by(issue_with(&quote, cny(500_000)));
    let invoice = Invoice::replay(&events);
    assert_eq!(
        invoice.amount_due(),
        Some(cny(30_390_000 + 3_950_700 - 500_000))
    );
    assert_eq!(invoice.status(), Some(InvoiceStatus::Open));
}

#[test]
fn issuing_again_with_the_same_number_changes_nothing() {
    assert_eq!(given::<Invoice>(&issued(), issue(), TODAY), Ok(vec![]));
}

#[test]
fn issuing_again_with_another_number_is_refused() {
    let mut again = issue();
    if let InvoiceCommand::Issue { number: n, .. } = &mut again {
        *n = number("DE-2026-000124");
    }
    assert_eq!(
        given::<Invoice>(&issued(), again, TODAY),
        Err(InvoiceError::AlreadyIssued {
            number: invoice_number()
        })
    );
}

#[test]
fn an_invoice_with_nothing_left_to_pay_is_paid_when_issued() {
    let events = issued_by(issue_with(&red_aura(), eur(5_247_900)));
    assert_eq!(
        events.last(),
        Some(&InvoiceEvent::Paid {
            number: invoice_number(),
            order: order_id(1),
            paid_total: eur(0),
            paid_on: day(TODAY),
        })
    );
    assert_eq!(Invoice::replay(&events).status(), Some(InvoiceStatus::Paid));
}

#[test]
fn gross_must_be_net_plus_vat() {
    let mut command = issue();
    price_of(&mut command).gross = eur(5_247_901);
    assert_eq!(
        given::<Invoice>(&[], command, TODAY),
        Err(InvoiceError::InconsistentAmounts {
            net: eur(4_410_000),
            vat: eur(837_900),
            gross: eur(5_247_901),
        })
    );
}

#[test]
fn vat_must_be_the_markets_rate_on_the_net_rounded_half_up() {
    let mut command = issue();
    let price = price_of(&mut command);
    price.vat = eur(837_899);
    price.gross = eur(5_247_899);
    assert_eq!(
        given::<Invoice>(&[], command, TODAY),
        Err(InvoiceError::WrongVat {
            expected: eur(837_900),
            found: eur(837_899),
        })
    );
}

#[test]
fn the_lines_must_add_up_to_the_net_price() {
    let mut command = issue();
    if let InvoiceCommand::Issue { lines, .. } = &mut command {
        lines.retain(|line| line.code != "PNT-RED");
    }
    assert_eq!(
        given::<Invoice>(&[], command, TODAY),
        Err(InvoiceError::LinesDoNotAddUp {
            lines: eur(4_290_000),
            net: eur(4_410_000)
        })
    );
}

#[test]
fn amounts_in_another_currency_than_the_markets_are_refused() {
    let mut command = issue();
    if let InvoiceCommand::Issue { deposit_paid, .. } = &mut command {
        *deposit_paid = cny(100_000);
    }
    assert_eq!(
        given::<Invoice>(&[], command, TODAY),
        Err(InvoiceError::WrongCurrency {
            expected: Currency::EUR,
            found: Currency::CNY
        })
    );
}

#[test]
fn a_negative_deposit_is_refused() {
    assert_eq!(
        given::<Invoice>(&[], issue_with(&red_aura(), eur(-1)), TODAY),
        Err(InvoiceError::InvalidDeposit {
            deposit_paid: eur(-1),
            gross: eur(5_247_900)
        })
    );
}

#[test]
fn a_deposit_above_the_gross_price_is_refused() {
    assert_eq!(
        given::<Invoice>(&[], issue_with(&red_aura(), eur(5_247_901)), TODAY),
        Err(InvoiceError::InvalidDeposit {
            deposit_paid: eur(5_247_901),
            gross: eur(5_247_900)
        })
    );
}

#[test]
fn an_invoice_without_a_positive_net_price_is_refused() {
    let mut command = issue();
    if let InvoiceCommand::Issue {
        lines,
        price,
        deposit_paid,
        ..
    } = &mut command
    {
        lines.clear();
        *price = Price::from_net(eur(0), domain::values::Rate::from_basis_points(1900)).unwrap();
        *deposit_paid = eur(0);
    }
    assert_eq!(
        given::<Invoice>(&[], command, TODAY),
        Err(InvoiceError::NetNotPositive { net: eur(0) })
    );
}

#[test]
fn an_invoice_through_a_dealer_of_another_market_is_refused() {
    let mut command = issue();
    if let InvoiceCommand::Issue { dealer: d, .. } = &mut command {
        *d = dealer("D-SHA-01");
    }
    assert_eq!(
        given::<Invoice>(&[], command, TODAY),
        Err(InvoiceError::DealerNotInMarket {
            dealer: dealer("D-SHA-01"),
            market: market("DE")
        })
    );
}

#[test]
fn a_number_from_another_markets_series_is_refused() {
    let mut command = issue();
    if let InvoiceCommand::Issue { number: n, .. } = &mut command {
        *n = number("CN-2026-000123");
    }
    assert_eq!(
        given::<Invoice>(&[], command, TODAY),
        Err(InvoiceError::NumberFromOtherMarket {
            number: number("CN-2026-000123"),
            market: market("DE")
        })
    );
}

#[test]
fn a_number_from_another_years_series_is_refused() {
    let mut command = issue();
    if let InvoiceCommand::Issue { number: n, .. } = &mut command {
        *n = number("DE-2025-000123");
    }
    assert_eq!(
        given::<Invoice>(&[], command, TODAY),
        Err(InvoiceError::NumberFromOtherYear {
            number: number("DE-2025-000123"),
            issued_on: day(TODAY)
        })
    );
}

#[test]
fn an_invoice_dated_after_today_is_refused() {
    assert_eq!(
        given::<Invoice>(&[], issue(), "2026-11-22"),
        Err(InvoiceError::IssuedInFuture {
            issued_on: day(TODAY)
        })
    );
}

#[test]
fn an_invoice_in_a_market_the_catalog_does_not_know_is_refused() {
    let mut command = issue();
    if let InvoiceCommand::Issue { market: m, .. } = &mut command {
        *m = market("US");
    }
    assert_eq!(
        given::<Invoice>(&[], command, TODAY),
        Err(InvoiceError::UnknownMarket {
            market: market("US")
        })
    );
}

// --- payments ---------------------------------------------------------------

#[test]
fn a_payment_is_recorded_against_the_outstanding_amount() {
    assert_eq!(
        given::<Invoice>(&issued(), pay(1, 1_000_000), TODAY),
        Ok(vec![recorded(1, 1_000_000, 1_000_000)])
    );
}

#[test]
fn the_payment_that_reaches_the_amount_due_pays_the_invoice() {
    let history = with(issued(), &[recorded(1, 1_000_000, 1_000_000)]);
    assert_eq!(
        given::<Invoice>(&history, pay(2, 4_147_900), TODAY),
        Ok(vec![recorded(2, 4_147_900, 5_147_900), paid(5_147_900)])
    );
}

#[test]
fn a_payment_above_the_outstanding_amount_is_refused() {
    let history = with(issued(), &[recorded(1, 5_000_000, 5_000_000)]);
    assert_eq!(
        given::<Invoice>(&history, pay(2, 147_901), TODAY),
        Err(InvoiceError::Overpayment {
            outstanding: eur(147_900),
            attempted: eur(147_901)
        })
    );
}

#[test]
fn any_new_payment_on_a_paid_invoice_is_an_overpayment() {
    let history = with(
        issued(),
        &[recorded(1, 5_147_900, 5_147_900), paid(5_147_900)],
    );
    assert_eq!(
        given::<Invoice>(&history, pay(2, 1), TODAY),
        Err(InvoiceError::Overpayment {
            outstanding: eur(0),
            attempted: eur(1)
        })
    );
}

#[test]
fn the_same_payment_again_changes_nothing() {
    let history = with(issued(), &[recorded(1, 1_000_000, 1_000_000)]);
    assert_eq!(
        given::<Invoice>(&history, pay(1, 1_000_000), TODAY),
        Ok(vec![])
    );
    let paid_in_full = with(
        issued(),
        &[recorded(1, 5_147_900, 5_147_900), paid(5_147_900)],
    );
    assert_eq!(
        given::<Invoice>(&paid_in_full, pay(1, 5_147_900), TODAY),
        Ok(vec![])
    );
}

#[test]
fn the_same_payment_id_with_another_amount_is_refused() {
    let history = with(issued(), &[recorded(1, 1_000_000, 1_000_000)]);
    assert_eq!(
        given::<Invoice>(&history, pay(1, 2_000_000), TODAY),
        Err(InvoiceError::PaymentConflict {
            payment: payment_id(1),
            recorded: eur(1_000_000),
            attempted: eur(2_000_000)
        })
    );
}

#[test]
fn a_payment_before_the_invoice_is_issued_is_refused() {
    assert_eq!(
        given::<Invoice>(&[], pay(1, 100), TODAY),
        Err(InvoiceError::NotIssued)
    );
}

#[test]
fn a_payment_of_zero_or_less_is_refused() {
    for minor in [0, -100] {
        assert_eq!(
            given::<Invoice>(&issued(), pay(1, minor), TODAY),
            Err(InvoiceError::NonPositivePayment { amount: eur(minor) })
        );
    }
}

#[test]
fn a_payment_in_another_currency_is_refused() {
    let command = InvoiceCommand::RecordPayment {
        payment: payment_id(1),
        amount: cny(100),
    };
    assert_eq!(
        given::<Invoice>(&issued(), command, TODAY),
        Err(InvoiceError::WrongCurrency {
            expected: Currency::EUR,
            found: Currency::CNY
        })
    );
}

// --- credit notes -----------------------------------------------------------

fn credited(refund: i64) -> InvoiceEvent {
    InvoiceEvent::CreditNoteIssued {
        number: invoice_number(),
        order: order_id(1),
        credit_number: credit_number(),
        price: red_aura().price,
        refund: eur(refund),
        deposit_forfeited: eur(100_000),
        reason: "customer cancelled".to_owned(),
        credited_on: day(TODAY),
    }
}

#[test]
fn cancelling_an_invoiced_order_refunds_the_payments_and_forfeits_the_deposit() {
    let history = with(issued(), &[recorded(1, 1_000_000, 1_000_000)]);
    assert_eq!(
        given::<Invoice>(&history, credit("customer cancelled"), TODAY),
        Ok(vec![credited(1_000_000)])
    );
}

#[test]
fn a_credit_note_of_an_order_withdrawn_with_its_deposit_refunded_forfeits_nothing() {
    let history = with(issued(), &[recorded(1, 1_000_000, 1_000_000)]);
    let withdrawn = InvoiceCommand::Credit {
        credit_number: credit_number(),
        reason: "withdrawn within 14 days".to_owned(),
        deposit_refunded: true,
    };
    let InvoiceEvent::CreditNoteIssued {
        refund,
        deposit_forfeited,
        ..
    } = &given::<Invoice>(&history, withdrawn, TODAY).unwrap()[0]
    else {
        panic!("no credit note")
    };
    assert_eq!((*refund, *deposit_forfeited), (eur(1_000_000), eur(0)));
}

#[test]
fn a_paid_invoice_can_still_be_credited_refunding_the_paid_total() {
    let history = with(
        issued(),
        &[recorded(1, 5_147_900, 5_147_900), paid(5_147_900)],
    );
    assert_eq!(
        given::<Invoice>(&history, credit(" customer cancelled "), TODAY),
        Ok(vec![credited(5_147_900)])
    );
}

#[test]
fn crediting_again_with_the_same_number_changes_nothing() {
    let history = with(issued(), &[credited(0)]);
    assert_eq!(
        given::<Invoice>(&history, credit("customer cancelled"), TODAY),
        Ok(vec![])
    );
}

#[test]
fn crediting_again_with_another_number_is_refused() {
    let history = with(issued(), &[credited(0)]);
    let again = InvoiceCommand::Credit {
        credit_number: number("DE-2026-000131"),
        reason: "again".to_owned(),
        deposit_refunded: false,
    };
    assert_eq!(
        given::<Invoice>(&history, again, TODAY),
        Err(InvoiceError::AlreadyCredited {
            credit_number: credit_number()
        })
    );
}

#[test]
fn a_payment_on_a_credited_invoice_is_refused() {
    let history = with(issued(), &[credited(0)]);
    assert_eq!(
        given::<Invoice>(&history, pay(1, 100), TODAY),
        Err(InvoiceError::InvoiceCredited {
            credit_number: credit_number()
        })
    );
}

#[test]
fn an_invoice_not_issued_cannot_be_credited() {
    assert_eq!(
        given::<Invoice>(&[], credit("customer cancelled"), TODAY),
        Err(InvoiceError::NotIssued)
    );
}

#[test]
fn a_credit_note_needs_a_reason() {
    assert_eq!(
        given::<Invoice>(&issued(), credit("  "), TODAY),
        Err(InvoiceError::ReasonMissing)
    );
    assert_eq!(
        given::<Invoice>(&issued(), credit(&"x".repeat(201)), TODAY),
        Err(InvoiceError::ReasonTooLong { max: 200 })
    );
}

#[test]
fn a_credit_note_needs_a_number_of_its_own_from_the_invoices_market() {
    let command = |n: &str| InvoiceCommand::Credit {
        credit_number: number(n),
        reason: "customer cancelled".to_owned(),
        deposit_refunded: false,
    };
    assert_eq!(
        given::<Invoice>(&issued(), command("DE-2026-000123"), TODAY),
        Err(InvoiceError::CreditNumberIsInvoiceNumber {
            number: invoice_number()
        })
    );
    assert_eq!(
        given::<Invoice>(&issued(), command("CN-2026-000001"), TODAY),
        Err(InvoiceError::NumberFromOtherMarket {
            number: number("CN-2026-000001"),
            market: market("DE")
        })
    );
}

// --- read side --------------------------------------------------------------

#[test]
fn an_invoice_reports_what_is_due_paid_and_outstanding() {
    assert_eq!(Invoice::default().status(), None);
    let history = with(issued(), &[recorded(1, 1_000_000, 1_000_000)]);
    let invoice = Invoice::replay(&history);
    assert_eq!(invoice.number(), Some(&invoice_number()));
    assert_eq!(invoice.status(), Some(InvoiceStatus::Open));
    assert_eq!(invoice.amount_due(), Some(eur(5_147_900)));
    assert_eq!(invoice.paid_total(), Some(eur(1_000_000)));
    assert_eq!(invoice.outstanding(), Some(eur(4_147_900)));
    assert_eq!(invoice.payments().map(|p| p.len()), Some(1));
    let credited = Invoice::replay(&with(history, &[credited(1_000_000)]));
    assert_eq!(credited.status(), Some(InvoiceStatus::Credited));
    assert_eq!(
        credited.credit_note().map(|c| c.refund),
        Some(eur(1_000_000))
    );
}

#[test]
fn invoice_events_are_stored_under_their_pinned_names() {
    let events = with(
        issued(),
        &[
            recorded(1, 5_147_900, 5_147_900),
            paid(5_147_900),
            credited(5_147_900),
        ],
    );
    let names: Vec<&str> = events.iter().map(DomainEvent::event_type).collect();
    assert_eq!(
        names,
        [
            "InvoiceIssued",
            "PaymentRecorded",
            "InvoicePaid",
            "CreditNoteIssued"
        ]
    );
    for event in &events {
        let json = serde_json::to_value(event).unwrap();
        assert_eq!(json["type"], event.event_type());
        assert_eq!(
            &serde_json::from_value::<InvoiceEvent>(json).unwrap(),
            event
        );
    }
    assert_eq!(
        serde_json::to_value(InvoiceStatus::Credited).unwrap(),
        "credited"
    );
}

// --- properties -------------------------------------------------------------

const PAINTS: [&str; 3] = ["PNT-WHT", "PNT-BLK", "PNT-RED"];
const WHEELS: [&str; 2] = ["WHL-18", "WHL-20"];
const INTERIORS: [&str; 2] = ["INT-CLOTH", "INT-LEATHER"];
const PACKAGES: [&str; 3] = ["PKG-TOW", "PKG-SPORT", "PKG-WINTER"];

/// A valid quote for a random configuration (invalid picks fall back to the
/// base model).
fn random_quote() -> impl Strategy<Value = Quote> {
    (
        prop::sample::select(vec!["DE", "CN"]),
        prop::sample::select(vec!["AURA", "TERRA"]),
        0usize..3,
        0usize..2,
        0usize..2,
        0u8..8,
    )
        .prop_map(|(m, md, paint, wheels, interior, packages)| {
            let mut picked = vec![PAINTS[paint], WHEELS[wheels], INTERIORS[interior]];
            picked.extend(
                PACKAGES
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| packages & (1 << i) != 0)
                    .map(|(_, p)| *p),
            );
            catalog()
                .quote(&market(m), &model(md), &options(&picked))
                .or_else(|_| catalog().quote(&market(m), &model(md), &[]))
                .unwrap()
        })
}

#[derive(Debug, Clone)]
enum Step {
    Pay { id: u32, permille: u16 },
    PayTheRest { id: u32 },
    Credit,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0u32..6, 0u16..700).prop_map(|(id, permille)| Step::Pay { id, permille }),
        2 => (0u32..6).prop_map(|id| Step::PayTheRest { id }),
        1 => Just(Step::Credit),
    ]
}

proptest! {
    #[test]
    fn invoice_arithmetic_holds_and_replay_reproduces_the_state(
        quote in random_quote(),
        deposit_permille in 0i64..=1000,
        full_deposit in any::<bool>(),
        steps in prop::collection::vec(step(), 0..25),
    ) {
        let gross = quote.price.gross;
        let deposit = if full_deposit {
            quote.deposit
        } else {
            Money::new(gross.amount_minor * deposit_permille / 1000, gross.currency)
        };
        let today = ctx(TODAY);
        let mut state = Invoice::default();
        let mut accepted = domain::invoice::decide(&state, issue_with(&quote, deposit), &today)
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        for event in &accepted {
            state = domain::invoice::evolve(state, event);
        }
        for step in steps {
            let command = match step {
                Step::Pay { id, permille } => InvoiceCommand::RecordPayment {
                    payment: payment_id(id),
                    // Up to 70% of the gross, so that some payments overshoot.
                    amount: Money::new(gross.amount_minor * i64::from(permille) / 1000 + 1, gross.currency),
                },
                Step::PayTheRest { id } => InvoiceCommand::RecordPayment {
                    payment: payment_id(id),
                    amount: state.outstanding().unwrap(),
                },
                Step::Credit => InvoiceCommand::Credit {
                    credit_number: number(&format!("{}-2026-000999", quote.market)),
                    reason: "cancelled".to_owned(),
                    deposit_refunded: false,
                },
            };
            if let Ok(events) = domain::invoice::decide(&state, command, &today) {
                for event in &events {
                    state = domain::invoice::evolve(state, event);
                }
                accepted.extend(events);
            }

            // Invariant 4 on the document.
            let document = state.document().cloned().ok_or_else(|| TestCaseError::fail("issued"))?;
            let lines = Money::sum(gross.currency, document.lines.iter().map(|l| &l.amount)).unwrap();
            prop_assert_eq!(lines, document.price.net);
            prop_assert_eq!(document.price.net.checked_add(document.price.vat), Ok(document.price.gross));
            prop_assert_eq!(document.amount_due, document.price.gross.checked_sub(deposit).unwrap());
            // Never overpaid; paid exactly when the payments reach the amount due.
            let (paid_total, due) = (state.paid_total().unwrap(), state.amount_due().unwrap());
            prop_assert!(paid_total.amount_minor <= due.amount_minor);
            let payments = Money::sum(gross.currency, state.payments().unwrap().values()).unwrap();
            prop_assert_eq!(payments, paid_total);
            prop_assert_eq!(state.paid_on().is_some(), paid_total == due);
            prop_assert_eq!(state.outstanding(), due.checked_sub(paid_total).ok());
            if let Some(note) = state.credit_note() {
                prop_assert_eq!(state.status(), Some(InvoiceStatus::Credited));
                prop_assert_eq!(note.deposit_forfeited, deposit);
                prop_assert_eq!(note.refund, paid_total);
            } else {
                let expected = if paid_total == due { InvoiceStatus::Paid } else { InvoiceStatus::Open };
                prop_assert_eq!(state.status(), Some(expected));
            }
        }
        prop_assert_eq!(Invoice::replay(&accepted), state);
    }
}
