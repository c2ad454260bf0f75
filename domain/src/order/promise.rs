//! What the customer was promised: every ETA and price shown, with the
//! reason it was shown, the first ETA, and the ETA a delay is measured
//! against (the anchor), written once.
//!
//! The history is derived from the order's own events (placement, booking,
//! delays, dispatch, amendments, reallocations); the order folds it in
//! [`evolve`](super::evolve), and the `promises` read model folds it with
//! the same [`PromiseTrack::record`] and stamps each promise with the
//! business time of its event.
//!
//! The anchor is the first promised ETA; an amendment by the customer
//! resets it to the ETA in force after the amendment (the next ETA
//! promised, when the amendment released the vehicle). A reallocation or a
//! delay by the OEM never moves it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::OrderEvent;
use crate::values::Money;

/// Why a promise was made.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromiseReason {
    /// The order was placed: its price (no ETA yet).
    Placed,
    /// A vehicle or a production week was booked: its ETA (also a new ETA
    /// on dispatch that is not later than the one promised).
    Booked,
    /// The ETA moved later (a delay, or a later ETA on dispatch).
    Delay,
    /// The customer amended the order: the new price, and the ETA after it.
    Amendment,
    /// A planner moved the order to another vehicle, or took its vehicle.
    Reallocation,
}

impl PromiseReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            PromiseReason::Placed => "placed",
            PromiseReason::Booked => "booked",
            PromiseReason::Delay => "delay",
            PromiseReason::Amendment => "amendment",
            PromiseReason::Reallocation => "reallocation",
        }
    }
}

/// One promise: the ETA and the gross price shown, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    pub eta: Option<NaiveDate>,
    pub price: Money,
    pub reason: PromiseReason,
}

/// The delay compensation decided for an order (at most one, ever).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compensation {
    pub anchor_eta: NaiveDate,
    pub arrived_on: NaiveDate,
    pub days_late: u32,
    pub amount: Money,
}

/// The promises of one order. Serializable, so a read model can keep it and
/// fold it with the same rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PromiseTrack {
    /// Every promise, oldest first.
    pub history: Vec<Promise>,
    /// The first ETA ever promised.
    pub first_eta: Option<NaiveDate>,
    /// The ETA a delay is measured against.
    pub anchor: Option<NaiveDate>,
    /// The day the car reached the dealer (the latest arrival).
    pub arrived_on: Option<NaiveDate>,
    /// The compensation decided, once.
    pub compensation: Option<Compensation>,
    /// The ETA in force.
    eta: Option<NaiveDate>,
    /// The gross price in force.
    price: Option<Money>,
    /// An amendment released the vehicle: the next ETA promised is the anchor.
    anchor_pending: bool,
    /// Why the next booking is made (an amendment or a reallocation sent the
    /// order back to fulfilment).
    next_reason: Option<PromiseReason>,
}

impl PromiseTrack {
    /// The ETA in force.
    pub fn eta(&self) -> Option<NaiveDate> {
        self.eta
    }

    /// Folds `event` in; returns the promise it made, if it made one.
    pub fn record(&mut self, event: &OrderEvent) -> Option<Promise> {
        let made = match event {
            OrderEvent::Placed { price, .. } => {
                self.price = Some(price.gross);
                self.promise(None, PromiseReason::Placed)
            }
            OrderEvent::Allocated { eta, .. } | OrderEvent::Scheduled { eta, .. } => {
                let reason = self.next_reason.take().unwrap_or(PromiseReason::Booked);
                self.book(*eta, reason)
            }
            OrderEvent::Reallocated { eta, .. } => {
                self.next_reason = None;
                self.book(*eta, PromiseReason::Reallocation)
            }
            OrderEvent::VehicleWithdrawn { .. } => {
                self.eta = None;
                self.next_reason = Some(PromiseReason::Reallocation);
                None
            }
            OrderEvent::Delayed { new_eta, .. } => {
                self.eta = Some(*new_eta);
                self.promise(Some(*new_eta), PromiseReason::Delay)
            }
            OrderEvent::Dispatched { eta, .. } if self.eta != Some(*eta) => {
                let reason = match self.eta {
                    Some(before) if *eta > before => PromiseReason::Delay,
                    _ => PromiseReason::Booked,
                };
                self.eta = Some(*eta);
                self.promise(Some(*eta), reason)
            }
            OrderEvent::Amended {
                price,
                released_vehicle,
                ..
            } => {
                self.price = Some(price.gross);
                if released_vehicle.is_some() {
                    self.eta = None;
                    self.anchor_pending = true;
                    self.next_reason = Some(PromiseReason::Amendment);
                } else {
                    self.anchor = self.eta.or(self.anchor);
                }
                self.promise(self.eta, PromiseReason::Amendment)
            }
            OrderEvent::ArrivedAtDealer { arrived_on } => {
                self.arrived_on = Some(*arrived_on);
                None
            }
            OrderEvent::DelayCompensated {
                anchor_eta,
                arrived_on,
                days_late,
                amount,
            } => {
                self.compensation = Some(Compensation {
                    anchor_eta: *anchor_eta,
                    arrived_on: *arrived_on,
                    days_late: *days_late,
                    amount: *amount,
                });
                None
            }
            _ => None,
        };
        if let Some(promise) = made {
            self.history.push(promise);
        }
        made
    }

    fn book(&mut self, eta: NaiveDate, reason: PromiseReason) -> Option<Promise> {
        self.eta = Some(eta);
        self.first_eta.get_or_insert(eta);
        if self.anchor.is_none() || self.anchor_pending {
            self.anchor = Some(eta);
            self.anchor_pending = false;
        }
        self.promise(Some(eta), reason)
    }

    fn promise(&self, eta: Option<NaiveDate>, reason: PromiseReason) -> Option<Promise> {
        self.price.map(|price| Promise { eta, price, reason })
    }
}
