-- otd read models, PostgreSQL, in the event store's schema (tables prefixed `rm_`).
-- One row per document: `(collection, key)` is its address, `tag1..tag3` the values the views
-- filter on, `position` the log position of the last event that changed it, `doc` its JSON
-- text (kept as text: the engine never queries inside it, and text is cheaper to write).
CREATE TABLE IF NOT EXISTS rm_docs (
    collection  text    NOT NULL,
    key         text    NOT NULL,
    tag1        text,
    tag2        text,
    tag3        text,
    position    bigint  NOT NULL,
    doc         text    NOT NULL,
    PRIMARY KEY (collection, key)
);
CREATE INDEX IF NOT EXISTS rm_docs_tag1 ON rm_docs (collection, tag1, key) WHERE tag1 IS NOT NULL;
CREATE INDEX IF NOT EXISTS rm_docs_tag2 ON rm_docs (collection, tag2, key) WHERE tag2 IS NOT NULL;
CREATE INDEX IF NOT EXISTS rm_docs_tag3 ON rm_docs (collection, tag3, key) WHERE tag3 IS NOT NULL;

-- How far each projection (and each process manager) has read the log; a projection's row is
-- committed in the same transaction as its documents.
CREATE TABLE IF NOT EXISTS rm_checkpoints (
    name      text     PRIMARY KEY,
    position  bigint   NOT NULL,
    version   integer  NOT NULL
);
