//! Test drives: one stream per demo car and local date
//! (`testdrives-DC-BER-01-1@2026-11-23`), the consistency boundary that
//! makes two overlapping bookings of one car impossible (exactly one of two
//! racing appends wins).
//!
//! It protects:
//! - a drive books a car of the catalog at the dealer that has it, for one
//!   45-minute slot of the grid within opening hours ([`slots`]), that has
//!   not started and that no active (booked) drive of the car overlaps;
//! - a drive's id names its car-day and ordinal ([`TestDriveId`]), so the
//!   application finds its stream from the id alone;
//! - a booked drive is completed or marked no-show once its start has come,
//!   or cancelled before its end; each exactly once, and nothing after.
//!
//! Booking the same start again for the same customer while that drive is
//! booked is a no-op (a double submit finds the drive it made:
//! [`TestDriveDay::active_at`]); anyone else gets [`TestDriveError::SlotTaken`].

mod decide;
pub mod slots;
mod state;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::decider::{Context, Decider};
use crate::values::{CarDayKey, CarId, CustomerId, DealerId, LeadId, ModelCode, TestDriveId};

pub use decide::decide;
pub use slots::{check_start, free_slots, grid, FreeSlot, SlotRefusal, Span, TEST_DRIVE_MINUTES};
pub use state::{evolve, DriveRecord, TestDriveDay};

/// Where a test drive was booked.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingChannel {
    /// By the customer, online.
    Online,
    /// By the dealer's staff, in the showroom (or on the phone).
    Showroom,
}

/// Where a test drive stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestDriveStatus {
    Booked,
    Completed,
    Cancelled,
    NoShow,
}

impl TestDriveStatus {
    pub const ALL: [TestDriveStatus; 4] = [
        TestDriveStatus::Booked,
        TestDriveStatus::Completed,
        TestDriveStatus::Cancelled,
        TestDriveStatus::NoShow,
    ];

    /// The status's serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            TestDriveStatus::Booked => "booked",
            TestDriveStatus::Completed => "completed",
            TestDriveStatus::Cancelled => "cancelled",
            TestDriveStatus::NoShow => "no_show",
        }
    }
}

/// The facts of one booked test drive. Every event of the drive carries
/// them whole, so a view or a process acts on any one event alone (a
/// completion is a contact on `lead`, a cancellation frees `start`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestDrive {
    pub id: TestDriveId,
    pub car: CarId,
    pub dealer: DealerId,
    pub model: ModelCode,
    pub customer: CustomerId,
    /// The lead the drive serves, if any.
    pub lead: Option<LeadId>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub channel: BookingChannel,
}

/// What may be asked of a car-day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestDriveCommand {
    /// Book `car` of `dealer` for `customer` from `start`.
    Book {
        car: CarId,
        dealer: DealerId,
        customer: CustomerId,
        lead: Option<LeadId>,
        start: DateTime<Utc>,
        channel: BookingChannel,
    },
    /// The drive took place.
    Complete { id: TestDriveId },
    /// The drive is called off by the customer (`by_customer`) or the
    /// dealer; a reason is optional.
    Cancel {
        id: TestDriveId,
        by_customer: bool,
        reason: Option<String>,
    },
    /// The customer did not come.
    NoShow { id: TestDriveId },
}

crate::event_enum! {
    /// What happened to a test drive.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum TestDriveEvent {
        /// The slot is the drive's; nobody else can book the car then.
        Booked as "TestDriveBooked" { drive: TestDrive, at: DateTime<Utc> },
        /// The drive took place (it counts as a contact on its lead).
        Completed as "TestDriveCompleted" { drive: TestDrive, at: DateTime<Utc> },
        /// The drive was called off; its slot is free again.
        Cancelled as "TestDriveCancelled" {
            drive: TestDrive,
            by_customer: bool,
            reason: Option<String>,
            at: DateTime<Utc>,
        },
        /// The customer did not come.
        NoShow as "TestDriveNoShow" { drive: TestDrive, at: DateTime<Utc> },
    }
}

impl TestDriveEvent {
    /// The drive the event is about.
    pub fn drive(&self) -> &TestDrive {
        match self {
            TestDriveEvent::Booked { drive, .. }
            | TestDriveEvent::Completed { drive, .. }
            | TestDriveEvent::Cancelled { drive, .. }
            | TestDriveEvent::NoShow { drive, .. } => drive,
        }
    }

    /// When it was recorded.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            TestDriveEvent::Booked { at, .. }
            | TestDriveEvent::Completed { at, .. }
            | TestDriveEvent::Cancelled { at, .. }
            | TestDriveEvent::NoShow { at, .. } => *at,
        }
    }
}

/// The rule of test drives a command would break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestDriveError {
    #[error("demo car {car} is not in the catalog")]
    UnknownCar { car: CarId },
    #[error("demo car {car} is not at dealer {dealer}")]
    CarNotAtDealer { car: CarId, dealer: DealerId },
    #[error("this stream holds the test drives of {holds}, not {requested}")]
    WrongCarDay {
        holds: CarDayKey,
        requested: CarDayKey,
    },
    #[error("a test drive from {start} is outside the dealer's opening hours")]
    OutsideOpeningHours { start: DateTime<Utc> },
    #[error("{start} is not a start of the 45-minute test-drive slots")]
    NotOnSlotGrid { start: DateTime<Utc> },
    #[error("the slot from {start} has already started")]
    InThePast { start: DateTime<Utc> },
    #[error("demo car {car} is already booked at {start}")]
    SlotTaken { car: CarId, start: DateTime<Utc> },
    #[error("test drive {id} does not exist")]
    UnknownTestDrive { id: TestDriveId },
    #[error("test drive {id} was already completed")]
    AlreadyCompleted { id: TestDriveId },
    #[error("test drive {id} was already cancelled")]
    AlreadyCancelled { id: TestDriveId },
    #[error("test drive {id} was already marked a no-show")]
    AlreadyNoShow { id: TestDriveId },
    #[error("the test drive starts at {start}")]
    NotStarted { start: DateTime<Utc> },
    #[error("the test drive ended at {end}")]
    AlreadyOver { end: DateTime<Utc> },
    #[error("the reason is longer than {max} characters")]
    ReasonTooLong { max: usize },
}

impl Decider for TestDriveDay {
    type State = TestDriveDay;
    type Command = TestDriveCommand;
    type Event = TestDriveEvent;
    type Error = TestDriveError;

    fn decide(
        state: &TestDriveDay,
        command: TestDriveCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<TestDriveEvent>, TestDriveError> {
        decide(state, command, ctx)
    }

    fn evolve(state: TestDriveDay, event: &TestDriveEvent) -> TestDriveDay {
        evolve(state, event)
    }
}
