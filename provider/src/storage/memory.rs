//! The in-memory backend: for tests and throwaway runs. Nothing survives a restart.

use super::{Adapter, Kind, Record, StorageError, expires_at, now_ms};
use async_trait::async_trait;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

type Key = (Kind, String);

struct Entry {
    record: Record,
    expires_at: Option<i64>,
}

impl Entry {
    fn live(&self, now: i64) -> bool {
        self.expires_at.is_none_or(|at| at > now)
    }
}

#[derive(Default)]
struct Tables {
    records: HashMap<Key, Entry>,
    by_grant: HashMap<String, HashSet<Key>>,
    by_uid: HashMap<(Kind, String), String>,
    by_user_code: HashMap<(Kind, String), String>,
}

impl Tables {
    fn remove(&mut self, key: &Key) {
        if let Some(entry) = self.records.remove(key) {
            if let Some(grant) = &entry.record.grant_id
                && let Some(set) = self.by_grant.get_mut(grant)
            {
                set.remove(key);
                if set.is_empty() {
                    self.by_grant.remove(grant);
                }
            }
            if let Some(uid) = &entry.record.uid {
                self.by_uid.remove(&(key.0, uid.clone()));
            }
            if let Some(code) = &entry.record.user_code {
                self.by_user_code.remove(&(key.0, code.clone()));
            }
        }
    }

    /// Inserts or replaces a record and its secondary keys (the caller holds the lock).
    fn insert(&mut self, kind: Kind, id: &str, record: &Record, ttl: Option<Duration>) {
        let key = (kind, id.to_string());
        self.remove(&key);
        if let Some(grant) = &record.grant_id {
            self.by_grant.entry(grant.clone()).or_default().insert(key.clone());
        }
        if let Some(uid) = &record.uid {
            self.by_uid.insert((kind, uid.clone()), id.to_string());
        }
        if let Some(code) = &record.user_code {
            self.by_user_code.insert((kind, code.clone()), id.to_string());
        }
        let record = Record { consumed_at: None, ..record.clone() };
        self.records.insert(key, Entry { record, expires_at: expires_at(ttl) });
    }

    fn live(&self, key: &Key) -> Option<&Entry> {
        self.records.get(key).filter(|e| e.live(now_ms()))
    }
}

/// How many independently locked parts the store has. A request locks one part, so growing
/// a part (rehashing its map) holds up a sixteenth of the requests, for a sixteenth as long.
const SHARDS: usize = 16;

/// Records in maps behind mutexes, split by the hash of the record's id; secondary indexes
/// live beside their record, so a lookup by `uid` or `user_code` asks every part.
pub struct MemoryAdapter {
    shards: [Mutex<Tables>; SHARDS],
    hasher: std::collections::hash_map::RandomState,
}

impl Default for MemoryAdapter {
    fn default() -> Self {
        Self { shards: std::array::from_fn(|_| Mutex::default()), hasher: Default::default() }
    }
}

impl MemoryAdapter {
    fn lock(shard: &Mutex<Tables>) -> Result<std::sync::MutexGuard<'_, Tables>, StorageError> {
        shard.lock().map_err(|_| StorageError("memory store poisoned".into()))
    }

    /// The part holding `id`.
    fn tables(&self, id: &str) -> Result<std::sync::MutexGuard<'_, Tables>, StorageError> {
        use std::hash::BuildHasher;
        Self::lock(&self.shards[self.hasher.hash_one(id) as usize % SHARDS])
    }

    /// The first record any part finds with `look`.
    fn find_anywhere(&self, look: impl Fn(&Tables) -> Option<Record>) -> Result<Option<Record>, StorageError> {
        for shard in &self.shards {
            if let Some(found) = look(&*Self::lock(shard)?) {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl Adapter for MemoryAdapter {
    async fn upsert(&self, kind: Kind, id: &str, record: &Record, ttl: Option<Duration>) -> Result<(), StorageError> {
        self.tables(id)?.insert(kind, id, record, ttl);
        Ok(())
    }

    async fn insert_new(&self, kind: Kind, id: &str, record: &Record, ttl: Duration) -> Result<bool, StorageError> {
        let mut tables = self.tables(id)?;
        if tables.live(&(kind, id.to_string())).is_some() {
            return Ok(false);
        }
        tables.insert(kind, id, record, Some(ttl));
        Ok(true)
    }

    async fn find(&self, kind: Kind, id: &str) -> Result<Option<Record>, StorageError> {
        Ok(self.tables(id)?.live(&(kind, id.to_string())).map(|e| e.record.clone()))
    }

    async fn find_by_uid(&self, kind: Kind, uid: &str) -> Result<Option<Record>, StorageError> {
        let key = (kind, uid.to_string());
        self.find_anywhere(|tables| {
            let id = tables.by_uid.get(&key)?;
            tables.live(&(kind, id.clone())).map(|e| e.record.clone())
        })
    }

    async fn find_by_user_code(&self, kind: Kind, user_code: &str) -> Result<Option<Record>, StorageError> {
        let key = (kind, user_code.to_string());
        self.find_anywhere(|tables| {
            let id = tables.by_user_code.get(&key)?;
            tables.live(&(kind, id.clone())).map(|e| e.record.clone())
        })
    }

    async fn consume(&self, kind: Kind, id: &str) -> Result<bool, StorageError> {
        let now = now_ms();
        let mut tables = self.tables(id)?;
        match tables.records.get_mut(&(kind, id.to_string())) {
            Some(entry) if entry.live(now) && !entry.record.consumed() => {
                entry.record.consumed_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn destroy(&self, kind: Kind, id: &str) -> Result<(), StorageError> {
        self.tables(id)?.remove(&(kind, id.to_string()));
        Ok(())
    }

    async fn purge_expired(&self) -> Result<u64, StorageError> {
        let now = now_ms();
        let mut purged = 0;
        // One part at a time: the others keep serving.
        for shard in &self.shards {
            let mut tables = Self::lock(shard)?;
            let expired: Vec<Key> =
                tables.records.iter().filter(|(_, e)| !e.live(now)).map(|(k, _)| k.clone()).collect();
            for key in &expired {
                tables.remove(key);
            }
            purged += expired.len() as u64;
        }
        Ok(purged)
    }

    async fn revoke_by_grant_id(&self, grant_id: &str) -> Result<(), StorageError> {
        for shard in &self.shards {
            let mut tables = Self::lock(shard)?;
            let keys: Vec<Key> = tables.by_grant.get(grant_id).map(|s| s.iter().cloned().collect()).unwrap_or_default();
            for key in keys {
                tables.remove(&key);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    crate::adapter_contract_tests!(std::sync::Arc::new(super::MemoryAdapter::default()));
}
