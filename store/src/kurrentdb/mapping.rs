//! Pure translations between the port's values and the KurrentDB client's, unit-tested without
//! a server: expected versions, positions, custom metadata and errors.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::StoreError;
use crate::event::{AppendResult, ExpectedVersion, Metadata, Position};

/// The port's expectation as the client's stream state (the two enums have the same shape;
/// the client's `StreamExists` is never used).
pub(crate) fn stream_state(expected: ExpectedVersion) -> kurrentdb::StreamState {
    match expected {
        ExpectedVersion::Any => kurrentdb::StreamState::Any,
        ExpectedVersion::NoStream => kurrentdb::StreamState::NoStream,
        ExpectedVersion::Exact(version) => kurrentdb::StreamState::StreamRevision(version),
    }
}

/// The stream's actual last version as the server reports it in a conflict.
pub(crate) fn actual_version(current: kurrentdb::CurrentRevision) -> Option<u64> {
    match current {
        kurrentdb::CurrentRevision::Current(version) => Some(version),
        kurrentdb::CurrentRevision::NoStream => None,
    }
}

/// The port's [`Position`] of an event read from `$all`: its **prepare** position, the byte
/// offset of the event's own record in the transaction log. It is unique per event and grows
/// in `$all` order; the commit position is shared by the events of one append, so it cannot be
/// the port's position (see `docs/decisions/0004-kurrentdb-backend.md`).
pub(crate) fn position(server: kurrentdb::Position) -> Position {
    Position(server.prepare)
}

/// Where to start reading `$all` forwards to see the events after `after`: the full
/// (commit, prepare) pair when the store has seen that event (`commit`), else `(after, after)`,
/// which is exact for an event that is alone in its append (commit == prepare).
pub(crate) fn resume_from(after: Position, commit: Option<u64>) -> kurrentdb::Position {
    kurrentdb::Position {
        commit: commit.unwrap_or(after.0),
        prepare: after.0,
    }
}

/// Whether a position read from a stream (not from `$all`) is real: servers that do not know
/// an event's `$all` position on a stream read answer `-1`, i.e. `u64::MAX`.
pub(crate) fn is_known(position: Position) -> bool {
    position.0 < i64::MAX as u64
}

/// The result of a fresh append, from the events read back: when the stream read did not carry
/// real positions, the write result's position (the last event's) stands for both ends.
pub(crate) fn with_written_position(
    stored: AppendResult,
    written: kurrentdb::Position,
) -> AppendResult {
    if is_known(stored.first_position) && is_known(stored.last_position) {
        stored
    } else {
        AppendResult {
            first_position: position(written),
            last_position: position(written),
            ..stored
        }
    }
}

/// What otd keeps in an event's custom metadata (JSON). The causation and correlation ids use
/// KurrentDB's own names, so the server's `$by_correlation_id` projection understands them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredMetadata {
    #[serde(
        rename = "$causationId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub causation_id: Option<Uuid>,
    #[serde(
        rename = "$correlationId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub correlation_id: Option<Uuid>,
    #[serde(rename = "actor", default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(
        rename = "occurredAt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub occurred_at: Option<DateTime<Utc>>,
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
}

impl StoredMetadata {
    /// The custom metadata of a new event.
    pub(crate) fn new(metadata: &Metadata, schema_version: u32) -> Self {
        Self {
            causation_id: metadata.causation_id,
            correlation_id: metadata.correlation_id,
            actor: metadata.actor.clone(),
            occurred_at: metadata.occurred_at,
            schema_version,
        }
    }

    /// Reads the custom metadata of a stored event; anything but otd's shape is
    /// [`StoreError::Corrupt`] (an event written by another program into an otd stream).
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, StoreError> {
        serde_json::from_slice(bytes).map_err(|err| {
            StoreError::Corrupt(format!("an event's custom metadata is not otd's: {err}"))
        })
    }

    /// The port's metadata.
    pub(crate) fn metadata(&self) -> Metadata {
        Metadata {
            causation_id: self.causation_id,
            correlation_id: self.correlation_id,
            actor: self.actor.clone(),
            occurred_at: self.occurred_at,
        }
    }
}

/// The server's commit time, cut to the microsecond like the other backends.
pub(crate) fn recorded_at(created: DateTime<Utc>) -> DateTime<Utc> {
    created.trunc_subsecs(6)
}

/// Whether a failure may go away by itself (a leader change, a lost connection), so the same
/// request may be sent again after a pause.
pub(crate) fn is_transient(err: &kurrentdb::Error) -> bool {
    use kurrentdb::Error;
    match err {
        Error::NotLeaderException(_)
        | Error::ConnectionClosed
        | Error::GrpcConnectionError(_)
        | Error::DeadlineExceeded => true,
        Error::Grpc { code, .. } => matches!(
            code,
            tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::Aborted
        ),
        _ => false,
    }
}

