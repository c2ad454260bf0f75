//! The pure business rules of order-to-delivery in the agency model.
//!
//! **Invariant:** this crate depends on no async runtime, database or web
//! crate. Aggregates are deciders: `decide(state, command, ctx)` returns the
//! events or a typed error, `evolve(state, event)` folds an event into the
//! state; time and ids come in through the command and [`Context`], never
//! from a clock or a random source inside.

pub mod catalog;
pub mod values;
