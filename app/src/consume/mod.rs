//! One way to follow the log: the consumer every reader of the log runs on.
//!
//! A [`Consumer`] owns what following the log takes, once for all its readers:
//! - **reading from a checkpoint**: a reader task reads batches ahead ([`Source`]: through
//!   the store's `subscribe_all`, or a faster [`LogPages`] while catching up) and decodes
//!   each event once into a [`LogEvent`];
//! - **checkpoints**: a [`Sink`] says where it resumes ([`Sink::open`]) and saves its own
//!   progress: projections commit it with their documents, process managers through the
//!   [`Checkpoints`] port;
//! - **failures**: a failed read or step pauses the consumer with one [`Backoff`], then the
//!   sink is opened again;
//! - **leadership**: with a [`Leadership`], the consumer follows only while it holds the
//!   lease ([`RunState::WaitingToLead`] until then) and closes the sink when it is lost;
//! - **shutdown**: a [`Shutdown`] cloned into the task, signalled by its [`Stopper`]
//!   (held by the [`Running`] handle; dropping the handle stops the consumer too).
//!
//! Sinks plug in **per batch** ([`Sink::handle`]): the projections apply a batch and commit
//! it with its checkpoint; the process managers react **per event** through an adapter that
//! walks the batch ([`crate::process::ProcessRunner`]), so managers can later be partitioned
//! and run in batches without changing the loop.

mod backoff;
mod consumer;
mod event;
mod lead;
mod ports;
mod reader;
mod shutdown;

pub use backoff::Backoff;
pub use consumer::{Consumer, Ended, RunState, Running, Sink, Step, StopError, DEFAULT_BACKOFF};
pub use event::{decode_wanted, Decoding, Interest, LogEvent};
pub use ports::{Checkpoints, Leadership, Lease};
pub use reader::{Batch, LogPages, Source};
pub use shutdown::{Shutdown, Stopper};
