//! `otd bench`: benchmarks that drive the real engine, printing throughput and latency.
//! They are measurements, not tests: nothing here asserts a time.

mod callers;
mod data;
pub mod launch;
pub mod launch_audit;
mod launch_track;
pub mod lifecycle;
pub mod load;
pub mod metrics;
mod open_loop;
mod server;
mod stats;
