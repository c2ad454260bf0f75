//! The actors: each action a user would take, on a target chosen from the views.

use app::services::Scope;
use std::collections::BTreeSet;
use std::sync::Arc;

use app::services::PlaceOrder;
use app::{Clock, ServiceError, Services};
use chrono::{Days, NaiveDate, NaiveTime};
use domain::catalog::Catalog;
use domain::invoice::InvoiceStatus;
use domain::order::{Channel, OrderStatus};
use domain::values::{
    CustomerId, DealerId, IsoWeek, LocationId, ModelCode, Money, OptionCode, OrderId, PaymentId,
    PlantId, VehicleId,
};
use domain::vehicle::VehicleStatus;
use projections::views::{InvoiceFilter, OrderFilter, OrderView, VehicleFilter, VehicleView};
use projections::ReadModels;
use store::Metadata;

use super::engine::Tally;
use super::plan::{Act, CONFIGS, DEALERS, LOCATIONS, PLANTS, REASONS};

pub(crate) struct Actor {
    pub(crate) index: usize,
    pub(crate) services: Services,
    pub(crate) views: ReadModels,
    pub(crate) clock: Clock,
    pub(crate) catalog: Arc<Catalog>,
}

fn nth<T: Clone>(items: &[T], n: u8) -> Option<T> {
    (!items.is_empty()).then(|| items[usize::from(n) % items.len()].clone())
}

fn configuration(n: u8) -> (ModelCode, Vec<OptionCode>) {
    let (model, options) = CONFIGS[usize::from(n) % CONFIGS.len()];
    (
        ModelCode::parse(model).unwrap(),
        options
            .iter()
            .map(|o| OptionCode::parse(o).unwrap())
            .collect(),
    )
}

/// A configuration of `model` (for an amendment).
fn configuration_of(model: &ModelCode, n: u8) -> Vec<OptionCode> {
    let same: Vec<u8> = (0..CONFIGS.len() as u8)
        .filter(|i| &configuration(*i).0 == model)
        .collect();
    nth(&same, n)
        .map(|i| configuration(i).1)
        .unwrap_or_default()
}

impl Actor {
    pub(crate) async fn play(&self, round: usize, acts: &[Act]) -> Result<Tally, String> {
        let mut tally = Tally::default();
        for (i, act) in acts.iter().enumerate() {
            let id = format!("r{round}-a{}-{i}", self.index);
            self.perform(&id, act, &mut tally)
                .await
                .map_err(|e| format!("round {round}, actor {}, {act:?}: {e}", self.index))?;
            tokio::task::yield_now().await;
        }
        Ok(tally)
    }

    fn by(&self, role: &str) -> Metadata {
        Metadata {
            actor: Some(format!("{role}:actor-{}", self.index)),
            ..Metadata::default()
        }
    }

    fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    async fn orders_in(&self, statuses: &[OrderStatus]) -> Result<Vec<OrderView>, String> {
        let all = self
            .views
            .orders(&OrderFilter::default())
            .await
            .map_err(|e| e.to_string())?;
        Ok(all
            .into_iter()
            .filter(|o| statuses.contains(&o.status))
            .collect())
    }

    async fn vehicles_where(
        &self,
        keep: impl Fn(&VehicleView) -> bool,
    ) -> Result<Vec<VehicleView>, String> {
        let all = self
            .views
            .vehicles(&VehicleFilter::default())
            .await
            .map_err(|e| e.to_string())?;
        Ok(all.into_iter().filter(|v| keep(v)).collect())
    }

    async fn place(
        &self,
        id: &str,
        dealer: u8,
        config: u8,
        twin: u8,
    ) -> Result<app::services::Placed, ServiceError> {
        let dealer = DealerId::parse(DEALERS[usize::from(dealer) % DEALERS.len()]).unwrap();
        let market = self.catalog.dealer(&dealer).unwrap().market.clone();
        let (model, options) = configuration(config);
        let input = PlaceOrder {
            lead: None,
            order: OrderId::derived(&format!("{id}:order:{twin}")),
            customer: CustomerId::parse(&format!(
                "C-{}",
                1001 + self.index * 2 + usize::from(twin)
            ))
            .unwrap(),
            // The showroom twin is sold by the delivering outlet itself.
            selling_dealer: (twin != 0).then(|| dealer.clone()),
            dealer,
            market,
            model,
            options,
            channel: if twin == 0 {
                Channel::Online
            } else {
                Channel::Showroom
            },
        };
        self.services.place_order(input, &self.by("customer")).await
    }

