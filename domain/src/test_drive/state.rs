//! What a car-day is after its events, and how each event changes it.

use chrono::{DateTime, Utc};

use super::{Span, TestDrive, TestDriveEvent, TestDriveStatus};
use crate::values::{CarDayKey, TestDriveId};

/// The test drives of one demo car on one local date; the default is a
/// car-day with no booking yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestDriveDay {
    key: Option<CarDayKey>,
    /// In booking order: the `n`-th booking is at index `n - 1`.
    drives: Vec<DriveRecord>,
}

/// One booked drive and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriveRecord {
    pub drive: TestDrive,
    pub status: TestDriveStatus,
}

impl TestDriveDay {
    /// The car and date, once a drive was booked.
    pub fn key(&self) -> Option<&CarDayKey> {
        self.key.as_ref()
    }

    /// Every drive ever booked here, in booking order.
    pub fn drives(&self) -> &[DriveRecord] {
        &self.drives
    }

    /// The drive `id`, if it was booked here.
    pub fn drive(&self, id: &TestDriveId) -> Option<&DriveRecord> {
        self.drives.get(self.index_of(id)?)
    }

    /// Where the drive `id` is in [`Self::drives`], if it was booked here.
    fn index_of(&self, id: &TestDriveId) -> Option<usize> {
        if self.key.as_ref() != Some(id.key()) {
            return None;
        }
        let index = usize::try_from(id.n()).ok()?.checked_sub(1)?;
        (index < self.drives.len()).then_some(index)
    }

    /// The spans of the drives still booked: what the car is held for.
    pub fn held(&self) -> Vec<Span> {
        self.active()
            .map(|d| Span {
                start: d.start,
                end: d.end,
            })
            .collect()
    }

    /// The booked drive that starts at `start`, if any.
    pub fn active_at(&self, start: DateTime<Utc>) -> Option<&TestDrive> {
        self.active().find(|d| d.start == start)
    }

    /// The ordinal the next booking gets.
    pub(super) fn next_ordinal(&self) -> u32 {
        u32::try_from(self.drives.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    }

    fn active(&self) -> impl Iterator<Item = &TestDrive> {
        self.drives
            .iter()
            .filter(|r| r.status == TestDriveStatus::Booked)
            .map(|r| &r.drive)
    }
}

/// Folds one event into the car-day. A booking out of sequence and a
/// change to a drive that is not booked (never emitted by
/// [`decide`](super::decide)) are ignored.
pub fn evolve(mut state: TestDriveDay, event: &TestDriveEvent) -> TestDriveDay {
    let status = match event {
        TestDriveEvent::Booked { drive, .. } => {
            let key = drive.id.key();
            let same_day = state.key.as_ref().is_none_or(|k| k == key);
            let fits = same_day && drive.id.n() == state.next_ordinal();
            if fits {
                state.key = Some(key.clone());
                state.drives.push(DriveRecord {
                    drive: drive.clone(),
                    status: TestDriveStatus::Booked,
                });
            }
            return state;
        }
        TestDriveEvent::Completed { .. } => TestDriveStatus::Completed,
        TestDriveEvent::Cancelled { .. } => TestDriveStatus::Cancelled,
        TestDriveEvent::NoShow { .. } => TestDriveStatus::NoShow,
    };
    let index = state.index_of(&event.drive().id);
    if let Some(record) = index.and_then(|i| state.drives.get_mut(i)) {
        if record.status == TestDriveStatus::Booked {
            record.status = status;
        }
    }
    state
}
