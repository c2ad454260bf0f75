//! What the simulated actors share: the engine's services and views, the
//! seeded RNG, the configurations customers choose from, and the tally of
//! what they did.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::Catalog;
use domain::order::Channel;
use domain::values::{CustomerId, DealerId, IsoWeek, LeadId, OrderId, PlantId, ShipmentId, UserId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::configs::Configs;
use super::DemoError;
use api::auth::{Caller, Role};
use api::runtime::Runtime;

/// How long one wait for the engine to catch up may take.
const SETTLE_WITHIN: Duration = Duration::from_secs(60);

/// The simulation's state: the engine it drives and what the actors know.
pub(super) struct World<'a> {
    runtime: &'a Runtime,
    pub services: app::Services,
    pub people: app::people::People,
    pub views: projections::ReadModels,
    pub catalog: Arc<Catalog>,
    pub rng: StdRng,
    pub seed: u64,
    pub orders_per_day: u32,
    pub configs: Configs,
    /// The orders the demo placed and the channel each came through (who
    /// acts for the customer: the customer online, the dealer in the
    /// showroom).
    pub channels: BTreeMap<OrderId, Channel>,
    /// The customers so far and the market each buys in.
    pub customers: BTreeMap<CustomerId, domain::values::MarketCode>,
    /// The plant-weeks a planner has opened.
    pub opened: BTreeSet<(PlantId, IsoWeek)>,
    /// The shipments a delay was reported for (one per shipment).
    pub delayed: BTreeSet<ShipmentId>,
    /// The profiles of the customers the demo registered (a person who comes back fills
    /// in the same e-mail address, and is found by it).
    pub profiles: BTreeMap<CustomerId, app::people::Profile>,
    /// Each dealer's staff: its manager and its consultants.
    pub staff: BTreeMap<DealerId, DealerStaff>,
    /// Leads waiting for their first answer, and when their consultant will answer.
    pub to_answer: BTreeMap<LeadId, DateTime<Utc>>,
    /// Minutes the clock was moved forward since the day's 08:00.
    pub minutes_today: u32,
    pub tally: Tally,
}

/// A dealer's people who work leads.
#[derive(Debug, Clone, Default)]
pub(super) struct DealerStaff {
    pub manager: Option<UserId>,
    pub consultants: Vec<UserId>,
}

/// What the dealers' staff did with leads and test drives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CrmTally {
    pub leads_opened: u64,
    /// Leads whose person was already a customer (found by id, e-mail or phone).
    pub known_people: u64,
    pub assignments: u64,
    pub first_answers: u64,
    pub follow_ups: u64,
    pub regradings: u64,
    pub lost_requested: u64,
    pub lost_approved: u64,
    pub lost_refused: u64,
    pub drives_online: u64,
    pub drives_showroom: u64,
    pub drives_completed: u64,
    pub drives_no_show: u64,
    pub drives_cancelled: u64,
    /// Orders that named the lead they came from.
    pub orders_naming_lead: u64,
}

/// What the actors did, and what was refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Orders sent, accepted or not (numbers the order ids).
    pub order_attempts: u64,
    pub online: u64,
    pub showroom: u64,
    pub amendments: u64,
    pub cancellations: u64,
    pub refunds: u64,
    pub forfeits: u64,
    pub capacity_weeks: u64,
    pub capacity_units: u64,
    pub overtime_units: u64,
    pub stock_registered: u64,
    pub builds_started: u64,
    pub builds_completed: u64,
    pub dispatches: u64,
    pub transfers: u64,
    pub delays: u64,
    pub delay_days: u64,
    pub arrivals: u64,
    pub payments: u64,
    pub appointments: u64,
    pub handovers: u64,
    pub crm: CrmTally,
    /// Refused attempts by the rule that refused them.
    pub refused: BTreeMap<String, u64>,
}

impl Tally {
    pub fn orders_placed(&self) -> u64 {
        self.online + self.showroom
    }

    pub fn refused_total(&self) -> u64 {
        self.refused.values().sum()
    }
}

impl<'a> World<'a> {
    pub fn new(
        runtime: &'a Runtime,
        people: app::people::People,
        seed: u64,
        orders_per_day: u32,
    ) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let catalog = runtime.state.catalog.clone();
        let configs = Configs::new(&catalog, &mut rng);
        World {
            runtime,
            services: runtime.state.services.clone(),
            people,
            views: runtime.state.views.clone(),
            catalog,
            rng,
            seed,
            orders_per_day,
            configs,
            channels: BTreeMap::new(),
            customers: BTreeMap::new(),
            opened: BTreeSet::new(),
            delayed: BTreeSet::new(),
            profiles: BTreeMap::new(),
            staff: BTreeMap::new(),
            to_answer: BTreeMap::new(),
            minutes_today: 0,
            tally: Tally::default(),
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.runtime.state.clock.today()
    }

