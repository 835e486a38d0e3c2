//! The PostgreSQL backend, for several instances behind a load balancer: the SQLite backend's
//! one table, on a pool of connections.
//!
//! Every rule of the contract that SQLite gets from its single writer comes here from one
//! statement: `consume` and `replace_if` are one conditional `UPDATE` (under READ COMMITTED a
//! second updater waits for the first and re-checks the condition on the row it committed), and
//! `insert_new` one `INSERT … ON CONFLICT DO UPDATE … WHERE` (expired rows only). So of any
//! number of callers, on any number of instances, exactly one wins.
//!
//! The hot paths' statements are grouped (see `grouped`): concurrent upserts become one
//! statement and one commit, as the SQLite writer shares one fsync per group, and concurrent
//! lookups by id one query. Other writes are one statement each; PostgreSQL's own group commit
//! lets concurrent commits on the pool's connections share WAL flushes.

mod connect;
mod grouped;
mod migrate;

use super::schema;
use super::{Adapter, Exported, Kind, Record, StorageError, StorageOptions, expires_at, now_ms};
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Object, Pool};
use grouped::Grouped;
use std::collections::HashMap;
use std::time::Duration;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

// Every query is a constant: no SQL is ever built from input. "Live" means not expired.
macro_rules! select_live {
    ($column:literal) => {
        concat!(
            "SELECT payload, grant_id, uid, user_code, consumed_at FROM records WHERE kind = $1 AND ",
            $column,
            " = $2 AND (expires_at IS NULL OR expires_at > $3) LIMIT 1"
        )
    };
}
/// Lookups by id, grouped: the live rows among `($1[i], $2[i])`.
const FIND_MANY: &str = "SELECT r.kind, r.id, r.payload, r.grant_id, r.uid, r.user_code, r.consumed_at \
     FROM records r JOIN unnest($1::text[], $2::text[]) AS wanted (kind, id) \
       ON r.kind = wanted.kind AND r.id = wanted.id \
     WHERE r.expires_at IS NULL OR r.expires_at > $3";
const FIND_BY_UID: &str = select_live!("uid");
const FIND_BY_USER_CODE: &str = select_live!("user_code");
const LIST_KIND: &str = "SELECT payload, grant_id, uid, user_code, consumed_at FROM records \
     WHERE kind = $1 AND (expires_at IS NULL OR expires_at > $2)";
