//! A realistic log, fast: whole order lifecycles built as typed domain events (the shapes
//! the deciders emit, priced by the demo catalog), interleaved over simulated days as a
//! busy OEM would see them, and appended in large concurrent waves so the SQLite writer
//! group-commits them.
//!
//! Every day a cohort of orders is placed; 60% are built to order (booked, produced, built),
//! 40% are sold from stock registered at another dealer. Each then moves one step a day:
//! shipped (10% delayed), arrived, invoiced and paid, handover booked, delivered with its
//! commission. An order's events are therefore spread over ten days of other orders' events.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::catalog::{Catalog, Quote};
use domain::commission::{CommissionEvent, CommissionStatement};
use domain::invoice::{Invoice, InvoiceEvent};
use domain::invoice_register::{DocumentKind, InvoiceRegister, InvoiceRegisterEvent};
use domain::order::{self, Channel, OrderEvent, VehicleSource};
use domain::shipment::{Leg, Shipment, ShipmentEvent};
use domain::slot::{Build, Slot, SlotEvent};
use domain::streams::stream_name;
use domain::values::*;
use domain::vehicle::{Vehicle, VehicleEvent};
use domain::DomainEvent;
use store::{EventStore, ExpectedVersion, Metadata, NewEvent, StreamId};

/// Orders placed per simulated day.
const COHORT: usize = 600;

struct Order {
    n: usize,
    id: OrderId,
    vehicle: VehicleId,
    shipment: ShipmentId,
    customer: CustomerId,
    dealer: DealerId,
    from: LocationId,
    quote: Arc<Quote>,
    built: bool,
    delayed: bool,
    placed_on: NaiveDate,
    number: Option<InvoiceNumber>,
}

/// One wave of appends: events per stream, in order.
#[derive(Default)]
struct Wave {
    streams: BTreeMap<String, Vec<NewEvent>>,
    events: usize,
}

impl Wave {
    fn push<E: DomainEvent>(&mut self, stream: String, event: E) {
        let new = app::encode(&event, &Metadata::default()).unwrap();
        self.streams.entry(stream).or_default().push(new);
        self.events += 1;
    }
}

fn noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(12, 0, 0).unwrap().and_utc()
}

fn plus(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_add_days(Days::new(days)).unwrap()
}

struct Generator {
    catalog: Catalog,
    quotes: Vec<(MarketCode, Arc<Quote>)>,
    dealers: BTreeMap<MarketCode, Vec<DealerId>>,
    sequences: BTreeMap<MarketCode, u32>,
    start: NaiveDate,
}

impl Generator {
    fn new() -> Self {
        let catalog = Catalog::demo();
        let mut quotes = Vec::new();
        let configs: [(&str, &str, &[&str]); 6] = [
            ("DE", "AURA", &[]),
            ("DE", "AURA", &["PNT-RED", "WHL-20", "PKG-SPORT"]),
            ("DE", "TERRA", &["PKG-TOW", "INT-LEATHER"]),
            ("DE", "AURA", &["PNT-BLK", "PKG-WINTER"]),
            ("CN", "TERRA", &["PNT-WHT", "WHL-20"]),
            ("CN", "AURA", &["INT-LEATHER"]),
        ];
        for (market, model, options) in configs {
            let market = MarketCode::parse(market).unwrap();
            let options: Vec<OptionCode> = options
                .iter()
                .map(|o| OptionCode::parse(o).unwrap())
                .collect();
            let quote = catalog
                .quote(&market, &ModelCode::parse(model).unwrap(), &options)
                .unwrap();
            quotes.push((market, Arc::new(quote)));
        }
        let mut dealers: BTreeMap<MarketCode, Vec<DealerId>> = BTreeMap::new();
        for dealer in catalog.dealers() {
            dealers
                .entry(dealer.market.clone())
                .or_default()
                .push(dealer.id.clone());
        }
        Generator {
            catalog,
            quotes,
            dealers,
            sequences: BTreeMap::new(),
            start: NaiveDate::from_ymd_opt(2027, 1, 4).unwrap(),
        }
    }

