//! An outlet's staff as the lead pages read them.

use domain::values::DealerId;

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::staff::StaffDoc;

impl ReadModels {
    /// The active staff accounts of `dealer`, oldest first (ties by id; the API orders them by
    /// name, which only it can read).
    pub async fn staff_of_dealer(
        &self,
        dealer: &DealerId,
    ) -> Result<Vec<StaffDoc>, ReadModelError> {
        let mut staff: Vec<StaffDoc> = self
            .find::<StaffDoc>(DocQuery::all().tag(0, dealer.as_str()))
            .await?
            .into_iter()
            .filter(|s| s.active)
            .collect();
        staff.sort_by(|a, b| (a.created_at, &a.user_id).cmp(&(b.created_at, &b.user_id)));
        Ok(staff)
    }
}
