//! The application's ports on the read side: the supply fulfilment chooses from, and where
//! process managers keep their checkpoints.

use std::sync::Arc;
use std::time::Duration;

use app::{Checkpoints, SupplyView, ViewError};
use async_trait::async_trait;
use domain::catalog::Configuration;
use domain::policy::{SlotAvailability, StockUnit, Whereabouts};
use domain::values::{MarketCode, ModelCode, OrderId, PlantId};
use domain::vehicle::VehicleStatus;
use store::Position;

use crate::backend::ReadModelStore;
use crate::views::{ReadModels, VehicleView};

/// How long a supply query waits for the projections to reach the position it asks about.
pub const SUPPLY_WAIT: Duration = Duration::from_secs(30);

/// [`app::SupplyView`] on the stock, capacity and order read models. Every call first waits
/// until the projections have committed the position it is asked at.
#[derive(Debug, Clone)]
pub struct Supply {
    views: ReadModels,
    wait: Duration,
}

impl Supply {
    /// Supply from `views`, waiting up to [`SUPPLY_WAIT`] for a position.
    pub fn new(views: ReadModels) -> Self {
        Supply {
            views,
            wait: SUPPLY_WAIT,
        }
    }

    /// The same supply waiting up to `wait` for a position.
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    async fn caught_up(&self, at: Position) -> Result<(), ViewError> {
        self.views
            .wait_for(at, self.wait)
            .await
            .map_err(|e| ViewError(e.to_string()))
    }
}

/// A vehicle as the policies see it: in production until built (ready at the end of its
/// week), in transit to its destination, otherwise standing where it is.
fn stock_unit(vehicle: VehicleView) -> StockUnit {
    let whereabouts = match (vehicle.status, &vehicle.plant, vehicle.week, vehicle.eta) {
        (VehicleStatus::InProduction, Some(plant), Some(week), _) => Whereabouts::InProduction {
            plant: plant.clone(),
            ready_on: week.sunday(),
        },
        (VehicleStatus::InTransit, _, _, Some(eta)) => Whereabouts::InTransit {
            to: vehicle.location.clone(),
            eta,
        },
        _ => Whereabouts::AtLocation(vehicle.location.clone()),
    };
    StockUnit {
        vehicle: vehicle.vehicle_id,
        market: vehicle.market,
        configuration: Configuration {
            model: vehicle.model,
            options: vehicle.options.into_iter().collect(),
        },
        whereabouts,
        reserved_by: vehicle.order_id,
    }
}

#[async_trait]
impl SupplyView for Supply {
    async fn stock(
        &self,
        at: Position,
        market: &MarketCode,
        model: &ModelCode,
    ) -> Result<Vec<StockUnit>, ViewError> {
        self.caught_up(at).await?;
        let vehicles = self
            .views
            .supply_vehicles(market, model)
            .await
            .map_err(|e| ViewError(e.to_string()))?;
        Ok(vehicles.into_iter().map(stock_unit).collect())
    }

    async fn slots(
        &self,
        at: Position,
        plant: &PlantId,
    ) -> Result<Vec<SlotAvailability>, ViewError> {
        self.caught_up(at).await?;
        let slots = self
            .views
            .slots_between(plant, None)
            .await
            .map_err(|e| ViewError(e.to_string()))?;
        Ok(slots
            .into_iter()
            .filter(|slot| !slot.production_started)
            .map(|slot| SlotAvailability {
                booked: slot.booked(),
                plant: slot.plant,
                week: slot.week,
                capacity: slot.capacity,
            })
            .collect())
    }

    async fn awaiting(&self, at: Position) -> Result<Vec<OrderId>, ViewError> {
        self.caught_up(at).await?;
        self.views
            .awaiting_orders(at)
            .await
            .map_err(|e| ViewError(e.to_string()))
    }
}

/// [`app::Checkpoints`] in the read models' checkpoint table, under `pm:{name}` so a process
/// manager cannot clash with a projection.
#[derive(Clone)]
pub struct ProcessCheckpoints {
    store: Arc<dyn ReadModelStore>,
}

impl std::fmt::Debug for ProcessCheckpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessCheckpoints").finish_non_exhaustive()
    }
}

impl ProcessCheckpoints {
    /// Checkpoints kept in `store`.
    pub fn new(store: Arc<dyn ReadModelStore>) -> Self {
        ProcessCheckpoints { store }
    }

