//! Applies the SQLite backend's migrations (see [`schema`](super::super::schema)): in one
//! `IMMEDIATE` transaction, so two processes opening one new file never both apply them.

use super::super::schema::{Migration, Upgrade, current_version, plan};
use super::super::{StorageError, now_ms};
use super::err;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
const RECORDED: &str = "SELECT max(version) FROM schema_migrations";
const HAS_RECORDS: &str = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records'";
const APPLIED: &str = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)";

/// Brings the database to the last of `migrations` as `upgrade` allows, returning its version.
pub(in crate::storage) fn migrate(
    connection: &mut Connection,
    migrations: &'static [Migration],
    upgrade: Upgrade,
) -> Result<u32, StorageError> {
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
    tx.execute_batch(BOOKKEEPING).map_err(err)?;
    let recorded: Option<u32> = tx.query_row(RECORDED, [], |row| row.get(0)).map_err(err)?;
    let has_records = tx.query_row(HAS_RECORDS, [], |_| Ok(())).optional().map_err(err)?.is_some();
    let mut version = current_version(recorded, has_records);
    if recorded.is_none()
        && let Some(first) = migrations.first().filter(|_| has_records)
    {
        // Made before migrations were recorded: it has the first one's schema.
        tx.execute(APPLIED, (first.version, first.name, now_ms())).map_err(err)?;
    }
    for migration in plan(version, migrations, upgrade)? {
        tx.execute_batch(migration.sql)
            .map_err(|e| StorageError(format!("migration {} ({}): {e}", migration.version, migration.name)))?;
        tx.execute(APPLIED, (migration.version, migration.name, now_ms())).map_err(err)?;
        version = migration.version;
    }
    tx.commit().map_err(err)?;
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::schema::SQLITE;

    const TWO: &[Migration] =
        &[SQLITE[0], Migration { version: 2, name: "notes", sql: "CREATE TABLE notes (note TEXT)" }];

    fn versions(connection: &Connection) -> Vec<u32> {
        let mut statement = connection.prepare("SELECT version FROM schema_migrations ORDER BY version").unwrap();
        statement.query_map([], |row| row.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn a_new_file_gets_every_migration_recorded() {
        let mut connection = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut connection, TWO, Upgrade::Refuse).unwrap(), 2);
        assert_eq!(versions(&connection), [1, 2]);
        connection.execute("INSERT INTO notes VALUES ('x')", []).unwrap();
    }

    #[test]
    fn an_older_file_is_migrated_only_when_asked_and_keeps_its_records() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection, &TWO[..1], Upgrade::Refuse).unwrap();
        connection.execute("INSERT INTO records (kind, id, payload) VALUES ('Grant', 'g', '{}')", []).unwrap();
        let refused = migrate(&mut connection, TWO, Upgrade::Refuse).unwrap_err();
        assert!(refused.0.contains("older"), "{}", refused.0);
        assert_eq!(versions(&connection), [1], "a refused migration changes nothing");
        assert_eq!(migrate(&mut connection, TWO, Upgrade::Apply).unwrap(), 2);
        assert_eq!(versions(&connection), [1, 2]);
        let kept: i64 = connection.query_row("SELECT count(*) FROM records", [], |row| row.get(0)).unwrap();
        assert_eq!(kept, 1);
    }

    #[test]
    fn a_newer_file_is_refused() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection, TWO, Upgrade::Refuse).unwrap();
        let refused = migrate(&mut connection, &TWO[..1], Upgrade::Apply).unwrap_err();
        assert!(refused.0.contains("newer than this provider knows (1)"), "{}", refused.0);
    }

    #[test]
    fn a_file_from_before_migrations_is_adopted_at_version_one() {
        let mut connection = Connection::open_in_memory().unwrap();
        connection.execute_batch(SQLITE[0].sql).unwrap();
        connection.execute("INSERT INTO records (kind, id, payload) VALUES ('Grant', 'g', '{}')", []).unwrap();
        assert_eq!(migrate(&mut connection, SQLITE, Upgrade::Refuse).unwrap(), 1);
        assert_eq!(versions(&connection), [1]);
        let kept: i64 = connection.query_row("SELECT count(*) FROM records", [], |row| row.get(0)).unwrap();
        assert_eq!(kept, 1);
    }
}
