//! The application layer: one place runs commands.
//!
//! Loading a stream, folding it with `evolve`, calling `decide`, appending
//! with the version it read as the expected version, and retrying on a
//! version conflict serve the HTTP handlers, the process managers, the demo
//! and the benchmark alike ([`Executor::execute`]). Rejections by the domain
//! are kept apart from infrastructure failures ([`CommandError`]).
//!
//! On top of the executor:
//! - [`services`]: the use cases the HTTP API, the demo and the benchmark
//!   call ([`Services`]), each returning the log position it reached;
//! - [`consume`]: the one way to follow the log (reading from a checkpoint,
//!   back-off, leadership, shutdown), on which the projections and the
//!   process managers run;
//! - [`process`]: the process managers (fulfilment, logistics follow-up,
//!   invoicing, commission, sold) and the [`ProcessRunner`](process::ProcessRunner)
//!   that feeds them the log, event by event, on a consumer; and the SLA
//!   watcher, which follows the business clock;
//! - [`leads`] and [`test_drives`]: the dealer's customer relationship (leads
//!   worked by the outlet's staff, test drives booked online and in the
//!   showroom through one aggregate);
//! - [`stock`]: how a vehicle looks to the fulfilment policy;
//! - [`accounts`]: signing in (identities, the accounts port, password
//!   hashing on its own threads).
//!
//! Dependencies point one way: `api` → (`projections`, `app`) → `store`;
//! everything → `domain`.

pub mod accounts;
mod clock;
pub mod clock_log;
mod codec;
pub mod consume;
mod error;
mod executor;
pub mod leads;
pub mod people;
mod ports;
pub mod process;
mod rejection;
pub mod services;
mod steps;
pub mod stock;
pub mod test_drives;
pub mod vault;

pub use clock::{Clock, ClockError, SimulatedClock, MAX_ADVANCE_MINUTES, MINUTES_PER_DAY};
pub use codec::{decode, encode};
pub use consume::{Checkpoints, Leadership, Lease};
pub use error::CommandError;
pub use executor::{Executed, Executor, MAX_ATTEMPTS};
pub use ports::{LeadsView, SupplyView, ViewError};
pub use rejection::{Rejection, ServiceError};
pub use services::Services;
pub use steps::shipments::{delivery_id, replanned_delivery_id, transfer_id};