    fn order(&self, n: usize, placed_on: NaiveDate) -> Order {
        let (market, quote) = &self.quotes[n % self.quotes.len()];
        let dealers = &self.dealers[market];
        let dealer = dealers[n % dealers.len()].clone();
        let other = dealers[(n + 1) % dealers.len()].clone();
        let built = n % 5 < 3;
        let plant = self
            .catalog
            .model(&quote.configuration.model)
            .unwrap()
            .plant
            .clone();
        Order {
            n,
            id: OrderId::derived(&format!("bench-order-{n}")),
            vehicle: VehicleId::derived(&format!("bench-vehicle-{n}")),
            shipment: ShipmentId::derived(&format!("bench-shipment-{n}")),
            customer: CustomerId::parse(&format!("C-{}", 100_000 + n % 50_000)).unwrap(),
            from: if built {
                LocationId::Plant(plant)
            } else {
                LocationId::Dealer(other)
            },
            dealer,
            quote: Arc::clone(quote),
            built,
            delayed: n % 10 == 7,
            placed_on,
            number: None,
        }
    }

    fn plant_week(&self, order: &Order) -> (PlantId, IsoWeek) {
        let LocationId::Plant(plant) = &order.from else {
            unreachable!("only builds have a week")
        };
        (
            plant.clone(),
            IsoWeek::containing(plus(order.placed_on, 21)),
        )
    }

