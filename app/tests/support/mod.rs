//! The test world: a store (memory, SQLite or PostgreSQL), the services, the
//! process managers on a runner, a simulated clock, and helpers to read the
//! aggregates back.

#![allow(dead_code, clippy::unwrap_used)]

pub mod leads;
pub mod supply;

use std::io::Write;
use std::sync::{Arc, Once};
use std::time::Duration;

use app::process::{standard_managers, FulfilmentManager, ProcessHandle, ProcessRunner};
use app::services::PlaceOrder;
use app::{Clock, Executor, Services};
use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::Catalog;
use domain::commission::CommissionStatement;
use domain::invoice::Invoice;
use domain::invoice_register::InvoiceRegister;
use domain::order::{Channel, Order, PlacedOrder};
use domain::shipment::Shipment;
use domain::slot::Slot;
use domain::streams::Aggregate;
use domain::values::*;
use domain::vehicle::Vehicle;
use store::{EventStore, MemoryStore, Metadata, Position, SqliteStore};

pub use leads::MiniLeads;
pub use supply::{MemoryCheckpoints, MiniSupply};

/// The business day every test starts on (a Monday): week 2026-W50
/// (Monday 2026-12-07) is the earliest a build can be booked.
pub fn start_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

/// How long a test waits for the process managers at most.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Keeps a backend's files or schema alive for the test's duration.
enum Guard {
    None,
    Dir(tempfile::TempDir),
    Schema(store::ThrowawaySchema),
}

pub struct World {
    pub store: Arc<dyn EventStore>,
    pub clock: Clock,
    pub exec: Executor,
    pub services: Services,
    pub people: app::people::People,
    pub supply: Arc<MiniSupply>,
    pub checkpoints: Arc<MemoryCheckpoints>,
    /// Into how many partitions the process managers split the work (`OTD_TEST_PARTITIONS`,
    /// else 1).
    pub partitions: usize,
    runner: Option<ProcessHandle>,
    _guard: Guard,
}

impl World {
    fn with(store: Arc<dyn EventStore>, guard: Guard) -> World {
        let clock = Clock::simulated(start_day());
        let exec = Executor::new(store.clone(), Arc::new(Catalog::demo()), clock.clone());
        World {
            supply: Arc::new(MiniSupply::new(store.clone())),
            checkpoints: Arc::new(MemoryCheckpoints::default()),
            services: Services::new(exec.clone()),
            people: app::people::People::new(
                exec.clone(),
                app::vault::Vault::new(
                    Arc::new(store::keys::MemoryKeys::new()),
                    &app::vault::MasterKey::generate(),
                ),
                app::accounts::PasswordPool::new(1, 4),
            ),
            store,
            clock,
            exec,
            partitions: std::env::var("OTD_TEST_PARTITIONS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(1),
            runner: None,
            _guard: guard,
        }
    }

    pub async fn memory() -> World {
        World::with(Arc::new(MemoryStore::new()), Guard::None)
    }

    pub async fn sqlite() -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        World::with(Arc::new(store), Guard::Dir(dir))
    }

    /// A world on the PostgreSQL of `OTD_TEST_POSTGRES_URL` in a schema of
    /// its own, or `None` (said plainly once) when it is not set.
    pub async fn postgres() -> Option<World> {
        let url = postgres_url()?;
        let schema = store::ThrowawaySchema::new(&url, "otd_app_test");
        let store = store::PostgresStore::connect(&url, Some(schema.name()))
            .await
            .unwrap();
        Some(World::with(Arc::new(store), Guard::Schema(schema)))
    }

    /// The fulfilment manager on its own (for racing it by hand).
    pub fn fulfilment(&self) -> FulfilmentManager {
        FulfilmentManager::new(self.exec.clone(), self.supply.clone())
    }

    /// Starts the process managers.
    pub fn start(&mut self) {
        let mut managers = standard_managers(&self.exec, self.supply.clone());
        let leads = Arc::new(MiniLeads::new(self.store.clone()));
        managers.extend(app::process::crm_managers(&self.exec, leads));
        let runner = ProcessRunner::new(self.store.clone(), self.checkpoints.clone(), managers)
            .with_partitions(self.partitions);
        self.runner = Some(runner.spawn());
    }

    /// A crash of the process managers: stopped wherever they are, and none of their
    /// checkpoints kept, so everything is delivered again on the next start.
    pub async fn crash(&mut self) {
        if let Some(runner) = self.runner.take() {
            runner.stop().await.unwrap();
        }
        self.checkpoints.reset();
    }

    /// Stops the process managers.
    pub async fn stop(&mut self) {
        if let Some(runner) = self.runner.take() {
            self.assert_nothing_skipped(&runner);
            runner.stop().await.unwrap();
        }
    }

    /// Waits until the process managers have handled the whole log, and
    /// checks that they gave up on nothing.
    pub async fn settle(&self) -> Position {
        let runner = self.runner.as_ref().expect("the runner is not started");
        let head = runner.settle(DEADLINE).await.unwrap();
        self.assert_nothing_skipped(runner);
        head
    }

    fn assert_nothing_skipped(&self, runner: &ProcessHandle) {
        let skipped = runner.skipped();
        assert!(skipped.is_empty(), "reactions given up on: {skipped:#?}");
    }

    /// Replays the whole log through fresh process managers (checkpoints
    /// reset) and returns the head before and after: a replay that changes
    /// nothing appends nothing.
    pub async fn replay(&mut self) -> (Position, Position) {
        self.settle().await;
        self.stop().await;
        let before = self.head().await;
        self.checkpoints.reset();
        self.start();
        let after = self.settle().await;
        (before, after)
    }

    pub async fn head(&self) -> Position {
        self.store.head().await.unwrap()
    }

