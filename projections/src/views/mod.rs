//! The typed queries the API serves, on top of the read models.
//!
//! Every view is a serde-serializable struct with the API's field names (`spec/api.md`):
//! money as `{"amount_minor", "currency"}`, dates `YYYY-MM-DD`, instants RFC 3339 UTC.
//! Reads may lag the log by the projection lag; a caller that wrote at position `p` waits
//! with [`ReadModels::wait_for`] first (read-your-writes).

mod board;
mod board_rows;
mod capacity;
mod crm_kpis;
mod customers;
mod finance;
mod history;
mod history_fields;
mod kpis;
mod leads;
mod messages;
mod orders;
mod promises;
mod staff;
mod stock;
mod test_drives;

use std::sync::Arc;
use std::time::Duration;

use store::{EventStore, Position};

use crate::backend::ReadModelStore;
use crate::document::{DocQuery, Document};
use crate::error::{ReadModelError, WaitError};
use crate::progress::Progress;

pub use board_rows::BoardNames;
pub use capacity::WeekCapacity;
pub use finance::{
    CommissionLineView, CommissionStatement, CreditNoteView, InvoiceFilter, InvoiceView,
};
pub use history::HistoryEntry;
pub use kpis::{DaysSummary, EtaAccuracy, Kpis};
pub use leads::LeadFilter;
pub use messages::{Backlog, MessageCount};
pub use orders::{BoardRow, DealerBoard, FulfilmentView, InvoiceBrief, OrderFilter, OrderView};
pub use promises::{OrderPromises, PromiseEntry, PromiseKpiBy, PromiseKpiRow, PromiseKpis};
pub use stock::{LocationSummary, VehicleFilter, VehicleView};

/// The read side as the API sees it: typed queries plus waiting for a position.
/// Cheap to clone.
#[derive(Clone)]
pub struct ReadModels {
    events: Arc<dyn EventStore>,
    store: Arc<dyn ReadModelStore>,
    progress: Progress,
    boards: board::BoardCache,
}

impl std::fmt::Debug for ReadModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadModels")
            .field("progress", &self.progress.snapshot())
            .finish()
    }
}

impl ReadModels {
    /// Queries over the read models in `store`, waiting on the `progress` of the runner
    /// that fills it; order histories are read from `events`.
    pub fn new(
        events: Arc<dyn EventStore>,
        store: Arc<dyn ReadModelStore>,
        progress: Progress,
    ) -> Self {
        ReadModels {
            events,
            store,
            progress,
            boards: board::BoardCache::default(),
        }
    }

    /// The event log (for views read straight from it).
    pub(crate) fn events(&self) -> &dyn EventStore {
        &*self.events
    }

    /// The runner's progress (checkpoints, failures), e.g. for metrics.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// The store underneath, for the application's checkpoint port and tools.
    pub fn store(&self) -> &Arc<dyn ReadModelStore> {
        &self.store
    }

    /// Waits until every projection has committed `position` (read-your-writes), for at most
    /// `timeout`.
    pub async fn wait_for(&self, position: Position, timeout: Duration) -> Result<(), WaitError> {
        self.progress.wait_for(position, timeout).await
    }

    /// Runs a blocking read on the store from a blocking thread.
    async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&dyn ReadModelStore) -> Result<T, ReadModelError> + Send + 'static,
    ) -> Result<T, ReadModelError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || read(&*store))
            .await
            .map_err(|e| ReadModelError::Backend(format!("a read task failed: {e}")))?
    }

    /// One document.
    pub(crate) async fn get<D: Document>(&self, key: String) -> Result<Option<D>, ReadModelError> {
        self.read(move |store| match store.load(D::COLLECTION, &key)? {
            Some(stored) => stored.parse::<D>().map(Some),
            None => Ok(None),
        })
        .await
    }

    /// The documents with `keys` that exist, in the keys' order.
    pub(crate) async fn get_all<D: Document>(
        &self,
        keys: Vec<String>,
    ) -> Result<Vec<D>, ReadModelError> {
        self.read(move |store| {
            let mut docs = Vec::with_capacity(keys.len());
            for key in &keys {
                if let Some(stored) = store.load(D::COLLECTION, key)? {
                    docs.push(stored.parse::<D>()?);
                }
            }
            Ok(docs)
        })
        .await
    }

    /// The documents matching `query` with the position of the event that last changed each,
    /// in key order.
    pub(crate) async fn find_with_positions<D: Document>(
        &self,
        query: DocQuery,
    ) -> Result<Vec<(Position, D)>, ReadModelError> {
        self.read(move |store| {
            store
                .find(D::COLLECTION, &query)?
                .iter()
                .map(|stored| Ok((stored.position, stored.parse::<D>()?)))
                .collect()
        })
        .await
    }

    /// The documents matching `query`, in key order.
    pub(crate) async fn find<D: Document>(
        &self,
        query: DocQuery,
    ) -> Result<Vec<D>, ReadModelError> {
        self.read(move |store| {
            store
                .find(D::COLLECTION, &query)?
                .iter()
                .map(|stored| stored.parse::<D>())
                .collect()
        })
        .await
    }
}
