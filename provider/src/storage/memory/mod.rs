//! The in-memory backend: for tests and throwaway runs. Nothing survives a restart.

mod dictionary;
mod key;
mod packed;

use super::{Adapter, Kind, Record, StorageError, expires_at, now_ms};
use async_trait::async_trait;
use dictionary::Dictionary;
use key::KEY_LEN;
use packed::Packed;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

/// The records of one kind in one part of the store.
struct KindTable {
    kind: Kind,
    /// What its records are compressed against.
    dictionary: Dictionary,
    /// By key (a packed record hashes as its [key](key::key)). Expired records stay until purged.
    records: HashSet<Packed>,
}

/// One part of the store. Grants have no index: revoking one, which is rare, reads every record,
/// where an index would cost each record of a grant about a hundred bytes.
#[derive(Default)]
struct Tables {
    kinds: Vec<KindTable>,
    by_uid: HashMap<(Kind, String), Box<str>>,
    by_user_code: HashMap<(Kind, String), Box<str>>,
}

impl Tables {
    fn of(&self, kind: Kind) -> Option<&KindTable> {
        self.kinds.iter().find(|table| table.kind == kind)
    }

    fn of_mut(&mut self, kind: Kind) -> Option<&mut KindTable> {
        self.kinds.iter_mut().find(|table| table.kind == kind)
    }

    /// The table of `kind`, made on its first record.
    fn of_mut_or_new(&mut self, kind: Kind) -> &mut KindTable {
        let at = match self.kinds.iter().position(|table| table.kind == kind) {
            Some(at) => at,
            None => {
                self.kinds.push(KindTable { kind, dictionary: Dictionary::default(), records: HashSet::new() });
                self.kinds.len() - 1
            }
        };
        &mut self.kinds[at]
    }

    fn remove(&mut self, kind: Kind, key: &[u8]) {
        if let Some(gone) = self.of_mut(kind).and_then(|table| table.records.take(key)) {
            self.unindex(kind, &gone);
        }
    }

    /// Drops a removed record's secondary keys from the indexes, unless a newer record has
    /// taken them since.
    fn unindex(&mut self, kind: Kind, gone: &Packed) {
        let keys = gone.keys();
        let names_gone = |id: &str| key::key(id) == gone.key();
        if let Some(uid) = keys.uid {
            let entry = (kind, uid.to_string());
            if self.by_uid.get(&entry).is_some_and(|id| names_gone(id)) {
                self.by_uid.remove(&entry);
            }
        }
        if let Some(code) = keys.user_code {
            let entry = (kind, code.to_string());
            if self.by_user_code.get(&entry).is_some_and(|id| names_gone(id)) {
                self.by_user_code.remove(&entry);
            }
        }
    }

    /// Inserts or replaces the record `id`, whose [key](key::key) is `key`, and its secondary
    /// keys (the caller holds the lock); the record is not consumed.
    fn insert(&mut self, kind: Kind, id: &str, key: &[u8; KEY_LEN], record: &Record, ttl: Option<Duration>) {
        self.remove(kind, key);
        if let Some(uid) = &record.uid {
            self.by_uid.insert((kind, uid.clone()), id.into());
        }
        if let Some(code) = &record.user_code {
            self.by_user_code.insert((kind, code.clone()), id.into());
        }
        let table = self.of_mut_or_new(kind);
        let packed = table.dictionary.pack(key, record, expires_at(ttl).unwrap_or(i64::MAX), None);
        table.records.insert(packed);
    }

    /// The unexpired record of `kind` under `key`, packed, with the table that can unpack it.
    fn live_packed(&self, kind: Kind, key: &[u8], now: i64) -> Option<(&KindTable, &Packed)> {
        let table = self.of(kind)?;
        table.records.get(key).filter(|p| p.live(now)).map(|p| (table, p))
    }

