-- The key table of ADR 0007, in the store's schema (or a KurrentDB deployment's read-model
-- schema). Never rolled into the event store's migrations: it lives wherever keys are kept.
CREATE TABLE IF NOT EXISTS personal_keys (
    key_id        text        PRIMARY KEY,
    subject       text        NOT NULL,
    purpose       text        NOT NULL,
    wrapped_key   bytea       NOT NULL,
    created_at    timestamptz NOT NULL,
    destroy_after timestamptz
);
CREATE INDEX IF NOT EXISTS personal_keys_by_subject ON personal_keys (subject);
