//! A dealer's CRM KPIs (the computation and what it counts: `models::crm_kpis`).

use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::Dealer;

use super::{LeadFilter, ReadModels};
use crate::error::ReadModelError;
use crate::models::crm_kpis::{crm_kpis, CrmKpis, Period};

impl ReadModels {
    /// The CRM KPIs of `dealer` over its local dates `from..=to`, overdue follow-ups as of
    /// `now`. The dealer comes from the catalog: its time zone places each lead in a local
    /// day.
    pub async fn crm_kpis(
        &self,
        dealer: &Dealer,
        from: NaiveDate,
        to: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<CrmKpis, ReadModelError> {
        let leads = self
            .leads_of_dealer(&dealer.id, &LeadFilter::default())
            .await?;
        let drives = self.all_test_drives_of(&dealer.id).await?;
        Ok(crm_kpis(
            &dealer.id,
            Period { from, to },
            now,
            &leads,
            &drives,
            |at| dealer.local_date(at),
        ))
    }
}
