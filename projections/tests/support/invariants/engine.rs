//! The engine as `api/src/runtime.rs` composes it, the event store that widens the window
//! between a command's read and its append, and the observer that looks at the views after
//! every commit of the projections.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::process::{standard_managers, ProcessHandle};
use app::{Checkpoints, Clock, CommandError, Executor, ServiceError, Services, SupplyView};
use domain::catalog::Catalog;
use domain::order::OrderStatus;
use domain::values::{IsoWeek, OrderId, PlantId};
use projections::views::{InvoiceFilter, InvoiceView, OrderFilter, WeekCapacity};
use projections::{ProcessCheckpoints, ReadModelStore, ReadModels, Runner, Supply};
use store::{
    AppendResult, EventStore, ExpectedVersion, NewEvent, Position, RecordedEvent, StoreError,
    StreamId, Subscription,
};
use tokio::sync::{watch, Barrier};
use tokio::task::JoinSet;

use super::actors::Actor;
use super::plan::{day, Round, PLANTS, START};

/// How long the engine may take to settle after a round (a deadline, never a pause).
const SETTLE_WITHIN: Duration = Duration::from_secs(60);

/// The event store with a window between a command's read and its append: every append
/// first yields to the other tasks (a cooperative yield, no pause), so that on the memory
/// backend, whose calls never wait, another actor or process manager can append to the same
/// stream in between. It counts the appends that lost such a race (the executor then reads
/// again and decides again).
struct Raced {
    inner: Arc<dyn EventStore>,
    lost: AtomicU64,
}

#[async_trait::async_trait]
impl EventStore for Raced {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendResult, StoreError> {
        tokio::task::yield_now().await;
        let appended = self.inner.append(stream, expected, events).await;
        if let Err(StoreError::WrongExpectedVersion { .. }) = &appended {
            self.lost.fetch_add(1, Ordering::Relaxed);
        }
        appended
    }

    async fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_stream(stream, from_version, limit).await
    }

    async fn read_all(
        &self,
        after: Position,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_all(after, limit).await
    }

    fn subscribe_all(&self, after: Position) -> Subscription {
        self.inner.subscribe_all(after)
    }

    async fn head(&self) -> Result<Position, StoreError> {
        self.inner.head().await
    }
}

/// The engine as `api/src/runtime.rs` composes it, on a simulated clock.
pub(crate) struct Engine {
    raced: Arc<Raced>,
    pub(crate) events: Arc<dyn EventStore>,
    pub(crate) read_models: Arc<dyn ReadModelStore>,
    pub(crate) projections: Runner,
    pub(crate) views: ReadModels,
    /// The process managers' runners, one per instance.
    pub(crate) process: Vec<ProcessHandle>,
    pub(crate) services: Services,
    pub(crate) clock: Clock,
    pub(crate) catalog: Arc<Catalog>,
    /// What starts the first instance's runner again after a crash.
    restart: Restart,
}

/// The parts of the first instance's process managers, to start them again.
struct Restart {
    exec: Executor,
    supply: Arc<dyn SupplyView>,
    partitions: usize,
}

impl Engine {
    pub(crate) async fn start(
        events: Arc<dyn EventStore>,
        read_models: Arc<dyn ReadModelStore>,
        instances: usize,
        partitions: usize,
    ) -> Engine {
        let raced = Arc::new(Raced {
            inner: events,
            lost: AtomicU64::new(0),
        });
        let events: Arc<dyn EventStore> = raced.clone();
        let projections = crate::support::runner(&events, &read_models, 256).await;
        let views = crate::support::views(&projections, &events, &read_models);
        let catalog = Arc::new(Catalog::demo());
        let clock = Clock::simulated(day(START));
        let exec = Executor::new(Arc::clone(&events), Arc::clone(&catalog), clock.clone());
        // Orders are placed only for customers that exist: the actors' customers.
        let people = app::people::People::new(
            exec.clone(),
            app::vault::Vault::new(
                Arc::new(store::keys::MemoryKeys::new()),
                &app::vault::MasterKey::generate(),
            ),
            app::accounts::PasswordPool::new(1, 1),
        );
        let customers: Vec<domain::values::CustomerId> = (1001..1101)
            .map(|n| domain::values::CustomerId::parse(&format!("C-{n}")).unwrap())
            .collect();
        for market in ["DE", "CN"] {
            let market = domain::values::MarketCode::parse(market).unwrap();
            people
                .register_examples(&customers, &market, &store::Metadata::default())
                .await
                .unwrap();
        }
        let supply: Arc<dyn SupplyView> = Arc::new(Supply::new(views.clone()));
        let mut process = Vec::new();
        for instance in 0..instances {
            // The first instance is the engine's own; another is another process: its own
            // executor (and cache), its own checkpoints.
            let (exec, checkpoints) = if instance == 0 {
                (exec.clone(), Arc::clone(&read_models))
            } else {
                let exec = Executor::new(Arc::clone(&events), Arc::clone(&catalog), clock.clone());
                let own: Arc<dyn ReadModelStore> = Arc::new(projections::MemoryReadModels::new());
                (exec, own)
            };
            let checkpoints: Arc<dyn Checkpoints> = Arc::new(ProcessCheckpoints::new(checkpoints));
            let managers = standard_managers(&exec, Arc::clone(&supply));
            process.push(
                app::process::ProcessRunner::new(Arc::clone(&events), checkpoints, managers)
                    .with_partitions(partitions)
                    .spawn(),
            );
        }
        let restart = Restart {
            exec: exec.clone(),
            supply,
            partitions,
        };
        Engine {
            raced,
            events,
            read_models,
            projections,
            views,
            process,
            services: Services::new(exec),
            clock,
            catalog,
            restart,
        }
    }