    pub fn meta(&self) -> Metadata {
        Metadata {
            actor: Some("test".into()),
            ..Metadata::default()
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    pub fn advance(&self, days: u32) {
        self.clock.advance(days).unwrap();
    }

    /// A moment `days` from now, at noon.
    pub fn days_ahead(&self, days: u64) -> DateTime<Utc> {
        (self.today() + chrono::Days::new(days))
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
    }

    /// Places an order of customer `C-{n}` and returns its id.
    pub async fn place(&self, n: u32, dealer: &str, model: &str, options: &[&str]) -> OrderId {
        let dealer = DealerId::parse(dealer).unwrap();
        let market = Catalog::demo().dealer(&dealer).unwrap().market.clone();
        let order = OrderId::derived(&format!("order-{n}"));
        let customer = CustomerId::parse(&format!("C-{n}")).unwrap();
        self.people
            .register_examples(&[customer], &market, &self.meta())
            .await
            .unwrap();
        self.services
            .place_order(
                PlaceOrder {
                    lead: None,
                    order,
                    customer: CustomerId::parse(&format!("C-{n}")).unwrap(),
                    dealer,
                    selling_dealer: None,
                    market,
                    model: ModelCode::parse(model).unwrap(),
                    options: options
                        .iter()
                        .map(|o| OptionCode::parse(o).unwrap())
                        .collect(),
                    channel: Channel::Online,
                },
                &self.meta(),
            )
            .await
            .unwrap();
        order
    }

    /// Registers a free stock vehicle `n` and returns its id.
    pub async fn stock(&self, n: u32, at: &str, model: &str, options: &[&str]) -> VehicleId {
        let location = LocationId::parse(at).unwrap();
        let market = Catalog::demo().location_market(&location).unwrap().clone();
        let vehicle = VehicleId::derived(&format!("stock-{n}"));
        self.services
            .register_vehicle(
                vehicle,
                market,
                ModelCode::parse(model).unwrap(),
                options
                    .iter()
                    .map(|o| OptionCode::parse(o).unwrap())
                    .collect(),
                location,
                &self.meta(),
            )
            .await
            .unwrap();
        vehicle
    }

    pub async fn capacity(&self, plant: &str, week: &str, units: u32) {
        self.services
            .set_capacity(plant_id(plant), week_of(week), units, &self.meta())
            .await
            .unwrap();
    }

    async fn state<A>(&self, id: &A::Id) -> A::State
    where
        A: Aggregate + 'static,
        A::State: Send + 'static,
    {
        self.exec.load::<A>(id).await.unwrap().0
    }

    pub async fn order(&self, order: OrderId) -> PlacedOrder {
        let state = self.state::<Order>(&order).await;
        state.placed().cloned().expect("order placed")
    }

    pub async fn vehicle(&self, vehicle: VehicleId) -> Vehicle {
        self.state::<Vehicle>(&vehicle).await
    }

    pub async fn slot(&self, plant: &str, week: &str) -> Slot {
        self.state::<Slot>(&SlotKey::new(plant_id(plant), week_of(week)))
            .await
    }

    pub async fn shipment(&self, shipment: ShipmentId) -> Shipment {
        self.state::<Shipment>(&shipment).await
    }

    pub async fn invoice(&self, order: OrderId) -> Invoice {
        self.state::<Invoice>(&order).await
    }

    pub async fn register(&self, market: &str, year: i32) -> InvoiceRegister {
        let market = MarketCode::parse(market).unwrap();
        self.state::<InvoiceRegister>(&RegisterKey::new(market, year))
            .await
    }

    pub async fn statement(&self, dealer: &str, month: &str) -> CommissionStatement {
        let dealer = DealerId::parse(dealer).unwrap();
        let month = Month::parse(month).unwrap();
        self.state::<CommissionStatement>(&CommissionKey::new(dealer, month))
            .await
    }

    /// How many events of this stored type the log holds.
    pub async fn count(&self, event_type: &str) -> usize {
        let mut after = Position::START;
        let mut n = 0;
        loop {
            let page = self.store.read_all(after, 1000).await.unwrap();
            let Some(last) = page.last() else {
                return n;
            };
            after = last.position;
            n += page.iter().filter(|e| e.event_type == event_type).count();
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // Stop the runner before the store goes away.
        if let Some(runner) = self.runner.take() {
            drop(runner);
        }
    }
}

pub fn plant_id(plant: &str) -> PlantId {
    PlantId::parse(plant).unwrap()
}

pub fn week_of(week: &str) -> IsoWeek {
    IsoWeek::parse(week).unwrap()
}

pub fn dealer(dealer: &str) -> DealerId {
    DealerId::parse(dealer).unwrap()
}

pub fn location(location: &str) -> LocationId {
    LocationId::parse(location).unwrap()
}

pub fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

/// The PostgreSQL to test against, or `None` after saying so once.
fn postgres_url() -> Option<String> {
    static SAID: Once = Once::new();
    let url = std::env::var("OTD_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty());
    if url.is_none() {
        SAID.call_once(|| {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: the app's PostgreSQL lifecycle tests did not run because \
                 OTD_TEST_POSTGRES_URL is not set \
                 (e.g. OTD_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)"
            );
        });
    }
    url
}

/// Runs a scenario `async fn name(world: World)` on every backend: memory,
/// SQLite, and PostgreSQL when `OTD_TEST_POSTGRES_URL` is set.
#[macro_export]
macro_rules! on_every_backend {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn memory() {
                    super::$scenario($crate::support::World::memory().await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$scenario($crate::support::World::sqlite().await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(world) = $crate::support::World::postgres().await {
                        super::$scenario(world).await;
                    }
                }
            }
        )+
    };
}
