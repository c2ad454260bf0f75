//! Invariants 1–6 of spec/domain.md over random interleavings of many
//! actors working through the pure deciders.
//!
//! The world here is a set of in-memory streams with optimistic
//! concurrency: an actor decides against the state it read (possibly stale),
//! and its append succeeds only if nobody appended since; otherwise it reads
//! again and decides again, exactly as the application layer does. Races are
//! made explicit: two orders decide fulfilment from the same snapshot (one
//! vehicle, or the last unit of a week), two arrivals take invoice numbers
//! from the same register snapshot.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::catalog::Catalog;
use domain::commission::{CommissionCommand, CommissionStatement};
use domain::invoice::{Invoice, InvoiceCommand, InvoiceStatus};
use domain::invoice_register::{DocumentKind, InvoiceRegister, InvoiceRegisterCommand};
use domain::order::{
    Channel, Fulfilment, Order, OrderCommand, OrderEvent, OrderStatus, VehicleSource,
};
use domain::policy::{
    decide_fulfilment, eta_at_dealer, Demand, FulfilmentDecision, LtoRank, SlotAvailability,
    StockUnit, Whereabouts,
};
use domain::slot::{Build, Slot, SlotCommand};
use domain::values::*;
use domain::vehicle::{Vehicle, VehicleCommand, VehicleStatus};
use domain::{Context, Decider};
use proptest::prelude::*;

/// Streams of one aggregate type with optimistic concurrency.
struct Log<D: Decider> {
    streams: BTreeMap<String, Vec<D::Event>>,
}

impl<D: Decider> Log<D> {
    fn new() -> Self {
        Log {
            streams: BTreeMap::new(),
        }
    }

    fn read(&self, id: &str) -> (D::State, usize) {
        let events = self.streams.get(id).map(Vec::as_slice).unwrap_or(&[]);
        (D::replay(events), events.len())
    }

    fn state(&self, id: &str) -> D::State {
        self.read(id).0
    }

    /// Decides against `seen` (a snapshot that may be stale) or a fresh
    /// read; a version conflict means reading again and deciding again.
    fn execute(
        &mut self,
        id: &str,
        seen: Option<(D::State, usize)>,
        command: impl Fn() -> D::Command,
        ctx: &Context<'_>,
    ) -> Result<Vec<D::Event>, D::Error> {
        let (mut state, mut version) = seen.unwrap_or_else(|| self.read(id));
        loop {
            let events = D::decide(&state, command(), ctx)?;
            let stream = self.streams.entry(id.to_owned()).or_default();
            if events.is_empty() {
                return Ok(events);
            }
            if stream.len() == version {
                stream.extend(events.iter().cloned());
                return Ok(events);
            }
            (state, version) = self.read(id);
        }
    }
}

struct World {
    catalog: Catalog,
    today: NaiveDate,
    orders: Log<Order>,
    vehicles: Log<Vehicle>,
    slots: Log<Slot>,
    registers: Log<InvoiceRegister>,
    invoices: Log<Invoice>,
    commissions: Log<CommissionStatement>,
    placed: Vec<OrderId>,
    vehicle_ids: Vec<VehicleId>,
    counter: u32,
}

#[derive(Debug, Clone)]
enum Action {
    Advance(u8),
    RegisterStock {
        config: u8,
        location: u8,
    },
    OpenCapacity {
        week: u8,
        units: u8,
    },
    Place {
        config: u8,
        dealer: u8,
    },
    /// Two orders run fulfilment from the same snapshot.
    RaceFulfil(u8, u8),
    /// Two identical orders are placed at once and race for the same supply.
    RacePlace {
        config: u8,
        dealer: u8,
    },
    RetryAwaiting,
    Amend {
        order: u8,
        config: u8,
    },
    Cancel(u8),
    Reallocate {
        from: u8,
        to: u8,
    },
    StartProduction(u8),
    CompleteBuild(u8),
    Dispatch {
        vehicle: u8,
        to: u8,
    },
    /// Two vehicles arrive from the same register snapshot.
    RaceArrive(u8, u8),
    Pay {
        order: u8,
        portion: u8,
    },
    Handover(u8),
}