/// Insert or replace records (and reset their consumption), grouped: row `i` of the arrays.
const UPSERT_MANY: &str = "INSERT INTO records (kind, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
     SELECT kind, id, payload, grant_id, uid, user_code, expires_at, NULL
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[])
       AS given (kind, id, payload, grant_id, uid, user_code, expires_at)
     ON CONFLICT (kind, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
       uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at, consumed_at = NULL";
/// Insert one record, or take over the row only if it has expired.
const INSERT_NEW: &str = "INSERT INTO records (kind, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)
     ON CONFLICT (kind, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
       uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at, consumed_at = NULL
     WHERE records.expires_at IS NOT NULL AND records.expires_at <= $8";
const CONSUME: &str = "UPDATE records SET consumed_at = $1 WHERE kind = $2 AND id = $3 AND consumed_at IS NULL \
    AND (expires_at IS NULL OR expires_at > $1)";
const REPLACE_IF: &str = "UPDATE records SET payload = $4, grant_id = $5, uid = $6, user_code = $7, expires_at = $8 \
    WHERE kind = $1 AND id = $2 AND payload = $3 AND consumed_at IS NULL AND (expires_at IS NULL OR expires_at > $9)";
const DESTROY: &str = "DELETE FROM records WHERE kind = $1 AND id = $2";
const REVOKE_GRANT: &str = "DELETE FROM records WHERE grant_id = $1";
/// Expired records, a batch at a time: each batch stays well inside the statement timeout
/// however many expired while the provider was down.
const PURGE: &str = "DELETE FROM records WHERE ctid IN \
     (SELECT ctid FROM records WHERE expires_at <= $1 LIMIT $2)";
/// Rows one purge statement deletes at most.
const PURGE_BATCH: i64 = 10_000;
const EXPORT: &str = "SELECT id, expires_at, payload, grant_id, uid, user_code, consumed_at FROM records \
     WHERE kind = $1 AND id > $2 AND (expires_at IS NULL OR expires_at > $3) ORDER BY id LIMIT $4";
const IMPORT: &str = "INSERT INTO records (kind, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (kind, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
       uid = EXCLUDED.uid, user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at,
       consumed_at = EXCLUDED.consumed_at";

/// The worker running grouped upserts: one, as the SQLite backend has one writer, so that
/// groups are big (each statement and commit costs the server the same whatever its size) and
/// form while the one before commits. On 2 cores one writer made 24k tokens/s, two 22k, four
/// 19k, eight 14k (bench/run.sh's client credentials, one instance).
const UPSERT_WORKERS: usize = 1;
/// Workers running grouped lookups: two did best for introspection (28k/s, against 26k for
/// one and 22k for four); reads commit nothing, so a second worker overlaps round-trips.
const FIND_WORKERS: usize = 2;

/// A pool of connections to one PostgreSQL database.
pub struct PostgresAdapter {
    pool: Pool,
    upserts: Grouped<Upsert, ()>,
    finds: Grouped<(Kind, String), Option<Record>>,
}

/// One queued upsert.
struct Upsert {
    kind: Kind,
    id: String,
    record: Record,
    expires_at: Option<i64>,
}

impl PostgresAdapter {
    /// Connects to the database at `url` (a `postgres://` URL) with a pool as `options` say, and
    /// brings its schema to this provider's version as `options.upgrade` allows (see
    /// [`schema`](super::schema)).
    pub async fn open(url: &str, options: &StorageOptions) -> Result<Self, StorageError> {
        let pool = connect::pool(url, options)?;
        let mut client = get(&pool).await?;
        migrate::migrate(&mut client, schema::POSTGRES, options.upgrade).await?;
        let upserts = Grouped::spawn(UPSERT_WORKERS, "write", {
            let pool = pool.clone();
            move |group| upsert_many(pool.clone(), group)
        });
        let finds = Grouped::spawn(FIND_WORKERS.min(options.pool_size), "read", {
            let pool = pool.clone();
            move |group| find_many(pool.clone(), group)
        });
        Ok(Self { pool, upserts, finds })
    }

    async fn execute(&self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, StorageError> {
        let client = get(&self.pool).await?;
        let statement = client.prepare_cached(sql).await.map_err(err)?;
        client.execute(&statement, params).await.map_err(err)
    }

    async fn query(&self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, StorageError> {
        let client = get(&self.pool).await?;
        let statement = client.prepare_cached(sql).await.map_err(err)?;
        client.query(&statement, params).await.map_err(err)
    }

    async fn find_where(&self, sql: &'static str, kind: Kind, value: &str) -> Result<Option<Record>, StorageError> {
        let rows = self.query(sql, &[&kind.as_str(), &value, &now_ms()]).await?;
        rows.first().map(record).transpose()
    }
}

/// Runs a group of upserts as one statement (one commit). Of several upserts of one record in a
/// group, the last is kept: one statement may change a row only once, and concurrent upserts of
/// one id have no order to keep anyway.
async fn upsert_many(pool: Pool, group: Vec<Upsert>) -> Result<Vec<()>, StorageError> {
    let count = group.len();
    let mut last: HashMap<(Kind, &str), &Upsert> = HashMap::with_capacity(count);
    for upsert in &group {
        last.insert((upsert.kind, upsert.id.as_str()), upsert);
    }
    let mut rows: Vec<&Upsert> = last.into_values().collect();
    // Rows in one order in every group: the groups of two instances locking the same rows never
    // deadlock.
    rows.sort_unstable_by(|a, b| (a.kind.as_str(), &a.id).cmp(&(b.kind.as_str(), &b.id)));
    let kinds: Vec<&str> = rows.iter().map(|u| u.kind.as_str()).collect();
    let ids: Vec<&str> = rows.iter().map(|u| u.id.as_str()).collect();
    let payloads: Vec<&str> = rows.iter().map(|u| u.record.payload.as_str()).collect();
    let grant_ids: Vec<Option<&str>> = rows.iter().map(|u| u.record.grant_id.as_deref()).collect();
    let uids: Vec<Option<&str>> = rows.iter().map(|u| u.record.uid.as_deref()).collect();
    let user_codes: Vec<Option<&str>> = rows.iter().map(|u| u.record.user_code.as_deref()).collect();
    let expiries: Vec<Option<i64>> = rows.iter().map(|u| u.expires_at).collect();
    let client = get(&pool).await?;
    let statement = client.prepare_cached(UPSERT_MANY).await.map_err(err)?;
    let params: [&(dyn ToSql + Sync); 7] = [&kinds, &ids, &payloads, &grant_ids, &uids, &user_codes, &expiries];
    client.execute(&statement, &params).await.map_err(err)?;
    Ok(vec![(); count])
}

/// Runs a group of lookups by id as one query.
async fn find_many(pool: Pool, group: Vec<(Kind, String)>) -> Result<Vec<Option<Record>>, StorageError> {
    let kinds: Vec<&str> = group.iter().map(|(kind, _)| kind.as_str()).collect();
    let ids: Vec<&str> = group.iter().map(|(_, id)| id.as_str()).collect();
    let client = get(&pool).await?;
    let statement = client.prepare_cached(FIND_MANY).await.map_err(err)?;
    let rows = client.query(&statement, &[&kinds, &ids, &now_ms()]).await.map_err(err)?;
    // Keyed by the rows' own text: no copy of a key per lookup.
    let mut found: HashMap<(&str, &str), Record> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let key = (row.try_get(0).map_err(err)?, row.try_get(1).map_err(err)?);
        found.insert(key, record_at(row, 2)?);
    }
    Ok(group.iter().map(|(kind, id)| found.get(&(kind.as_str(), id.as_str())).cloned()).collect())
}

/// A connection from the pool.
async fn get(pool: &Pool) -> Result<Object, StorageError> {
    pool.get().await.map_err(|e| match e {
        // Connecting failed: say why, as the server or the network put it.
        deadpool_postgres::PoolError::Backend(e) => err(e),
        e => StorageError(format!("PostgreSQL: {e}")),
    })
}

fn err(e: tokio_postgres::Error) -> StorageError {
    // A server error's own message says more than its summary ("db error").
    match e.as_db_error() {
        Some(db) => StorageError(format!("PostgreSQL: {}: {}", db.code().code(), db.message())),
        // The cause says what went wrong ("invalid peer certificate: UnknownIssuer").
        None => {
            let mut message = format!("PostgreSQL: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            StorageError(message)
        }
    }
}

/// A `Record` from the columns `payload, grant_id, uid, user_code, consumed_at`, from `at`.
fn record_at(row: &Row, at: usize) -> Result<Record, StorageError> {
    Ok(Record {
        payload: row.try_get(at).map_err(err)?,
        grant_id: row.try_get(at + 1).map_err(err)?,
        uid: row.try_get(at + 2).map_err(err)?,
        user_code: row.try_get(at + 3).map_err(err)?,
        consumed_at: row.try_get(at + 4).map_err(err)?,
    })
}

fn record(row: &Row) -> Result<Record, StorageError> {
    record_at(row, 0)
}

#[async_trait]
impl Adapter for PostgresAdapter {
    async fn upsert(&self, kind: Kind, id: &str, record: &Record, ttl: Option<Duration>) -> Result<(), StorageError> {
        let upsert = Upsert { kind, id: id.to_string(), record: record.clone(), expires_at: expires_at(ttl) };
        self.upserts.call(upsert).await
    }

    async fn insert_new(&self, kind: Kind, id: &str, record: &Record, ttl: Duration) -> Result<bool, StorageError> {
        let r = record;
        let params: [&(dyn ToSql + Sync); 8] =
            [&kind.as_str(), &id, &r.payload, &r.grant_id, &r.uid, &r.user_code, &expires_at(Some(ttl)), &now_ms()];
        Ok(self.execute(INSERT_NEW, &params).await? == 1)
    }

    async fn replace_if(
        &self,
        kind: Kind,
        id: &str,
        expected: &str,
        record: &Record,
        ttl: Option<Duration>,
    ) -> Result<bool, StorageError> {
        let r = record;
        let params: [&(dyn ToSql + Sync); 9] = [
            &kind.as_str(),
            &id,
            &expected,
            &r.payload,
            &r.grant_id,
            &r.uid,
            &r.user_code,
            &expires_at(ttl),
            &now_ms(),
        ];
        Ok(self.execute(REPLACE_IF, &params).await? == 1)
    }

    async fn find(&self, kind: Kind, id: &str) -> Result<Option<Record>, StorageError> {
        self.finds.call((kind, id.to_string())).await
    }

    async fn find_by_uid(&self, kind: Kind, uid: &str) -> Result<Option<Record>, StorageError> {
        self.find_where(FIND_BY_UID, kind, uid).await
    }

    async fn find_by_user_code(&self, kind: Kind, user_code: &str) -> Result<Option<Record>, StorageError> {
        self.find_where(FIND_BY_USER_CODE, kind, user_code).await
    }

    async fn consume(&self, kind: Kind, id: &str) -> Result<bool, StorageError> {
        Ok(self.execute(CONSUME, &[&now_ms(), &kind.as_str(), &id]).await? == 1)
    }

    async fn list(&self, kind: Kind) -> Result<Vec<Record>, StorageError> {
        self.query(LIST_KIND, &[&kind.as_str(), &now_ms()]).await?.iter().map(record).collect()
    }

    async fn destroy(&self, kind: Kind, id: &str) -> Result<(), StorageError> {
        self.execute(DESTROY, &[&kind.as_str(), &id]).await.map(drop)
    }

    async fn revoke_by_grant_id(&self, grant_id: &str) -> Result<(), StorageError> {
        self.execute(REVOKE_GRANT, &[&grant_id]).await.map(drop)
    }

    async fn ready(&self) -> Result<(), StorageError> {
        get(&self.pool).await?.simple_query("SELECT 1").await.map(drop).map_err(err)
    }

    async fn purge_expired(&self) -> Result<u64, StorageError> {
        let now = now_ms();
        let mut purged = 0;
        loop {
            let deleted = self.execute(PURGE, &[&now, &PURGE_BATCH]).await?;
            purged += deleted;
            if deleted < PURGE_BATCH as u64 {
                return Ok(purged);
            }
        }
    }

    async fn export(&self, kind: Kind, after: &str, limit: usize) -> Result<Vec<Exported>, StorageError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(EXPORT, &[&kind.as_str(), &after, &now_ms(), &limit]).await?;
        rows.iter()
            .map(|row| {
                Ok(Exported {
                    id: row.try_get(0).map_err(err)?,
                    expires_at: row.try_get(1).map_err(err)?,
                    record: record_at(row, 2)?,
                })
            })
            .collect()
    }

    async fn import(&self, kind: Kind, rows: &[Exported]) -> Result<(), StorageError> {
        let mut client = get(&self.pool).await?;
        let tx = client.transaction().await.map_err(err)?;
        let statement = tx.prepare_cached(IMPORT).await.map_err(err)?;
        for Exported { id, record: r, expires_at } in rows {
            let params: [&(dyn ToSql + Sync); 8] =
                [&kind.as_str(), id, &r.payload, &r.grant_id, &r.uid, &r.user_code, expires_at, &r.consumed_at];
            tx.execute(&statement, &params).await.map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }
}

#[cfg(test)]
mod tests;
