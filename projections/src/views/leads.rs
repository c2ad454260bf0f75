//! Leads as their views read them: one lead, a dealer's list, a customer's leads, and the
//! leads the 2-hour answer's clock watches. Notes stay sealed here; the API opens them.
//!
//! A customer's queries are per id: a merged duplicate's leads keep the duplicate's id, so a
//! person's leads are those of every id it answers for (`app::People::identities`), asked one
//! by one, as for orders and invoices.

use chrono::{DateTime, Utc};
use domain::lead::Grade;
use domain::values::{CustomerId, DealerId, LeadId, UserId};

use super::ReadModels;
use crate::document::DocQuery;
use crate::error::ReadModelError;
use crate::models::leads::{LeadDoc, UNANSWERED};

/// Which of a dealer's leads to list. The default lists them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadFilter {
    /// Only leads in this grade.
    pub grade: Option<Grade>,
    /// Only leads assigned to this user (a consultant sees theirs)…
    pub assigned_to: Option<UserId>,
    /// …and, with `assigned_to`, the unassigned ones too (which their first contact takes).
    /// Without `assigned_to`: only the unassigned ones.
    pub unassigned_too: bool,
    /// Only open leads (H to D).
    pub open_only: bool,
}

impl LeadFilter {
    /// Whether `lead` passes the filter.
    pub fn matches(&self, lead: &LeadDoc) -> bool {
        let grade = self.grade.is_none_or(|g| g == lead.grade);
        let assignee = match (&self.assigned_to, &lead.assigned_to) {
            (None, _) if !self.unassigned_too => true,
            (_, None) => self.unassigned_too,
            (Some(user), Some(assignee)) => user == assignee,
            (None, Some(_)) => false,
        };
        grade && assignee && (lead.open || !self.open_only)
    }
}

/// Newest first (by creation, then id, so the order is total).
fn newest_first(leads: &mut [LeadDoc]) {
    leads.sort_by_key(|lead| std::cmp::Reverse((lead.created_at, lead.lead_id)));
}

impl ReadModels {
    /// One lead's document.
    pub async fn lead(&self, lead: &LeadId) -> Result<Option<LeadDoc>, ReadModelError> {
        self.get::<LeadDoc>(lead.to_string()).await
    }

    /// The leads of `dealer` that pass `filter`, newest first.
    pub async fn leads_of_dealer(
        &self,
        dealer: &DealerId,
        filter: &LeadFilter,
    ) -> Result<Vec<LeadDoc>, ReadModelError> {
        let mut leads = self
            .find::<LeadDoc>(DocQuery::all().tag(0, dealer.as_str()))
            .await?;
        leads.retain(|lead| filter.matches(lead));
        newest_first(&mut leads);
        Ok(leads)
    }

    /// The leads opened for the id `customer` (not those of duplicates merged into it), at
    /// every dealer, newest first.
    pub async fn leads_of_customer(
        &self,
        customer: &CustomerId,
    ) -> Result<Vec<LeadDoc>, ReadModelError> {
        let mut leads = self
            .find::<LeadDoc>(DocQuery::all().tag(1, customer.as_str()))
            .await?;
        newest_first(&mut leads);
        Ok(leads)
    }

    /// The open leads of the id `customer` at `dealer`, newest first: the leads an order or
    /// an online booking there updates.
    pub async fn open_leads_of(
        &self,
        customer: &CustomerId,
        dealer: &DealerId,
    ) -> Result<Vec<LeadDoc>, ReadModelError> {
        let mut leads = self
            .find::<LeadDoc>(
                DocQuery::all()
                    .tag(0, dealer.as_str())
                    .tag(1, customer.as_str()),
            )
            .await?;
        leads.retain(|lead| lead.open);
        newest_first(&mut leads);
        Ok(leads)
    }

    /// The leads whose 2-hour answer is missed at `now` and not recorded yet: open, no
    /// contact, `respond_by <= now` (at the due instant the time is up), no breach recorded.
    /// Earliest deadline first.
    pub async fn leads_to_breach(&self, now: DateTime<Utc>) -> Result<Vec<LeadId>, ReadModelError> {
        let mut due: Vec<LeadDoc> = self
            .unanswered_leads()
            .await?
            .into_iter()
            .filter(|lead| !lead.sla_breached && lead.respond_by <= now)
            .collect();
        due.sort_by_key(|lead| (lead.respond_by, lead.lead_id));
        Ok(due.into_iter().map(|lead| lead.lead_id).collect())
    }

    /// The open, unanswered leads whose answer is due in `from..to` (`respond_by` from
    /// `from` included to `to` excluded), earliest first: whom to remind before the time is up.
    pub async fn leads_answer_due(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<LeadDoc>, ReadModelError> {
        let mut due: Vec<LeadDoc> = self
            .unanswered_leads()
            .await?
            .into_iter()
            .filter(|lead| from <= lead.respond_by && lead.respond_by < to)
            .collect();
        due.sort_by_key(|lead| (lead.respond_by, lead.lead_id));
        Ok(due)
    }

    /// Every open lead nobody has answered yet, at every dealer (few: a lead is answered or
    /// breached within hours).
    async fn unanswered_leads(&self) -> Result<Vec<LeadDoc>, ReadModelError> {
        self.find::<LeadDoc>(DocQuery::all().tag(2, UNANSWERED))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::leads::sample_lead;

    #[test]
    fn a_filter_reads_assignment_as_documented() {
        let me = UserId::parse("U-ANNA").unwrap();
        let other = UserId::parse("U-BEN").unwrap();
        let leads = [Some(me.clone()), Some(other), None].map(|assignee| {
            let mut lead = sample_lead();
            lead.assigned_to = assignee;
            lead
        });
        let filter = |assigned_to: Option<&UserId>, unassigned_too| LeadFilter {
            assigned_to: assigned_to.cloned(),
            unassigned_too,
            ..LeadFilter::default()
        };
        // The filter, and whether it lists a lead of mine, of another, unassigned.
        let cases = [
            (filter(None, false), [true, true, true]),
            (filter(None, true), [false, false, true]),
            (filter(Some(&me), false), [true, false, false]),
            (filter(Some(&me), true), [true, false, true]),
        ];
        for (filter, expected) in cases {
            assert_eq!(
                leads.each_ref().map(|l| filter.matches(l)),
                expected,
                "{filter:?}"
            );
        }
    }

    #[test]
    fn a_filter_reads_grade_and_openness() {
        let mut sold = sample_lead();
        sold.grade = Grade::S;
        sold.open = false;
        let open = sample_lead();
        let only_open = LeadFilter {
            open_only: true,
            ..LeadFilter::default()
        };
        assert!(only_open.matches(&open) && !only_open.matches(&sold));
        let only_s = LeadFilter {
            grade: Some(Grade::S),
            ..LeadFilter::default()
        };
        assert!(only_s.matches(&sold) && !only_s.matches(&open));
    }
}