const CONFIGS: [&[&str]; 3] = [&[], &["PNT-RED"], &["WHL-20", "PKG-SPORT"]];
const DEALERS: [&str; 3] = ["D-BER-01", "D-MUC-01", "D-HAM-01"];
const LOCATIONS: [&str; 4] = ["D-BER-01", "D-MUC-01", "D-HAM-01", "P-LEIPZIG"];

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        1 => (0u8..4).prop_map(Action::Advance),
        1 => (0u8..3, 0u8..4).prop_map(|(config, location)| Action::RegisterStock { config, location }),
        1 => (0u8..6, 0u8..3).prop_map(|(week, units)| Action::OpenCapacity { week, units }),
        3 => (0u8..3, 0u8..3).prop_map(|(config, dealer)| Action::Place { config, dealer }),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Action::RaceFulfil(a, b)),
        2 => (0u8..3, 0u8..3).prop_map(|(config, dealer)| Action::RacePlace { config, dealer }),
        1 => Just(Action::RetryAwaiting),
        1 => (any::<u8>(), 0u8..3).prop_map(|(order, config)| Action::Amend { order, config }),
        1 => any::<u8>().prop_map(Action::Cancel),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(from, to)| Action::Reallocate { from, to }),
        1 => any::<u8>().prop_map(Action::StartProduction),
        2 => any::<u8>().prop_map(Action::CompleteBuild),
        2 => (any::<u8>(), 0u8..4).prop_map(|(vehicle, to)| Action::Dispatch { vehicle, to }),
        2 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Action::RaceArrive(a, b)),
        2 => (any::<u8>(), 0u8..4).prop_map(|(order, portion)| Action::Pay { order, portion }),
        2 => any::<u8>().prop_map(Action::Handover),
    ]
}

fn noon(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(12, 0, 0).unwrap())
}

fn order_stream(id: OrderId) -> String {
    format!("order-{id}")
}
fn vehicle_stream(id: VehicleId) -> String {
    format!("vehicle-{id}")
}
fn slot_stream(plant: &PlantId, week: IsoWeek) -> String {
    format!("slot-{plant}-{week}")
}
fn invoice_stream(id: OrderId) -> String {
    format!("invoice-{id}")
}

fn pick<T: Copy>(items: &[T], n: u8) -> Option<T> {
    (!items.is_empty()).then(|| items[usize::from(n) % items.len()])
}

impl World {
    fn new() -> Self {
        World {
            catalog: Catalog::demo(),
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            orders: Log::new(),
            vehicles: Log::new(),
            slots: Log::new(),
            registers: Log::new(),
            invoices: Log::new(),
            commissions: Log::new(),
            placed: Vec::new(),
            vehicle_ids: Vec::new(),
            counter: 0,
        }
    }