    /// The row name of a process manager's checkpoint.
    pub fn row_name(name: &str) -> String {
        format!("pm:{name}")
    }
}

#[async_trait]
impl Checkpoints for ProcessCheckpoints {
    async fn load(&self, name: &str) -> Result<Position, ViewError> {
        let store = Arc::clone(&self.store);
        let row = Self::row_name(name);
        tokio::task::spawn_blocking(move || store.checkpoint(&row))
            .await
            .map_err(|e| ViewError(e.to_string()))?
            .map(|c| c.map_or(Position::START, |c| c.position))
            .map_err(|e| ViewError(e.to_string()))
    }

    async fn save(&self, name: &str, position: Position) -> Result<(), ViewError> {
        let store = Arc::clone(&self.store);
        let row = Self::row_name(name);
        tokio::task::spawn_blocking(move || store.save_checkpoint(&row, position))
            .await
            .map_err(|e| ViewError(e.to_string()))?
            .map_err(|e| ViewError(e.to_string()))
    }
}

/// [`app::LeadsView`] on the leads read model. Every call first waits until the
/// projections have committed the position it is asked at.
#[derive(Debug, Clone)]
pub struct Leads {
    views: ReadModels,
    wait: Duration,
}

impl Leads {
    /// Leads from `views`, waiting up to [`SUPPLY_WAIT`] for a position.
    pub fn new(views: ReadModels) -> Self {
        Leads {
            views,
            wait: SUPPLY_WAIT,
        }
    }
}

#[async_trait]
impl app::LeadsView for Leads {
    async fn open_leads_of(
        &self,
        at: Position,
        customer: &domain::values::CustomerId,
        dealer: &domain::values::DealerId,
    ) -> Result<Vec<domain::values::LeadId>, ViewError> {
        self.views
            .wait_for(at, self.wait)
            .await
            .map_err(|e| ViewError(e.to_string()))?;
        let leads = self
            .views
            .open_leads_of(customer, dealer)
            .await
            .map_err(|e| ViewError(e.to_string()))?;
        Ok(leads.into_iter().map(|lead| lead.lead_id).collect())
    }

    async fn leads_to_breach(
        &self,
        at: Position,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<domain::values::LeadId>, ViewError> {
        self.views
            .wait_for(at, self.wait)
            .await
            .map_err(|e| ViewError(e.to_string()))?;
        self.views
            .leads_to_breach(now)
            .await
            .map_err(|e| ViewError(e.to_string()))
    }
}

/// [`app::OutboxView`] on the messages read model. The calls that take a position first
/// wait until the projections have committed it.
#[derive(Debug, Clone)]
pub struct Outbox {
    views: ReadModels,
    wait: Duration,
}

impl Outbox {
    /// The outbox from `views`, waiting up to [`SUPPLY_WAIT`] for a position.
    pub fn new(views: ReadModels) -> Self {
        Outbox {
            views,
            wait: SUPPLY_WAIT,
        }
    }

    async fn caught_up(&self, at: Position) -> Result<(), ViewError> {
        self.views
            .wait_for(at, self.wait)
            .await
            .map_err(|e| ViewError(e.to_string()))
    }
}

fn unavailable(e: crate::ReadModelError) -> ViewError {
    ViewError(e.to_string())
}

#[async_trait]
impl app::OutboxView for Outbox {
    async fn webhooks_for(
        &self,
        at: Position,
        kind: domain::message::MessageKind,
    ) -> Result<Vec<domain::values::WebhookId>, ViewError> {
        self.caught_up(at).await?;
        self.views.webhooks_for(kind).await.map_err(unavailable)
    }

    async fn dealer_staff(
        &self,
        at: Position,
        dealer: &domain::values::DealerId,
        managers: bool,
    ) -> Result<Vec<domain::values::UserId>, ViewError> {
        self.caught_up(at).await?;
        self.views
            .dealer_staff(dealer, managers)
            .await
            .map_err(unavailable)
    }

    async fn reminders_due(
        &self,
        at: Position,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<(domain::message::MessageKind, String)>, ViewError> {
        self.caught_up(at).await?;
        let due = self.views.reminders_due(now).await.map_err(unavailable)?;
        Ok(due.into_iter().map(|r| (r.kind, r.fact)).collect())
    }

    async fn due(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<domain::values::MessageId>, ViewError> {
        self.views
            .messages_due(now, limit)
            .await
            .map_err(unavailable)
    }
}
