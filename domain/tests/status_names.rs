//! Each status's `as_str` is its serde name: the read models tag and filter by `as_str`, the
//! API answers with serde, and the two must never drift apart.
#![allow(clippy::unwrap_used)]

use domain::invoice::InvoiceStatus;
use domain::order::OrderStatus;
use domain::vehicle::VehicleStatus;
use serde::Serialize;

fn serde_name(value: impl Serialize) -> String {
    match serde_json::to_value(value).unwrap() {
        serde_json::Value::String(name) => name,
        other => panic!("a status serializes as a string, not {other}"),
    }
}

#[test]
fn every_order_status_is_named_as_serde_names_it() {
    for status in OrderStatus::ALL {
        assert_eq!(status.as_str(), serde_name(status));
    }
}

#[test]
fn every_vehicle_status_is_named_as_serde_names_it() {
    for status in VehicleStatus::ALL {
        assert_eq!(status.as_str(), serde_name(status));
    }
}

#[test]
fn every_invoice_status_is_named_as_serde_names_it() {
    for status in InvoiceStatus::ALL {
        assert_eq!(status.as_str(), serde_name(status));
    }
}