    fn next(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    fn order(&self, id: OrderId) -> Option<domain::order::PlacedOrder> {
        self.orders.state(&order_stream(id)).placed().cloned()
    }

    fn vehicle(&self, id: VehicleId) -> Vehicle {
        self.vehicles.state(&vehicle_stream(id))
    }

    fn slot_ids(&self) -> Vec<String> {
        self.slots.streams.keys().cloned().collect()
    }

    fn week(&self, n: u8) -> IsoWeek {
        IsoWeek::containing(self.today + Duration::days(14 + 7 * i64::from(n)))
    }

    fn run(&mut self, action: Action) {
        let catalog = self.catalog.clone();
        let ctx = Context::new(noon(self.today), &catalog);
        match action {
            Action::Advance(days) => self.today += Duration::days(i64::from(days)),
            Action::RegisterStock { config, location } => {
                let id = VehicleId::derived(&format!("stock-{}", self.next()));
                let cmd = || VehicleCommand::Register {
                    vehicle: id,
                    market: MarketCode::parse("DE").unwrap(),
                    model: ModelCode::parse("AURA").unwrap(),
                    options: options(config),
                    location: LocationId::parse(LOCATIONS[usize::from(location)]).unwrap(),
                };
                if self
                    .vehicles
                    .execute(&vehicle_stream(id), None, cmd, &ctx)
                    .is_ok()
                {
                    self.vehicle_ids.push(id);
                    self.retry_awaiting(&ctx);
                }
            }
            Action::OpenCapacity { week, units } => {
                let plant = PlantId::parse("P-LEIPZIG").unwrap();
                let week = self.week(week);
                let id = slot_stream(&plant, week);
                let booked = self.slots.state(&id).booked();
                let units = booked + u32::from(units);
                let cmd = || SlotCommand::SetCapacity {
                    plant: plant.clone(),
                    week,
                    units,
                };
                if self.slots.execute(&id, None, cmd, &ctx).is_ok() {
                    self.retry_awaiting(&ctx);
                }
            }
            Action::Place { config, dealer } => {
                let id = self.place(config, dealer, &ctx);
                self.fulfil(id, None, &ctx);
            }
            Action::RacePlace { config, dealer } => {
                let ids = [
                    self.place(config, dealer, &ctx),
                    self.place(config, dealer, &ctx),
                ];
                let snapshot = self.snapshot();
                for id in ids {
                    self.fulfil(id, Some(&snapshot), &ctx);
                }
            }
            Action::RaceFulfil(a, b) => {
                let waiting = self.waiting();
                if let (Some(a), Some(b)) = (pick(&waiting, a), pick(&waiting, b)) {
                    let snapshot = self.snapshot();
                    self.fulfil(a, Some(&snapshot), &ctx);
                    self.fulfil(b, Some(&snapshot), &ctx);
                }
            }
            Action::RetryAwaiting => self.retry_awaiting(&ctx),
            Action::Amend { order, config } => {
                let Some(id) = pick(&self.placed, order) else {
                    return;
                };
                let cmd = || OrderCommand::Amend {
                    options: options(config),
                    invoice: Default::default(),
                };
                if let Ok(events) = self.orders.execute(&order_stream(id), None, cmd, &ctx) {
                    for e in events {
                        if let OrderEvent::Amended {
                            released_vehicle: Some(v),
                            ..
                        } = e
                        {
                            self.release_vehicle(v, id, &ctx);
                            self.fulfil(id, None, &ctx);
                        }
                    }
                }
            }
            Action::Cancel(order) => {
                let Some(id) = pick(&self.placed, order) else {
                    return;
                };
                self.cancel(id, &ctx);
            }
            Action::Reallocate { from, to } => self.reallocate(from, to, &ctx),
            Action::StartProduction(n) => self.start_production(n, &ctx),
            Action::CompleteBuild(n) => {
                let Some(v) = pick(&self.vehicle_ids, n) else {
                    return;
                };
                if self
                    .vehicles
                    .execute(
                        &vehicle_stream(v),
                        None,
                        || VehicleCommand::CompleteBuild,
                        &ctx,
                    )
                    .is_ok_and(|e| !e.is_empty())
                {
                    if let Some(order) = self.vehicle(v).order() {
                        let cmd = || OrderCommand::CompleteBuild { vehicle: v };
                        self.orders
                            .execute(&order_stream(order), None, cmd, &ctx)
                            .unwrap();
                    }
                }
            }
            Action::Dispatch { vehicle, to } => self.dispatch(vehicle, to, &ctx),
            Action::RaceArrive(a, b) => {
                let moving: Vec<VehicleId> = self
                    .vehicle_ids
                    .iter()
                    .copied()
                    .filter(|v| self.vehicle(*v).status() == Some(VehicleStatus::InTransit))
                    .collect();
                if let (Some(a), Some(b)) = (pick(&moving, a), pick(&moving, b)) {
                    let registers = self.registers_snapshot();
                    self.arrive(a, &registers, &ctx);
                    if a != b {
                        self.arrive(b, &registers, &ctx);
                    }
                }
            }
            Action::Pay { order, portion } => {
                let Some(id) = pick(&self.placed, order) else {
                    return;
                };
                let invoice = self.invoices.state(&invoice_stream(id));
                let Some(outstanding) = invoice.outstanding() else {
                    return;
                };
                // Portions 0..=2 pay a part or the rest; 3 tries to overpay.
                let amount = match portion {
                    0 => outstanding.amount_minor / 2,
                    3 => outstanding.amount_minor + 1,
                    _ => outstanding.amount_minor,
                };
                let payment = PaymentId::derived(&format!("payment-{}", self.next()));
                let cmd = || InvoiceCommand::RecordPayment {
                    payment,
                    amount: Money::new(amount, outstanding.currency),
                };
                let _ = self.invoices.execute(&invoice_stream(id), None, cmd, &ctx);
            }
            Action::Handover(order) => {
                let Some(id) = pick(&self.placed, order) else {
                    return;
                };
                self.hand_over(id, &ctx);
            }
        }
    }

    fn place(&mut self, config: u8, dealer: u8, ctx: &Context<'_>) -> OrderId {
        let id = OrderId::derived(&format!("order-{}", self.next()));
        let cmd = || OrderCommand::Place {
            order: id,
            customer: CustomerId::parse("C-1002").unwrap(),
            dealer: DealerId::parse(DEALERS[usize::from(dealer)]).unwrap(),
            selling_dealer: Some(DealerId::parse(DEALERS[usize::from(dealer)]).unwrap()),
            market: MarketCode::parse("DE").unwrap(),
            model: ModelCode::parse("AURA").unwrap(),
            options: options(config),
            channel: Channel::Showroom,
            billing: None,
            lead: None,
        };
        self.orders
            .execute(&order_stream(id), None, cmd, ctx)
            .unwrap();
        self.placed.push(id);
        id
    }

    fn waiting(&self) -> Vec<OrderId> {
        self.placed
            .iter()
            .copied()
            .filter(|id| {
                self.order(*id)
                    .is_some_and(|o| o.status == OrderStatus::Placed)
            })
            .collect()
    }

    fn retry_awaiting(&mut self, ctx: &Context<'_>) {
        for id in self.waiting() {
            self.fulfil(id, None, ctx);
        }
    }

    /// What the fulfilment policy sees: every vehicle and open slot, with
    /// the stream state and version each was read at.
    fn snapshot(&self) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for id in &self.vehicle_ids {
            let (state, version) = self.vehicles.read(&vehicle_stream(*id));
            if let Some(unit) = stock_unit(&state) {
                snapshot.stock.push(unit);
            }
            snapshot.vehicles.insert(*id, (state, version));
        }
        for key in self.slot_ids() {
            let (state, version) = self.slots.read(&key);
            if let (Some(plant), Some(week)) = (state.plant(), state.week()) {
                if !state.production_started() {
                    snapshot.slots.push(SlotAvailability {
                        plant: plant.clone(),
                        week,
                        capacity: state.capacity(),
                        booked: state.booked(),
                    });
                }
            }
            snapshot.slot_states.insert(key, (state, version));
        }
        snapshot
    }

