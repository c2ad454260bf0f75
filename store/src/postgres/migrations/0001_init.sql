-- The otd event log, PostgreSQL migration 1.
-- `position` is assigned by the writer as max + 1 while it holds the schema's transaction-scoped
-- advisory lock, so positions are gapless and in commit order (see
-- docs/decisions/0002-postgres-global-order.md). Not a SEQUENCE: a rolled-back sequence value
-- would leave a gap, and sequence order is not commit order.
CREATE TABLE events (
    position        bigint      PRIMARY KEY,
    stream_id       text        NOT NULL,
    stream_version  bigint      NOT NULL,
    event_id        uuid        NOT NULL UNIQUE,
    event_type      text        NOT NULL,
    schema_version  bigint      NOT NULL,
    payload         json        NOT NULL,
    causation_id    uuid,
    correlation_id  uuid,
    actor           text,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version),
    CONSTRAINT events_position_positive CHECK (position > 0),
    CONSTRAINT events_stream_version_not_negative CHECK (stream_version >= 0)
);
