//! The application layer: one place runs commands.
//!
//! Loading a stream, folding it with `evolve`, calling `decide`, appending
//! with the version it read as the expected version, and retrying on a
//! version conflict serve the HTTP handlers, the process managers, the demo
//! and the benchmark alike ([`Executor::execute`]). Rejections by the domain
//! are kept apart from infrastructure failures ([`CommandError`]).
//!
//! Dependencies point one way: `api` → (`projections`, `app`) → `store`;
//! everything → `domain`.

mod clock;
mod codec;
mod error;
mod executor;
mod ports;

pub use clock::{Clock, ClockError};
pub use codec::{decode, encode};
pub use error::CommandError;
pub use executor::{Executed, Executor, MAX_ATTEMPTS};
pub use ports::{Checkpoints, SupplyView, ViewError};
