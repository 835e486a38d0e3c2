-- One table of records, as the adapter contract describes them (storage/mod.rs). Times are
-- milliseconds since the epoch, as on SQLite, so `provider storage copy` moves rows unchanged.
CREATE TABLE records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    payload TEXT NOT NULL,
    grant_id TEXT,
    uid TEXT,
    user_code TEXT,
    expires_at BIGINT,
    consumed_at BIGINT,
    PRIMARY KEY (kind, id)
);
CREATE INDEX records_grant_id ON records (grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX records_uid ON records (kind, uid) WHERE uid IS NOT NULL;
CREATE INDEX records_user_code ON records (kind, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX records_expires_at ON records (expires_at) WHERE expires_at IS NOT NULL;
