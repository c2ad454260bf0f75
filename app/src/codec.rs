//! Domain events to stored events and back.
//!
//! The payload is the event enum serialized as it is
//! (`{"type": "OrderPlaced", "data": {...}}`), so reading it back is one
//! `serde_json` call; the stored type name and schema version come from
//! [`DomainEvent`].

use domain::DomainEvent;
use store::{Metadata, NewEvent, Payload, RecordedEvent, StoreError};

/// A domain event as a new stored event with a fresh (time-ordered) id.
pub fn encode<E: DomainEvent>(event: &E, metadata: &Metadata) -> Result<NewEvent, StoreError> {
    let payload = Payload::from_value(event)?;
    let mut new = NewEvent::new(event.event_type(), payload).with_metadata(metadata.clone());
    new.schema_version = event.schema_version();
    Ok(new)
}

/// A stored event read back as the domain event of its aggregate.
pub fn decode<E: DomainEvent>(record: &RecordedEvent) -> Result<E, serde_json::Error> {
    serde_json::from_str(record.payload.as_str())
}