    /// The first instance's process managers crash wherever they are and start again with
    /// none of their checkpoints: every event is delivered again.
    pub(crate) async fn crash(&mut self) -> Result<(), String> {
        let first = self.process.remove(0);
        let partitions = first.partitions();
        first.stop().await.map_err(|e| e.to_string())?;
        let checkpoints: Arc<dyn Checkpoints> =
            Arc::new(ProcessCheckpoints::new(Arc::clone(&self.read_models)));
        let managers = standard_managers(&self.restart.exec, Arc::clone(&self.restart.supply));
        for manager in &managers {
            for partition in app::process::Partition::all(partitions) {
                checkpoints
                    .save(&partition.checkpoint(manager.name()), Position::START)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            checkpoints
                .save(manager.name(), Position::START)
                .await
                .map_err(|e| e.to_string())?;
        }
        let runner =
            app::process::ProcessRunner::new(Arc::clone(&self.events), checkpoints, managers)
                .with_partitions(self.restart.partitions)
                .spawn();
        self.process.insert(0, runner);
        Ok(())
    }

    /// Waits until the process managers and the projections have handled the whole log,
    /// including what the managers appended meanwhile; returns the head.
    pub(crate) async fn settle(&self) -> Result<Position, String> {
        let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
        loop {
            let head = self.events.head().await.map_err(|e| e.to_string())?;
            for process in &self.process {
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                process
                    .wait_for(head, left)
                    .await
                    .map_err(|e| format!("process managers: {e}"))?;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            self.views
                .wait_for(head, left)
                .await
                .map_err(|e| format!("projections: {e}"))?;
            if self.events.head().await.map_err(|e| e.to_string())? == head {
                return Ok(head);
            }
        }
    }

    /// Plays one round: every actor at once.
    pub(crate) async fn play(&self, number: usize, round: &Round) -> Result<Tally, String> {
        let barrier = Arc::new(Barrier::new(round.actors.len()));
        let mut actors = JoinSet::new();
        for (index, acts) in round.actors.iter().enumerate() {
            let actor = Actor {
                index,
                services: self.services.clone(),
                views: self.views.clone(),
                clock: self.clock.clone(),
                catalog: Arc::clone(&self.catalog),
            };
            let (acts, barrier) = (acts.clone(), Arc::clone(&barrier));
            actors.spawn(async move {
                barrier.wait().await;
                actor.play(number, &acts).await
            });
        }
        let mut tally = Tally::default();
        while let Some(joined) = actors.join_next().await {
            let played = joined.map_err(|e| format!("an actor panicked: {e}"))??;
            tally.add(&played);
        }
        Ok(tally)
    }

    /// The appends that lost a race so far.
    pub(crate) fn lost_races(&self) -> u64 {
        self.raced.lost.load(Ordering::Relaxed)
    }

    pub(crate) async fn stop(self) {
        for process in self.process {
            let _ = process.stop().await;
        }
        self.projections.stop().await;
    }
}

/// What the actors did, and what the runs reached (summed over the cases to show the
/// property exercises the whole lifecycle).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub(crate) accepted: u64,
    pub(crate) refused: u64,
    pub(crate) conflicts: u64,
    pub(crate) idle: u64,
    /// Appends that lost a race and were decided again.
    pub(crate) lost_races: u64,
    /// Reactions the process managers gave up on (a refusal they cannot retry).
    pub(crate) skipped: u64,
    pub(crate) orders: u64,
    pub(crate) delivered: u64,
    pub(crate) cancelled: u64,
    pub(crate) built: u64,
    pub(crate) reallocated: u64,
    pub(crate) back_moves: u64,
    pub(crate) invoices: u64,
    pub(crate) credit_notes: u64,
    pub(crate) commission_lines: u64,
    pub(crate) looks: u64,
}

impl Tally {
    pub(crate) fn add(&mut self, other: &Tally) {
        self.accepted += other.accepted;
        self.refused += other.refused;
        self.conflicts += other.conflicts;
        self.idle += other.idle;
        self.lost_races += other.lost_races;
        self.skipped += other.skipped;
        self.orders += other.orders;
        self.delivered += other.delivered;
        self.cancelled += other.cancelled;
        self.built += other.built;
        self.reallocated += other.reallocated;
        self.back_moves += other.back_moves;
        self.invoices += other.invoices;
        self.credit_notes += other.credit_notes;
        self.commission_lines += other.commission_lines;
        self.looks += other.looks;
    }

