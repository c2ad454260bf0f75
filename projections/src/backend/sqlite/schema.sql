-- otd read models, SQLite, in the event store's own database file (tables prefixed `rm_`).
-- One row per document: `(collection, key)` is its address, `tag1..tag3` the values the views
-- filter on (what each tag holds is documented per collection in docs/projections.md),
-- `position` the log position of the last event that changed it, `doc` its JSON text.
CREATE TABLE IF NOT EXISTS rm_docs (
    collection  TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    tag1        TEXT,
    tag2        TEXT,
    tag3        TEXT,
    position    INTEGER NOT NULL,
    doc         TEXT    NOT NULL,
    PRIMARY KEY (collection, key)
) STRICT;
CREATE INDEX IF NOT EXISTS rm_docs_tag1 ON rm_docs (collection, tag1, key) WHERE tag1 IS NOT NULL;
CREATE INDEX IF NOT EXISTS rm_docs_tag2 ON rm_docs (collection, tag2, key) WHERE tag2 IS NOT NULL;
CREATE INDEX IF NOT EXISTS rm_docs_tag3 ON rm_docs (collection, tag3, key) WHERE tag3 IS NOT NULL;

-- How far each projection (and each process manager) has read the log; a projection's row is
-- committed in the same transaction as its documents. `version` is the version of the
-- projection's logic that wrote them: a different version makes the runner rebuild it.
CREATE TABLE IF NOT EXISTS rm_checkpoints (
    name      TEXT    PRIMARY KEY,
    position  INTEGER NOT NULL,
    version   INTEGER NOT NULL
) STRICT;
