//! The SQLite backend (the embedded default): one table, WAL journal, `synchronous=FULL`, so a
//! record is on disk before a write returns and survives a crash as well as a restart.
//!
//! Writes go to one writer thread that commits them in groups: it takes every write waiting in
//! its queue, applies them in one transaction and answers each only after that transaction's
//! fsync. Concurrent requests so share one fsync instead of queueing for one each, which is
//! what bounds durable throughput. Reads go to a few reader threads, each with a connection of
//! its own, which take the reads waiting in their queue in groups too (see `reader`); neither
//! ever stalls an async worker.

mod file;
mod migrate;
mod reader;
mod writer;

use super::schema::{self, Upgrade};
use super::{Adapter, Exported, Kind, Record, StorageError, expires_at, now_ms};
use async_trait::async_trait;
use file::DatabaseFile;
use reader::{Read, Readers};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::Duration;
use writer::{Write, Writer};

// Every query is a constant: no SQL is ever built from input. "Live" means not expired.
macro_rules! select_live {
    ($column:literal) => {
        concat!(
            "SELECT payload, grant_id, uid, user_code, consumed_at FROM records WHERE kind = ?1 AND ",
            $column,
            " = ?2 AND (expires_at IS NULL OR expires_at > ?3)"
        )
    };
}
const FIND_BY_ID: &str = select_live!("id");
const FIND_BY_UID: &str = select_live!("uid");
const FIND_BY_USER_CODE: &str = select_live!("user_code");
const EXPORT: &str = "SELECT id, expires_at, payload, grant_id, uid, user_code, consumed_at FROM records \
     WHERE kind = ?1 AND id > ?2 AND (expires_at IS NULL OR expires_at > ?3) ORDER BY id LIMIT ?4";
const IMPORT: &str = "INSERT INTO records (kind, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
     ON CONFLICT (kind, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
       uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at,
       consumed_at = excluded.consumed_at";
const LIST_KIND: &str = "SELECT payload, grant_id, uid, user_code, consumed_at FROM records \
     WHERE kind = ?1 AND (expires_at IS NULL OR expires_at > ?2) ORDER BY rowid";

/// One database file: a writer thread and reader threads.
pub struct SqliteAdapter {
    writer: Writer,
    readers: Readers,
    file: Arc<DatabaseFile>,
}

/// The next group of queued requests: the first to come (waiting for it), then every other
/// already queued, up to `max`. `None` once every sender is gone.
fn take_group<T>(waiting: &mpsc::Receiver<T>, max: usize) -> Option<Vec<T>> {
    let mut group = vec![waiting.recv().ok()?];
    while group.len() < max {
        match waiting.try_recv() {
            Ok(next) => group.push(next),
            Err(_) => break,
        }
    }
    Some(group)
}

/// Reader threads: one per core, at least two and at most eight. Reads are mostly page-cache
/// hits, which cost CPU; a second thread serves the queue while the first waits on the disk.
/// Past eight, more threads would mostly add page caches (1 MiB each): a thread takes every
/// read waiting, so a busy queue makes bigger groups rather than needing more threads.
fn reader_count() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8)
}

/// Opens a connection with the settings every connection needs (WAL is a property of the file,
/// `synchronous` and the busy timeout of the connection), caching up to `cache_kib` of pages:
/// the writer most (the right edge of the indexes, where time-ordered ids land), readers a
/// little (the newest tokens).
fn connect(path: &Path, flags: OpenFlags, cache_kib: i64) -> Result<Connection, StorageError> {
    let connection = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| StorageError(format!("{}: {e}", path.display())))?;
    connection.busy_timeout(Duration::from_secs(5)).map_err(err)?;
    connection.pragma_update(None, "synchronous", "FULL").map_err(err)?;
    // Negative: a size in KiB rather than in pages.
    connection.pragma_update(None, "cache_size", -cache_kib).map_err(err)?;
    Ok(connection)
}

