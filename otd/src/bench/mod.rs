//! `otd bench`: benchmarks that drive the real engine, printing throughput and latency.
//! They are measurements, not tests: nothing here asserts a time.

mod data;
pub mod lifecycle;
pub mod load;
pub mod metrics;
mod open_loop;
mod server;
mod stats;
