//! Fixtures for the given/when/then tests of the aggregates.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::catalog::{Catalog, Configuration};
use domain::values::*;
use domain::{Context, Decider};
use std::sync::OnceLock;

pub mod people;

/// The demo catalog, loaded once.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::demo)
}

/// Noon UTC on `date` (YYYY-MM-DD).
pub fn at(date: &str) -> DateTime<Utc> {
    let d = day(date);
    Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap())
}

pub fn day(date: &str) -> NaiveDate {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap()
}

/// A decision context on `date` with the demo catalog.
pub fn ctx(date: &str) -> Context<'static> {
    Context::new(at(date), catalog())
}

/// Given the `history`, when `command` is decided on `date`.
pub fn given<D: Decider>(
    history: &[D::Event],
    command: D::Command,
    date: &str,
) -> Result<Vec<D::Event>, D::Error> {
    D::decide(&D::replay(history), command, &ctx(date))
}

pub fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}
pub fn cny(minor: i64) -> Money {
    Money::new(minor, Currency::CNY)
}
pub fn market(s: &str) -> MarketCode {
    MarketCode::parse(s).unwrap()
}
pub fn model(s: &str) -> ModelCode {
    ModelCode::parse(s).unwrap()
}
pub fn option(s: &str) -> OptionCode {
    OptionCode::parse(s).unwrap()
}
pub fn options(codes: &[&str]) -> Vec<OptionCode> {
    codes.iter().map(|c| option(c)).collect()
}
pub fn dealer(s: &str) -> DealerId {
    DealerId::parse(s).unwrap()
}
pub fn plant(s: &str) -> PlantId {
    PlantId::parse(s).unwrap()
}
pub fn location(s: &str) -> LocationId {
    LocationId::parse(s).unwrap()
}
pub fn customer(s: &str) -> CustomerId {
    CustomerId::parse(s).unwrap()
}
pub fn car(s: &str) -> CarId {
    CarId::parse(s).unwrap()
}
pub fn user(s: &str) -> UserId {
    UserId::parse(s).unwrap()
}
/// An instant written in RFC 3339 (`2026-11-23T08:00:00Z`).
pub fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}
/// A decision context at the instant `s` with the demo catalog.
pub fn ctx_at(s: &str) -> Context<'static> {
    Context::new(instant(s), catalog())
}
pub fn week(s: &str) -> IsoWeek {
    IsoWeek::parse(s).unwrap()
}
pub fn vin(s: &str) -> Vin {
    Vin::parse(s).unwrap()
}
pub fn order_id(n: u32) -> OrderId {
    OrderId::derived(&format!("order-{n}"))
}
pub fn vehicle_id(n: u32) -> VehicleId {
    VehicleId::derived(&format!("vehicle-{n}"))
}
pub fn shipment_id(n: u32) -> ShipmentId {
    ShipmentId::derived(&format!("shipment-{n}"))
}
pub fn payment_id(n: u32) -> PaymentId {
    PaymentId::derived(&format!("payment-{n}"))
}

/// A valid configuration of `model` in `market` with `opts` (defaults filled in).
pub fn configuration(market_code: &str, model_code: &str, opts: &[&str]) -> Configuration {
    catalog()
        .validate(&market(market_code), &model(model_code), &options(opts))
        .unwrap()
}
