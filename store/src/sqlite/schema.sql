-- The otd event log, SQLite schema version 2 (version 1 lacked `occurred_at`).
-- `position` is the rowid: the global position, 1-based, gapless, assigned by the single writer
-- in commit order. Times are microseconds since the Unix epoch (UTC); ids are 16-byte UUIDs.
CREATE TABLE events (
    position        INTEGER PRIMARY KEY,
    stream_id       TEXT    NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_id        BLOB    NOT NULL UNIQUE,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    payload         TEXT    NOT NULL,
    causation_id    BLOB,
    correlation_id  BLOB,
    actor           TEXT,
    recorded_at     INTEGER NOT NULL,
    occurred_at     INTEGER,
    UNIQUE (stream_id, stream_version)
) STRICT;
