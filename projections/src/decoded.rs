//! Stored events read back as domain events, once for all projections.

use chrono::{DateTime, Utc};
use domain::streams::{AnyEvent, DecodeError};
use store::{Position, RecordedEvent, StreamId};

/// What a stored event turned out to be.
///
/// Not boxed: a batch holds thousands of these, decoded once and read by every projection;
/// an allocation per event would cost more than the unused bytes of the small variants.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoding {
    /// A domain event.
    Event(AnyEvent),
    /// An event no projection reads: of a stream no aggregate owns (e.g. a process
    /// manager's own records), or of a category no projection is interested in.
    Foreign,
    /// An event of an aggregate's stream that does not decode: it stops every projection that
    /// reaches it (see [`ProjectionError::Malformed`](crate::ProjectionError::Malformed)).
    Malformed(String),
}

/// A stored event, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedEvent {
    /// Its place in the global log.
    pub position: Position,
    /// When it happened in business time ([`RecordedEvent::occurred_at`]: the business
    /// clock's time the writer recorded, else the commit time).
    pub occurred_at: DateTime<Utc>,
    /// Its stream.
    pub stream: StreamId,
    /// The decoded event.
    pub decoding: Decoding,
}

impl DecodedEvent {
    /// Decodes a stored event if some projection reads its category.
    pub fn decode_for(record: &RecordedEvent, interest: &Interest) -> Self {
        DecodedEvent {
            position: record.position,
            occurred_at: record.occurred_at(),
            stream: record.stream_id.clone(),
            decoding: decode_wanted(record.stream_id.as_str(), record.payload.as_str(), interest),
        }
    }

    /// Decodes a stored event with [`AnyEvent::decode`].
    pub fn decode(record: &RecordedEvent) -> Self {
        DecodedEvent {
            position: record.position,
            occurred_at: record.occurred_at(),
            stream: record.stream_id.clone(),
            decoding: decode_payload(record.stream_id.as_str(), record.payload.as_str()),
        }
    }
}

/// The stream categories some projection reads: events of other streams are not decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interest {
    categories: Vec<&'static str>,
}

impl Interest {
    /// Interest in the categories of every one of `projections`.
    pub fn of(projections: &[std::sync::Arc<dyn crate::Projection>]) -> Self {
        let mut categories: Vec<&'static str> = projections
            .iter()
            .flat_map(|p| p.categories().iter().copied())
            .collect();
        categories.sort_unstable();
        categories.dedup();
        Interest { categories }
    }

    /// Whether some projection reads the events of `stream`.
    pub fn wants(&self, stream: &str) -> bool {
        let category = stream.split('-').next().unwrap_or_default();
        self.categories.contains(&category)
    }
}

/// Decodes the payload of an event of `stream`, unless no projection reads its category.
pub(crate) fn decode_wanted(stream: &str, payload: &str, interest: &Interest) -> Decoding {
    if interest.wants(stream) {
        decode_payload(stream, payload)
    } else {
        Decoding::Foreign
    }
}

/// Decodes the payload of an event of `stream` with [`AnyEvent::decode`].
pub(crate) fn decode_payload(stream: &str, payload: &str) -> Decoding {
    match AnyEvent::decode(stream, payload) {
        Ok(decoded) => Decoding::Event(decoded.event),
        Err(DecodeError::UnknownCategory(_)) => Decoding::Foreign,
        Err(DecodeError::Malformed { reason, .. }) => Decoding::Malformed(reason),
    }
}