impl SqliteAdapter {
    /// Opens (creating if needed) the database file and its folder, and brings its schema to
    /// this provider's version as `upgrade` allows (see [`schema`](super::schema)).
    pub async fn open(path: &Path, upgrade: Upgrade) -> Result<Self, StorageError> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(path, upgrade))
            .await
            .map_err(|e| StorageError(format!("opening the database: {e}")))?
    }

    fn open_blocking(path: PathBuf, upgrade: Upgrade) -> Result<Self, StorageError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StorageError(format!("{}: {e}", dir.display())))?;
        }
        let file = Arc::new(DatabaseFile::create_or_open(&path)?);
        let mut connection = connect(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE, 4096)?;
        connection.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        migrate::migrate(&mut connection, schema::SQLITE, upgrade)?;
        // The WAL file is cut back to this size when it is reused, after a burst grew it.
        connection.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024).map_err(err)?;
        let checkpointer = connect(&path, OpenFlags::SQLITE_OPEN_READ_WRITE, 512)?;
        let readers = (0..reader_count())
            .map(|_| connect(&path, OpenFlags::SQLITE_OPEN_READ_ONLY, 1024))
            .collect::<Result<Vec<_>, _>>()?;
        let writer = Writer::spawn(connection, checkpointer, file.clone())
            .map_err(|e| StorageError(format!("the writer thread: {e}")))?;
        let readers = Readers::spawn(readers).map_err(|e| StorageError(format!("the reader threads: {e}")))?;
        Ok(Self { writer, readers, file })
    }

    /// Runs `work` on a connection of its own, off the readers' and writer's queues: for an
    /// operator's listing or copy, which may be long and must not hold up requests.
    async fn aside<T: Send + 'static>(
        &self,
        flags: OpenFlags,
        work: impl FnOnce(&mut Connection) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let path = self.file.path().to_path_buf();
        tokio::task::spawn_blocking(move || work(&mut connect(&path, flags, 1024)?))
            .await
            .map_err(|e| StorageError(format!("the database: {e}")))?
    }

    async fn find_where(&self, query: &'static str, kind: Kind, value: &str) -> Result<Option<Record>, StorageError> {
        self.readers.read(Read { query, kind, value: value.to_string() }).await
    }
}

fn err(e: rusqlite::Error) -> StorageError {
    StorageError(e.to_string())
}

#[async_trait]
impl Adapter for SqliteAdapter {
    async fn upsert(&self, kind: Kind, id: &str, record: &Record, ttl: Option<Duration>) -> Result<(), StorageError> {
        self.writer.write(Write::upsert(kind, id, record, expires_at(ttl), None)).await.map(drop)
    }

    async fn insert_new(&self, kind: Kind, id: &str, record: &Record, ttl: Duration) -> Result<bool, StorageError> {
        // Insert, or take over the row only if it has expired. One writer applies writes in
        // order, so of concurrent callers exactly one changes a row.
        let write = Write::upsert(kind, id, record, expires_at(Some(ttl)), Some(now_ms()));
        let changed = self.writer.write(write).await?;
        Ok(changed == 1)
    }

    async fn replace_if(
        &self,
        kind: Kind,
        id: &str,
        expected: &str,
        record: &Record,
        ttl: Option<Duration>,
    ) -> Result<bool, StorageError> {
        // One UPDATE holds the condition: the writer applies writes in order, so of concurrent
        // callers that read the same payload exactly one changes the row.
        let write = Write::replace_if(kind, id, expected, record, expires_at(ttl), now_ms());
        Ok(self.writer.write(write).await? == 1)
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
        // The UPDATE holds the "not yet consumed" condition: exactly one caller changes the row.
        let changed = self.writer.write(Write::Consume { kind, id: id.into(), now: now_ms() }).await?;
        Ok(changed == 1)
    }

