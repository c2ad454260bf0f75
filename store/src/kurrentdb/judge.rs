//! Judging an append against the events of its stream that carry the batch's ids, the
//! KurrentDB counterpart of `rules::judge_retry` (which needs dense positions). Pure, so it is
//! unit-tested without a server.

use std::collections::HashSet;

use uuid::Uuid;

use crate::error::StoreError;
use crate::event::{AppendResult, ExpectedVersion, NewEvent, RecordedEvent, StreamId};

/// Judges `events` against `stored`, events of the target stream read back (in any order; the
/// first one under an id counts, unrelated events are ignored).
///
/// - `Ok(None)`: none of the batch's ids is among `stored`;
/// - `Ok(Some(original))`: every id is there, at consecutive versions in batch order, with the
///   same type and payload: this very append, whose original result is returned;
/// - `Err(DuplicateEventId)` otherwise, naming an id that **is stored**, like memory, SQLite
///   and PostgreSQL: the first of the batch whose stored event has other content (or another
///   place), else (only part of the batch is stored) the first stored one.
pub(crate) fn judge(
    events: &[NewEvent],
    stored: &[RecordedEvent],
) -> Result<Option<AppendResult>, StoreError> {
    let found: Vec<Option<&RecordedEvent>> = events
        .iter()
        .map(|event| {
            stored
                .iter()
                .find(|stored| stored.event_id == event.event_id)
        })
        .collect();
    let Some(first_stored) = found.iter().flatten().next() else {
        return Ok(None);
    };
    let clash = |stored: &RecordedEvent| StoreError::DuplicateEventId {
        event_id: stored.event_id,
    };
    let base = found
        .first()
        .copied()
        .flatten()
        .map(|first| first.stream_version);
    for (offset, (event, stored)) in events.iter().zip(&found).enumerate() {
        let Some(stored) = stored else { continue };
        let in_place = base.map(|base| base + offset as u64) == Some(stored.stream_version);
        if !in_place || !event.same_content(&stored.event_type, stored.payload.as_str()) {
            return Err(clash(stored));
        }
    }
    match (found.first(), found.last()) {
        (Some(Some(first)), Some(Some(last))) if found.iter().all(Option::is_some) => {
            Ok(Some(AppendResult {
                first_position: first.position,
                last_position: last.position,
                next_expected_version: last.stream_version,
            }))
        }
        _ => Err(clash(first_stored)),
    }
}

/// Judges an append the server refused as a wrong expected version, against the events of
/// `stream` read where a retry of it would be (`NoStream`/`Exact(v)`: the `n` events from
/// version 0 or `v + 1`; `Any`: the newest event under each id of the batch).
///
/// A stored batch is judged by [`judge`]. Otherwise it is `WrongExpectedVersion` with the
/// server's `actual` version, except for `Any`, which never conflicts on the version: the
/// server refuses an `Any` batch only when its first id is stored in this stream and a later
/// one is not, so it is `DuplicateEventId` naming that first id.
pub(crate) fn judge_conflict(
    stream: &StreamId,
    expected: ExpectedVersion,
    actual: Option<u64>,
    events: &[NewEvent],
    stored: &[RecordedEvent],
) -> Result<AppendResult, StoreError> {
    if let Some(original) = judge(events, stored)? {
        return Ok(original);
    }
    match (expected, events.first()) {
        (ExpectedVersion::Any, Some(first)) => Err(StoreError::DuplicateEventId {
            event_id: first.event_id,
        }),
        _ => Err(StoreError::WrongExpectedVersion {
            stream: stream.clone(),
            expected,
            actual,
        }),
    }
}

/// Collects, from a stream read backwards (newest first), the newest stored event under each
/// id of a batch, so the search can stop as soon as every id is found.
pub(crate) struct Search {
    wanted: HashSet<Uuid>,
    found: Vec<RecordedEvent>,
}

