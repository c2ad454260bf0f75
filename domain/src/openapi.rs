//! The JSON schemas of the values as the API writes and reads them (feature
//! `openapi`): each names the language its `parse` accepts, so a client
//! generated from the OpenAPI document sends values the server takes.
//!
//! Structs and enums derive their schema beside their serde shape
//! (`cfg_attr(feature = "openapi", derive(utoipa::ToSchema))`); the string
//! values here have hand-written parsers, so their patterns are written in
//! one place and checked against the parsers by the tests below.

use std::borrow::Cow;

use serde_json::json;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::values::{
    CarId, Currency, CustomerId, DealerId, FamilyCode, InvoiceNumber, IsoWeek, LeadId, LocationId,
    MarketCode, ModelCode, Month, OptionCode, OrderId, PaymentId, PlantId, Rate, ShipmentId,
    TestDriveId, TimeOfDay, UserId, VehicleId, Vin,
};

/// Upper-case segments joined by dashes (`PNT-RED`), as `upper_segments`
/// in `values::codes` accepts them.
const SEGMENTS: &str = "[A-Z0-9]+(-[A-Z0-9]+)*";

fn string(description: &str, pattern: String, max_length: usize, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
        .max_length(Some(max_length))
        .examples([json!(example)])
        .into()
}