    /// Counts a service's answer: done, refused (or a conflict, answered 409 at the HTTP
    /// edge), or a failure of the engine.
    pub(crate) fn judge<T>(&mut self, result: Result<T, ServiceError>) -> Result<(), String> {
        match result {
            Ok(_) => self.accepted += 1,
            Err(CommandError::Rejected(_) | CommandError::NotFound(_)) => self.refused += 1,
            Err(CommandError::Conflict { .. }) => self.conflicts += 1,
            Err(e) => return Err(format!("the engine failed: {e}")),
        }
        Ok(())
    }
}

/// The statuses each order's tracker showed, consecutive repeats merged.
#[derive(Debug, Default, Clone)]
pub(crate) struct Observed {
    pub(crate) statuses: BTreeMap<OrderId, Vec<OrderStatus>>,
    pub(crate) looks: u64,
}

/// Looks at the views after every commit of the projections until `stop`.
pub(crate) async fn observe(
    views: ReadModels,
    mut stop: watch::Receiver<bool>,
    seen: Arc<Mutex<Observed>>,
) -> Result<(), String> {
    let mut progress = views.progress().clone();
    loop {
        look(&views, &seen).await?;
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            changed = progress.changed() => {
                changed.map_err(|e| format!("the projections stopped: {e}"))?;
            }
        }
    }
    look(&views, &seen).await
}

async fn look(views: &ReadModels, seen: &Mutex<Observed>) -> Result<(), String> {
    let orders = views
        .orders(&OrderFilter::default())
        .await
        .map_err(|e| e.to_string())?;
    {
        let mut seen = seen.lock().unwrap();
        seen.looks += 1;
        for o in &orders {
            let statuses = seen.statuses.entry(o.order_id).or_default();
            if statuses.last() != Some(&o.status) {
                statuses.push(o.status);
            }
        }
    }
    // 2 at every moment: each week is one document, decided against its own bookings.
    for (plant, week) in capacity(views).await? {
        if week.booked > week.capacity {
            return Err(format!(
                "invariant 2: {plant} {} booked {} > capacity {} (seen while running)",
                week.week, week.booked, week.capacity
            ));
        }
    }
    // 5 at every moment: a number is never on two documents (gapless only once settled:
    // a number is assigned before its document is issued).
    let mut numbers = BTreeSet::new();
    for invoice in invoices(views).await? {
        let credit = invoice.credit_note.as_ref().map(|c| c.number.clone());
        for number in std::iter::once(invoice.number.clone()).chain(credit) {
            if !numbers.insert(number.clone()) {
                return Err(format!(
                    "invariant 5: number {number} on two documents (seen while running)"
                ));
            }
        }
    }
    Ok(())
}

/// Every week of both plants in the capacity view.
pub(crate) async fn capacity(views: &ReadModels) -> Result<Vec<(PlantId, WeekCapacity)>, String> {
    let (from, to) = (
        IsoWeek::new(2026, 1).unwrap(),
        IsoWeek::new(2028, 1).unwrap(),
    );
    let mut weeks = Vec::new();
    for plant in PLANTS {
        let plant = PlantId::parse(plant).unwrap();
        let found = views
            .plant_capacity(&plant, from, to, day(START))
            .await
            .map_err(|e| e.to_string())?;
        weeks.extend(found.into_iter().map(|w| (plant.clone(), w)));
    }
    Ok(weeks)
}

pub(crate) async fn invoices(views: &ReadModels) -> Result<Vec<InvoiceView>, String> {
    views
        .invoices(&InvoiceFilter::default())
        .await
        .map_err(|e| e.to_string())
}
