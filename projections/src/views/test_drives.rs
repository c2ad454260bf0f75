//! Test drives as their views read them: one drive, a dealer's day and a customer's drives.
//!
//! A customer's drives are per id, as its leads (see `views::leads`).

use chrono::NaiveDate;
use domain::values::{CustomerId, DealerId, TestDriveId};

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::test_drives::TestDriveDoc;

impl ReadModels {
    /// One test drive's document.
    pub async fn test_drive(
        &self,
        drive: &TestDriveId,
    ) -> Result<Option<TestDriveDoc>, ReadModelError> {
        self.get::<TestDriveDoc>(drive.to_string()).await
    }

    /// The drives of `dealer` on its local date `date`, whatever their status, by start
    /// (then car): the day's schedule.
    pub async fn test_drives_of_dealer(
        &self,
        dealer: &DealerId,
        date: NaiveDate,
    ) -> Result<Vec<TestDriveDoc>, ReadModelError> {
        let mut drives = self
            .find::<TestDriveDoc>(DocQuery::all().tag(2, TestDriveDoc::dealer_day(dealer, date)))
            .await?;
        drives.sort_by(|a, b| (a.start, &a.test_drive_id).cmp(&(b.start, &b.test_drive_id)));
        Ok(drives)
    }

    /// The drives booked for the id `customer` (not those of duplicates merged into it), at
    /// every dealer, latest start first.
    pub async fn test_drives_of_customer(
        &self,
        customer: &CustomerId,
    ) -> Result<Vec<TestDriveDoc>, ReadModelError> {
        let mut drives = self
            .find::<TestDriveDoc>(DocQuery::all().tag(1, customer.as_str()))
            .await?;
        drives.sort_by(|a, b| (b.start, &b.test_drive_id).cmp(&(a.start, &a.test_drive_id)));
        Ok(drives)
    }

    /// Every drive of `dealer`, on any date (for its KPIs).
    pub(crate) async fn all_test_drives_of(
        &self,
        dealer: &DealerId,
    ) -> Result<Vec<TestDriveDoc>, ReadModelError> {
        self.find::<TestDriveDoc>(DocQuery::all().tag(0, dealer.as_str()))
            .await
    }
}