fn uuid(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        .description(Some(description))
        .pattern(Some(
            "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        ))
        .examples([json!("0193a5b0-7c1e-7d2a-9f00-3c5e8b1a2d4f")])
        .into()
}

/// `impl ToSchema` with the type's own name and the given schema.
macro_rules! schema {
    ($name:ident, $schema:expr) => {
        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }
        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

schema!(OrderId, uuid("An order (UUID)."));
schema!(VehicleId, uuid("A vehicle (UUID)."));
schema!(ShipmentId, uuid("A shipment (UUID)."));
schema!(PaymentId, uuid("A payment (UUID)."));
schema!(LeadId, uuid("A lead (UUID)."));
schema!(
    MarketCode,
    string(
        "A sales market: two upper-case letters.",
        "^[A-Z]{2}$".into(),
        2,
        "DE"
    )
);
schema!(
    ModelCode,
    string(
        "A model: upper-case letters and digits in dash-separated segments.",
        format!("^{SEGMENTS}$"),
        40,
        "AURA"
    )
);
schema!(
    OptionCode,
    string(
        "An option: upper-case letters and digits in dash-separated segments.",
        format!("^{SEGMENTS}$"),
        40,
        "PNT-RED"
    )
);
schema!(
    FamilyCode,
    string(
        "An option family: lower-case letters, digits and underscores.",
        "^[a-z0-9_]+$".into(),
        40,
        "paint"
    )
);
schema!(
    DealerId,
    string(
        "A dealer: `D-` and upper-case segments.",
        format!("^D-{SEGMENTS}$"),
        40,
        "D-BER-01"
    )
);
schema!(
    PlantId,
    string(
        "A plant: `P-` and upper-case segments.",
        format!("^P-{SEGMENTS}$"),
        40,
        "P-LEIPZIG"
    )
);
schema!(
    CustomerId,
    string(
        "A customer: `C-` and upper-case segments.",
        format!("^C-{SEGMENTS}$"),
        40,
        "C-1001"
    )
);
schema!(
    UserId,
    string(
        "A staff account: `U-` and upper-case segments.",
        format!("^U-{SEGMENTS}$"),
        40,
        "U-7K3M9QX2PA"
    )
);
schema!(
    CarId,
    string(
        "A dealer's demo car: `DC-` and upper-case segments.",
        format!("^DC-{SEGMENTS}$"),
        40,
        "DC-BER-01-1"
    )
);
schema!(
    TestDriveId,
    string(
        "A test drive: `TD-`, its demo car, its local date `YYYYMMDD` and its ordinal there (from 1).",
        format!("^TD-DC-{SEGMENTS}-[0-9]{{8}}-[1-9][0-9]{{0,9}}$"),
        63,
        "TD-DC-BER-01-1-20261123-1"
    )
);
schema!(
    TimeOfDay,
    string(
        "A local time of day `HH:MM` (00:00 to 23:59).",
        "^([01][0-9]|2[0-3]):[0-5][0-9]$".into(),
        5,
        "09:00"
    )
);
schema!(
    LocationId,
    string(
        "Where a vehicle stands: a dealer (`D-…`) or a plant (`P-…`).",
        format!("^[DP]-{SEGMENTS}$"),
        40,
        "D-BER-01"
    )
);
schema!(
    IsoWeek,
    string(
        "An ISO 8601 week `YYYY-Www` (years 1000–9999).",
        "^[1-9][0-9]{3}-W(0[1-9]|[1-4][0-9]|5[0-3])$".into(),
        8,
        "2026-W50"
    )
);
schema!(
    Month,
    string(
        "A month `YYYY-MM` (years 1000–9999).",
        "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$".into(),
        7,
        "2026-11"
    )
);
schema!(
    Vin,
    string(
        "A vehicle identification number: 17 characters, no I, O or Q.",
        "^[A-HJ-NPR-Z0-9]{17}$".into(),
        17,
        "WOTD0AURA00000001"
    )
);
schema!(
    InvoiceNumber,
    string(
        "An invoice or credit note: market, year, sequence from 000001.",
        "^[A-Z]{2}-[0-9]{4}-(0[0-9]{4}[1-9]|0[0-9]{3}[1-9][0-9]|0[0-9]{2}[1-9][0-9]{2}|0[0-9][1-9][0-9]{3}|0[1-9][0-9]{4}|[1-9][0-9]{5,8})$".into(),
        17,
        "DE-2026-000001"
    )
);
schema!(
    Currency,
    string("An ISO 4217 currency code.", "^[A-Z]{3}$".into(), 3, "EUR")
);
schema!(
    Rate,
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .description(Some("A rate in basis points: 400 is 4%."))
        .minimum(Some(0))
        .examples([json!(400)])
        .into()
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn pattern_of<T: PartialSchema>() -> regex::Regex {
        let schema = serde_json::to_value(T::schema()).unwrap();
        regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap()
    }

    /// Each pattern takes what the parser takes and refuses what it refuses.
    fn agrees<T: PartialSchema>(parse: impl Fn(&str) -> bool, samples: &[&str]) {
        let pattern = pattern_of::<T>();
        for s in samples {
            assert_eq!(
                pattern.is_match(s),
                parse(s),
                "{pattern} and the parser disagree on {s:?}"
            );
        }
    }

    #[test]
    fn the_patterns_accept_what_the_parsers_accept() {
        let codes = [
            "D-BER-01",
            "P-LEIPZIG",
            "C-1001",
            "AURA",
            "PNT-RED",
            "D-",
            "D--X",
            "d-ber",
            "",
            "DE",
            "X1-",
            "D-X9",
            "D-BER-01-A",
            "P-9",
            "C-A-1",
            "PNT-",
            "D-ber",
        ];
        agrees::<DealerId>(|s| DealerId::parse(s).is_ok(), &codes);
        agrees::<PlantId>(|s| PlantId::parse(s).is_ok(), &codes);
        agrees::<CustomerId>(|s| CustomerId::parse(s).is_ok(), &codes);
        agrees::<ModelCode>(|s| ModelCode::parse(s).is_ok(), &codes);
        agrees::<OptionCode>(|s| OptionCode::parse(s).is_ok(), &codes);
        agrees::<LocationId>(|s| LocationId::parse(s).is_ok(), &codes);
        agrees::<CarId>(
            |s| CarId::parse(s).is_ok(),
            &[
                "DC-BER-01-1",
                "DC-",
                "D-BER-01",
                "DC-ber",
                "DC-X--1",
                "DC-X",
            ],
        );
        agrees::<TestDriveId>(
            |s| TestDriveId::parse(s).is_ok(),
            &[
                "TD-DC-BER-01-1-20261123-1",
                "TD-DC-BER-01-1-20261123-12",
                "TD-DC-BER-01-1-20261123-0",
                "TD-DC-BER-01-1-20261123-01",
                "TD-DC-BER-01-1-2026112-1",
                "TD-D-BER-01-20261123-1",
                "TD-DC-X-20261123-1",
                "DC-BER-01-1-20261123-1",
            ],
        );
        agrees::<TimeOfDay>(
            |s| TimeOfDay::parse(s).is_ok(),
            &["09:00", "23:59", "24:00", "9:00", "12:60", "00:00", "12-00"],
        );
        agrees::<MarketCode>(
            |s| MarketCode::parse(s).is_ok(),
            &["DE", "CN", "D", "DEU", "de", ""],
        );
        agrees::<FamilyCode>(
            |s| FamilyCode::parse(s).is_ok(),
            &["paint", "wheels_2", "Paint", ""],
        );
        agrees::<IsoWeek>(
            |s| IsoWeek::parse(s).is_ok(),
            &[
                "2026-W50", "2026-W01", "2026-W00", "2026-W54", "0999-W10", "2026-W5", "2026W50",
            ],
        );
        agrees::<Month>(
            |s| Month::parse(s).is_ok(),
            &[
                "2026-11", "2026-12", "2026-13", "2026-00", "0999-01", "2026-1",
            ],
        );
        agrees::<Vin>(
            |s| Vin::parse(s).is_ok(),
            &[
                "WOTD0AURA00000001",
                "WOTD0AURA0000000I",
                "WOTD0AURA0000001",
                "wotd0aura00000001",
            ],
        );
        agrees::<InvoiceNumber>(
            |s| InvoiceNumber::parse(s).is_ok(),
            &[
                "DE-2026-000001",
                "DE-2026-000000",
                "DE-2026-123456",
                "DE-2026-1234567",
                "DE-2026-0123456",
                "DE-2026-00001",
                "de-2026-000001",
            ],
        );
        agrees::<Currency>(|s| Currency::parse(s).is_ok(), &["EUR", "CNY", "EU", "eur"]);
        agrees::<OrderId>(
            |s| OrderId::parse(s).is_ok(),
            &[
                "0193a5b0-7c1e-7d2a-9f00-3c5e8b1a2d4f",
                "0",
                "0193a5b0-7c1e-7d2a-9f00-3c5e8b1a2d4",
            ],
        );
    }
}
