//! The writer thread of the SQLite backend: group commit.
//!
//! Callers queue a [`Write`] and wait for its answer. The thread takes the first waiting write
//! and every other already queued (up to [`MAX_GROUP`]), applies them in order in one
//! transaction, commits (one fsync under `synchronous=FULL`), and only then answers each. A
//! write is thus never acknowledged before it is durable, and under load many writes share
//! the cost of one fsync.
//!
//! Checkpoints (copying the WAL back into the database file) run on a thread of their own, so
//! a commit never waits for one; SQLite's automatic checkpoint would run inside a commit. That
//! thread cannot finish alone while commits keep coming (each adds frames behind it), and the
//! WAL restarts from its start only once every frame is copied; so when the WAL has grown past
//! [`RESTART_FRAMES`], the writer copies the small remainder itself between two groups, and the
//! next commit starts the WAL afresh.

use super::super::{Kind, Record, StorageError};
use super::file::DatabaseFile;
use super::{err, take_group};
use rusqlite::Connection;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;
use tokio::sync::oneshot;

/// Most writes in one transaction: bounds how long the first of them waits.
const MAX_GROUP: usize = 256;
/// How often the checkpointer copies committed pages into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// WAL frames (pages, 32 MiB) past which the writer finishes a checkpoint so the WAL can
/// restart: rarely enough that the pause it costs one group stays out of the 99th percentile.
const RESTART_FRAMES: i64 = 8192;

/// Insert or replace a record (and reset its consumption).
macro_rules! upsert_sql {
    () => {
        "INSERT INTO records (kind, id, payload, grant_id, uid, user_code, expires_at, consumed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)
         ON CONFLICT (kind, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
           uid = excluded.uid, user_code = excluded.user_code, expires_at = excluded.expires_at, consumed_at = NULL"
    };
}
const UPSERT: &str = upsert_sql!();
/// The same, but replacing only an expired row.
const INSERT_NEW: &str = concat!(upsert_sql!(), " WHERE records.expires_at IS NOT NULL AND records.expires_at <= ?8");
const CONSUME: &str = "UPDATE records SET consumed_at = ?1 WHERE kind = ?2 AND id = ?3 AND consumed_at IS NULL \
    AND (expires_at IS NULL OR expires_at > ?1)";
const REPLACE_IF: &str = "UPDATE records SET payload = ?4, grant_id = ?5, uid = ?6, user_code = ?7, expires_at = ?8 \
    WHERE kind = ?1 AND id = ?2 AND payload = ?3 AND consumed_at IS NULL AND (expires_at IS NULL OR expires_at > ?9)";
const DESTROY: &str = "DELETE FROM records WHERE kind = ?1 AND id = ?2";
const REVOKE_GRANT: &str = "DELETE FROM records WHERE grant_id = ?1";
const PURGE: &str = "DELETE FROM records WHERE expires_at <= ?1";

/// One write; its answer is the number of rows it changed.
#[derive(Debug)]
pub(super) enum Write {
    /// `UPSERT`, or with `only_if_expired_by` `INSERT_NEW`: a live row at that time stays.
    Upsert {
        kind: Kind,
        id: String,
        payload: String,
        grant_id: Option<String>,
        uid: Option<String>,
        user_code: Option<String>,
        expires_at: Option<i64>,
        only_if_expired_by: Option<i64>,
    },
    Consume {
        kind: Kind,
        id: String,
        now: i64,
    },
    ReplaceIf {
        kind: Kind,
        id: String,
        expected: String,
        payload: String,
        grant_id: Option<String>,
        uid: Option<String>,
        user_code: Option<String>,
        expires_at: Option<i64>,
        now: i64,
    },
    Destroy {
        kind: Kind,
        id: String,
    },
    RevokeGrant {
        grant_id: String,
    },
    Purge {
        now: i64,
    },
}

impl Write {
    /// An upsert of `record` (serialized here, on the caller's thread).
    pub(super) fn upsert(
        kind: Kind,
        id: &str,
        record: &Record,
        expires_at: Option<i64>,
        only_if_expired_by: Option<i64>,
    ) -> Self {
        Self::Upsert {
            kind,
            id: id.into(),
            payload: record.payload.clone(),
            grant_id: record.grant_id.clone(),
            uid: record.uid.clone(),
            user_code: record.user_code.clone(),
            expires_at,
            only_if_expired_by,
        }
    }

    /// A compare-and-set of a live, unconsumed record's payload.
    pub(super) fn replace_if(
        kind: Kind,
        id: &str,
        expected: &str,
        record: &Record,
        expires_at: Option<i64>,
        now: i64,
    ) -> Self {
        Self::ReplaceIf {
            kind,
            id: id.into(),
            expected: expected.into(),
            payload: record.payload.clone(),
            grant_id: record.grant_id.clone(),
            uid: record.uid.clone(),
            user_code: record.user_code.clone(),
            expires_at,
            now,
        }
    }

    fn apply(&self, connection: &Connection) -> rusqlite::Result<usize> {
        match self {
            Self::Upsert { kind, id, payload, grant_id, uid, user_code, expires_at, only_if_expired_by } => {
                let kind = kind.as_str();
                match only_if_expired_by {
                    Some(now) => connection
                        .prepare_cached(INSERT_NEW)?
                        .execute((kind, id, payload, grant_id, uid, user_code, expires_at, now)),
                    None => connection
                        .prepare_cached(UPSERT)?
                        .execute((kind, id, payload, grant_id, uid, user_code, expires_at)),
                }
            }
            Self::Consume { kind, id, now } => connection.prepare_cached(CONSUME)?.execute((now, kind.as_str(), id)),
            Self::ReplaceIf { kind, id, expected, payload, grant_id, uid, user_code, expires_at, now } => connection
                .prepare_cached(REPLACE_IF)?
                .execute((kind.as_str(), id, expected, payload, grant_id, uid, user_code, expires_at, now)),
            Self::Destroy { kind, id } => connection.prepare_cached(DESTROY)?.execute((kind.as_str(), id)),
            Self::RevokeGrant { grant_id } => connection.prepare_cached(REVOKE_GRANT)?.execute([grant_id]),
            Self::Purge { now } => connection.prepare_cached(PURGE)?.execute([now]),
        }
    }
}

type Answer = oneshot::Sender<Result<usize, StorageError>>;

/// The handle of the writer and checkpointer threads; they end when the handle is dropped.
pub(super) struct Writer {
    queue: mpsc::Sender<(Write, Answer)>,
    // Read by tests, which check that writes share commits.
    #[cfg_attr(not(test), allow(dead_code))]
    commits: Arc<AtomicU64>,
    // Dropping it stops the checkpointer.
    _checkpoints: mpsc::Sender<()>,
}

impl Writer {
    /// Starts the threads: `connection` (with the schema applied) writes, `checkpointer`
    /// checkpoints.
    pub(super) fn spawn(
        connection: Connection,
        checkpointer: Connection,
        file: Arc<DatabaseFile>,
    ) -> std::io::Result<Self> {
        let (queue, waiting) = mpsc::channel();
        let commits = Arc::new(AtomicU64::new(0));
        let counter = commits.clone();
        let restart_due = Arc::new(AtomicBool::new(false));
        let due = restart_due.clone();
        // The checkpointer does this connection's checkpoints.
        connection.pragma_update(None, "wal_autocheckpoint", 0).map_err(std::io::Error::other)?;
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(connection, waiting, counter, restart_due, &file))?;
        let (checkpoints, stop) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint(checkpointer, stop, due))?;
        Ok(Self { queue, commits, _checkpoints: checkpoints })
    }

    /// Queues a write and waits until it is committed (or failed).
    pub(super) async fn write(&self, write: Write) -> Result<usize, StorageError> {
        let (answer, answered) = oneshot::channel();
        self.queue.send((write, answer)).map_err(|_| StorageError("the SQLite writer has stopped".into()))?;
        answered.await.map_err(|_| StorageError("the SQLite writer has stopped".into()))?
    }

    /// Transactions committed so far.
    #[cfg(test)]
    pub(super) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

