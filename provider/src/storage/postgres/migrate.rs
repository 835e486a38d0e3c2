//! Applies the PostgreSQL backend's migrations (see [`schema`](super::super::schema)) in one
//! transaction, under an advisory lock: instances starting together on one database take turns,
//! and the later ones find the schema done.

use super::super::schema::{Migration, Upgrade, current_version, plan};
use super::super::{StorageError, now_ms};
use super::err;
use deadpool_postgres::Object;

/// The advisory lock's key: any constant the database's other users do not take.
const LOCK: i64 = 0x6f70_5f73_6368_656d; // "op_schem"
const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
const RECORDED: &str = "SELECT max(version) FROM schema_migrations";
// In the schema the connection's search_path names first, as every query here.
const HAS_RECORDS: &str = "SELECT to_regclass('records') IS NOT NULL";
const APPLIED: &str = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)";

/// Brings the database to the last of `migrations` as `upgrade` allows, returning its version.
pub(in crate::storage) async fn migrate(
    client: &mut Object,
    migrations: &'static [Migration],
    upgrade: Upgrade,
) -> Result<u32, StorageError> {
    let tx = client.transaction().await.map_err(err)?;
    // A migration may rewrite a large table, and an instance may wait for another's: neither is
    // a request's statement, so the pool's statement timeout does not bound them.
    tx.batch_execute("SET LOCAL statement_timeout = 0").await.map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK]).await.map_err(err)?;
    tx.batch_execute(BOOKKEEPING).await.map_err(err)?;
    let recorded: Option<i32> = tx.query_one(RECORDED, &[]).await.map_err(err)?.try_get(0).map_err(err)?;
    let has_records: bool = tx.query_one(HAS_RECORDS, &[]).await.map_err(err)?.try_get(0).map_err(err)?;
    let recorded = recorded.map(|v| v.unsigned_abs());
    let mut version = current_version(recorded, has_records);
    if recorded.is_none()
        && let Some(first) = migrations.first().filter(|_| has_records)
    {
        // Made before migrations were recorded: it has the first one's schema.
        tx.execute(APPLIED, &[&(first.version as i32), &first.name, &now_ms()]).await.map_err(err)?;
    }
    for migration in plan(version, migrations, upgrade)? {
        tx.batch_execute(migration.sql)
            .await
            .map_err(|e| StorageError(format!("migration {} ({}): {}", migration.version, migration.name, err(e).0)))?;
        tx.execute(APPLIED, &[&(migration.version as i32), &migration.name, &now_ms()]).await.map_err(err)?;
        version = migration.version;
    }
    tx.commit().await.map_err(err)?;
    Ok(version)
}
