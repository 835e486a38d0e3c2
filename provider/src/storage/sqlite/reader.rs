//! The reader threads of the SQLite backend: grouped reads.
//!
//! A fixed set of threads, each with its own read-only connection, opened once. Callers queue a
//! [`Read`] and wait for its answer. The thread that takes a read also takes every other
//! already queued (up to [`MAX_GROUP`]) and runs them in one read transaction: one WAL read lock
//! and one snapshot check for the group, and one wake-up of the thread, rather than a hand-off
//! to the blocking pool, and a transaction, per read. Under load, groups grow with the queue.
//!
//! A group's snapshot is taken after all its reads were queued, so a read always sees every
//! write acknowledged before it was asked.

use super::super::{Kind, Record, StorageError, now_ms};
use super::{err, record_at, take_group};
use rusqlite::{Connection, OptionalExtension};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

/// Most reads in one transaction: bounds how long the first of them waits.
const MAX_GROUP: usize = 64;

/// One lookup of a live record: `query` is one of the backend's constant `SELECT`s, bound to
/// `(kind, value, now)`.
#[derive(Debug)]
pub(super) struct Read {
    pub(super) query: &'static str,
    pub(super) kind: Kind,
    pub(super) value: String,
}

impl Read {
    fn run(&self, connection: &Connection, now: i64) -> Result<Option<Record>, StorageError> {
        connection
            .prepare_cached(self.query)
            .and_then(|mut statement| {
                statement.query_row((self.kind.as_str(), &self.value, now), |row| record_at(row, 0))
            })
            .optional()
            .map_err(err)
    }
}

type Answer = oneshot::Sender<Result<Option<Record>, StorageError>>;

/// The handle of the reader threads; they end when the handle is dropped.
pub(super) struct Readers {
    queue: mpsc::Sender<(Read, Answer)>,
    // Read by tests, which check that reads share transactions.
    #[cfg_attr(not(test), allow(dead_code))]
    groups: Arc<AtomicU64>,
}

impl Readers {
    /// Starts one thread per connection.
    pub(super) fn spawn(connections: Vec<Connection>) -> std::io::Result<Self> {
        let (queue, waiting) = mpsc::channel();
        // The threads share the queue: the one holding the lock waits for the next read, the
        // others for the lock.
        let waiting = Arc::new(Mutex::new(waiting));
        let groups = Arc::new(AtomicU64::new(0));
        for (n, connection) in connections.into_iter().enumerate() {
            let (waiting, counter) = (waiting.clone(), groups.clone());
            std::thread::Builder::new()
                .name(format!("sqlite-reader-{n}"))
                .spawn(move || run(connection, &waiting, &counter))?;
        }
        Ok(Self { queue, groups })
    }

    /// Queues a read and waits for its answer.
    pub(super) async fn read(&self, read: Read) -> Result<Option<Record>, StorageError> {
        let stopped = || StorageError("the SQLite readers have stopped".into());
        let (answer, answered) = oneshot::channel();
        self.queue.send((read, answer)).map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }

    /// Groups of reads run so far.
    #[cfg(test)]
    pub(super) fn groups(&self) -> u64 {
        self.groups.load(Ordering::Relaxed)
    }
}

fn run(connection: Connection, waiting: &Mutex<mpsc::Receiver<(Read, Answer)>>, groups: &AtomicU64) {
    loop {
        // The lock is held only while taking a group, never while reading.
        let group = match waiting.lock() {
            Ok(waiting) => take_group(&waiting, MAX_GROUP),
            Err(_) => None,
        };
        let Some(group) = group else { return };
        groups.fetch_add(1, Ordering::Relaxed);
        let (started, size) = (std::time::Instant::now(), group.len());
        let now = now_ms();
        // Without the transaction each read is still correct, in a transaction of its own.
        let grouped = group.len() > 1 && connection.execute_batch("BEGIN").is_ok();
        for (read, answer) in group {
            // A caller that gave up waiting no longer needs its answer.
            let _ = answer.send(read.run(&connection, now));
        }
        // Never carry a snapshot into the next group: it would hide later writes.
        if grouped && connection.execute_batch("COMMIT").is_err() {
            let _ = connection.execute_batch("ROLLBACK");
        }
        crate::metrics::storage::group("sqlite", "read", size, started.elapsed());
    }
}