    async fn perform(&self, id: &str, act: &Act, tally: &mut Tally) -> Result<(), String> {
        use OrderStatus as S;
        let today = self.today();
        match *act {
            Act::Place { dealer, config } => tally.judge(self.place(id, dealer, config, 0).await),
            Act::PlaceTwins { dealer, config } => {
                let (a, b) = tokio::join!(
                    self.place(id, dealer, config, 0),
                    self.place(id, dealer, config, 1)
                );
                tally.judge(a)?;
                tally.judge(b)
            }
            Act::Amend { pick, config } => {
                let open = self
                    .orders_in(&[S::Placed, S::Allocated, S::Scheduled])
                    .await?;
                let Some(o) = nth(&open, pick) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let options = configuration_of(&o.model, config);
                let amended = self
                    .services
                    .amend_order(o.order_id, options, &Scope::AnyOrder, &self.by("customer"))
                    .await;
                tally.judge(amended)
            }
            Act::Cancel { pick } => {
                let open: Vec<OrderView> = self
                    .orders_in(&OrderStatus::ALL)
                    .await?
                    .into_iter()
                    .filter(|o| !matches!(o.status, S::Delivered | S::Cancelled))
                    .collect();
                let Some(o) = nth(&open, pick) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let cancelled = self
                    .services
                    .cancel_order(
                        o.order_id,
                        "changed my mind",
                        &Scope::AnyOrder,
                        &self.by("customer"),
                    )
                    .await;
                tally.judge(cancelled)
            }
            Act::OpenCapacity { plant, week, units } => {
                let plant = PlantId::parse(PLANTS[usize::from(plant) % PLANTS.len()]).unwrap();
                let mut at = IsoWeek::containing(today);
                for _ in 0..week {
                    at = at.next();
                }
                let opened = self
                    .services
                    .set_capacity(plant, at, u32::from(units), &self.by("planner"))
                    .await;
                tally.judge(opened)
            }
            Act::RegisterStock { location, config } => {
                let location =
                    LocationId::parse(LOCATIONS[usize::from(location) % LOCATIONS.len()]).unwrap();
                let market = self.catalog.location_market(&location).unwrap().clone();
                let (model, options) = configuration(config);
                let vehicle = VehicleId::derived(&format!("{id}:stock"));
                let registered = self
                    .services
                    .register_vehicle(
                        vehicle,
                        market,
                        model,
                        options,
                        location,
                        &self.by("planner"),
                    )
                    .await;
                tally.judge(registered)
            }
            Act::Reallocate { pick, vehicle } => {
                let cars = self
                    .vehicles_where(|v| v.status != VehicleStatus::Delivered)
                    .await?;
                let Some(car) = nth(&cars, vehicle) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let wanted: BTreeSet<&OptionCode> = car.options.iter().collect();
                let takers: Vec<OrderView> = self
                    .orders_in(&[S::Placed, S::Allocated, S::Scheduled])
                    .await?
                    .into_iter()
                    .filter(|o| {
                        o.market == car.market
                            && o.model == car.model
                            && o.options.iter().collect::<BTreeSet<_>>() == wanted
                            && Some(o.order_id) != car.order_id
                    })
                    .collect();
                let Some(taker) = nth(&takers, pick) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let moved = self
                    .services
                    .reallocate(taker.order_id, car.vehicle_id, &self.by("planner"))
                    .await;
                tally.judge(moved)
            }
            Act::StartProduction { plant } => {
                let plant = PlantId::parse(PLANTS[usize::from(plant) % PLANTS.len()]).unwrap();
                let started = self
                    .services
                    .start_production(plant, IsoWeek::containing(today), &self.by("planner"))
                    .await;
                tally.judge(started)
            }
            Act::CompleteBuild { pick } => {
                let building = self
                    .vehicles_where(|v| v.status == VehicleStatus::InProduction)
                    .await?;
                let Some(car) = nth(&building, pick) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let built = self
                    .services
                    .complete_build(car.vehicle_id, &self.by("planner"))
                    .await;
                tally.judge(built)
            }
            Act::Dispatch { pick, to } => {
                let ready = self
                    .vehicles_where(|v| match v.status {
                        VehicleStatus::Built | VehicleStatus::Free => true,
                        VehicleStatus::Reserved => v
                            .dealer_id
                            .as_ref()
                            .is_some_and(|d| v.location != LocationId::Dealer(d.clone())),
                        _ => false,
                    })
                    .await?;
                let Some(car) = nth(&ready, pick) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let destination = (car.status == VehicleStatus::Free).then(|| {
                    let dealers: Vec<DealerId> = self
                        .catalog
                        .dealers()
                        .filter(|d| d.market == car.market)
                        .map(|d| d.id.clone())
                        .collect();
                    LocationId::Dealer(nth(&dealers, to).unwrap())
                });
                let dispatched = self
                    .services
                    .dispatch(car.vehicle_id, destination, &self.by("planner"))
                    .await;
                tally.judge(dispatched)
            }
            Act::Delay { pick, days } => {
                let moving = self
                    .vehicles_where(|v| v.status == VehicleStatus::InTransit)
                    .await?;
                let Some(car) = nth(&moving, pick) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let from = car.eta.unwrap_or(today).max(today);
                let new_eta = from + Days::new(u64::from(days));
                let reason = REASONS[usize::from(days) % REASONS.len()];
                let delayed = self
                    .services
                    .delay(car.vehicle_id, reason, new_eta, &self.by("planner"))
                    .await;
                tally.judge(delayed)
            }
            Act::Arrive { pick } => {
                let moving = self
                    .vehicles_where(|v| v.status == VehicleStatus::InTransit)
                    .await?;
                let Some(car) = nth(&moving, pick) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let arrived = self
                    .services
                    .arrive(car.vehicle_id, &self.by("planner"))
                    .await;
                tally.judge(arrived)
            }
            Act::Pay { pick, portion } => {
                let filter = InvoiceFilter {
                    status: Some(InvoiceStatus::Open),
                    ..InvoiceFilter::default()
                };
                let open = self
                    .views
                    .invoices(&filter)
                    .await
                    .map_err(|e| e.to_string())?;
                let Some(invoice) = nth(&open, pick) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let outstanding = invoice.outstanding.amount_minor;
                let amount = match portion {
                    0 => outstanding,
                    1 => (outstanding / 2).max(1),
                    _ => outstanding + 100,
                };
                let paid = self
                    .services
                    .record_payment(
                        &invoice.number,
                        Money::new(amount, invoice.outstanding.currency),
                        PaymentId::derived(&format!("{id}:payment")),
                        &self.by("finance"),
                    )
                    .await;
                tally.judge(paid)
            }
            Act::BookHandover { pick, days } => {
                let here = self.orders_in(&[S::AtDealer, S::HandoverScheduled]).await?;
                let Some(o) = nth(&here, pick) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let at = (today + Days::new(u64::from(days)))
                    .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap())
                    .and_utc();
                let booked = self
                    .services
                    .book_handover(o.order_id, at, &Scope::AnyOrder, &self.by("dealer"))
                    .await;
                tally.judge(booked)
            }
            Act::HandOver { pick } => {
                let here = self.orders_in(&[S::AtDealer, S::HandoverScheduled]).await?;
                let paid: Vec<OrderView> = here
                    .iter()
                    .filter(|o| {
                        o.invoice
                            .as_ref()
                            .is_some_and(|i| i.status == InvoiceStatus::Paid)
                    })
                    .cloned()
                    .collect();
                // Mostly a paid car; now and then any (refused while unpaid).
                let pool = if pick % 4 == 0 || paid.is_empty() {
                    &here
                } else {
                    &paid
                };
                let Some(o) = nth(pool, pick) else {
                    tally.idle += 1;
                    return Ok(());
                };
                let handed = self
                    .services
                    .hand_over(o.order_id, &Scope::AnyOrder, &self.by("dealer"))
                    .await;
                tally.judge(handed)
            }
        }
    }
}
