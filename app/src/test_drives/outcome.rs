//! What becomes of a booked test drive: completed (a contact on its lead), cancelled (by
//! the dealer or the customer) or marked a no-show; each once.

use domain::lead::{ContactChannel, Lead, LeadCommand};
use domain::test_drive::{TestDriveCommand, TestDriveDay, TestDriveStatus};
use domain::values::{CustomerId, TestDriveId};
use store::{Metadata, Position};

use crate::leads::Staff;
use crate::rejection::{Rejection, ServiceError};
use crate::services::Services;
use crate::steps::{run_guarded, Reached};
use crate::CommandError;

/// Who calls a drive off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Canceller {
    /// The dealer's staff (of the drive's dealer).
    Dealer(Staff),
    /// The customer (under any of its merged ids).
    Customer(Vec<CustomerId>),
}

/// A test drive after its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveChanged {
    pub test_drive: TestDriveId,
    pub status: TestDriveStatus,
    /// The log position reached (read your writes with it).
    pub position: Position,
}

impl Services {
    /// The drive took place; it counts as a contact on its lead (recorded for the staff
    /// member who completes it, without taking an unassigned lead or being refused for
    /// someone else's: the drive happened, whoever handed over the keys). A lead closed
    /// meanwhile takes no contact.
    pub async fn complete_test_drive(
        &self,
        id: &TestDriveId,
        staff: &Staff,
        metadata: &Metadata,
    ) -> Result<DriveChanged, ServiceError> {
        let (changed, done) = self
            .drive_outcome(id, &Canceller::Dealer(staff.clone()), metadata, || {
                TestDriveCommand::Complete { id: id.clone() }
            })
            .await?;
        let mut reached = done;
        let lead = self.drive_lead(id).await?;
        if let Some(lead) = lead {
            let state = crate::steps::load::<Lead>(&self.exec, &lead).await?;
            crate::leads::breach_if_missed(&self.exec, lead, &state, metadata).await?;
            let contact = run_guarded::<Lead>(
                &self.exec,
                &lead,
                metadata,
                |_| {
                    Ok(LeadCommand::RecordContact {
                        by: staff.user.clone(),
                        by_manager: true,
                        channel: ContactChannel::TestDrive,
                        note: None,
                        grade: None,
                    })
                },
                |_, _| Ok(()),
            )
            .await;
            match contact {
                Ok(done) => reached = reached.max(Reached::of(&done)),
                Err(CommandError::Rejected(Rejection::Lead(_)))
                | Err(CommandError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(DriveChanged {
            position: reached.position(&self.exec).await?,
            ..changed
        })
    }

    /// The customer did not come.
    pub async fn no_show_test_drive(
        &self,
        id: &TestDriveId,
        staff: &Staff,
        metadata: &Metadata,
    ) -> Result<DriveChanged, ServiceError> {
        let (changed, reached) = self
            .drive_outcome(id, &Canceller::Dealer(staff.clone()), metadata, || {
                TestDriveCommand::NoShow { id: id.clone() }
            })
            .await?;
        Ok(DriveChanged {
            position: reached.position(&self.exec).await?,
            ..changed
        })
    }

    /// The drive is called off (its slot is free again), by the dealer or the customer.
    pub async fn cancel_test_drive(
        &self,
        id: &TestDriveId,
        by: &Canceller,
        reason: Option<String>,
        metadata: &Metadata,
    ) -> Result<DriveChanged, ServiceError> {
        let by_customer = matches!(by, Canceller::Customer(_));
        let (changed, reached) = self
            .drive_outcome(id, by, metadata, || TestDriveCommand::Cancel {
                id: id.clone(),
                by_customer,
                reason: reason.clone(),
            })
            .await?;
        Ok(DriveChanged {
            position: reached.position(&self.exec).await?,
            ..changed
        })
    }

    /// The lead the drive serves.
    async fn drive_lead(
        &self,
        id: &TestDriveId,
    ) -> Result<Option<domain::values::LeadId>, ServiceError> {
        let day = crate::steps::load::<TestDriveDay>(&self.exec, id.key()).await?;
        Ok(day.drive(id).and_then(|r| r.drive.lead))
    }

    /// Runs `command` on the drive's car-day, authorized on the state it is decided on:
    /// the drive exists (404), and `by` is its dealer or its customer (`NotYours`).
    async fn drive_outcome(
        &self,
        id: &TestDriveId,
        by: &Canceller,
        metadata: &Metadata,
        command: impl Fn() -> TestDriveCommand,
    ) -> Result<(DriveChanged, Reached), ServiceError> {
        let done = run_guarded::<TestDriveDay>(
            &self.exec,
            id.key(),
            metadata,
            |day| {
                let Some(record) = day.drive(id) else {
                    return Err(CommandError::NotFound(format!("test drive {id}")));
                };
                let allowed = match by {
                    Canceller::Dealer(staff) => record.drive.dealer == staff.dealer,
                    Canceller::Customer(ids) => ids.contains(&record.drive.customer),
                };
                if !allowed {
                    return Err(CommandError::NotYours(format!("test drive {id}")));
                }
                Ok(command())
            },
            |_, _| Ok(()),
        )
        .await?;
        let status = done
            .state
            .drive(id)
            .map_or(TestDriveStatus::Booked, |r| r.status);
        Ok((
            DriveChanged {
                test_drive: id.clone(),
                status,
                position: Position::START,
            },
            Reached::of(&done),
        ))
    }
}
