-- The key table of ADR 0007, beside the log in the same file. Times are Unix milliseconds (UTC).
-- WITHOUT ROWID: the wrapped key lives in one b-tree only (the primary key's).
CREATE TABLE IF NOT EXISTS personal_keys (
    key_id        TEXT    NOT NULL PRIMARY KEY,
    subject       TEXT    NOT NULL,
    purpose       TEXT    NOT NULL,
    wrapped_key   BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    destroy_after INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS personal_keys_by_subject ON personal_keys (subject);
CREATE INDEX IF NOT EXISTS personal_keys_by_destroy_after ON personal_keys (destroy_after)
    WHERE destroy_after IS NOT NULL;
