//! The in-memory backend: for tests and throwaway runs. Nothing survives a restart.

use super::{Adapter, Kind, Record, StorageError, expires_at, now_ms};
use async_trait::async_trait;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

/// A record's kind and id, as the grant index names it.
type Key = (Kind, Box<str>);

/// A record as this store keeps it. A memory-mode provider holds every token it issues until it
/// expires, so the entry is compact: the payload as a boxed string, no expiry as `i64::MAX`, and
/// the secondary keys, which most records (client credentials tokens) do not have, behind one
/// optional pointer.
struct Entry {
    payload: Box<str>,
    /// Milliseconds since the epoch.
    expires_at: i64,
    consumed_at: Option<i64>,
    keys: Option<Box<SecondaryKeys>>,
}

/// A record's secondary keys, each also indexed in its own map.
struct SecondaryKeys {
    grant_id: Option<String>,
    uid: Option<String>,
    user_code: Option<String>,
}

impl Entry {
    /// A fresh entry: upserting clears `consumed_at`.
    fn new(record: &Record, ttl: Option<Duration>) -> Self {
        let keys = (record.grant_id.is_some() || record.uid.is_some() || record.user_code.is_some()).then(|| {
            Box::new(SecondaryKeys {
                grant_id: record.grant_id.clone(),
                uid: record.uid.clone(),
                user_code: record.user_code.clone(),
            })
        });
        let expires_at = expires_at(ttl).unwrap_or(i64::MAX);
        Self { payload: record.payload.as_str().into(), expires_at, consumed_at: None, keys }
    }

    fn live(&self, now: i64) -> bool {
        self.expires_at > now
    }

    fn record(&self) -> Record {
        let keys = self.keys.as_deref();
        Record {
            payload: self.payload.to_string(),
            grant_id: keys.and_then(|k| k.grant_id.clone()),
            uid: keys.and_then(|k| k.uid.clone()),
            user_code: keys.and_then(|k| k.user_code.clone()),
            consumed_at: self.consumed_at,
        }
    }
}

#[derive(Default)]
struct Tables {
    /// One map per kind, by id: a lookup borrows the id rather than building a key.
    records: Vec<(Kind, HashMap<Box<str>, Entry>)>,
    by_grant: HashMap<String, HashSet<Key>>,
    by_uid: HashMap<(Kind, String), Box<str>>,
    by_user_code: HashMap<(Kind, String), Box<str>>,
}

impl Tables {
    fn of(&self, kind: Kind) -> Option<&HashMap<Box<str>, Entry>> {
        self.records.iter().find(|(k, _)| *k == kind).map(|(_, map)| map)
    }

    fn of_mut(&mut self, kind: Kind) -> Option<&mut HashMap<Box<str>, Entry>> {
        self.records.iter_mut().find(|(k, _)| *k == kind).map(|(_, map)| map)
    }

    /// The map of `kind`, made on its first record.
    fn of_mut_or_new(&mut self, kind: Kind) -> &mut HashMap<Box<str>, Entry> {
        let at = match self.records.iter().position(|(k, _)| *k == kind) {
            Some(at) => at,
            None => {
                self.records.push((kind, HashMap::new()));
                self.records.len() - 1
            }
        };
        &mut self.records[at].1
    }

    fn remove(&mut self, kind: Kind, id: &str) {
        let Some(entry) = self.of_mut(kind).and_then(|map| map.remove(id)) else { return };
        let Some(keys) = entry.keys else { return };
        if let Some(grant) = &keys.grant_id
            && let Some(set) = self.by_grant.get_mut(grant)
        {
            set.remove(&(kind, id.into()));
            if set.is_empty() {
                self.by_grant.remove(grant);
            }
        }
        if let Some(uid) = keys.uid {
            self.by_uid.remove(&(kind, uid));
        }
        if let Some(code) = keys.user_code {
            self.by_user_code.remove(&(kind, code));
        }
    }

    /// Inserts or replaces a record and its secondary keys (the caller holds the lock).
    fn insert(&mut self, kind: Kind, id: &str, record: &Record, ttl: Option<Duration>) {
        self.remove(kind, id);
        let entry = Entry::new(record, ttl);
        if let Some(keys) = &entry.keys {
            if let Some(grant) = &keys.grant_id {
                self.by_grant.entry(grant.clone()).or_default().insert((kind, id.into()));
            }
            if let Some(uid) = &keys.uid {
                self.by_uid.insert((kind, uid.clone()), id.into());
            }
            if let Some(code) = &keys.user_code {
                self.by_user_code.insert((kind, code.clone()), id.into());
            }
        }
        self.of_mut_or_new(kind).insert(id.into(), entry);
    }

    fn live(&self, kind: Kind, id: &str) -> Option<&Entry> {
        self.of(kind)?.get(id).filter(|e| e.live(now_ms()))
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
        if tables.live(kind, id).is_some() {
            return Ok(false);
        }
        tables.insert(kind, id, record, Some(ttl));
        Ok(true)
    }

    async fn find(&self, kind: Kind, id: &str) -> Result<Option<Record>, StorageError> {
        Ok(self.tables(id)?.live(kind, id).map(Entry::record))
    }

    async fn find_by_uid(&self, kind: Kind, uid: &str) -> Result<Option<Record>, StorageError> {
        let key = (kind, uid.to_string());
        self.find_anywhere(|tables| {
            let id = tables.by_uid.get(&key)?;
            tables.live(kind, id).map(Entry::record)
        })
    }

    async fn find_by_user_code(&self, kind: Kind, user_code: &str) -> Result<Option<Record>, StorageError> {
        let key = (kind, user_code.to_string());
        self.find_anywhere(|tables| {
            let id = tables.by_user_code.get(&key)?;
            tables.live(kind, id).map(Entry::record)
        })
    }

    async fn consume(&self, kind: Kind, id: &str) -> Result<bool, StorageError> {
        let now = now_ms();
        let mut tables = self.tables(id)?;
        match tables.of_mut(kind).and_then(|map| map.get_mut(id)) {
            Some(entry) if entry.live(now) && entry.consumed_at.is_none() => {
                entry.consumed_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn destroy(&self, kind: Kind, id: &str) -> Result<(), StorageError> {
        self.tables(id)?.remove(kind, id);
        Ok(())
    }

    async fn purge_expired(&self) -> Result<u64, StorageError> {
        let now = now_ms();
        let mut purged = 0;
        // One part at a time: the others keep serving.
        for shard in &self.shards {
            let mut tables = Self::lock(shard)?;
            let expired: Vec<Key> = tables
                .records
                .iter()
                .flat_map(|(kind, map)| map.iter().filter(|(_, e)| !e.live(now)).map(|(id, _)| (*kind, id.clone())))
                .collect();
            for (kind, id) in &expired {
                tables.remove(*kind, id);
            }
            purged += expired.len() as u64;
        }
        Ok(purged)
    }

    async fn revoke_by_grant_id(&self, grant_id: &str) -> Result<(), StorageError> {
        for shard in &self.shards {
            let mut tables = Self::lock(shard)?;
            let keys: Vec<Key> = tables.by_grant.get(grant_id).map(|s| s.iter().cloned().collect()).unwrap_or_default();
            for (kind, id) in keys {
                tables.remove(kind, &id);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    crate::adapter_contract_tests!(std::sync::Arc::new(super::MemoryAdapter::default()));
}