    /// Fulfilment for one order: locate first, build second; a lost race
    /// (the vehicle or the last unit went to someone else) searches again.
    fn fulfil(&mut self, id: OrderId, stale: Option<&Snapshot>, ctx: &Context<'_>) {
        let mut stale = stale;
        for _attempt in 0..5 {
            let fresh;
            let snapshot = match stale.take() {
                Some(s) => s,
                None => {
                    fresh = self.snapshot();
                    &fresh
                }
            };
            let Some(o) = self.order(id).filter(|o| o.status == OrderStatus::Placed) else {
                return;
            };
            let demand = Demand {
                order: id,
                market: o.market.clone(),
                configuration: o.configuration.clone(),
                dealer: o.dealer.clone(),
            };
            match decide_fulfilment(
                &demand,
                &snapshot.stock,
                &snapshot.slots,
                self.today,
                &self.catalog,
            ) {
                FulfilmentDecision::Reserve(choice) => {
                    let seen = snapshot.vehicles.get(&choice.vehicle).cloned();
                    let reserve = || VehicleCommand::Reserve {
                        order: id,
                        dealer: o.dealer.clone(),
                    };
                    if self
                        .vehicles
                        .execute(&vehicle_stream(choice.vehicle), seen, reserve, ctx)
                        .is_err()
                    {
                        continue; // lost the race: search again
                    }
                    let allocate = || OrderCommand::Allocate {
                        vehicle: choice.vehicle,
                        configuration: demand.configuration.clone(),
                        location: choice.location.clone(),
                        source: source(choice.rank),
                        eta: choice.eta,
                    };
                    if self
                        .orders
                        .execute(&order_stream(id), None, allocate, ctx)
                        .is_err()
                    {
                        self.release_vehicle(choice.vehicle, id, ctx); // compensate
                    }
                    return;
                }
                FulfilmentDecision::Book { plant, week, .. } => {
                    let key = slot_stream(&plant, week);
                    let seen = snapshot.slot_states.get(&key).cloned();
                    let book = || SlotCommand::Book {
                        plant: plant.clone(),
                        week,
                        order: id,
                    };
                    if self.slots.execute(&key, seen, book, ctx).is_err() {
                        continue; // the last unit went to someone else
                    }
                    let schedule = || OrderCommand::Schedule {
                        plant: plant.clone(),
                        week,
                    };
                    if self
                        .orders
                        .execute(&order_stream(id), None, schedule, ctx)
                        .is_err()
                    {
                        let release = || SlotCommand::Release { order: id };
                        self.slots.execute(&key, None, release, ctx).unwrap();
                    }
                    return;
                }
                FulfilmentDecision::AwaitCapacity => {
                    let cmd = || OrderCommand::AwaitCapacity;
                    self.orders
                        .execute(&order_stream(id), None, cmd, ctx)
                        .unwrap();
                    return;
                }
            }
        }
    }

    fn release_vehicle(&mut self, vehicle: VehicleId, order: OrderId, ctx: &Context<'_>) {
        let cmd = || VehicleCommand::Release { order };
        self.vehicles
            .execute(&vehicle_stream(vehicle), None, cmd, ctx)
            .unwrap();
    }

    fn cancel(&mut self, id: OrderId, ctx: &Context<'_>) {
        let cmd = || OrderCommand::Cancel {
            reason: "changed plans".into(),
            invoice: Default::default(),
        };
        let Ok(events) = self.orders.execute(&order_stream(id), None, cmd, ctx) else {
            return;
        };
        let Some(OrderEvent::Cancelled { released, .. }) = events.first() else {
            return;
        };
        match released {
            Some(Fulfilment::Stock { vehicle, .. }) => self.release_vehicle(*vehicle, id, ctx),
            Some(Fulfilment::Build {
                vehicle: Some(vehicle),
                ..
            }) => self.release_vehicle(*vehicle, id, ctx),
            Some(Fulfilment::Build {
                plant,
                week,
                vehicle: None,
                ..
            }) => {
                let cmd = || SlotCommand::Release { order: id };
                self.slots
                    .execute(&slot_stream(plant, *week), None, cmd, ctx)
                    .unwrap();
            }
            None => {}
        }
        let invoice = self.invoices.state(&invoice_stream(id));
        if let Some(doc) = invoice.document().cloned() {
            let number = self.assign(&doc.market, id, DocumentKind::CreditNote, None, ctx);
            let cmd = || InvoiceCommand::Credit {
                credit_number: number.clone(),
                reason: "order cancelled".into(),
                deposit_refunded: false,
            };
            self.invoices
                .execute(&invoice_stream(id), None, cmd, ctx)
                .unwrap();
        }
        self.retry_awaiting(ctx);
    }

