//! The `otd` binary's library: the command line's settings, the composition
//! root that opens the stores they name and starts the engine, `otd serve`,
//! the demo and the benchmarks. The HTTP layer itself is the `api` crate.

pub mod admin;
pub mod bench;
pub mod demo;
pub mod serve;
pub mod settings;
pub mod stores;
