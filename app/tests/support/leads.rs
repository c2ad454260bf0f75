//! A mini leads view for the tests: every lead folded in memory from the store's events
//! with the aggregate's own `evolve`.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::{LeadsView, ViewError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::lead::Lead;
use domain::streams::{AnyEvent, AnyId};
use domain::values::{CustomerId, DealerId, LeadId};
use domain::Decider;
use store::{EventStore, Position};

#[derive(Default)]
struct Folded {
    after: Position,
    leads: BTreeMap<LeadId, Lead>,
}

/// The leads view, caught up with the log on every call.
pub struct MiniLeads {
    store: Arc<dyn EventStore>,
    folded: tokio::sync::Mutex<Folded>,
}

impl MiniLeads {
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        MiniLeads {
            store,
            folded: tokio::sync::Mutex::new(Folded::default()),
        }
    }

    async fn caught_up(&self) -> Result<tokio::sync::MutexGuard<'_, Folded>, ViewError> {
        let mut folded = self.folded.lock().await;
        loop {
            let page = self
                .store
                .read_all(folded.after, 512)
                .await
                .map_err(|e| ViewError(e.to_string()))?;
            if page.is_empty() {
                return Ok(folded);
            }
            for record in page {
                folded.after = record.position;
                let decoded = AnyEvent::decode(record.stream_id.as_str(), record.payload.as_str());
                let Ok(decoded) = decoded else { continue };
                if let (AnyId::Lead(id), AnyEvent::Lead(event)) = (decoded.id, decoded.event) {
                    let lead = folded.leads.remove(&id).unwrap_or_default();
                    folded.leads.insert(id, Lead::evolve(lead, &event));
                }
            }
        }
    }
}

#[async_trait]
impl LeadsView for MiniLeads {
    async fn open_leads_of(
        &self,
        _at: Position,
        customer: &CustomerId,
        dealer: &DealerId,
    ) -> Result<Vec<LeadId>, ViewError> {
        let folded = self.caught_up().await?;
        Ok(folded
            .leads
            .iter()
            .filter(|(_, l)| {
                l.open() && l.customer() == Some(customer) && l.dealer() == Some(dealer)
            })
            .map(|(id, _)| *id)
            .collect())
    }

    async fn leads_to_breach(
        &self,
        _at: Position,
        now: DateTime<Utc>,
    ) -> Result<Vec<LeadId>, ViewError> {
        let folded = self.caught_up().await?;
        Ok(folded
            .leads
            .iter()
            .filter(|(_, l)| {
                l.open()
                    && l.first_contact_at().is_none()
                    && !l.sla_breached()
                    && l.respond_by().is_some_and(|by| by <= now)
            })
            .map(|(id, _)| *id)
            .collect())
    }
}