    fn reallocate(&mut self, from: u8, to: u8, ctx: &Context<'_>) {
        let holders: Vec<OrderId> = self
            .placed
            .iter()
            .copied()
            .filter(|id| {
                self.order(*id)
                    .is_some_and(|o| o.status == OrderStatus::Allocated)
            })
            .collect();
        let (Some(a), Some(b)) = (pick(&holders, from), pick(&self.placed.clone(), to)) else {
            return;
        };
        let (Some(oa), Some(ob)) = (self.order(a), self.order(b)) else {
            return;
        };
        let Some(v) = oa.fulfilment.as_ref().and_then(Fulfilment::vehicle) else {
            return;
        };
        if a == b || oa.configuration != ob.configuration {
            return;
        }
        let vehicle = self.vehicle(v);
        let Some(unit) = stock_unit(&vehicle) else {
            return;
        };
        let Some(rank) = LtoRank::of(&unit.whereabouts, &ob.dealer, &ob.market, &self.catalog)
        else {
            return;
        };
        let Some(eta) = eta_at_dealer(&unit.whereabouts, &ob.dealer, self.today, &self.catalog)
        else {
            return;
        };
        let take = || OrderCommand::TakeVehicle {
            vehicle: v,
            configuration: oa.configuration.clone(),
            from_order: Some(a),
            location: unit.whereabouts.location(),
            source: source(rank),
            eta,
        };
        let give = || OrderCommand::GiveUpVehicle {
            vehicle: v,
            to_order: b,
        };
        // Both orders must agree before the vehicle moves.
        let (sa, _) = self.orders.read(&order_stream(a));
        let (sb, _) = self.orders.read(&order_stream(b));
        if Order::decide(&sa, give(), ctx).is_err() || Order::decide(&sb, take(), ctx).is_err() {
            return;
        }
        let reassign = || VehicleCommand::Reassign {
            from: a,
            to: b,
            dealer: ob.dealer.clone(),
        };
        if self
            .vehicles
            .execute(&vehicle_stream(v), None, reassign, ctx)
            .is_err()
        {
            return;
        }
        self.orders
            .execute(&order_stream(a), None, give, ctx)
            .unwrap();
        let events = self
            .orders
            .execute(&order_stream(b), None, take, ctx)
            .unwrap();
        if let Some(OrderEvent::Reallocated { released, .. }) = events.first() {
            match released {
                Some(Fulfilment::Stock { vehicle, .. }) => self.release_vehicle(*vehicle, b, ctx),
                Some(Fulfilment::Build { plant, week, .. }) => {
                    let cmd = || SlotCommand::Release { order: b };
                    self.slots
                        .execute(&slot_stream(plant, *week), None, cmd, ctx)
                        .unwrap();
                }
                None => {}
            }
        }
        self.fulfil(a, None, ctx);
    }

    fn start_production(&mut self, n: u8, ctx: &Context<'_>) {
        let keys = self.slot_ids();
        let Some(key) = pick(&keys.iter().collect::<Vec<_>>(), n).cloned() else {
            return;
        };
        let slot = self.slots.state(&key);
        let (Some(plant), Some(week)) = (slot.plant().cloned(), slot.week()) else {
            return;
        };
        if slot.production_started() || slot.booked() == 0 || self.today < week.monday() {
            return;
        }
        let builds: Vec<Build> = slot
            .bookings()
            .iter()
            .map(|order| {
                self.counter += 1;
                Build {
                    order: *order,
                    vehicle: VehicleId::derived(&format!("build-{order}")),
                    vin: Vin::parse(&format!("WAUZZZ{:011}", self.counter)).unwrap(),
                }
            })
            .collect();
        let cmd = || SlotCommand::StartProduction {
            builds: builds.clone(),
        };
        self.slots.execute(&key, None, cmd, ctx).unwrap();
        for build in builds {
            let o = self.order(build.order).unwrap();
            let cmd = || VehicleCommand::StartBuild {
                vehicle: build.vehicle,
                market: o.market.clone(),
                configuration: o.configuration.clone(),
                plant: plant.clone(),
                week,
                vin: build.vin.clone(),
                order: Some(build.order),
                order_dealer: Some(o.dealer.clone()),
            };
            self.vehicles
                .execute(&vehicle_stream(build.vehicle), None, cmd, ctx)
                .unwrap();
            self.vehicle_ids.push(build.vehicle);
            let cmd = || OrderCommand::StartProduction {
                vehicle: build.vehicle,
                vin: build.vin.clone(),
            };
            self.orders
                .execute(&order_stream(build.order), None, cmd, ctx)
                .unwrap();
        }
    }

