//! What a projection is: pure logic from events to documents.

use std::sync::Arc;

use app::consume::Interest;
use chrono::{DateTime, Utc};
use domain::streams::{AnyEvent, AnyId};
use store::Position;

use crate::docs::Docs;
use crate::error::ProjectionError;

/// One event as a projection sees it: where it is in the log, when it happened, its
/// stream (order events name their order only through it) and the decoded event.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// Its place in the global log.
    pub position: Position,
    /// When it happened in business time (the business clock, which may be simulated; the
    /// commit time for an event written without one): what views show as `updated_at`.
    pub occurred_at: DateTime<Utc>,
    /// The stream it belongs to, e.g. `order-7f3c…`.
    pub stream: &'a str,
    /// The typed id of its stream, read from the stream name once, at decoding.
    pub id: &'a AnyId,
    /// The domain event.
    pub event: &'a AnyEvent,
}

impl Envelope<'_> {
    /// An [`ProjectionError::Inconsistent`] about this event.
    pub fn inconsistent(&self, reason: impl Into<String>) -> ProjectionError {
        ProjectionError::Inconsistent {
            position: self.position,
            stream: self.stream.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A read model's logic: how each event changes its documents.
///
/// `apply` is pure apart from the documents it is handed: no clock, no I/O of its own, so a
/// projection rebuilt from the log equals the same projection fed incrementally. The runner
/// calls it once per event in log order, never twice for the same position (events at or
/// below the committed checkpoint are skipped), and commits the documents it changed with
/// the checkpoint in one transaction.
pub trait Projection: Send + Sync + 'static {
    /// The name of its checkpoint and of `otd projections rebuild NAME`.
    fn name(&self) -> &'static str;

    /// The version of its logic and document shapes: bump it when either changes, and the
    /// runner rebuilds the projection from the log at its next start.
    fn version(&self) -> u32;

    /// The collections it writes (dropped on a rebuild).
    fn collections(&self) -> &'static [&'static str];

    /// The stream categories whose events it reads (`order`, `vehicle`, … as in
    /// `domain::streams`). Events of other streams never reach `apply` (a malformed one
    /// does not stop it), and the runner does not even decode events no projection reads.
    fn categories(&self) -> &'static [&'static str];

    /// Applies one event to the documents.
    fn apply(&self, event: &Envelope<'_>, docs: &mut Docs<'_>) -> Result<(), ProjectionError>;
}

/// The categories `projections` read, together: the consumer decodes no other events.
pub fn interest_of(projections: &[Arc<dyn Projection>]) -> Interest {
    Interest::in_categories(
        projections
            .iter()
            .flat_map(|p| p.categories().iter().copied()),
    )
}
