//! A business world driven through `app::Executor` against the real deciders: each method
//! does what a user or a process manager does (several commands across aggregates), so the
//! log the projections read is the one the engine really writes.

use std::sync::Arc;

use app::{Clock, Executor};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::catalog::Catalog;
use domain::commission::{CommissionCommand, CommissionStatement};
use domain::invoice::{Invoice, InvoiceCommand};
use domain::invoice_register::{DocumentKind, InvoiceRegister, InvoiceRegisterCommand};
use domain::order::{Channel, Fulfilment, Order, OrderCommand, OrderStatus, VehicleSource};
use domain::policy::{build_eta, eta_at_dealer, Whereabouts};
use domain::shipment::{Shipment, ShipmentCommand};
use domain::slot::{Build, Slot, SlotCommand};
use domain::values::*;
use domain::vehicle::{Vehicle, VehicleCommand, VehicleStatus};
use store::{EventStore, Metadata, Position};

pub fn dealer(s: &str) -> DealerId {
    DealerId::parse(s).unwrap()
}
pub fn plant(s: &str) -> PlantId {
    PlantId::parse(s).unwrap()
}
pub fn location(s: &str) -> LocationId {
    LocationId::parse(s).unwrap()
}
pub fn week(s: &str) -> IsoWeek {
    IsoWeek::parse(s).unwrap()
}
pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
pub fn options(codes: &[&str]) -> Vec<OptionCode> {
    codes
        .iter()
        .map(|c| OptionCode::parse(c).unwrap())
        .collect()
}

/// The engine's world on a simulated clock starting 2026-11-23.
pub struct World {
    pub exec: Executor,
    pub clock: Clock,
    pub catalog: Arc<Catalog>,
    counter: u32,
    meta: Metadata,
}

