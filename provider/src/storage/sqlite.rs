//! The SQLite backend (the embedded default): one table, WAL journal, `synchronous=FULL`, so a
//! record is on disk before `upsert` returns and survives a crash as well as a restart.

use super::{Adapter, Kind, Record, StorageError, expires_at, now_ms};
use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use std::path::Path;
use std::time::Duration;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS records (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        payload TEXT NOT NULL,
        grant_id TEXT,
        uid TEXT,
        user_code TEXT,
        expires_at INTEGER,
        consumed_at INTEGER,
        PRIMARY KEY (kind, id)
    ) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS records_grant_id ON records (grant_id) WHERE grant_id IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS records_uid ON records (kind, uid) WHERE uid IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS records_user_code ON records (kind, user_code) WHERE user_code IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS records_expires_at ON records (expires_at) WHERE expires_at IS NOT NULL",
];

// Every query is a constant: no SQL is ever built from input. "Live" means not expired.
macro_rules! select_live {
    ($column:literal) => {
        concat!(
            "SELECT payload, grant_id, uid, user_code, consumed_at FROM records WHERE kind = ? AND ",
            $column,
            " = ? AND (expires_at IS NULL OR expires_at > ?)"
        )
    };
}
const FIND_BY_ID: &str = select_live!("id");
const FIND_BY_UID: &str = select_live!("uid");
const FIND_BY_USER_CODE: &str = select_live!("user_code");
/// Insert or replace a record (and reset its consumption).
macro_rules! upsert_sql {
    () => {
        "INSERT INTO records (kind, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
         ON CONFLICT (kind, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
           uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at, consumed_at = NULL"
    };
}
const UPSERT: &str = upsert_sql!();
/// The same, but replacing only an expired row.
const INSERT_NEW: &str = concat!(upsert_sql!(), " WHERE records.expires_at IS NOT NULL AND records.expires_at <= ?");
const CONSUME: &str = "UPDATE records SET consumed_at = ? WHERE kind = ? AND id = ? AND consumed_at IS NULL \
    AND (expires_at IS NULL OR expires_at > ?)";

/// A pool of SQLite connections on one database file.
pub struct SqliteAdapter {
    pool: SqlitePool,
}

impl SqliteAdapter {
    /// Opens (creating if needed) the database file and its folder, and applies the schema.
    pub async fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StorageError(format!("{}: {e}", dir.display())))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| StorageError(format!("{}: {e}", path.display())))?;
        for statement in SCHEMA {
            sqlx::query(*statement).execute(&pool).await.map_err(err)?;
        }
        Ok(Self { pool })
    }

    async fn find_where(&self, query: &'static str, kind: Kind, value: &str) -> Result<Option<Record>, StorageError> {
        let row = sqlx::query(query)
            .bind(kind.as_str())
            .bind(value)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await
            .map_err(err)?;
        row.map(to_record).transpose()
    }
}

/// Binds a record's columns, in the order of `UPSERT` / `INSERT_NEW`.
fn bind_record<'q>(
    query: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    kind: Kind,
    id: &'q str,
    record: &'q Record,
    expires_at: Option<i64>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    query
        .bind(kind.as_str())
        .bind(id)
        .bind(record.payload.to_string())
        .bind(&record.grant_id)
        .bind(&record.uid)
        .bind(&record.user_code)
        .bind(expires_at)
}

fn err(e: sqlx::Error) -> StorageError {
    StorageError(e.to_string())
}

fn to_record(row: SqliteRow) -> Result<Record, StorageError> {
    let payload: String = row.try_get("payload").map_err(err)?;
    Ok(Record {
        payload: serde_json::from_str(&payload).map_err(|e| StorageError(e.to_string()))?,
        grant_id: row.try_get("grant_id").map_err(err)?,
        uid: row.try_get("uid").map_err(err)?,
        user_code: row.try_get("user_code").map_err(err)?,
        consumed_at: row.try_get::<Option<i64>, _>("consumed_at").map_err(err)?,
    })
}

#[async_trait]
impl Adapter for SqliteAdapter {
    async fn upsert(&self, kind: Kind, id: &str, record: &Record, ttl: Option<Duration>) -> Result<(), StorageError> {
        bind_record(sqlx::query(UPSERT), kind, id, record, expires_at(ttl)).execute(&self.pool).await.map_err(err)?;
        Ok(())
    }

    async fn insert_new(&self, kind: Kind, id: &str, record: &Record, ttl: Duration) -> Result<bool, StorageError> {
        // One statement: insert, or take over the row only if it has expired. SQLite serialises
        // writers, so of concurrent callers exactly one changes a row.
        let done = bind_record(sqlx::query(INSERT_NEW), kind, id, record, expires_at(Some(ttl)))
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn find(&self, kind: Kind, id: &str) -> Result<Option<Record>, StorageError> {
        self.find_where(FIND_BY_ID, kind, id).await
    }

    async fn find_by_uid(&self, kind: Kind, uid: &str) -> Result<Option<Record>, StorageError> {
        self.find_where(FIND_BY_UID, kind, uid).await
    }

    async fn find_by_user_code(&self, kind: Kind, user_code: &str) -> Result<Option<Record>, StorageError> {
        self.find_where(FIND_BY_USER_CODE, kind, user_code).await
    }

    async fn consume(&self, kind: Kind, id: &str) -> Result<bool, StorageError> {
        // One UPDATE with the "not yet consumed" condition: SQLite serialises writers, so exactly
        // one caller sees a changed row.
        let now = now_ms();
        let done = sqlx::query(CONSUME)
            .bind(now)
            .bind(kind.as_str())
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn destroy(&self, kind: Kind, id: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM records WHERE kind = ? AND id = ?")
            .bind(kind.as_str())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn purge_expired(&self) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM records WHERE expires_at <= ?")
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected())
    }

    async fn revoke_by_grant_id(&self, grant_id: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM records WHERE grant_id = ?").bind(grant_id).execute(&self.pool).await.map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::adapter_contract_tests!({
        let dir = tempfile::tempdir().unwrap();
        let adapter = SqliteAdapter::open(&dir.path().join("op.db")).await.unwrap();
        // Keep the directory alive for the test's duration.
        std::mem::forget(dir);
        std::sync::Arc::new(adapter)
    });

    #[tokio::test]
    async fn records_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("op.db");
        let first = SqliteAdapter::open(&path).await.unwrap();
        first.upsert(Kind::RefreshToken, "h", &Record::new(serde_json::json!({"a": 1})), None).await.unwrap();
        drop(first);
        let second = SqliteAdapter::open(&path).await.unwrap();
        let found = second.find(Kind::RefreshToken, "h").await.unwrap().unwrap();
        assert_eq!(found.payload["a"], 1);
    }
}
