//! VINs the engine assigns at build start.
//!
//! A VIN is derived, never drawn at random, so that starting production of
//! a week again (a retry after a crash) assigns the same VINs:
//!
//! | characters | what | example |
//! |---|---|---|
//! | 1–7 | the plant: 7 digits base 33 of a UUID v5 of the plant id | `K3W9ZTR` |
//! | 8–9 | the year of the ISO week, last two digits | `26` |
//! | 10–11 | the ISO week | `50` |
//! | 12–17 | the booking's index in the week, base 33 | `000003` |
//!
//! Base 33 is the ISO 3779 alphabet: digits and capital letters without
//! `I`, `O` and `Q`. Two plant-weeks differ in the plant tag or in the
//! year-week, two builds of a week in the index, so VINs are unique as long
//! as two plants do not share a tag (33^7 ≈ 4·10^10 tags: a collision among
//! a maker's plants is negligible, and the slot refuses duplicates within a
//! week anyway) and the engine does not outlive a century.

use domain::values::{IsoWeek, PlantId, Vin, VinError};
use uuid::Uuid;

/// The ISO 3779 alphabet.
const ALPHABET: &[u8; 33] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

/// The VIN of the build at `index` (0-based, in booking order) of `week` at
/// `plant`. Fails only for an index of 33^6 or more.
pub fn derive_vin(plant: &PlantId, week: IsoWeek, index: u32) -> Result<Vin, VinError> {
    let tag = Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("plant:{plant}").as_bytes());
    let tag = u64::from_be_bytes(tag.as_bytes()[..8].try_into().unwrap_or_default());
    let mut vin = base33(tag, 7);
    vin.push_str(&format!(
        "{:02}{:02}",
        week.year().rem_euclid(100),
        week.week()
    ));
    let index = u64::from(index);
    if index >= 33u64.pow(6) {
        return Err(VinError::WrongLength(18));
    }
    vin.push_str(&base33(index, 6));
    Vin::parse(&vin)
}

/// The lowest `digits` digits of `value` in base 33, most significant first.
fn base33(mut value: u64, digits: usize) -> String {
    let mut out = vec![b'0'; digits];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(value % 33) as usize];
        value /= 33;
    }
    out.into_iter().map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn a_vin_is_derived_the_same_way_every_time() {
        let plant = PlantId::parse("P-LEIPZIG").unwrap();
        let week = IsoWeek::parse("2026-W50").unwrap();
        let vin = derive_vin(&plant, week, 3).unwrap();
        assert_eq!(vin, derive_vin(&plant, week, 3).unwrap());
        assert_eq!(vin.as_str().len(), 17);
        assert!(vin.as_str()[7..].starts_with("2650"));
        assert!(vin.as_str().ends_with("000003"));
    }

    #[test]
    fn vins_differ_by_plant_week_and_index() {
        let plants = ["P-LEIPZIG", "P-SHENYANG"].map(|p| PlantId::parse(p).unwrap());
        let weeks = ["2026-W50", "2026-W51", "2027-W01"].map(|w| IsoWeek::parse(w).unwrap());
        let mut seen = BTreeSet::new();
        for plant in &plants {
            for week in weeks {
                for index in 0..200 {
                    assert!(seen.insert(derive_vin(plant, week, index).unwrap()));
                }
            }
        }
    }

    #[test]
    fn an_index_beyond_six_base_33_digits_is_refused() {
        let plant = PlantId::parse("P-LEIPZIG").unwrap();
        let week = IsoWeek::parse("2026-W50").unwrap();
        assert!(derive_vin(&plant, week, 33u32.pow(6) - 1).is_ok());
        assert!(derive_vin(&plant, week, 33u32.pow(6)).is_err());
    }
}
