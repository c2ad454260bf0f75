//! An event of the log read back and decoded once, for every consumer of the batch.

use chrono::{DateTime, Utc};
use domain::streams::{AnyEvent, DecodeError, Decoded};
use store::{Position, RecordedEvent, StreamId};

/// What a stored event turned out to be.
///
/// Not boxed: a batch holds thousands of these, decoded once and read by every projection;
/// an allocation per event would cost more than the unused bytes of the small variants.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoding {
    /// A domain event, with the typed id of its stream.
    Event(Decoded),
    /// An event nobody here reads: of a stream no aggregate owns (e.g. the API's idempotency
    /// records), or of a category the consumer is not interested in.
    Foreign,
    /// An event of an aggregate's stream that does not decode (what the decoder said).
    Malformed(String),
}

/// A stored event, decoded: the one shape in which the log reaches projections and process
/// managers alike.
///
/// `record` is the whole stored event (id, type, metadata) when the reader keeps it: process
/// managers need it to name the cause of their commands. Projections need only the fields
/// beside it, and their fast catch-up reader ([`LogPages`](super::LogPages)) reads nothing
/// more, so there it is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Its place in the global log.
    pub position: Position,
    /// When it happened in business time ([`RecordedEvent::occurred_at`]: the business
    /// clock's time the writer recorded, else the commit time).
    pub occurred_at: DateTime<Utc>,
    /// Its stream.
    pub stream: StreamId,
    /// The decoded event.
    pub decoding: Decoding,
    /// The stored event, when the reader keeps it.
    pub record: Option<Box<RecordedEvent>>,
}

impl LogEvent {
    /// Decodes a stored event if `interest` covers its category; keeps the record when asked.
    pub fn read(record: RecordedEvent, interest: &Interest, keep_record: bool) -> Self {
        let decoding = decode_wanted(record.stream_id.as_str(), record.payload.as_str(), interest);
        LogEvent {
            position: record.position,
            occurred_at: record.occurred_at(),
            stream: record.stream_id.clone(),
            decoding,
            record: keep_record.then(|| Box::new(record)),
        }
    }

    /// Decodes a stored event with [`AnyEvent::decode`], without keeping the record.
    pub fn decode(record: &RecordedEvent) -> Self {
        LogEvent {
            position: record.position,
            occurred_at: record.occurred_at(),
            stream: record.stream_id.clone(),
            decoding: decode_payload(record.stream_id.as_str(), record.payload.as_str()),
            record: None,
        }
    }

    /// The stored name of the event, when the record was kept.
    pub fn event_type(&self) -> Option<&str> {
        self.record.as_deref().map(|r| r.event_type.as_str())
    }
}

/// The stream categories a consumer reads: events of other streams are not decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interest {
    /// `None`: every category.
    categories: Option<Vec<&'static str>>,
}

impl Interest {
    /// Interest in `categories` (as in `domain::streams`).
    pub fn in_categories(categories: impl IntoIterator<Item = &'static str>) -> Self {
        let mut categories: Vec<&'static str> = categories.into_iter().collect();
        categories.sort_unstable();
        categories.dedup();
        Interest {
            categories: Some(categories),
        }
    }

    /// Interest in every category (process managers look at every event).
    pub fn everything() -> Self {
        Interest { categories: None }
    }

    /// Whether the events of `stream` are wanted.
    pub fn wants(&self, stream: &str) -> bool {
        let Some(categories) = &self.categories else {
            return true;
        };
        categories.contains(&domain::streams::category_of(stream))
    }
}

/// Decodes the payload of an event of `stream`, unless `interest` does not cover its category.
pub fn decode_wanted(stream: &str, payload: &str, interest: &Interest) -> Decoding {
    if interest.wants(stream) {
        decode_payload(stream, payload)
    } else {
        Decoding::Foreign
    }
}

/// Decodes the payload of an event of `stream` with [`AnyEvent::decode`].
fn decode_payload(stream: &str, payload: &str) -> Decoding {
    match AnyEvent::decode(stream, payload) {
        Ok(decoded) => Decoding::Event(decoded),
        Err(DecodeError::UnknownCategory(_)) => Decoding::Foreign,
        Err(DecodeError::Malformed { reason, .. }) => Decoding::Malformed(reason),
    }
}
