//! The values that go into the log and come out of it.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::StoreError;

/// The longest stream id the store accepts, in characters.
pub const MAX_STREAM_ID_CHARS: usize = 200;

/// The name of one stream (usually one aggregate instance, e.g. `order-7f3c…`).
///
/// Parsed, never raw: a `StreamId` is non-empty, at most [`MAX_STREAM_ID_CHARS`] characters and
/// holds no control characters. Cloning is cheap (shared text).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamId(Arc<str>);

impl StreamId {
    /// Parses a stream id, rejecting an empty, over-long or control-character name with
    /// [`StoreError::InvalidStreamId`].
    pub fn parse(name: impl AsRef<str>) -> Result<Self, StoreError> {
        let name = name.as_ref();
        let reason = if name.is_empty() {
            Some("it is empty")
        } else if name.chars().count() > MAX_STREAM_ID_CHARS {
            Some("it is longer than 200 characters")
        } else if name.chars().any(char::is_control) {
            Some("it contains a control character")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(StoreError::InvalidStreamId {
                stream: name.chars().take(MAX_STREAM_ID_CHARS + 1).collect(),
                reason,
            }),
            None => Ok(Self(Arc::from(name))),
        }
    }

    /// Wraps a name read back from the store, which was parsed when it was written.
    pub(crate) fn trusted(name: &str) -> Self {
        Self(Arc::from(name))
    }

    /// The stream id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StreamId {
    type Error = StoreError;
    fn try_from(name: String) -> Result<Self, StoreError> {
        Self::parse(name)
    }
}

impl From<StreamId> for String {
    fn from(stream: StreamId) -> String {
        stream.0.to_string()
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamId({:?})", &*self.0)
    }
}

/// What the caller believes about a stream when appending to it (optimistic concurrency).
///
/// Stream versions are 0-based: the first event of a stream has version 0, so after one event
/// the stream is at `Exact(0)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// Append whatever the stream holds.
    Any,
    /// The stream must not exist yet (hold no event).
    NoStream,
    /// The stream's last event must have exactly this version.
    Exact(u64),
}

/// A place in the global log: 1-based, contiguous, gapless and equal to commit order on every
/// backend. `Position::START` (0) is before the first event, so reading "after" it reads all.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Position(pub u64);

impl Position {
    /// Before any event: reading or subscribing after it starts at the first event.
    pub const START: Position = Position(0);

    /// The position right after this one.
    pub fn next(self) -> Position {
        Position(self.0 + 1)
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An event's JSON body, kept as the exact text it was written with.
///
/// The text is checked to be JSON when the payload is made, and reads hand it back without
/// parsing, which keeps `read_all` fast; call [`Payload::parse`] to decode it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Payload(Arc<str>);

impl Payload {
    /// Checks that `json` is one well-formed JSON value and keeps its text as is.
    pub fn from_json(json: impl Into<String>) -> Result<Self, StoreError> {
        let json = json.into();
        serde_json::from_str::<serde::de::IgnoredAny>(&json)
            .map_err(|err| StoreError::InvalidPayload(err.to_string()))?;
        Ok(Self(Arc::from(json)))
    }

    /// Serializes a value as the payload.
    pub fn from_value<T: Serialize + ?Sized>(value: &T) -> Result<Self, StoreError> {
        let json = serde_json::to_string(value)
            .map_err(|err| StoreError::InvalidPayload(err.to_string()))?;
        Ok(Self(Arc::from(json)))
    }

    /// Wraps text read back from the store, which was checked when it was written.
    pub(crate) fn trusted(json: &str) -> Self {
        Self(Arc::from(json))
    }

    /// The JSON text, exactly as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Decodes the payload into a typed value.
    pub fn parse<'a, T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Payload({})", &*self.0)
    }
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        Ok(Self(Arc::from(raw.get())))
    }
}

/// Who and what caused an event, for tracing a chain of commands and events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Metadata {
    /// The command or event that directly caused this one.
    pub causation_id: Option<Uuid>,
    /// The conversation this event belongs to (shared by everything one request set off).
    pub correlation_id: Option<Uuid>,
    /// The user or process that acted.
    pub actor: Option<String>,
    /// When the fact happened in business time (the business clock, which may be simulated),
    /// kept to the microsecond. `None` for events written without one: their business time
    /// is their `recorded_at` (see [`RecordedEvent::occurred_at`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<DateTime<Utc>>,
}

/// An event to append.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Unique id chosen by the writer; appending the same id again with the same content is an
    /// idempotent retry.
    pub event_id: Uuid,
    /// The stored name of the event, e.g. `OrderAmended`.
    pub event_type: String,
    /// The version of the payload's shape, so old events can be upcast on read.
    pub schema_version: u32,
    /// The event's body.
    pub payload: Payload,
    /// Causation, correlation and actor.
    pub metadata: Metadata,
}

impl NewEvent {
    /// An event with a fresh id, schema version 1 and no metadata.
    ///
    /// The id is a UUIDv7 (time-ordered): ids that grow with time keep inserts into the
    /// store's event-id index local, which makes large appends several times faster than
    /// random (v4) ids on SQLite. Any UUID is accepted.
    pub fn new(event_type: impl Into<String>, payload: Payload) -> Self {
        Self {
            event_id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version: 1,
            payload,
            metadata: Metadata::default(),
        }
    }

    /// The same event with the given metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Whether `self` carries the same content as a stored event (the idempotency rule).
    pub(crate) fn same_content(&self, event_type: &str, payload: &str) -> bool {
        self.event_type == event_type && self.payload.as_str() == payload
    }
}

/// An event as stored in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// The stream it belongs to.
    pub stream_id: StreamId,
    /// Its 0-based version within the stream.
    pub stream_version: u64,
    /// Its place in the global log.
    pub position: Position,
    /// The id the writer gave it.
    pub event_id: Uuid,
    /// The stored name of the event.
    pub event_type: String,
    /// The version of the payload's shape.
    pub schema_version: u32,
    /// The event's body, as written.
    pub payload: Payload,
    /// Causation, correlation and actor.
    pub metadata: Metadata,
    /// When the append that stored it committed (to the microsecond).
    pub recorded_at: DateTime<Utc>,
}

impl RecordedEvent {
    /// When the fact happened in business time: the writer's `occurred_at`, or `recorded_at`
    /// for an event written without one.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.metadata.occurred_at.unwrap_or(self.recorded_at)
    }
}

/// What a successful append stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AppendResult {
    /// The global position of the first appended event.
    pub first_position: Position,
    /// The global position of the last appended event.
    pub last_position: Position,
    /// The version to pass as `ExpectedVersion::Exact` for the next append to this stream
    /// (the version of the last appended event).
    pub next_expected_version: u64,
}