impl World {
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        let clock = Clock::simulated(day("2026-11-23"));
        let catalog = Arc::new(Catalog::demo());
        let exec = Executor::new(store, Arc::clone(&catalog), clock.clone());
        World {
            exec,
            clock,
            catalog,
            counter: 0,
            meta: Metadata::default(),
        }
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        self.exec.store()
    }

    pub async fn head(&self) -> Position {
        self.store().head().await.unwrap()
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn advance(&self, days: u32) {
        self.clock.advance(days).unwrap();
    }

    pub fn next(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    pub async fn order_state(&self, order: OrderId) -> Order {
        self.exec.load::<Order>(&order).await.unwrap().0
    }

    pub async fn vehicle_state(&self, vehicle: VehicleId) -> Vehicle {
        self.exec.load::<Vehicle>(&vehicle).await.unwrap().0
    }

    async fn order_cmd(&self, order: OrderId, command: OrderCommand) -> Result<(), String> {
        self.exec
            .execute::<Order>(&order, &self.meta, move |_| command.clone())
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    async fn vehicle_cmd(&self, vehicle: VehicleId, command: VehicleCommand) -> Result<(), String> {
        self.exec
            .execute::<Vehicle>(&vehicle, &self.meta, move |_| command.clone())
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    async fn slot_cmd(
        &self,
        plant: &PlantId,
        week: IsoWeek,
        command: SlotCommand,
    ) -> Result<(), String> {
        self.exec
            .execute::<Slot>(&SlotKey::new(plant.clone(), week), &self.meta, move |_| {
                command.clone()
            })
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    async fn shipment_cmd(
        &self,
        shipment: ShipmentId,
        command: ShipmentCommand,
    ) -> Result<(), String> {
        self.exec
            .execute::<Shipment>(&shipment, &self.meta, move |_| command.clone())
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    /// A planner registers free stock.
    pub async fn register_stock(
        &mut self,
        market: &str,
        model: &str,
        opts: &[&str],
        at: &str,
    ) -> VehicleId {
        let vehicle = VehicleId::derived(&format!("stock-{}", self.next()));
        self.vehicle_cmd(
            vehicle,
            VehicleCommand::Register {
                vehicle,
                market: MarketCode::parse(market).unwrap(),
                model: ModelCode::parse(model).unwrap(),
                options: options(opts),
                location: location(at),
            },
        )
        .await
        .unwrap();
        vehicle
    }

    /// A planner opens capacity.
    pub async fn open_capacity(&self, plant_id: &str, wk: &str, units: u32) -> Result<(), String> {
        let (p, w) = (plant(plant_id), week(wk));
        self.slot_cmd(
            &p,
            w,
            SlotCommand::SetCapacity {
                plant: p.clone(),
                week: w,
                units,
            },
        )
        .await
    }

    /// A customer (or dealer) places an order.
    pub async fn place(
        &mut self,
        customer: &str,
        dealer_id: &str,
        market: &str,
        model: &str,
        opts: &[&str],
    ) -> Result<OrderId, String> {
        let order = OrderId::derived(&format!("order-{}", self.next()));
        self.order_cmd(
            order,
            OrderCommand::Place {
                lead: None,
                order,
                customer: CustomerId::parse(customer).unwrap(),
                dealer: dealer(dealer_id),
                selling_dealer: None,
                market: MarketCode::parse(market).unwrap(),
                model: ModelCode::parse(model).unwrap(),
                options: options(opts),
                channel: Channel::Online,
                billing: None,
            },
        )
        .await?;
        Ok(order)
    }

    /// Fulfilment: reserve a stock vehicle for the order (and plan its move to the dealer
    /// when it stands elsewhere).
    pub async fn allocate(&mut self, order: OrderId, vehicle: VehicleId) -> Result<(), String> {
        let o = self.order_state(order).await;
        let o = o.placed().ok_or("order not placed")?.clone();
        let v = self.vehicle_state(vehicle).await;
        let whereabouts = match (v.status(), v.destination(), v.eta()) {
            (Some(VehicleStatus::InTransit), Some(to), Some(eta)) => Whereabouts::InTransit {
                to: to.clone(),
                eta,
            },
            (Some(VehicleStatus::InProduction), _, _) => Whereabouts::InProduction {
                plant: v.plant().cloned().ok_or("no plant")?,
                ready_on: v.week().ok_or("no week")?.sunday(),
            },
            _ => Whereabouts::AtLocation(v.location().cloned().ok_or("no location")?),
        };
        let here = LocationId::Dealer(o.dealer.clone());
        let source = match &whereabouts {
            Whereabouts::AtLocation(at) if *at == here => VehicleSource::AtDealer,
            Whereabouts::InTransit { to, .. } if *to == here => VehicleSource::InTransitToDealer,
            Whereabouts::InProduction { .. } => VehicleSource::InProduction,
            _ => VehicleSource::AtOtherLocation,
        };
        let eta = eta_at_dealer(&whereabouts, &o.dealer, self.today(), &self.catalog)
            .ok_or("no route")?;
        self.vehicle_cmd(
            vehicle,
            VehicleCommand::Reserve {
                order,
                dealer: o.dealer.clone(),
            },
        )
        .await?;
        self.order_cmd(
            order,
            OrderCommand::Allocate {
                vehicle,
                configuration: v.configuration().cloned().ok_or("no configuration")?,
                location: whereabouts.location(),
                source,
                eta,
            },
        )
        .await
    }

    /// Fulfilment: book a week and schedule the order.
    pub async fn schedule(&self, order: OrderId, wk: &str) -> Result<(), String> {
        let o = self.order_state(order).await;
        let o = o.placed().ok_or("order not placed")?.clone();
        let p = self
            .catalog
            .model(&o.configuration.model)
            .ok_or("model")?
            .plant
            .clone();
        let w = week(wk);
        self.slot_cmd(
            &p,
            w,
            SlotCommand::Book {
                plant: p.clone(),
                week: w,
                order,
            },
        )
        .await?;
        self.order_cmd(order, OrderCommand::Schedule { plant: p, week: w })
            .await
    }

    /// Fulfilment found nothing.
    pub async fn await_capacity(&self, order: OrderId) -> Result<(), String> {
        self.order_cmd(order, OrderCommand::AwaitCapacity).await
    }

    /// A planner starts production of a week: one vehicle and VIN per booking.
    pub async fn start_production(
        &mut self,
        plant_id: &str,
        wk: &str,
    ) -> Result<Vec<(OrderId, VehicleId)>, String> {
        let (p, w) = (plant(plant_id), week(wk));
        let slot = self
            .exec
            .load::<Slot>(&SlotKey::new(p.clone(), w))
            .await
            .map_err(|e| format!("{e:?}"))?
            .0;
        let mut builds = Vec::new();
        for order in slot.bookings().iter().copied() {
            let n = self.next();
            builds.push(Build {
                order,
                vehicle: VehicleId::derived(&format!("build-{n}")),
                vin: Vin::parse(&format!("WXTD{:013}", n)).unwrap(),
            });
        }
        self.slot_cmd(
            &p,
            w,
            SlotCommand::StartProduction {
                builds: builds.clone(),
            },
        )
        .await?;
        let mut started = Vec::new();
        for build in builds {
            let o = self.order_state(build.order).await;
            let o = o.placed().ok_or("order")?.clone();
            self.vehicle_cmd(
                build.vehicle,
                VehicleCommand::StartBuild {
                    vehicle: build.vehicle,
                    market: o.market.clone(),
                    configuration: o.configuration.clone(),
                    plant: p.clone(),
                    week: w,
                    vin: build.vin.clone(),
                    order: Some(build.order),
                    order_dealer: Some(o.dealer.clone()),
                },
            )
            .await?;
            self.order_cmd(
                build.order,
                OrderCommand::StartProduction {
                    vehicle: build.vehicle,
                    vin: build.vin,
                },
            )
            .await?;
            started.push((build.order, build.vehicle));
        }
        Ok(started)
    }

    /// The build of an order's vehicle completes.
    pub async fn complete_build(&self, order: OrderId, vehicle: VehicleId) -> Result<(), String> {
        self.vehicle_cmd(vehicle, VehicleCommand::CompleteBuild)
            .await?;
        self.order_cmd(order, OrderCommand::CompleteBuild { vehicle })
            .await
    }

    /// A planner dispatches the order's vehicle to its dealer; returns the ETA.
    pub async fn dispatch(
        &mut self,
        order: OrderId,
        vehicle: VehicleId,
    ) -> Result<NaiveDate, String> {
        let o = self.order_state(order).await;
        let o = o.placed().ok_or("order")?.clone();
        let v = self.vehicle_state(vehicle).await;
        let from = v.location().cloned().ok_or("no location")?;
        let to = LocationId::Dealer(o.dealer.clone());
        let shipment = ShipmentId::derived(&format!("shipment-{}", self.next()));
        self.shipment_cmd(
            shipment,
            ShipmentCommand::Plan {
                shipment,
                vehicle,
                order: Some(order),
                from: from.clone(),
                to: to.clone(),
                ready_on: self.today(),
            },
        )
        .await?;
        self.shipment_cmd(shipment, ShipmentCommand::Dispatch)
            .await?;
        let days = self.catalog.transport_days(&from, &to).ok_or("no route")?;
        let eta = self.today() + Duration::days(i64::from(days));
        self.vehicle_cmd(vehicle, VehicleCommand::Dispatch { shipment, to, eta })
            .await?;
        self.order_cmd(order, OrderCommand::Dispatch { shipment, eta })
            .await?;
        Ok(eta)
    }

    /// A planner transfers a free vehicle to another location.
    pub async fn transfer(&mut self, vehicle: VehicleId, to: &str) -> Result<(), String> {
        let v = self.vehicle_state(vehicle).await;
        let from = v.location().cloned().ok_or("no location")?;
        let to = location(to);
        let shipment = ShipmentId::derived(&format!("shipment-{}", self.next()));
        self.shipment_cmd(
            shipment,
            ShipmentCommand::Plan {
                shipment,
                vehicle,
                order: None,
                from: from.clone(),
                to: to.clone(),
                ready_on: self.today(),
            },
        )
        .await?;
        self.shipment_cmd(shipment, ShipmentCommand::Dispatch)
            .await?;
        let days = self.catalog.transport_days(&from, &to).ok_or("no route")?;
        let eta = self.today() + Duration::days(i64::from(days));
        self.vehicle_cmd(vehicle, VehicleCommand::Dispatch { shipment, to, eta })
            .await
    }

    /// A planner records a delay of the vehicle's move (and of its order).
    pub async fn delay(
        &self,
        order: Option<OrderId>,
        vehicle: VehicleId,
        reason: &str,
        days: i64,
    ) -> Result<(), String> {
        let new_eta = self.today() + Duration::days(days);
        let v = self.vehicle_state(vehicle).await;
        if let Some(shipment) = v.shipment() {
            self.shipment_cmd(
                shipment,
                ShipmentCommand::Delay {
                    reason: reason.to_owned(),
                    new_eta,
                },
            )
            .await?;
        }
        self.vehicle_cmd(
            vehicle,
            VehicleCommand::Delay {
                reason: reason.to_owned(),
                new_eta,
            },
        )
        .await?;
        if let Some(order) = order {
            self.order_cmd(
                order,
                OrderCommand::Delay {
                    reason: reason.to_owned(),
                    new_eta,
                },
            )
            .await?;
        }
        Ok(())
    }

    /// The vehicle arrives at its destination (and its order at the dealer).
    pub async fn arrive(&self, order: Option<OrderId>, vehicle: VehicleId) -> Result<(), String> {
        let v = self.vehicle_state(vehicle).await;
        let to = v.destination().cloned().ok_or("not in transit")?;
        if let Some(shipment) = v.shipment() {
            self.shipment_cmd(shipment, ShipmentCommand::Arrive).await?;
        }
        self.vehicle_cmd(
            vehicle,
            VehicleCommand::Arrive {
                location: to.clone(),
            },
        )
        .await?;
        if let Some(order) = order {
            self.order_cmd(order, OrderCommand::Arrive { location: to })
                .await?;
        }
        Ok(())
    }

    /// The invoicing process: a number from the register, then the invoice.
    pub async fn invoice(&self, order: OrderId) -> Result<InvoiceNumber, String> {
        let o = self.order_state(order).await;
        let o = o.placed().ok_or("order")?.clone();
        let year = chrono::Datelike::year(&self.today());
        let register = RegisterKey::new(o.market.clone(), year);
        let assigned = self
            .exec
            .execute::<InvoiceRegister>(&register, &self.meta, |_| InvoiceRegisterCommand::Assign {
                market: o.market.clone(),
                year,
                order,
                kind: DocumentKind::Invoice,
            })
            .await
            .map_err(|e| format!("{e:?}"))?;
        let number = assigned
            .state
            .number_for(&order, DocumentKind::Invoice)
            .cloned()
            .ok_or("no number")?;
        let today = self.today();
        self.exec
            .execute::<Invoice>(&order, &self.meta, |_| InvoiceCommand::Issue {
                number: number.clone(),
                order,
                customer: o.customer.clone(),
                dealer: o.dealer.clone(),
                market: o.market.clone(),
                lines: o.lines.clone(),
                price: o.price,
                deposit_paid: o.deposit,
                issued_on: today,
                billing: None,
            })
            .await
            .map_err(|e| format!("{e:?}"))?;
        Ok(number)
    }

    /// Finance records a payment.
    pub async fn pay(&mut self, order: OrderId, amount: Money) -> Result<(), String> {
        let payment = PaymentId::derived(&format!("payment-{}", self.next()));
        self.exec
            .execute::<Invoice>(&order, &self.meta, |_| InvoiceCommand::RecordPayment {
                payment,
                amount,
            })
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    /// The amount still due on the order's invoice.
    pub async fn outstanding(&self, order: OrderId) -> Money {
        let invoice = self.exec.load::<Invoice>(&order).await.unwrap().0;
        invoice.outstanding().unwrap()
    }

    /// The amount still due on the order's invoice, if it is issued.
    pub async fn outstanding_if_issued(&self, order: OrderId) -> Option<Money> {
        let invoice = self.exec.load::<Invoice>(&order).await.ok()?.0;
        invoice.outstanding()
    }

    pub async fn book_handover(&self, order: OrderId, in_days: i64) -> Result<(), String> {
        let at = self.now() + Duration::days(in_days);
        self.order_cmd(order, OrderCommand::BookHandover { at })
            .await
    }

    /// The dealer hands the car over; the vehicle is delivered and the commission accrues.
    pub async fn hand_over(&self, order: OrderId) -> Result<(), String> {
        let invoice = self.exec.load::<Invoice>(&order).await.unwrap().0;
        let paid = invoice.paid_on().is_some();
        self.order_cmd(order, OrderCommand::HandOver { invoice_paid: paid })
            .await?;
        let o = self.order_state(order).await;
        let o = o.placed().ok_or("order")?.clone();
        if let Some(vehicle) = o.fulfilment.as_ref().and_then(Fulfilment::vehicle) {
            self.vehicle_cmd(vehicle, VehicleCommand::Deliver { order })
                .await?;
        }
        let month = Month::containing(self.today());
        self.exec
            .execute::<CommissionStatement>(
                &CommissionKey::new(o.dealer.clone(), month),
                &self.meta,
                |_| CommissionCommand::Accrue {
                    dealer: o.dealer.clone(),
                    month,
                    order,
                    market: o.market.clone(),
                    net_price: o.price.net,
                    delivered_on: self.today(),
                },
            )
            .await
            .map(|_| ())
            .map_err(|e| format!("{e:?}"))
    }

    /// Cancels an order and releases what it held.
    pub async fn cancel(&self, order: OrderId, reason: &str) -> Result<(), String> {
        let o = self.order_state(order).await;
        let held = o.placed().and_then(|o| o.fulfilment.clone());
        self.order_cmd(
            order,
            OrderCommand::Cancel {
                reason: reason.to_owned(),
                invoice: Default::default(),
            },
        )
        .await?;
        match held {
            Some(Fulfilment::Stock { vehicle, .. }) => {
                self.vehicle_cmd(vehicle, VehicleCommand::Release { order })
                    .await?
            }
            Some(Fulfilment::Build {
                plant,
                week,
                vehicle: None,
                ..
            }) => {
                self.slot_cmd(&plant, week, SlotCommand::Release { order })
                    .await?
            }
            Some(Fulfilment::Build {
                vehicle: Some(vehicle),
                ..
            }) => {
                self.vehicle_cmd(vehicle, VehicleCommand::Release { order })
                    .await?
            }
            _ => {}
        }
        Ok(())
    }

    /// Amends an order's options, releasing a stock vehicle that no longer matches.
    pub async fn amend(&self, order: OrderId, opts: &[&str]) -> Result<(), String> {
        let before = self.order_state(order).await;
        let held = before.placed().and_then(|o| o.fulfilment.clone());
        self.order_cmd(
            order,
            OrderCommand::Amend {
                options: options(opts),
                invoice: Default::default(),
            },
        )
        .await?;
        let after = self.order_state(order).await;
        let released = after.status() == Some(OrderStatus::Placed);
        if let (true, Some(Fulfilment::Stock { vehicle, .. })) = (released, held) {
            self.vehicle_cmd(vehicle, VehicleCommand::Release { order })
                .await?;
        }
        Ok(())
    }

    /// The expected ETA of a build of `wk` for an order at `dealer_id`.
    pub fn build_eta(&self, plant_id: &str, wk: &str, dealer_id: &str) -> NaiveDate {
        build_eta(
            &plant(plant_id),
            week(wk),
            &dealer(dealer_id),
            &self.catalog,
        )
        .unwrap()
    }
}