impl Search {
    /// A search for the ids of `events`.
    pub(crate) fn new(events: &[NewEvent]) -> Self {
        Self {
            wanted: events.iter().map(|event| event.event_id).collect(),
            found: Vec::new(),
        }
    }

    /// Takes the next event read; returns `true` once every id has been found.
    pub(crate) fn take(&mut self, event: RecordedEvent) -> bool {
        if self.wanted.remove(&event.event_id) {
            self.found.push(event);
        }
        self.wanted.is_empty()
    }

    /// The events found, newest first, at most one per id.
    pub(crate) fn found(self) -> Vec<RecordedEvent> {
        self.found
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::Utc;

    use super::*;
    use crate::event::{Metadata, Payload, Position, StreamId};

    fn new_event(id: u128, tag: &str) -> NewEvent {
        NewEvent {
            event_id: Uuid::from_u128(id),
            event_type: "Tagged".into(),
            schema_version: 1,
            payload: Payload::from_json(format!(r#"{{"tag":"{tag}"}}"#)).unwrap(),
            metadata: Metadata::default(),
        }
    }

    /// `event` as stored at `version`, with a sparse position (a log offset).
    fn stored(event: &NewEvent, version: u64) -> RecordedEvent {
        RecordedEvent {
            stream_id: StreamId::trusted("order-1"),
            stream_version: version,
            position: Position(1_000 + 317 * version),
            event_id: event.event_id,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            payload: event.payload.clone(),
            metadata: event.metadata.clone(),
            recorded_at: Utc::now(),
        }
    }

    fn batch() -> Vec<NewEvent> {
        vec![new_event(1, "a"), new_event(2, "b"), new_event(3, "c")]
    }

    /// The stream: one earlier event, then `batch()` at versions 1, 2, 3.
    fn stream() -> Vec<RecordedEvent> {
        let mut log = vec![stored(&new_event(99, "earlier"), 0)];
        log.extend(batch().iter().zip(1..).map(|(event, v)| stored(event, v)));
        log
    }

    fn duplicate<T>(id: u128) -> Result<T, StoreError> {
        Err(StoreError::DuplicateEventId {
            event_id: Uuid::from_u128(id),
        })
    }

    #[test]
    fn no_id_stored_is_a_new_append() {
        let fresh = vec![new_event(7, "x"), new_event(8, "y")];
        assert_eq!(judge(&fresh, &stream()), Ok(None));
        assert_eq!(judge(&fresh, &[]), Ok(None));
    }

    #[test]
    fn the_very_same_append_returns_its_original_result() {
        let log = stream();
        let original = AppendResult {
            first_position: log[1].position,
            last_position: log[3].position,
            next_expected_version: 3,
        };
        assert_eq!(judge(&batch(), &log), Ok(Some(original)));
        let mut newest_first = log.clone();
        newest_first.reverse();
        assert_eq!(judge(&batch(), &newest_first), Ok(Some(original)));
    }

    #[test]
    fn other_content_names_the_id_stored_with_other_content() {
        let mut changed = batch();
        changed[1].payload = Payload::from_json(r#"{"tag":"changed"}"#).unwrap();
        assert_eq!(judge(&changed, &stream()), duplicate(2));
        let mut retyped = batch();
        retyped[2].event_type = "Other".into();
        assert_eq!(judge(&retyped, &stream()), duplicate(3));
    }

    #[test]
    fn a_partial_repeat_names_a_stored_id_never_a_fresh_one() {
        // The contract suite's partial retry: the last stored id, then a fresh one.
        let partial = vec![new_event(3, "c"), new_event(50, "fresh")];
        assert_eq!(judge(&partial, &stream()), duplicate(3));
        // A fresh id first, then stored ones: still a stored id, not the fresh 50.
        let fresh_first = vec![new_event(50, "fresh"), new_event(2, "b"), new_event(3, "c")];
        assert_eq!(judge(&fresh_first, &stream()), duplicate(2));
        // A fresh id in the middle: the first stored id.
        let gap = vec![new_event(1, "a"), new_event(50, "fresh"), new_event(3, "c")];
        assert_eq!(judge(&gap, &stream()), duplicate(1));
    }

    #[test]
    fn stored_ids_out_of_place_are_a_duplicate() {
        // Skipping an event of the original append.
        let skipping = vec![new_event(1, "a"), new_event(3, "c")];
        assert_eq!(judge(&skipping, &stream()), duplicate(3));
        // Another order.
        let swapped = vec![new_event(2, "b"), new_event(1, "a")];
        assert_eq!(judge(&swapped, &stream()), duplicate(1));
    }

    #[test]
    fn content_is_judged_before_a_missing_id() {
        let mut changed = vec![new_event(1, "a"), new_event(2, "b"), new_event(50, "x")];
        changed[1].payload = Payload::from_json(r#"{"tag":"changed"}"#).unwrap();
        assert_eq!(judge(&changed, &stream()), duplicate(2));
    }

    #[test]
    fn a_refused_append_whose_batch_is_stored_is_judged_as_a_retry() {
        let order = StreamId::trusted("order-1");
        let log = stream();
        let original = judge(&batch(), &log).unwrap().unwrap();
        for expected in [ExpectedVersion::Any, ExpectedVersion::Exact(0)] {
            assert_eq!(
                judge_conflict(&order, expected, Some(3), &batch(), &log),
                Ok(original)
            );
        }
        let partial = vec![new_event(3, "c"), new_event(50, "fresh")];
        assert_eq!(
            judge_conflict(&order, ExpectedVersion::Any, Some(3), &partial, &log),
            duplicate(3)
        );
    }

    #[test]
    fn a_refused_any_append_is_never_a_version_conflict() {
        let order = StreamId::trusted("order-1");
        // The server found the first id in this stream, the search did not (beyond it).
        let batch = vec![new_event(60, "x"), new_event(61, "y")];
        assert_eq!(
            judge_conflict(&order, ExpectedVersion::Any, Some(5_000), &batch, &stream()),
            duplicate(60)
        );
        // With a version named, a batch not stored where it would be is a conflict.
        assert_eq!(
            judge_conflict(&order, ExpectedVersion::Exact(1), Some(3), &batch, &[]),
            Err(StoreError::WrongExpectedVersion {
                stream: order.clone(),
                expected: ExpectedVersion::Exact(1),
                actual: Some(3),
            })
        );
        assert!(matches!(
            judge_conflict(&order, ExpectedVersion::NoStream, Some(3), &batch, &[]),
            Err(StoreError::WrongExpectedVersion {
                actual: Some(3),
                ..
            })
        ));
    }

    #[test]
    fn a_backwards_search_keeps_the_newest_event_per_id_and_stops_when_all_are_found() {
        let wanted = vec![new_event(1, "a"), new_event(2, "b")];
        let mut search = Search::new(&wanted);
        let mut newest_first = stream();
        newest_first.reverse();
        let old_copy = stored(&new_event(2, "old b"), 0);
        let mut done = Vec::new();
        for event in newest_first.into_iter().chain([old_copy]) {
            done.push(search.take(event));
        }
        assert_eq!(done, [false, false, true, true, true]);
        let found = search.found();
        let ids: Vec<_> = found
            .iter()
            .map(|e| (e.event_id, e.stream_version))
            .collect();
        assert_eq!(
            ids,
            [(Uuid::from_u128(2), 2), (Uuid::from_u128(1), 1)],
            "the newest copy of id 2 (version 2), not the older one"
        );
        assert_eq!(
            judge(&wanted, &found),
            Ok(Some(AppendResult {
                first_position: stream()[1].position,
                last_position: stream()[2].position,
                next_expected_version: 2,
            }))
        );
    }
}