/// Names a client failure for the caller. Conflicts are not mapped here: the append turns
/// `WrongExpectedVersion` into [`StoreError::WrongExpectedVersion`] itself, once it has ruled
/// out an idempotent retry.
pub(crate) fn store_error(err: kurrentdb::Error) -> StoreError {
    use kurrentdb::Error;
    let message = format!("KurrentDB: {err}");
    match err {
        Error::AccessDenied => StoreError::Unavailable(message),
        ref transient if is_transient(transient) => StoreError::Unavailable(message),
        _ => StoreError::Backend(message),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn expected_versions_map_to_the_same_stream_states() {
        assert_eq!(
            stream_state(ExpectedVersion::Any),
            kurrentdb::StreamState::Any
        );
        assert_eq!(
            stream_state(ExpectedVersion::NoStream),
            kurrentdb::StreamState::NoStream
        );
        assert_eq!(
            stream_state(ExpectedVersion::Exact(7)),
            kurrentdb::StreamState::StreamRevision(7)
        );
    }

    #[test]
    fn a_conflict_reports_the_streams_last_version() {
        assert_eq!(
            actual_version(kurrentdb::CurrentRevision::Current(3)),
            Some(3)
        );
        assert_eq!(actual_version(kurrentdb::CurrentRevision::NoStream), None);
    }

    #[test]
    fn the_port_position_is_the_prepare_position() {
        let server = kurrentdb::Position {
            commit: 1_000,
            prepare: 1_180,
        };
        assert_eq!(position(server), Position(1_180));
    }

    #[test]
    fn resuming_uses_the_known_commit_position_or_the_prepare_position() {
        assert_eq!(
            resume_from(Position(1_180), Some(1_000)),
            kurrentdb::Position {
                commit: 1_000,
                prepare: 1_180
            }
        );
        assert_eq!(
            resume_from(Position(1_180), None),
            kurrentdb::Position {
                commit: 1_180,
                prepare: 1_180
            }
        );
    }

    #[test]
    fn an_append_result_without_real_stream_positions_falls_back_to_the_write_position() {
        let written = kurrentdb::Position {
            commit: 900,
            prepare: 1_200,
        };
        let real = AppendResult {
            first_position: Position(1_000),
            last_position: Position(1_200),
            next_expected_version: 2,
        };
        assert_eq!(with_written_position(real, written), real);
        let unknown = AppendResult {
            first_position: Position(u64::MAX),
            last_position: Position(u64::MAX),
            next_expected_version: 2,
        };
        assert_eq!(
            with_written_position(unknown, written),
            AppendResult {
                first_position: Position(1_200),
                last_position: Position(1_200),
                next_expected_version: 2,
            }
        );
    }

    #[test]
    fn metadata_round_trips_through_the_custom_metadata_json() {
        let metadata = Metadata {
            causation_id: Some(Uuid::from_u128(1)),
            correlation_id: Some(Uuid::from_u128(2)),
            actor: Some("dealer:ana".into()),
            occurred_at: DateTime::from_timestamp_micros(1_795_420_800_000_001),
        };
        let stored = StoredMetadata::new(&metadata, 3);
        let json = serde_json::to_vec(&stored).unwrap();
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(text.contains("\"$correlationId\""), "{text}");
        let back = StoredMetadata::parse(&json).unwrap();
        assert_eq!(back.metadata(), metadata);
        assert_eq!(back.schema_version, 3);
    }

    #[test]
    fn empty_metadata_stores_only_the_schema_version() {
        let stored = StoredMetadata::new(&Metadata::default(), 1);
        assert_eq!(
            serde_json::to_string(&stored).unwrap(),
            r#"{"schemaVersion":1}"#
        );
    }

    #[test]
    fn foreign_custom_metadata_is_corrupt() {
        assert!(matches!(
            StoredMetadata::parse(b"not json"),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn a_leader_change_or_lost_connection_is_transient_and_unavailable() {
        let not_leader = kurrentdb::Error::NotLeaderException(kurrentdb::Endpoint {
            host: "node2".into(),
            port: 2113,
        });
        assert!(is_transient(&not_leader));
        assert!(matches!(
            store_error(not_leader),
            StoreError::Unavailable(_)
        ));
        assert!(is_transient(&kurrentdb::Error::ConnectionClosed));
        assert!(is_transient(&kurrentdb::Error::Grpc {
            code: tonic::Code::Unavailable,
            message: "gone".into()
        }));
        assert!(matches!(
            store_error(kurrentdb::Error::AccessDenied),
            StoreError::Unavailable(_)
        ));
    }

    #[test]
    fn other_failures_are_backend_errors_and_not_retried() {
        let err = kurrentdb::Error::ResourceDeleted;
        assert!(!is_transient(&err));
        assert!(matches!(store_error(err), StoreError::Backend(_)));
    }

    #[test]
    fn recorded_at_is_cut_to_the_microsecond() {
        let created = DateTime::parse_from_rfc3339("2026-11-23T05:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            recorded_at(created).to_rfc3339(),
            "2026-11-23T05:00:00.123456+00:00"
        );
    }
}
