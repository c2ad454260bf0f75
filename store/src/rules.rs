//! The append rules every backend applies the same way, kept here so backends cannot drift.
//!
//! The order of judgement is: validate the batch; if any of its event ids is already stored,
//! judge the append as a retry (all ids stored as this very append: return the original
//! result; anything else: `DuplicateEventId`); otherwise check the expected version.

use std::collections::HashSet;

use crate::error::StoreError;
use crate::event::{AppendResult, ExpectedVersion, NewEvent, Position, StreamId};

/// Rejects an append that no backend should try to store.
pub(crate) fn validate_append(events: &[NewEvent]) -> Result<(), StoreError> {
    if events.is_empty() {
        return Err(StoreError::InvalidAppend(
            "an append needs at least one event".into(),
        ));
    }
    let mut ids = HashSet::with_capacity(events.len());
    for event in events {
        if event.event_type.is_empty() {
            return Err(StoreError::InvalidAppend(format!(
                "event {} has an empty type",
                event.event_id
            )));
        }
        if !ids.insert(event.event_id) {
            return Err(StoreError::InvalidAppend(format!(
                "event id {} appears twice in one append",
                event.event_id
            )));
        }
    }
    Ok(())
}

/// Checks the caller's expectation against the stream's last version (`None`: no event yet).
pub(crate) fn check_expected(
    stream: &StreamId,
    expected: ExpectedVersion,
    actual: Option<u64>,
) -> Result<(), StoreError> {
    let holds = match expected {
        ExpectedVersion::Any => true,
        ExpectedVersion::NoStream => actual.is_none(),
        ExpectedVersion::Exact(version) => actual == Some(version),
    };
    if holds {
        Ok(())
    } else {
        Err(StoreError::WrongExpectedVersion {
            stream: stream.clone(),
            expected,
            actual,
        })
    }
}

/// The version the first event of an append gets, given the stream's last version.
pub(crate) fn first_version(actual: Option<u64>) -> u64 {
    actual.map_or(0, |last| last + 1)
}

/// What the store holds under an event id, enough to judge a retry.
#[derive(Debug, Clone)]
pub(crate) struct StoredIdentity {
    pub stream_id: String,
    pub stream_version: u64,
    pub position: Position,
    pub event_type: String,
    pub payload: String,
}

/// Judges an append some of whose ids may be stored already; `found[i]` is what is stored
/// under `events[i].event_id`.
///
/// Returns `Ok(None)` when no id is stored (a new append), `Ok(Some(original))` when the whole
/// append is stored exactly as asked (an idempotent retry), and `DuplicateEventId` otherwise.
pub(crate) fn judge_retry(
    stream: &StreamId,
    events: &[NewEvent],
    found: &[Option<StoredIdentity>],
) -> Result<Option<AppendResult>, StoreError> {
    let Some(first_found) = found.iter().position(Option::is_some) else {
        return Ok(None);
    };
    let clash = |index: usize| StoreError::DuplicateEventId {
        event_id: events[index].event_id,
    };
    let (Some(Some(first)), Some(Some(last))) = (found.first(), found.last()) else {
        return Err(clash(first_found));
    };
    for (index, (event, stored)) in events.iter().zip(found).enumerate() {
        let offset = index as u64;
        let is_same = stored.as_ref().is_some_and(|stored| {
            stored.stream_id == stream.as_str()
                && stored.stream_version == first.stream_version + offset
                && stored.position.0 == first.position.0 + offset
                && event.same_content(&stored.event_type, &stored.payload)
        });
        if !is_same {
            return Err(clash(index));
        }
    }
    Ok(Some(AppendResult {
        first_position: first.position,
        last_position: last.position,
        next_expected_version: last.stream_version,
    }))
}