    fn dispatch(&mut self, n: u8, to: u8, ctx: &Context<'_>) {
        let Some(v) = pick(&self.vehicle_ids, n) else {
            return;
        };
        let vehicle = self.vehicle(v);
        let Some(from) = vehicle.location().cloned() else {
            return;
        };
        let order = vehicle.order();
        let to = match vehicle.order_dealer() {
            Some(dealer) => LocationId::Dealer(dealer.clone()),
            None => LocationId::parse(LOCATIONS[usize::from(to)]).unwrap(),
        };
        let Some(days) = self.catalog.transport_days(&from, &to) else {
            return;
        };
        let eta = self.today + Duration::days(i64::from(days));
        let shipment = ShipmentId::derived(&format!("shipment-{}", self.next()));
        if let Some(order) = order {
            // The order must agree first (a stock order holds its vehicle
            // until dispatch; a build must be complete).
            let (state, _) = self.orders.read(&order_stream(order));
            if Order::decide(&state, OrderCommand::Dispatch { shipment, eta }, ctx).is_err() {
                return;
            }
        }
        let cmd = || VehicleCommand::Dispatch {
            shipment,
            to: to.clone(),
            eta,
        };
        if self
            .vehicles
            .execute(&vehicle_stream(v), None, cmd, ctx)
            .is_err()
        {
            return;
        }
        if let Some(order) = order {
            let cmd = || OrderCommand::Dispatch { shipment, eta };
            self.orders
                .execute(&order_stream(order), None, cmd, ctx)
                .unwrap();
        }
    }

    fn registers_snapshot(&self) -> BTreeMap<String, (InvoiceRegister, usize)> {
        self.registers
            .streams
            .keys()
            .map(|k| (k.clone(), self.registers.read(k)))
            .collect()
    }

    fn arrive(
        &mut self,
        v: VehicleId,
        registers: &BTreeMap<String, (InvoiceRegister, usize)>,
        ctx: &Context<'_>,
    ) {
        let vehicle = self.vehicle(v);
        let Some(destination) = vehicle.destination().cloned() else {
            return;
        };
        let cmd = || VehicleCommand::Arrive {
            location: destination.clone(),
        };
        if self
            .vehicles
            .execute(&vehicle_stream(v), None, cmd, ctx)
            .is_err()
        {
            return;
        }
        let Some(order) = vehicle.order() else {
            self.retry_awaiting(ctx);
            return;
        };
        let cmd = || OrderCommand::Arrive {
            location: destination.clone(),
        };
        if self
            .orders
            .execute(&order_stream(order), None, cmd, ctx)
            .is_ok()
        {
            self.invoice(order, registers, ctx);
        }
    }

    /// Takes the next number of the market-year's register, deciding
    /// against `seen` (possibly stale) as a racing process would.
    fn assign(
        &mut self,
        market: &MarketCode,
        order: OrderId,
        kind: DocumentKind,
        seen: Option<(InvoiceRegister, usize)>,
        ctx: &Context<'_>,
    ) -> InvoiceNumber {
        let year = chrono::Datelike::year(&self.today);
        let key = format!("invoices-{market}-{year}");
        let cmd = || InvoiceRegisterCommand::Assign {
            market: market.clone(),
            year,
            order,
            kind,
        };
        self.registers.execute(&key, seen, cmd, ctx).unwrap();
        self.registers
            .state(&key)
            .number_for(&order, kind)
            .cloned()
            .unwrap()
    }

    fn invoice(
        &mut self,
        order: OrderId,
        registers: &BTreeMap<String, (InvoiceRegister, usize)>,
        ctx: &Context<'_>,
    ) {
        let o = self.order(order).unwrap();
        let year = chrono::Datelike::year(&self.today);
        let seen = registers
            .get(&format!("invoices-{}-{year}", o.market))
            .cloned();
        let number = self.assign(&o.market, order, DocumentKind::Invoice, seen, ctx);
        let cmd = || InvoiceCommand::Issue {
            number: number.clone(),
            order,
            customer: o.customer.clone(),
            dealer: o.dealer.clone(),
            market: o.market.clone(),
            lines: o.lines.clone(),
            price: o.price,
            deposit_paid: o.deposit,
            issued_on: self.today,
            billing: None,
        };
        self.invoices
            .execute(&invoice_stream(order), None, cmd, ctx)
            .unwrap();
    }

    fn hand_over(&mut self, id: OrderId, ctx: &Context<'_>) {
        let paid = self.invoices.state(&invoice_stream(id)).status() == Some(InvoiceStatus::Paid);
        let cmd = || OrderCommand::HandOver { invoice_paid: paid };
        let Ok(events) = self.orders.execute(&order_stream(id), None, cmd, ctx) else {
            return;
        };
        let Some(OrderEvent::Delivered {
            vehicle, net_price, ..
        }) = events.first()
        else {
            return;
        };
        let o = self.order(id).unwrap();
        if let Some(v) = vehicle {
            let cmd = || VehicleCommand::Deliver { order: id };
            self.vehicles
                .execute(&vehicle_stream(*v), None, cmd, ctx)
                .unwrap();
        }
        let month = Month::containing(self.today);
        let cmd = || CommissionCommand::Accrue {
            dealer: o.dealer.clone(),
            month,
            order: id,
            market: o.market.clone(),
            net_price: *net_price,
            delivered_on: self.today,
        };
        let key = format!("commission-{}-{month}", o.dealer);
        self.commissions.execute(&key, None, cmd, ctx).unwrap();
        // A redelivered handover event must not pay twice.
        self.commissions.execute(&key, None, cmd, ctx).unwrap();
    }

