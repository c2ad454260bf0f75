//! Test drives: one document per booked drive, for a dealer's day of drives, a customer's
//! drives and the CRM KPIs. Every event of a drive carries the whole drive, so each event
//! alone writes the document.

use chrono::{DateTime, NaiveDate, Utc};
use domain::streams::{Aggregate, AnyEvent};
use domain::test_drive::{BookingChannel, TestDriveEvent, TestDriveStatus};
use domain::values::{CarId, CustomerId, DealerId, LeadId, ModelCode, TestDriveId};
use serde::{Deserialize, Serialize};

use crate::docs::Docs;
use crate::document::{Document, Tags};
use crate::error::ProjectionError;
use crate::projection::{Envelope, Projection};

/// One test drive.
///
/// Collection `test_drives`, key: the drive id (`TD-{car}-{yyyymmdd}-{n}`); tag 1: the dealer,
/// tag 2: the customer, tag 3: `DEALER/YYYY-MM-DD`, the dealer and its local date of the drive
/// (see [`TestDriveDoc::dealer_day`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestDriveDoc {
    pub test_drive_id: TestDriveId,
    pub car_id: CarId,
    pub dealer_id: DealerId,
    pub model: ModelCode,
    pub customer_id: CustomerId,
    pub lead_id: Option<LeadId>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub channel: BookingChannel,
    pub status: TestDriveStatus,
    pub booked_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TestDriveDoc {
    /// The dealer's local date of the drive (the date its id names).
    pub fn date(&self) -> NaiveDate {
        self.test_drive_id.date()
    }

    /// Tag 3 of the drives of `dealer` on its local date `date`.
    pub fn dealer_day(dealer: &DealerId, date: NaiveDate) -> String {
        format!("{dealer}/{}", date.format("%Y-%m-%d"))
    }
}

impl Document for TestDriveDoc {
    const COLLECTION: &'static str = "test_drives";

    fn tags(&self) -> Tags {
        Tags::new(
            Some(self.dealer_id.to_string()),
            Some(self.customer_id.to_string()),
            Some(Self::dealer_day(&self.dealer_id, self.date())),
        )
    }
}

/// The `test_drives` projection.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestDrivesProjection;

impl Projection for TestDrivesProjection {
    fn name(&self) -> &'static str {
        "test_drives"
    }

    fn version(&self) -> u32 {
        1
    }

    fn collections(&self) -> &'static [&'static str] {
        &["test_drives"]
    }

    fn categories(&self) -> &'static [&'static str] {
        &[<domain::test_drive::TestDriveDay as Aggregate>::CATEGORY]
    }

    fn apply(&self, envelope: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError> {
        let AnyEvent::TestDrive(event) = envelope.event else {
            return Ok(());
        };
        let drive = event.drive();
        let key = drive.id.to_string();
        let status = match event {
            TestDriveEvent::Booked { at, .. } => {
                if docs.get::<TestDriveDoc>(&key)?.is_none() {
                    docs.insert(
                        &key,
                        TestDriveDoc {
                            test_drive_id: drive.id.clone(),
                            car_id: drive.car.clone(),
                            dealer_id: drive.dealer.clone(),
                            model: drive.model.clone(),
                            customer_id: drive.customer.clone(),
                            lead_id: drive.lead,
                            start: drive.start,
                            end: drive.end,
                            channel: drive.channel,
                            status: TestDriveStatus::Booked,
                            booked_at: *at,
                            updated_at: envelope.occurred_at,
                        },
                    )?;
                }
                return Ok(());
            }
            TestDriveEvent::Completed { .. } => TestDriveStatus::Completed,
            TestDriveEvent::Cancelled { .. } => TestDriveStatus::Cancelled,
            TestDriveEvent::NoShow { .. } => TestDriveStatus::NoShow,
        };
        let Some(doc) = docs.get_mut::<TestDriveDoc>(&key)? else {
            return Err(envelope.inconsistent("a test drive event before its booking"));
        };
        // As the aggregate: only a booked drive changes status, once.
        if doc.status == TestDriveStatus::Booked {
            doc.status = status;
            doc.updated_at = envelope.occurred_at;
        }
        Ok(())
    }
}