/// Copies committed pages into the database file every [`CHECKPOINT_EVERY`], without blocking
/// the writer (`PASSIVE`), and tells the writer when the WAL is due a restart.
fn checkpoint(connection: Connection, stop: mpsc::Receiver<()>, restart_due: Arc<AtomicBool>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        // The pragma answers (busy, frames in the WAL, frames copied).
        match connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get::<_, i64>(1)) {
            Ok(frames) if frames >= RESTART_FRAMES => restart_due.store(true, Ordering::Relaxed),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "SQLite checkpoint failed; the next one retries"),
        }
    }
}

fn run(
    connection: Connection,
    waiting: mpsc::Receiver<(Write, Answer)>,
    commits: Arc<AtomicU64>,
    restart_due: Arc<AtomicBool>,
    file: &DatabaseFile,
) {
    while let Some(group) = take_group(&waiting, MAX_GROUP) {
        // A write to a deleted file would be acknowledged and lost: refused instead (one stat
        // a group, against the group's fsync).
        let started = std::time::Instant::now();
        let outcomes = match file.check() {
            Ok(()) => commit(&connection, &group),
            Err(lost) => group.iter().map(|_| Err(StorageError(lost.0.clone()))).collect(),
        };
        commits.fetch_add(1, Ordering::Relaxed);
        crate::metrics::storage::group("sqlite", "write", group.len(), started.elapsed());
        for ((_, answer), outcome) in group.into_iter().zip(outcomes) {
            // A caller that gave up waiting no longer needs its answer.
            let _ = answer.send(outcome);
        }
        // With no write in flight, this checkpoint copies the last frames, and the next
        // transaction restarts the WAL. Answered writes do not wait for it.
        if restart_due.swap(false, Ordering::Relaxed)
            && let Err(e) = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        {
            tracing::warn!(error = %e, "SQLite checkpoint failed; the next one retries");
        }
    }
}

/// Applies a group in one transaction. Each write gets its own outcome; if the commit itself
/// fails, every write of the group fails, since none of them is durable.
fn commit(connection: &Connection, group: &[(Write, Answer)]) -> Vec<Result<usize, StorageError>> {
    let all_failed = |e: rusqlite::Error| group.iter().map(|_| Err(StorageError(e.to_string()))).collect();
    if let Err(e) = connection.execute_batch("BEGIN IMMEDIATE") {
        return all_failed(e);
    }
    let outcomes: Vec<_> = group.iter().map(|(write, _)| write.apply(connection).map_err(err)).collect();
    match connection.execute_batch("COMMIT") {
        Ok(()) => outcomes,
        Err(e) => {
            let _ = connection.execute_batch("ROLLBACK");
            all_failed(e)
        }
    }
}