    /// Invariants 1, 2, 4, 5 and 6 on the current state.
    fn check(&self) -> Result<(), TestCaseError> {
        let orders: BTreeMap<OrderId, domain::order::PlacedOrder> = self
            .placed
            .iter()
            .filter_map(|id| self.order(*id).map(|o| (*id, o)))
            .collect();
        // 1. One vehicle, at most one order; one order, one vehicle or one slot; both sides agree.
        let mut holders: BTreeMap<VehicleId, OrderId> = BTreeMap::new();
        for (id, o) in &orders {
            if o.status == OrderStatus::Cancelled {
                continue;
            }
            if let Some(v) = o.fulfilment.as_ref().and_then(Fulfilment::vehicle) {
                prop_assert!(
                    holders.insert(v, *id).is_none(),
                    "vehicle {v} held by two orders"
                );
                prop_assert_eq!(self.vehicle(v).order(), Some(*id), "vehicle side disagrees");
            }
            if let Some(Fulfilment::Build {
                plant,
                week,
                vehicle: None,
                ..
            }) = &o.fulfilment
            {
                prop_assert!(self.slots.state(&slot_stream(plant, *week)).is_booked(id));
            }
        }
        for v in &self.vehicle_ids {
            if let Some(order) = self.vehicle(*v).order() {
                prop_assert_eq!(
                    holders.get(v),
                    Some(&order),
                    "vehicle {} reserved by an order that does not hold it",
                    v
                );
            }
        }
        for key in self.slot_ids() {
            let slot = self.slots.state(&key);
            // 2. Bookings never exceed capacity.
            prop_assert!(
                slot.booked() <= slot.capacity(),
                "{key}: {} > {}",
                slot.booked(),
                slot.capacity()
            );
            for order in slot.bookings() {
                let o = &orders[order];
                let holds_slot = matches!(&o.fulfilment, Some(Fulfilment::Build { .. }));
                prop_assert!(
                    holds_slot || slot.production_started(),
                    "slot booking of {order} without the order holding it"
                );
            }
        }
        // 4. Invoice net = locked price; gross = net + VAT; due = gross - deposit.
        for (id, o) in &orders {
            let invoice = self.invoices.state(&invoice_stream(*id));
            if let Some(doc) = invoice.document() {
                prop_assert_eq!(doc.price, o.price);
                prop_assert_eq!(
                    doc.price.gross,
                    doc.price.net.checked_add(doc.price.vat).unwrap()
                );
                prop_assert_eq!(
                    doc.amount_due,
                    doc.price.gross.checked_sub(doc.deposit_paid).unwrap()
                );
                prop_assert!(
                    invoice.paid_total().unwrap().amount_minor <= doc.amount_due.amount_minor
                );
            }
        }
        // 5. Numbers per market-year: gapless, unique, each on one document.
        for key in self.registers.streams.keys() {
            let register = self.registers.state(key);
            let mut sequences: Vec<u32> = register.assigned().map(|(_, _, n)| n.sequence).collect();
            sequences.sort_unstable();
            let expected: Vec<u32> = (1..=register.last_sequence()).collect();
            prop_assert_eq!(&sequences, &expected, "gap or duplicate in {}", key);
            for (order, kind, number) in register.assigned() {
                let invoice = self.invoices.state(&invoice_stream(*order));
                let on_document = match kind {
                    DocumentKind::Invoice => invoice.number(),
                    DocumentKind::CreditNote => invoice.credit_note().map(|c| &c.credit_number),
                };
                prop_assert_eq!(on_document, Some(number));
            }
        }
        // 6. Commission exactly once per delivered order, none otherwise.
        let mut lines: BTreeMap<OrderId, usize> = BTreeMap::new();
        for key in self.commissions.streams.keys() {
            for line in self.commissions.state(key).lines() {
                *lines.entry(line.order).or_default() += 1;
            }
        }
        for (id, o) in &orders {
            let expected = usize::from(o.status == OrderStatus::Delivered);
            prop_assert_eq!(
                lines.get(id).copied().unwrap_or(0),
                expected,
                "commission lines of {}",
                id
            );
        }
        Ok(())
    }

    /// Invariant 3 over each order's whole history.
    fn check_history(&self) -> Result<(), TestCaseError> {
        for events in self.orders.streams.values() {
            let mut state = Order::default();
            for e in events {
                let before = state.status();
                state = Order::evolve(state, e);
                let back_move = matches!(
                    e,
                    OrderEvent::Amended {
                        released_vehicle: Some(_),
                        ..
                    } | OrderEvent::VehicleWithdrawn { .. }
                        | OrderEvent::Reallocated { .. }
                );
                if let (Some(before), Some(after)) = (before, state.status()) {
                    prop_assert!(
                        back_move || after.step() >= before.step(),
                        "{before} -> {after}"
                    );
                }
            }
        }
        Ok(())
    }

