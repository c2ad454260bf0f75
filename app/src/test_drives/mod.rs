//! Test drives: the free slots of a dealer's demo cars and booking one, online by the
//! customer or in the showroom by the dealer's staff, through the same aggregate (one
//! stream per demo car and local date), so a slot listed free is a slot that can be booked
//! and two overlapping bookings of one car cannot both succeed: the second append meets
//! the first's version, is decided again on it and refused with
//! [`TestDriveError::SlotTaken`].
//!
//! The listing reads the same write-side state the booking decides on (each demo car's
//! day, loaded from the store), with the one check both apply ([`domain::test_drive::check_start`]).
//!
//! An online booking creates or updates the customer's lead at the dealer (source `web`,
//! grade at least C); a completed drive counts as a contact on its lead.

mod outcome;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use domain::lead::{Grade, Lead, LeadCommand, LeadError, LeadSource};
#[cfg(doc)]
use domain::test_drive::TestDriveError;
use domain::test_drive::{free_slots, BookingChannel, FreeSlot, TestDriveCommand, TestDriveDay};
use domain::values::{CarDayKey, CustomerId, DealerId, LeadId, ModelCode, TestDriveId};
use store::{Metadata, Position};

use crate::rejection::{Rejection, ServiceError};
use crate::services::Services;
use crate::steps::{load, run, Reached};
use crate::CommandError;

pub use outcome::{Canceller, DriveChanged};

/// A test drive to book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookTestDrive {
    pub dealer: DealerId,
    pub car: domain::values::CarId,
    pub customer: CustomerId,
    pub start: DateTime<Utc>,
    pub channel: BookingChannel,
    /// The customer's open lead at the dealer, if the caller knows one (from the leads
    /// view). Online, without one, the booking opens a lead.
    pub lead: Option<LeadId>,
}

/// A booked test drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booked {
    pub test_drive: TestDriveId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The lead it serves.
    pub lead: Option<LeadId>,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

impl Services {
    /// The free slots of `dealer`'s demo cars (of `model` only, if given) on its local date
    /// `date`, now: the answer online and in the showroom alike. `NotFound` for a dealer
    /// not in the catalog.
    pub async fn free_test_drive_slots(
        &self,
        dealer: &DealerId,
        date: NaiveDate,
        model: Option<&ModelCode>,
    ) -> Result<Vec<FreeSlot>, ServiceError> {
        let catalog = self.exec.catalog();
        let outlet = catalog
            .dealer(dealer)
            .ok_or_else(|| CommandError::NotFound(format!("dealer {dealer}")))?;
        let mut held = BTreeMap::new();
        for car in &outlet.demo_cars {
            if model.is_some_and(|m| *m != car.model) {
                continue;
            }
            let key = CarDayKey::new(car.id.clone(), date);
            let day = load::<TestDriveDay>(&self.exec, &key).await?;
            held.insert(car.id.clone(), day.held());
        }
        let now = self.exec.clock().now();
        Ok(free_slots(catalog, dealer, date, model, &held, now))
    }

    /// Books a demo car for a customer. The slot is the consistency point: it is booked
    /// first (refused when outside opening hours, in the past or taken); an online
    /// booking then opens the customer's lead (its id derived from the drive, so a retry
    /// names the same lead) or raises the given one to at least C.
    pub async fn book_test_drive(
        &self,
        input: BookTestDrive,
        metadata: &Metadata,
    ) -> Result<Booked, ServiceError> {
        let exec = &self.exec;
        let customer = crate::people::privacy::known_person(exec, &input.customer).await?;
        let catalog = exec.catalog();
        let outlet = catalog.dealer(&input.dealer).ok_or_else(|| {
            CommandError::Rejected(Rejection::Lead(LeadError::UnknownDealer {
                dealer: input.dealer.clone(),
            }))
        })?;
        let key = CarDayKey::new(input.car.clone(), outlet.local_date(input.start));
        let online = input.channel == BookingChannel::Online;
        let lead = match (input.lead, online) {
            (Some(lead), _) => Some(lead),
            (None, true) => Some(LeadId::derived(&format!(
                "test-drive:{key}:{customer}:{}",
                input.start.timestamp()
            ))),
            (None, false) => None,
        };
        let done = run::<TestDriveDay>(exec, &key, metadata, |_| TestDriveCommand::Book {
            car: input.car.clone(),
            dealer: input.dealer.clone(),
            customer: customer.clone(),
            lead,
            start: input.start,
            channel: input.channel,
        })
        .await?;
        let mut reached = Reached::of(&done);
        let Some(drive) = done.state.active_at(input.start).cloned() else {
            return Err(CommandError::NotFound(format!("test drive of {key}")));
        };
        if online {
            if let Some(lead) = drive.lead {
                reached = reached.max(
                    self.web_lead(lead, &drive.dealer, &customer, &drive.model, metadata)
                        .await?,
                );
            }
        }
        Ok(Booked {
            test_drive: drive.id,
            start: drive.start,
            end: drive.end,
            lead: drive.lead,
            position: reached.position(exec).await?,
        })
    }

    /// The lead an online booking serves: opened (source `web`, grade C) when new, raised
    /// to at least C when it exists and is open.
    async fn web_lead(
        &self,
        lead: LeadId,
        dealer: &DealerId,
        customer: &CustomerId,
        model: &ModelCode,
        metadata: &Metadata,
    ) -> Result<Reached, ServiceError> {
        let state = load::<Lead>(&self.exec, &lead).await?;
        let done = if state.exists() {
            if !state.open() {
                return Ok(Reached::Nothing);
            }
            run::<Lead>(&self.exec, &lead, metadata, |_| {
                LeadCommand::EnsureAtLeast { grade: Grade::C }
            })
            .await?
        } else {
            run::<Lead>(&self.exec, &lead, metadata, |_| LeadCommand::Create {
                lead,
                customer: customer.clone(),
                dealer: dealer.clone(),
                model: model.clone(),
                source: LeadSource::Web,
                grade: Grade::C,
                note: None,
                assigned_to: None,
            })
            .await?
        };
        Ok(Reached::of(&done))
    }
}
