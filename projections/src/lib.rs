//! Read models of the one log and the runner that keeps them up to date.
//!
//! Every view a user works from is a projection of the same events, so the dealer board,
//! the customer's tracker, the planner's stock and capacity views and the finance ledger
//! cannot disagree for longer than the projection lag.
//!
//! # The parts
//!
//! - [`Projection`]: pure logic from an event ([`Envelope`]) to documents ([`Docs`]); one
//!   implementation per read model in [`models`].
//! - [`ReadModelStore`]: where documents and checkpoints live, in the event store's own
//!   database ([`SqliteReadModels`], `PostgresReadModels`) or in memory
//!   ([`MemoryReadModels`]); a batch of documents and its checkpoint commit in one
//!   transaction.
//! - [`Engine`]: applies batches of events to every projection and commits them (blocking);
//!   [`Runner`]: follows the log with an engine on the application's log consumer
//!   ([`app::consume`]) and publishes its [`Progress`], so a read can wait for a position
//!   (`wait_for`), a projection can be rebuilt, lag is measurable.
//! - [`ReadModels`]: the typed queries the API serves (views in [`views`]), and the
//!   application's ports ([`app::SupplyView`], [`app::Checkpoints`]) on top of them.
//!
//! The design, the document keys and the guarantees are described in `docs/projections.md`.

pub mod backend;
mod docs;
mod document;
mod engine;
mod error;
pub mod models;
mod pages;
mod ports;
mod progress;
mod projecting;
mod projection;
mod runner;
pub mod views;

pub use app::consume::{Decoding, Interest, LogEvent, LogPages};
pub use backend::{
    Checkpoint, DocWrite, MemoryReadModels, ProjectionCommit, ReadModelStore, SqliteReadModels,
};
#[cfg(feature = "postgres")]
pub use backend::{PostgresLeadership, PostgresReadModels};
pub use docs::Docs;
pub use document::{DocQuery, Document, StoredDoc, Tags};
pub use engine::{Engine, PendingCommit, ProjectionStatus};
pub use error::{ProjectionError, ReadModelError, RunnerError, WaitError};
pub use models::all_projections;
pub use pages::SqlitePages;
pub use ports::{Leads, ProcessCheckpoints, Supply};
pub use progress::{Progress, ProgressSnapshot};
pub use projection::{interest_of, Envelope, Projection};
pub use runner::{catch_up, rebuild, Lag, Runner, RunnerOptions};
pub use views::ReadModels;