    fn statuses(&self) -> BTreeSet<OrderStatus> {
        self.placed
            .iter()
            .filter_map(|id| self.order(*id).map(|o| o.status))
            .collect()
    }
}

#[derive(Default)]
struct Snapshot {
    stock: Vec<StockUnit>,
    slots: Vec<SlotAvailability>,
    vehicles: BTreeMap<VehicleId, (Vehicle, usize)>,
    slot_states: BTreeMap<String, (Slot, usize)>,
}

fn options(config: u8) -> Vec<OptionCode> {
    CONFIGS[usize::from(config) % CONFIGS.len()]
        .iter()
        .map(|c| OptionCode::parse(c).unwrap())
        .collect()
}

fn source(rank: LtoRank) -> VehicleSource {
    match rank {
        LtoRank::AtDealer => VehicleSource::AtDealer,
        LtoRank::InTransitToDealer => VehicleSource::InTransitToDealer,
        LtoRank::ElsewhereInMarket => VehicleSource::AtOtherLocation,
        LtoRank::InProduction => VehicleSource::InProduction,
    }
}

/// A vehicle as the fulfilment policy sees it.
fn stock_unit(vehicle: &Vehicle) -> Option<StockUnit> {
    let whereabouts = match vehicle.status()? {
        VehicleStatus::Free | VehicleStatus::Reserved | VehicleStatus::Built => {
            Whereabouts::AtLocation(vehicle.location()?.clone())
        }
        VehicleStatus::InTransit => Whereabouts::InTransit {
            to: vehicle.destination()?.clone(),
            eta: vehicle.eta()?,
        },
        VehicleStatus::InProduction => Whereabouts::InProduction {
            plant: vehicle.plant()?.clone(),
            ready_on: vehicle.week()?.sunday(),
        },
        VehicleStatus::Delivered => return None,
    };
    Some(StockUnit {
        vehicle: vehicle.id()?,
        market: vehicle.market()?.clone(),
        configuration: vehicle.configuration()?.clone(),
        whereabouts,
        reserved_by: vehicle.order(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn invariants_hold_under_random_interleavings_of_many_actors(
        actions in prop::collection::vec(action(), 20..120)
    ) {
        let mut world = World::new();
        for action in actions {
            // OTD_SIM_TRACE=1 prints the actions of a failing run.
            if std::env::var_os("OTD_SIM_TRACE").is_some() {
                eprintln!("{action:?}");
            }
            world.run(action);
            world.check()?;
        }
        world.check_history()?;
    }
}

/// A scripted run that reaches every status, so the property above is known
/// to exercise the whole lifecycle and the races.
#[test]
fn the_simulation_reaches_every_step_of_the_lifecycle() {
    let mut world = World::new();
    use Action::*;
    let script = [
        OpenCapacity { week: 0, units: 1 },
        Place {
            config: 0,
            dealer: 0,
        },
        Place {
            config: 0,
            dealer: 1,
        }, // races for the last unit: awaits capacity
        RegisterStock {
            config: 1,
            location: 2,
        },
        Place {
            config: 1,
            dealer: 0,
        }, // LTO from Hamburg
        Place {
            config: 1,
            dealer: 1,
        }, // nothing left: awaits
        Cancel(2), // frees the Hamburg car: the Munich order takes it
        Advance(3),
        Advance(3),
        Advance(3),
        Advance(3),
        Advance(3),
        Advance(3),
        Advance(3),
        StartProduction(0),
        CompleteBuild(1),
        Dispatch { vehicle: 1, to: 0 },
        Advance(3),
        RaceArrive(0, 0),
        Pay {
            order: 0,
            portion: 3,
        }, // overpayment refused
        Pay {
            order: 0,
            portion: 1,
        },
        Handover(0),
    ];
    for action in script {
        world.run(action);
        world.check().unwrap();
    }
    world.check_history().unwrap();
    let statuses = world.statuses();
    assert!(statuses.contains(&OrderStatus::Delivered), "{statuses:?}");
    assert!(statuses.contains(&OrderStatus::Cancelled), "{statuses:?}");
    assert!(statuses.contains(&OrderStatus::Allocated), "{statuses:?}");
    assert!(statuses.contains(&OrderStatus::Placed), "{statuses:?}");
    assert_eq!(world.registers.streams.len(), 1);
    // The races were real: one of each pair won, the other waited.
    let slot = world.slots.state(&world.slot_ids()[0]);
    assert_eq!((slot.capacity(), slot.booked()), (1, 1));
    let second = world.order(world.placed[1]).unwrap();
    assert_eq!(second.status, OrderStatus::Placed);
    assert_eq!(
        second.reason,
        Some(domain::order::WaitReason::AwaitingCapacity)
    );
    let munich = world.order(world.placed[3]).unwrap();
    assert_eq!(
        munich.status,
        OrderStatus::Allocated,
        "took the car once it was freed"
    );
}