    /// The events of `order` on its `step`-th day.
    fn step(&mut self, order: &mut Order, step: usize, today: NaiveDate, wave: &mut Wave) {
        let os = stream_name::<order::Order>(&order.id);
        let vs = stream_name::<Vehicle>(&order.vehicle);
        let ss = stream_name::<Shipment>(&order.shipment);
        let market = order.quote.market.clone();
        let eta = plus(today, 3);
        match step {
            0 if order.built => {
                let (plant, week) = self.plant_week(order);
                wave.push(os.clone(), self.placed(order));
                let slot = stream_name::<Slot>(&SlotKey::new(plant.clone(), week));
                let booked = SlotEvent::Booked {
                    plant: plant.clone(),
                    week,
                    order: order.id,
                };
                wave.push(slot, booked);
                let scheduled = OrderEvent::Scheduled {
                    plant,
                    week,
                    changeable_until: plus(today, 7),
                    eta: plus(today, 28),
                };
                wave.push(os, scheduled);
            }
            0 => {
                let registered = VehicleEvent::Registered {
                    vehicle: order.vehicle,
                    market: market.clone(),
                    configuration: order.quote.configuration.clone(),
                    location: order.from.clone(),
                };
                wave.push(vs.clone(), registered);
                wave.push(os.clone(), self.placed(order));
                let reserved = VehicleEvent::Reserved {
                    vehicle: order.vehicle,
                    order: order.id,
                    dealer: order.dealer.clone(),
                };
                wave.push(vs, reserved);
                let allocated = OrderEvent::Allocated {
                    vehicle: order.vehicle,
                    location: order.from.clone(),
                    source: VehicleSource::AtOtherLocation,
                    eta: plus(today, 5),
                };
                wave.push(os, allocated);
            }
            1 if order.built => {
                let (plant, week) = self.plant_week(order);
                let vin = Vin::parse(&format!("WXT{:014}", order.n)).unwrap();
                if order.n.rem_euclid(COHORT) == 0 {
                    // One production start per cohort's slot, naming a build per order.
                    let builds = (order.n..order.n + COHORT)
                        .filter(|n| n % 5 < 3)
                        .map(|n| Build {
                            order: OrderId::derived(&format!("bench-order-{n}")),
                            vehicle: VehicleId::derived(&format!("bench-vehicle-{n}")),
                            vin: Vin::parse(&format!("WXT{n:014}")).unwrap(),
                        })
                        .collect();
                    let started = SlotEvent::ProductionStarted {
                        plant: plant.clone(),
                        week,
                        builds,
                    };
                    wave.push(
                        stream_name::<Slot>(&SlotKey::new(plant.clone(), week)),
                        started,
                    );
                }
                let build = VehicleEvent::BuildStarted {
                    vehicle: order.vehicle,
                    market,
                    configuration: order.quote.configuration.clone(),
                    plant,
                    week,
                    vin: vin.clone(),
                    order: Some(order.id),
                    dealer: Some(order.dealer.clone()),
                };
                wave.push(vs, build);
                let started = OrderEvent::ProductionStarted {
                    vehicle: order.vehicle,
                    vin,
                };
                wave.push(os, started);
            }
            2 if order.built => {
                let LocationId::Plant(plant) = &order.from else {
                    return;
                };
                let built = VehicleEvent::Built {
                    vehicle: order.vehicle,
                    plant: plant.clone(),
                    vin: Vin::parse(&format!("WXT{:014}", order.n)).unwrap(),
                    order: Some(order.id),
                    on: today,
                };
                wave.push(vs, built);
                wave.push(
                    os,
                    OrderEvent::Built {
                        vehicle: order.vehicle,
                    },
                );
            }
            3 => {
                let to = LocationId::Dealer(order.dealer.clone());
                let planned = ShipmentEvent::Planned {
                    shipment: order.shipment,
                    vehicle: order.vehicle,
                    order: Some(order.id),
                    legs: vec![Leg {
                        from: order.from.clone(),
                        to: to.clone(),
                        days: 3,
                    }],
                    departure: today,
                    eta,
                };
                wave.push(ss.clone(), planned);
                let departed = ShipmentEvent::Dispatched {
                    shipment: order.shipment,
                    vehicle: order.vehicle,
                    order: Some(order.id),
                    from: order.from.clone(),
                    to: to.clone(),
                    departed_on: today,
                    eta,
                };
                wave.push(ss, departed);
                let dispatched = VehicleEvent::Dispatched {
                    vehicle: order.vehicle,
                    shipment: order.shipment,
                    order: Some(order.id),
                    from: order.from.clone(),
                    to,
                    eta,
                    on: today,
                };
                wave.push(vs, dispatched);
                let dispatched = OrderEvent::Dispatched {
                    shipment: order.shipment,
                    eta,
                };
                wave.push(os, dispatched);
            }
            4 if order.delayed => {
                let reason = "port congestion".to_owned();
                let delayed = ShipmentEvent::Delayed {
                    shipment: order.shipment,
                    vehicle: order.vehicle,
                    order: Some(order.id),
                    reason: reason.clone(),
                    new_eta: plus(today, 2),
                    on: today,
                };
                wave.push(ss, delayed);
                let delayed = VehicleEvent::Delayed {
                    vehicle: order.vehicle,
                    shipment: order.shipment,
                    order: Some(order.id),
                    reason: reason.clone(),
                    new_eta: plus(today, 2),
                    on: today,
                };
                wave.push(vs, delayed);
                let delayed = OrderEvent::Delayed {
                    reason,
                    new_eta: plus(today, 2),
                };
                wave.push(os, delayed);
            }
            5 => {
                let at = LocationId::Dealer(order.dealer.clone());
                let arrived = ShipmentEvent::Arrived {
                    shipment: order.shipment,
                    vehicle: order.vehicle,
                    order: Some(order.id),
                    at: at.clone(),
                    on: today,
                };
                wave.push(ss, arrived);
                let arrived = VehicleEvent::Arrived {
                    vehicle: order.vehicle,
                    shipment: order.shipment,
                    order: Some(order.id),
                    at,
                    on: today,
                };
                wave.push(vs, arrived);
                wave.push(os, OrderEvent::ArrivedAtDealer { arrived_on: today });
            }
            6 => self.invoice(order, today, wave),
            7 => {
                let at = noon(plus(today, 1));
                let booked_on = Some(today);
                wave.push(os, OrderEvent::HandoverBooked { at, booked_on });
            }
            8 => self.deliver(order, today, wave),
            _ => {}
        }
    }

    fn placed(&self, order: &Order) -> OrderEvent {
        let q = &order.quote;
        OrderEvent::Placed {
            lead: None,
            order: order.id,
            customer: order.customer.clone(),
            dealer: order.dealer.clone(),
            selling_dealer: None,
            market: q.market.clone(),
            channel: Channel::Online,
            configuration: q.configuration.clone(),
            sheet: q.sheet.clone(),
            lines: q.lines.clone(),
            price: q.price,
            deposit: q.deposit,
            placed_at: noon(order.placed_on),
            billing: None,
        }
    }