    async fn list(&self, kind: Kind) -> Result<Vec<Record>, StorageError> {
        self.aside(OpenFlags::SQLITE_OPEN_READ_ONLY, move |connection| {
            let mut statement = connection.prepare(LIST_KIND).map_err(err)?;
            let rows = statement.query_map((kind.as_str(), now_ms()), |row| record_at(row, 0)).map_err(err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(err)
        })
        .await
    }

    async fn destroy(&self, kind: Kind, id: &str) -> Result<(), StorageError> {
        self.writer.write(Write::Destroy { kind, id: id.into() }).await.map(drop)
    }

    async fn purge_expired(&self) -> Result<u64, StorageError> {
        self.writer.write(Write::Purge { now: now_ms() }).await.map(|n| n as u64)
    }

    async fn revoke_by_grant_id(&self, grant_id: &str) -> Result<(), StorageError> {
        self.writer.write(Write::RevokeGrant { grant_id: grant_id.into() }).await.map(drop)
    }

    async fn ready(&self) -> Result<(), StorageError> {
        self.file.check()
    }

    async fn export(&self, kind: Kind, after: &str, limit: usize) -> Result<Vec<Exported>, StorageError> {
        let (after, limit) = (after.to_string(), i64::try_from(limit).unwrap_or(i64::MAX));
        self.aside(OpenFlags::SQLITE_OPEN_READ_ONLY, move |connection| {
            let mut statement = connection.prepare(EXPORT).map_err(err)?;
            let rows = statement
                .query_map((kind.as_str(), after, now_ms(), limit), |row| {
                    Ok(Exported { id: row.get(0)?, expires_at: row.get(1)?, record: record_at(row, 2)? })
                })
                .map_err(err)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(err)
        })
        .await
    }

    async fn import(&self, kind: Kind, records: &[Exported]) -> Result<(), StorageError> {
        self.file.check()?;
        let records = records.to_vec();
        self.aside(OpenFlags::SQLITE_OPEN_READ_WRITE, move |connection| {
            let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(err)?;
            {
                let mut statement = tx.prepare(IMPORT).map_err(err)?;
                for Exported { id, record: r, expires_at } in &records {
                    let row =
                        (kind.as_str(), id, &r.payload, &r.grant_id, &r.uid, &r.user_code, expires_at, r.consumed_at);
                    statement.execute(row).map_err(err)?;
                }
            }
            tx.commit().map_err(err)
        })
        .await
    }
}

/// A `Record` from the columns `payload, grant_id, uid, user_code, consumed_at`, from `at`.
fn record_at(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Record> {
    Ok(Record {
        payload: row.get(at)?,
        grant_id: row.get(at + 1)?,
        uid: row.get(at + 2)?,
        user_code: row.get(at + 3)?,
        consumed_at: row.get(at + 4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    crate::adapter_contract_tests!({
        let dir = tempfile::tempdir().unwrap();
        let adapter = SqliteAdapter::open(&dir.path().join("op.db"), Upgrade::Refuse).await.unwrap();
        // Keep the directory alive for the test's duration.
        std::mem::forget(dir);
        std::sync::Arc::new(adapter)
    });

    #[cfg(unix)]
    #[tokio::test]
    async fn the_database_and_its_journal_are_private_to_the_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/op.db");
        let adapter = SqliteAdapter::open(&path, Upgrade::Refuse).await.unwrap();
        adapter
            .upsert(Kind::ProviderSecret, "salt", &Record::new(&serde_json::json!({"value": "s"})), None)
            .await
            .unwrap();
        for file in ["op.db", "op.db-wal", "op.db-shm"] {
            let mode = std::fs::metadata(dir.path().join("data").join(file)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{file} is open to others: {mode:o}");
        }
    }

    #[tokio::test]
    async fn a_deleted_database_refuses_writes_and_is_not_ready() {
        let dir = tempfile::tempdir().unwrap();
        let adapter = SqliteAdapter::open(&dir.path().join("data/op.db"), Upgrade::Refuse).await.unwrap();
        let record = Record::new(&serde_json::json!({"a": 1}));
        adapter.upsert(Kind::AccessToken, "before", &record, None).await.unwrap();
        assert!(adapter.ready().await.is_ok());
        std::fs::remove_dir_all(dir.path().join("data")).unwrap();
        // SQLite would still write to the deleted file; nothing written now would survive.
        assert!(adapter.upsert(Kind::AccessToken, "after", &record, None).await.is_err());
        assert!(adapter.consume(Kind::AccessToken, "before").await.is_err());
        assert!(adapter.ready().await.is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn copy_to_another_file_keeps_every_record() {
        let dir = tempfile::tempdir().unwrap();
        let from = Arc::new(SqliteAdapter::open(&dir.path().join("a.db"), Upgrade::Refuse).await.unwrap());
        let to = Arc::new(SqliteAdapter::open(&dir.path().join("b.db"), Upgrade::Refuse).await.unwrap());
        crate::storage::testkit::copy_keeps_every_record_as_kept(from, to).await;
    }

    #[tokio::test]
    async fn records_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("op.db");
        let first = SqliteAdapter::open(&path, Upgrade::Refuse).await.unwrap();
        first.upsert(Kind::RefreshToken, "h", &Record::new(&serde_json::json!({"a": 1})), None).await.unwrap();
        drop(first);
        let second = SqliteAdapter::open(&path, Upgrade::Refuse).await.unwrap();
        let found = second.find(Kind::RefreshToken, "h").await.unwrap().unwrap();
        assert_eq!(found.json()["a"], 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_reads_share_transactions_and_see_every_acknowledged_write() {
        let dir = tempfile::tempdir().unwrap();
        let adapter = Arc::new(SqliteAdapter::open(&dir.path().join("op.db"), Upgrade::Refuse).await.unwrap());
        let record = |i: usize| Record::new(&serde_json::json!({ "i": i }));
        adapter.upsert(Kind::AccessToken, "first", &record(0), None).await.unwrap();
        assert!(adapter.find(Kind::AccessToken, "first").await.unwrap().is_some());
        // Each task reads back what it has just written: a reader's snapshot never outlives
        // its group, or these reads would miss the later writes.
        let tasks = (1..=400).map(|i| {
            let adapter = adapter.clone();
            tokio::spawn(async move {
                adapter.upsert(Kind::AccessToken, &format!("t{i}"), &record(i), None).await.unwrap();
                let found = adapter.find(Kind::AccessToken, &format!("t{i}")).await.unwrap();
                found.map(|found| found.json()["i"] == i)
            })
        });
        for task in tasks.collect::<Vec<_>>() {
            assert_eq!(task.await.unwrap(), Some(true));
        }
        // Fewer groups than reads: they shared transactions.
        let groups = adapter.readers.groups();
        assert!(groups < 401, "{groups} groups for 401 reads");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_share_commits_and_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("op.db");
        let adapter = Arc::new(SqliteAdapter::open(&path, Upgrade::Refuse).await.unwrap());
        let writes = (0..200).map(|i| {
            let adapter = adapter.clone();
            tokio::spawn(async move {
                let record = Record::new(&serde_json::json!({ "i": i }));
                adapter.upsert(Kind::AccessToken, &format!("t{i}"), &record, None).await
            })
        });
        for write in writes.collect::<Vec<_>>() {
            write.await.unwrap().unwrap();
        }
        // Fewer commits than writes: they were grouped (each commit is one transaction).
        assert!(adapter.writer.commits() < 200, "{} commits for 200 writes", adapter.writer.commits());
        drop(adapter);
        let reopened = SqliteAdapter::open(&path, Upgrade::Refuse).await.unwrap();
        for i in 0..200 {
            let found = reopened.find(Kind::AccessToken, &format!("t{i}")).await.unwrap().unwrap();
            assert_eq!(found.json()["i"], i);
        }
    }
}
