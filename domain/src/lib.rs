//! The pure business rules of order-to-delivery in the agency model.
//!
//! **Invariant:** this crate depends on no async runtime, database or web
//! crate. Aggregates are deciders: `decide(state, command, ctx)` returns the
//! events or a typed error, `evolve(state, event)` folds an event into the
//! state; time and ids come in through the command and [`Context`], never
//! from a clock or a random source inside.
//!
//! - [`values`]: money, codes, weeks, VINs, ids, invoice numbers.
//! - [`catalog`]: markets, network, models, options, rules, prices, quotes.
//! - Aggregates: [`order`], [`vehicle`], [`slot`], [`shipment`],
//!   [`invoice`] (with the gapless [`invoice_register`]), [`commission`].
//! - People: [`customer`], [`user`] (staff accounts) and the contact
//!   [`claim`]s that keep one record per person; personal data is sealed.
//! - Showroom: [`lead`]s with their grades and follow-up cadence, and
//!   [`test_drive`]s (one stream per demo car and local date, with the slot
//!   grid both the listing and the booking use).
//! - [`message`]: the kinds of message sent to people, their audience,
//!   purpose (consents) and data contract, and webhook subscriptions.
//! - [`policy`]: fulfilment (locate first, build second) and the LTO locator.
//! - `rule_codes`: the stable code (`rule()`) of every refusal, as the API reports it.

pub mod catalog;
pub mod claim;
pub mod commission;
pub mod compensation;
pub mod customer;
pub mod decider;
pub mod invoice;
pub mod invoice_register;
pub mod lead;
pub mod message;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod order;
pub mod policy;
mod rule_codes;
pub mod rules;
pub mod shipment;
pub mod slot;
pub mod streams;
pub mod test_drive;
pub mod user;
pub mod values;
pub mod vehicle;

pub use decider::{Context, Decider, DomainEvent};
