//! A lead's grade: how soon the person is expected to buy, which sets how
//! often the consultant follows up; or the end of the lead (lost, sold).

use std::fmt;
use std::str::FromStr;

use chrono::Duration;
use serde::{Deserialize, Serialize};

/// The grade of a lead, written as its letter.
///
/// | grade | meaning | follow up every |
/// |---|---|---|
/// | H | buys within 7 days | 1 day |
/// | A | within 15 days | 3 days |
/// | B | within 30 days | 5 days |
/// | C | in 2–3 months | 15 days |
/// | D | no clear intent | 30 days |
/// | F | lost (a manager approved it) | — |
/// | S | sold: became an order | — |
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Grade {
    H,
    A,
    B,
    C,
    D,
    F,
    S,
}

/// Why a text is not a grade.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a lead grade (H, A, B, C, D, F or S)")]
pub struct GradeError(pub String);

impl Grade {
    pub const ALL: [Grade; 7] = [
        Grade::H,
        Grade::A,
        Grade::B,
        Grade::C,
        Grade::D,
        Grade::F,
        Grade::S,
    ];

    /// The grades of an open lead, from the most intent to the least.
    pub const OPEN: [Grade; 5] = [Grade::H, Grade::A, Grade::B, Grade::C, Grade::D];

    /// The letter (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::H => "H",
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::F => "F",
            Grade::S => "S",
        }
    }

    pub fn parse(s: &str) -> Result<Grade, GradeError> {
        Grade::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| GradeError(s.chars().take(10).collect()))
    }

    /// Whether a lead in this grade is still worked (H to D); F and S close it.
    pub fn is_open(self) -> bool {
        self.intent().is_some()
    }

    /// How strongly the person intends to buy: H highest, D lowest; `None`
    /// for a closed lead.
    pub fn intent(self) -> Option<u8> {
        match self {
            Grade::H => Some(5),
            Grade::A => Some(4),
            Grade::B => Some(3),
            Grade::C => Some(2),
            Grade::D => Some(1),
            Grade::F | Grade::S => None,
        }
    }

    /// Whether this open grade shows at least the intent of `other`
    /// (H ≥ A ≥ B ≥ C ≥ D); never for a closed grade.
    pub fn at_least(self, other: Grade) -> bool {
        match (self.intent(), other.intent()) {
            (Some(mine), Some(theirs)) => mine >= theirs,
            _ => false,
        }
    }

    /// How long after a contact the next follow-up is due; `None` for a
    /// closed lead.
    pub fn follow_up_every(self) -> Option<Duration> {
        let days = match self {
            Grade::H => 1,
            Grade::A => 3,
            Grade::B => 5,
            Grade::C => 15,
            Grade::D => 30,
            Grade::F | Grade::S => return None,
        };
        Some(Duration::days(days))
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Grade {
    type Err = GradeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Grade::parse(s)
    }
}
