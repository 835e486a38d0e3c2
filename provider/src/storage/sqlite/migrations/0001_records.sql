-- One table of records, as the adapter contract describes them (storage/mod.rs).
-- A rowid table: rows are appended in insertion order, so a commit of many new tokens dirties a
-- few table pages, and the small (kind, id) index takes the ids (which lead with their issue
-- time, see model::storage_id). Keyed by (kind, id) itself, large rows would split pages.
CREATE TABLE records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    payload TEXT NOT NULL,
    grant_id TEXT,
    uid TEXT,
    user_code TEXT,
    expires_at INTEGER,
    consumed_at INTEGER
);
CREATE UNIQUE INDEX records_kind_id ON records (kind, id);
CREATE INDEX records_grant_id ON records (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX records_uid ON records (kind, uid) WHERE uid IS NOT NULL;
CREATE INDEX records_user_code ON records (kind, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX records_expires_at ON records (expires_at) WHERE expires_at IS NOT NULL;