    fn invoice(&mut self, order: &mut Order, today: NaiveDate, wave: &mut Wave) {
        let q = &order.quote;
        let market = q.market.clone();
        let sequence = self.sequences.entry(market.clone()).or_default();
        *sequence += 1;
        let year = chrono::Datelike::year(&today);
        let number = InvoiceNumber {
            market: market.clone(),
            year,
            sequence: *sequence,
        };
        order.number = Some(number.clone());
        let assigned = InvoiceRegisterEvent::NumberAssigned {
            number: number.clone(),
            order: order.id,
            kind: DocumentKind::Invoice,
        };
        wave.push(
            stream_name::<InvoiceRegister>(&RegisterKey::new(market.clone(), year)),
            assigned,
        );
        let due = q.price.gross.checked_sub(q.deposit).unwrap();
        let is = stream_name::<Invoice>(&order.id);
        let issued = InvoiceEvent::Issued {
            number: number.clone(),
            order: order.id,
            customer: order.customer.clone(),
            dealer: order.dealer.clone(),
            market,
            lines: q.lines.clone(),
            price: q.price,
            deposit_paid: q.deposit,
            amount_due: due,
            issued_on: today,
            billing: None,
        };
        wave.push(is.clone(), issued);
        let payment = InvoiceEvent::PaymentRecorded {
            number: number.clone(),
            order: order.id,
            payment: PaymentId::derived(&format!("bench-payment-{}", order.n)),
            amount: due,
            paid_total: due,
            outstanding: Money::zero(due.currency),
            recorded_on: today,
        };
        wave.push(is.clone(), payment);
        let paid = InvoiceEvent::Paid {
            number,
            order: order.id,
            paid_total: due,
            paid_on: today,
        };
        wave.push(is, paid);
    }

    fn deliver(&self, order: &Order, today: NaiveDate, wave: &mut Wave) {
        let q = &order.quote;
        let delivered = OrderEvent::Delivered {
            delivered_at: noon(today),
            vehicle: Some(order.vehicle),
            net_price: q.price.net,
        };
        wave.push(stream_name::<order::Order>(&order.id), delivered);
        let delivered = VehicleEvent::Delivered {
            vehicle: order.vehicle,
            order: order.id,
            dealer: order.dealer.clone(),
            on: today,
        };
        wave.push(stream_name::<Vehicle>(&order.vehicle), delivered);
        let terms = self.catalog.market(&q.market).unwrap();
        let month = Month::containing(today);
        let commission = q
            .price
            .net
            .apply_rate(terms.commission_rate)
            .unwrap()
            .checked_add(terms.handover_fee)
            .unwrap();
        let accrued = CommissionEvent::Accrued {
            dealer: order.dealer.clone(),
            month,
            order: order.id,
            market: q.market.clone(),
            net_price: q.price.net,
            rate: terms.commission_rate,
            fee: terms.handover_fee,
            commission,
            delivered_on: today,
        };
        wave.push(
            stream_name::<CommissionStatement>(&CommissionKey::new(order.dealer.clone(), month)),
            accrued,
        );
    }
}

/// Appends one wave: every stream's events in one append, all streams at once.
async fn append(store: &Arc<dyn EventStore>, wave: Wave) {
    let mut tasks = Vec::with_capacity(wave.streams.len());
    for (stream, events) in wave.streams {
        let store = Arc::clone(store);
        tasks.push(tokio::spawn(async move {
            let stream = StreamId::parse(stream).unwrap();
            store
                .append(&stream, ExpectedVersion::Any, events)
                .await
                .unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// Appends at least `target` events of order lifecycles to `store`; returns how many.
pub async fn generate(store: &Arc<dyn EventStore>, target: usize) -> usize {
    let mut generator = Generator::new();
    let mut open: Vec<(usize, Order)> = Vec::new();
    let mut appended = 0;
    let mut placed = 0;
    let mut day = 0u64;
    while appended < target || !open.is_empty() {
        let today = plus(generator.start, day);
        if appended < target {
            for _ in 0..COHORT {
                open.push((day as usize, generator.order(placed, today)));
                placed += 1;
            }
        }
        // Steps in order within the day, so that causes precede effects in the log.
        for step in 0..=8 {
            let mut wave = Wave::default();
            for (started, order) in open.iter_mut() {
                if day as usize - *started == step {
                    generator.step(order, step, today, &mut wave);
                }
            }
            appended += wave.events;
            append(store, wave).await;
        }
        open.retain(|(started, _)| day as usize - *started < 8);
        day += 1;
    }
    appended
}
