//! Slot capacity per plant and week.

use chrono::NaiveDate;
use domain::rules;
use domain::values::{IsoWeek, PlantId};
use serde::Serialize;

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::capacity::SlotDoc;

/// `GET /api/v1/plants/{plant}/capacity`: one week of a plant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WeekCapacity {
    pub week: IsoWeek,
    pub capacity: u32,
    pub booked: u32,
    /// Frozen explicitly (`SlotFrozen`) or by the calendar (14 days before the week starts).
    pub frozen: bool,
    pub production_started: bool,
}

impl ReadModels {
    /// The weeks of `plant` from `from` to `to` (inclusive) that were ever opened or booked,
    /// in week order; `frozen` is evaluated for `today`.
    pub async fn plant_capacity(
        &self,
        plant: &PlantId,
        from: IsoWeek,
        to: IsoWeek,
        today: NaiveDate,
    ) -> Result<Vec<WeekCapacity>, ReadModelError> {
        let docs = self.slots_between(plant, Some((from, to))).await?;
        Ok(docs
            .iter()
            .map(|slot| WeekCapacity {
                week: slot.week,
                capacity: slot.capacity,
                booked: slot.booked(),
                frozen: slot.frozen_on.is_some() || rules::is_frozen(slot.week, today),
                production_started: slot.production_started,
            })
            .collect())
    }

    /// The slots of `plant`, optionally limited to a range of weeks, in week order.
    pub(crate) async fn slots_between(
        &self,
        plant: &PlantId,
        weeks: Option<(IsoWeek, IsoWeek)>,
    ) -> Result<Vec<SlotDoc>, ReadModelError> {
        let mut query = DocQuery::all().tag(0, plant.as_str());
        if let Some((from, to)) = weeks {
            query = query.keys(SlotDoc::key(plant, from), SlotDoc::key(plant, to));
        }
        self.find::<SlotDoc>(query).await
    }
}
