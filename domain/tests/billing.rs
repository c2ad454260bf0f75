//! The billing identity on the order's and the invoice's events: sealed,
//! optional, and absent from events stored before it existed.

#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use domain::invoice::{Invoice, InvoiceCommand, InvoiceEvent};
use domain::order::{Channel, Order, OrderCommand, OrderEvent};
use domain::values::{InvoiceNumber, Sealed};

const TODAY: &str = "2026-11-23";

fn billing() -> Sealed {
    Sealed {
        key: "C-1001/billing-2026".into(),
        nonce: vec![1; 24],
        ciphertext: vec![2; 16],
    }
}

fn placed(billing: Option<Sealed>) -> OrderEvent {
    let place = OrderCommand::Place {
        lead: None,
        order: order_id(1),
        customer: customer("C-1001"),
        dealer: dealer("D-BER-01"),
        selling_dealer: None,
        market: market("DE"),
        model: model("AURA"),
        options: options(&["PNT-RED"]),
        channel: Channel::Online,
        billing,
    };
    given::<Order>(&[], place, TODAY).unwrap().remove(0)
}

fn issued(billing: Option<Sealed>) -> InvoiceEvent {
    let quote = catalog()
        .quote(&market("DE"), &model("AURA"), &options(&["PNT-RED"]))
        .unwrap();
    let issue = InvoiceCommand::Issue {
        number: InvoiceNumber::parse("DE-2026-000001").unwrap(),
        order: order_id(1),
        customer: customer("C-1001"),
        dealer: dealer("D-BER-01"),
        market: market("DE"),
        lines: quote.lines.clone(),
        price: quote.price,
        deposit_paid: eur(0),
        issued_on: day(TODAY),
        billing,
    };
    given::<Invoice>(&[], issue, TODAY).unwrap().remove(0)
}

/// Stored JSON of `event` as written before the field existed.
fn without_billing<E: serde::Serialize>(event: &E) -> String {
    let mut json = serde_json::to_value(event).unwrap();
    let data = json["data"].as_object_mut().unwrap();
    assert!(
        data.remove("billing").is_some(),
        "the event carries billing"
    );
    json.to_string()
}

#[test]
fn an_order_placed_before_billing_existed_still_decodes() {
    let old = without_billing(&placed(Some(billing())));
    assert_eq!(
        serde_json::from_str::<OrderEvent>(&old).unwrap(),
        placed(None)
    );
    let none = serde_json::to_string(&placed(None)).unwrap();
    assert!(!none.contains("billing"), "None is not written: {none}");
}

#[test]
fn an_invoice_issued_before_billing_existed_still_decodes() {
    let old = without_billing(&issued(Some(billing())));
    assert_eq!(
        serde_json::from_str::<InvoiceEvent>(&old).unwrap(),
        issued(None)
    );
    let none = serde_json::to_string(&issued(None)).unwrap();
    assert!(!none.contains("billing"), "None is not written: {none}");
}

#[test]
fn the_sealed_billing_identity_is_kept_by_the_order_and_the_invoice() {
    let event = placed(Some(billing()));
    let json = serde_json::to_string(&event).unwrap();
    assert_eq!(serde_json::from_str::<OrderEvent>(&json).unwrap(), event);
    let order = <Order as domain::Decider>::replay([&event]);
    assert_eq!(order.placed().unwrap().billing, Some(billing()));
    let invoice = issued(Some(billing()));
    let json = serde_json::to_string(&invoice).unwrap();
    assert_eq!(
        serde_json::from_str::<InvoiceEvent>(&json).unwrap(),
        invoice
    );
}