    /// The business clock's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.runtime.state.clock.now()
    }

    /// Moves the simulated clock forward by `minutes` (recorded in the log, as
    /// `otd admin clock advance` does); the SLA watcher follows it.
    pub async fn advance(&mut self, minutes: u32) -> Result<(), DemoError> {
        let store = self.runtime.state.executor.store().clone();
        app::clock_log::advance(
            store.as_ref(),
            &self.runtime.state.clock,
            minutes,
            &self.planner(),
        )
        .await
        .map_err(|e| DemoError::Setup(e.to_string()))?;
        self.minutes_today += minutes;
        // The reminders the move made due, on the state every run has here: the breaches
        // recorded, the engine settled (the demo's engine runs no sender that would queue
        // them whenever it wakes).
        self.await_breaches().await?;
        self.runtime
            .messages()
            .remind()
            .await
            .map_err(|e| DemoError::Settle(format!("the reminders were not queued: {e}")))?;
        Ok(())
    }

    /// Waits until the SLA watcher has recorded the breach of every lead whose 2 hours
    /// are up at the clock's now (the demo records none itself; it waits so that what
    /// the consultants do next is decided on the same state in every run).
    pub async fn await_breaches(&self) -> Result<(), DemoError> {
        let started = std::time::Instant::now();
        loop {
            self.settle().await?;
            if self.views.leads_to_breach(self.now()).await?.is_empty() {
                return Ok(());
            }
            if started.elapsed() > SETTLE_WITHIN {
                return Err(DemoError::Settle(
                    "the SLA watcher recorded no breach of leads past their 2 hours".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The head of the log.
    pub async fn head(&self) -> Result<store::Position, DemoError> {
        Ok(self.runtime.state.services.log_head().await?)
    }

    /// The metadata of a command an actor sends, as the API makes it.
    pub fn by(&self, role: Role, sub: &str) -> store::Metadata {
        api::metadata(&Caller::of(role, sub))
    }

    pub fn planner(&self) -> store::Metadata {
        self.by(Role::Planner, "planner")
    }

    pub fn finance(&self) -> store::Metadata {
        self.by(Role::Finance, "finance")
    }

    /// Waits until the process managers and the projections have handled
    /// the whole log, including what the managers appended meanwhile.
    pub async fn settle(&self) -> Result<(), DemoError> {
        let settle = |e: &dyn std::fmt::Display| DemoError::Settle(e.to_string());
        loop {
            let head = self.head().await?;
            self.runtime
                .process()
                .ok_or_else(|| settle(&"this engine runs no process managers"))?
                .wait_for(head, SETTLE_WITHIN)
                .await
                .map_err(|e| settle(&e))?;
            self.views
                .wait_for(head, SETTLE_WITHIN)
                .await
                .map_err(|e| settle(&e))?;
            if self.head().await? == head {
                return Ok(());
            }
        }
    }

    /// The vehicles in `status`, in key order.
    pub async fn vehicles(
        &self,
        status: domain::vehicle::VehicleStatus,
    ) -> Result<Vec<projections::views::VehicleView>, DemoError> {
        let filter = projections::views::VehicleFilter {
            status: Some(status),
            ..Default::default()
        };
        Ok(self.views.vehicles(&filter).await?)
    }

    /// The process managers' reactions given up on so far.
    pub fn skipped_reactions(&self) -> usize {
        self.runtime.process().map_or(0, |p| p.skipped().len())
    }

    /// A use case's result as a user sees it: done, or refused for a
    /// business rule (counted under the rule's name, the demo goes on).
    /// A failure of the engine itself stops the demo.
    pub fn judge<T>(
        &mut self,
        action: &'static str,
        result: Result<T, app::ServiceError>,
    ) -> Result<Option<T>, DemoError> {
        match result {
            Ok(done) => Ok(Some(done)),
            Err(app::CommandError::Rejected(rejection)) => {
                *self.tally.refused.entry(rule_of(&rejection)).or_default() += 1;
                Ok(None)
            }
            Err(error) => Err(DemoError::Service { action, error }),
        }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u32, high: u32) -> u32 {
        self.rng.random_range(low..=high.max(low))
    }

    /// One of `items`, if any.
    pub fn pick<'t, T>(&mut self, items: &'t [T]) -> Option<&'t T> {
        if items.is_empty() {
            return None;
        }
        items.get(self.rng.random_range(0..items.len()))
    }
}

/// The name of the rule that refused: a configuration rule
/// (`invalid configuration: requires`), or the refusing aggregate's error,
/// in words (`order: amend after freeze`).
fn rule_of(rejection: &app::Rejection) -> String {
    use app::Rejection as R;
    let (aggregate, debug) = match rejection {
        R::Order(domain::order::OrderError::InvalidConfiguration(violations)) => {
            let rules: BTreeSet<&str> = violations.iter().map(|v| v.rule()).collect();
            let rules: Vec<&str> = rules.into_iter().collect();
            return format!("invalid configuration: {}", rules.join(", "));
        }
        R::Order(e @ domain::order::OrderError::NotAllowed { .. }) => {
            return format!("order: {e}");
        }
        R::Order(e) => ("order", format!("{e:?}")),
        R::Vehicle(e) => ("vehicle", format!("{e:?}")),
        R::Slot(e) => ("slot", format!("{e:?}")),
        R::Shipment(e) => ("shipment", format!("{e:?}")),
        R::Register(e) => ("invoice register", format!("{e:?}")),
        R::Invoice(e) => ("invoice", format!("{e:?}")),
        R::Commission(e) => ("commission", format!("{e:?}")),
        R::Lead(e) => ("lead", format!("{e:?}")),
        R::TestDrive(e) => ("test drive", format!("{e:?}")),
        other => ("use case", format!("{other:?}")),
    };
    format!("{aggregate}: {}", words(variant_name(&debug)))
}

/// `AmendAfterFreeze { frozen_on: .. }` → `AmendAfterFreeze`.
fn variant_name(debug: &str) -> &str {
    let end = debug
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(debug.len());
    &debug[..end]
}

/// `AmendAfterFreeze` → `amend after freeze`.
fn words(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_named_after_its_rule() {
        let rejection = app::Rejection::Order(domain::order::OrderError::AmendAfterFreeze {
            frozen_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
        });
        assert_eq!(rule_of(&rejection), "order: amend after freeze");
        let rejection = app::Rejection::Order(domain::order::OrderError::InvoiceNotPaid);
        assert_eq!(rule_of(&rejection), "order: invoice not paid");
    }
}