    /// The unexpired record `id` of `kind`, unpacked.
    fn live(&self, kind: Kind, id: &str) -> Result<Option<Record>, StorageError> {
        let found = self.live_packed(kind, &key::key(id), now_ms());
        found.map(|(table, packed)| table.dictionary.unpack(packed)).transpose()
    }

    /// Removes the records `doomed` picks, returning how many.
    fn remove_where(&mut self, doomed: impl Fn(&Packed) -> bool) -> u64 {
        let mut removed = Vec::new();
        for table in &mut self.kinds {
            removed.extend(table.records.extract_if(|p| doomed(p)).map(|p| (table.kind, p)));
        }
        for (kind, gone) in &removed {
            self.unindex(*kind, gone);
        }
        removed.len() as u64
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
    fn find_anywhere(
        &self,
        look: impl Fn(&Tables) -> Result<Option<Record>, StorageError>,
    ) -> Result<Option<Record>, StorageError> {
        for shard in &self.shards {
            if let Some(found) = look(&*Self::lock(shard)?)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl Adapter for MemoryAdapter {
    async fn upsert(&self, kind: Kind, id: &str, record: &Record, ttl: Option<Duration>) -> Result<(), StorageError> {
        self.tables(id)?.insert(kind, id, &key::key(id), record, ttl);
        Ok(())
    }

    async fn insert_new(&self, kind: Kind, id: &str, record: &Record, ttl: Duration) -> Result<bool, StorageError> {
        let mut tables = self.tables(id)?;
        let key = key::key(id);
        if tables.live_packed(kind, &key, now_ms()).is_some() {
            return Ok(false);
        }
        tables.insert(kind, id, &key, record, Some(ttl));
        Ok(true)
    }

    async fn replace_if(
        &self,
        kind: Kind,
        id: &str,
        expected: &str,
        record: &Record,
        ttl: Option<Duration>,
    ) -> Result<bool, StorageError> {
        // The check and the write under one lock of the record's shard.
        let mut tables = self.tables(id)?;
        let key = key::key(id);
        let current = match tables.live_packed(kind, &key, now_ms()) {
            Some((table, packed)) if packed.consumed_at().is_none() => table.dictionary.unpack(packed)?,
            _ => return Ok(false),
        };
        if current.payload != expected {
            return Ok(false);
        }
        tables.insert(kind, id, &key, record, ttl);
        Ok(true)
    }

    async fn find(&self, kind: Kind, id: &str) -> Result<Option<Record>, StorageError> {
        self.tables(id)?.live(kind, id)
    }

    async fn find_by_uid(&self, kind: Kind, uid: &str) -> Result<Option<Record>, StorageError> {
        let key = (kind, uid.to_string());
        self.find_anywhere(|tables| {
            let Some(id) = tables.by_uid.get(&key) else { return Ok(None) };
            tables.live(kind, id)
        })
    }

    async fn find_by_user_code(&self, kind: Kind, user_code: &str) -> Result<Option<Record>, StorageError> {
        let key = (kind, user_code.to_string());
        self.find_anywhere(|tables| {
            let Some(id) = tables.by_user_code.get(&key) else { return Ok(None) };
            tables.live(kind, id)
        })
    }

    async fn consume(&self, kind: Kind, id: &str) -> Result<bool, StorageError> {
        let now = now_ms();
        let mut tables = self.tables(id)?;
        let key = key::key(id);
        let (record, expires_at) = match tables.live_packed(kind, &key, now) {
            Some((table, packed)) if packed.consumed_at().is_none() => {
                (table.dictionary.unpack(packed)?, packed.expires_at())
            }
            _ => return Ok(false),
        };
        // Records are rarely consumed (codes, refresh tokens), so the mark is a field of its own,
        // added by packing the record again.
        let Some(table) = tables.of_mut(kind) else { return Ok(false) };
        let consumed = table.dictionary.pack(&key, &record, expires_at, Some(now));
        table.records.replace(consumed);
        Ok(true)
    }

    async fn list(&self, kind: Kind) -> Result<Vec<Record>, StorageError> {
        let now = now_ms();
        let mut found = Vec::new();
        for shard in &self.shards {
            let tables = Self::lock(shard)?;
            let Some(table) = tables.of(kind) else { continue };
            for packed in table.records.iter().filter(|p| p.live(now)) {
                found.push(table.dictionary.unpack(packed)?);
            }
        }
        Ok(found)
    }

    async fn destroy(&self, kind: Kind, id: &str) -> Result<(), StorageError> {
        self.tables(id)?.remove(kind, &key::key(id));
        Ok(())
    }

    async fn purge_expired(&self) -> Result<u64, StorageError> {
        let now = now_ms();
        let mut purged = 0;
        // One part at a time: the others keep serving.
        for shard in &self.shards {
            purged += Self::lock(shard)?.remove_where(|p| !p.live(now));
        }
        Ok(purged)
    }

    async fn revoke_by_grant_id(&self, grant_id: &str) -> Result<(), StorageError> {
        for shard in &self.shards {
            Self::lock(shard)?.remove_where(|p| p.keys().grant_id == Some(grant_id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::adapter_contract_tests!(std::sync::Arc::new(super::MemoryAdapter::default()));

    fn indexed(store: &MemoryAdapter) -> usize {
        let shards = store.shards.iter().map(|shard| shard.lock().unwrap());
        shards.map(|t| t.by_uid.len() + t.by_user_code.len()).sum()
    }

    #[test]
    fn removing_a_record_keeps_the_secondary_keys_a_newer_record_took() {
        let mut tables = Tables::default();
        let keyed = |n: u32| Record {
            uid: Some("uid".into()),
            user_code: Some("CODE".into()),
            ..Record::new(&serde_json::json!({ "n": n }))
        };
        tables.insert(Kind::Session, "older", &key::key("older"), &keyed(1), None);
        tables.insert(Kind::Session, "newer", &key::key("newer"), &keyed(2), None);
        tables.remove(Kind::Session, &key::key("older"));
        assert_eq!(tables.by_uid.get(&(Kind::Session, "uid".into())).map(|id| &**id), Some("newer"));
        assert_eq!(tables.by_user_code.get(&(Kind::Session, "CODE".into())).map(|id| &**id), Some("newer"));
        tables.remove(Kind::Session, &key::key("newer"));
        assert!(tables.by_uid.is_empty() && tables.by_user_code.is_empty());
    }

    #[tokio::test]
    async fn purging_and_revoking_leave_no_secondary_key_behind() {
        let store = MemoryAdapter::default();
        let keyed = |uid: &str, code: &str| Record {
            grant_id: Some("grant".into()),
            uid: Some(uid.into()),
            user_code: Some(code.into()),
            ..Record::new(&serde_json::json!({ "n": 1 }))
        };
        // A token-like id and one with other characters: both are keyed by their hash.
        for id in ["Zm9vYmFy", "an id: not base64url"] {
            store.upsert(Kind::DeviceCode, id, &keyed(id, &format!("{id}-code")), Some(Duration::ZERO)).await.unwrap();
        }
        assert_eq!(indexed(&store), 2 * 2);
        assert_eq!(store.purge_expired().await.unwrap(), 2);
        assert_eq!(indexed(&store), 0);

        for id in ["Zm9vYmFy", "an id: not base64url"] {
            store.upsert(Kind::Session, id, &keyed(id, id), None).await.unwrap();
            assert!(store.consume(Kind::Session, id).await.unwrap());
            let found = store.find_by_uid(Kind::Session, id).await.unwrap().expect("found by uid");
            assert!(found.consumed() && found.grant_id.as_deref() == Some("grant"));
        }
        store.revoke_by_grant_id("grant").await.unwrap();
        assert_eq!(indexed(&store), 0);
        assert!(store.find(Kind::Session, "an id: not base64url").await.unwrap().is_none());
    }
}
