//! One record as the memory store keeps it: a single allocation holding its expiry, its
//! [key](super::key) (a hash of its id), its secondary keys, when it was consumed, and its
//! payload, LZ4-compressed against its kind's [dictionary](super::dictionary).

use super::key::KEY_LEN;
use crate::storage::{Record, StorageError};
use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

/// Which optional fields a packed record has, in the order they follow its key (the flags'
/// low bits; the high four say which generation of the dictionary it was packed with).
const GRANT_ID: u8 = 1;
const UID: u8 = 2;
const USER_CODE: u8 = 4;
const CONSUMED_AT: u8 = 8;
/// Where the key starts: after the flags and `expires_at`.
const KEY_AT: usize = 9;
/// Where the optional fields start: after the key, whose length is fixed.
const FIELDS_AT: usize = KEY_AT + KEY_LEN;

/// A packed record: a flags byte saying which optional fields it has and the dictionary's
/// generation, `expires_at` (little-endian), its key, the optional `grant_id`,
/// `uid` and `user_code` after their lengths, `consumed_at`, then the payload's length and its
/// LZ4 block. It hashes and compares as its key, so a set of them is a map by key.
pub(super) struct Packed(Box<[u8]>);

/// A record's secondary keys, borrowed from its packed form.
pub(super) struct SecondaryKeys<'a> {
    pub grant_id: Option<&'a str>,
    pub uid: Option<&'a str>,
    pub user_code: Option<&'a str>,
}

impl Packed {
    /// Packs `record` under its [`key`](super::key::key), compressing its payload against
    /// `dictionary`, whose `generation` (below 16) it keeps. Its own `consumed_at` is ignored in
    /// favour of `consumed_at`.
    pub(super) fn new(
        key: &[u8; KEY_LEN],
        record: &Record,
        expires_at: i64,
        consumed_at: Option<i64>,
        (dictionary, generation): (&[u8], u8),
    ) -> Self {
        let payload = lz4_flex::block::compress_with_dict(record.payload.as_bytes(), dictionary);
        let mut blob = Vec::with_capacity(FIELDS_AT + payload.len() + 16);
        let optional = [(GRANT_ID, &record.grant_id), (UID, &record.uid), (USER_CODE, &record.user_code)];
        let flags = optional.iter().filter(|(_, field)| field.is_some()).fold(0, |flags, (flag, _)| flags | flag);
        blob.push(flags | if consumed_at.is_some() { CONSUMED_AT } else { 0 } | generation << 4);
        blob.extend_from_slice(&expires_at.to_le_bytes());
        blob.extend_from_slice(key);
        for field in optional.iter().filter_map(|(_, field)| field.as_ref()) {
            put_field(&mut blob, field.as_bytes());
        }
        if let Some(at) = consumed_at {
            blob.extend_from_slice(&at.to_le_bytes());
        }
        put_len(&mut blob, record.payload.len());
        blob.extend_from_slice(&payload);
        // An exact allocation: shrinking the vector in place could leave it in a larger block.
        Self(blob.as_slice().into())
    }

    /// Milliseconds since the epoch.
    pub(super) fn expires_at(&self) -> i64 {
        read_i64(&self.0[1..]).unwrap_or_default()
    }

    /// Whether the record has not expired at `now`.
    pub(super) fn live(&self, now: i64) -> bool {
        self.expires_at() > now
    }

    /// The generation of the dictionary it was packed with.
    pub(super) fn generation(&self) -> u8 {
        self.0[0] >> 4
    }

    /// The size of its compressed payload.
    pub(super) fn compressed_len(&self) -> usize {
        let mut rest = self.fields().2;
        rest.read_len();
        rest.0.len()
    }

    /// Its key: what a lookup by id finds it by (see [`key`](super::key::key)).
    pub(super) fn key(&self) -> &[u8] {
        &self.0[KEY_AT..FIELDS_AT]
    }

    /// Its secondary keys.
    pub(super) fn keys(&self) -> SecondaryKeys<'_> {
        self.fields().0
    }

    /// When it was consumed, in milliseconds since the epoch.
    pub(super) fn consumed_at(&self) -> Option<i64> {
        self.fields().1
    }

    /// The record, its payload decompressed against the `dictionary` it was packed with.
    pub(super) fn record(&self, dictionary: &[u8]) -> Result<Record, StorageError> {
        let (keys, consumed_at, mut rest) = self.fields();
        let owned = |key: Option<&str>| key.map(String::from);
        let (grant_id, uid, user_code) = (owned(keys.grant_id), owned(keys.uid), owned(keys.user_code));
        let length = rest.read_len();
        let corrupt = |why: String| StorageError(format!("memory store: a packed record does not unpack: {why}"));
        let payload = lz4_flex::block::decompress_with_dict(rest.0, length, dictionary)
            .map_err(|e| corrupt(e.to_string()))
            .and_then(|bytes| match bytes.len() == length {
                true => Ok(bytes),
                false => Err(corrupt(format!("{} bytes, not {length}", bytes.len()))),
            })
            .and_then(|bytes| String::from_utf8(bytes).map_err(|e| corrupt(e.to_string())))?;
        Ok(Record { payload, grant_id, uid, user_code, consumed_at })
    }

    /// The optional fields, and what follows them.
    fn fields(&self) -> (SecondaryKeys<'_>, Option<i64>, Fields<'_>) {
        let flags = self.0[0];
        let mut fields = Fields(&self.0[FIELDS_AT..]);
        let mut optional = |flag: u8| (flags & flag != 0).then(|| fields.str());
        let keys = SecondaryKeys { grant_id: optional(GRANT_ID), uid: optional(UID), user_code: optional(USER_CODE) };
        let consumed_at = (flags & CONSUMED_AT != 0).then(|| read_i64(fields.take(8))).flatten();
        (keys, consumed_at, fields)
    }
}

impl Borrow<[u8]> for Packed {
    fn borrow(&self) -> &[u8] {
        self.key()
    }
}

impl Hash for Packed {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `[u8]` hashes, so that a lookup by key finds it (`Borrow`).
        self.key().hash(state)
    }
}

impl PartialEq for Packed {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Packed {}

/// Writes `bytes` after their length.
fn put_field(blob: &mut Vec<u8>, bytes: &[u8]) {
    put_len(blob, bytes.len());
    blob.extend_from_slice(bytes);
}

/// A little-endian `i64` at the start of `bytes`.
fn read_i64(bytes: &[u8]) -> Option<i64> {
    Some(i64::from_le_bytes(bytes.get(..8)?.try_into().ok()?))
}

/// Writes a length in LEB128: one byte below 128.
fn put_len(blob: &mut Vec<u8>, mut len: usize) {
    while len >= 0x80 {
        blob.push((len as u8 & 0x7f) | 0x80);
        len >>= 7;
    }
    blob.push(len as u8);
}

/// A reader over the fields of a packed record, which only [`Packed::new`] writes: a short
/// field reads as empty rather than panicking.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    /// A length (LEB128), and the reader past it.
    fn read_len(&mut self) -> usize {
        let mut len = 0;
        for (at, byte) in self.0.iter().enumerate().take(10) {
            len |= ((byte & 0x7f) as usize) << (7 * at);
            if byte & 0x80 == 0 {
                self.0 = &self.0[at + 1..];
                return len;
            }
        }
        self.0 = &[];
        0
    }

    fn take(&mut self, len: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(len.min(self.0.len()));
        self.0 = rest;
        taken
    }

    fn field(&mut self) -> &'a [u8] {
        let len = self.read_len();
        self.take(len)
    }

    /// A field written from a `&str`, hence UTF-8.
    fn str(&mut self) -> &'a str {
        std::str::from_utf8(self.field()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::key;
    use super::*;

    /// A client credentials token's record, as stored (opaque tokens keep no jti); `sub` stands
    /// for anything else a record of the kind may carry.
    fn token(sub: &str, iat: i64) -> Record {
        Record::new(&serde_json::json!({
            "client_id": "bench-client", "account_id": sub, "scopes": ["read"],
            "auth_time": iat, "amr": ["client_credentials"], "resources": ["https://opaque.bench"],
            "iat": iat, "exp": iat + 3600,
        }))
    }

    #[test]
    fn a_record_unpacks_as_it_was_packed() {
        let dictionary = token("first", 1_764_200_000).payload.into_bytes();
        let mut record = token("0123456789abcdefghijklmnopqrstuvwxyzABCDEFG", 1_764_200_123);
        record.grant_id = Some("grant".into());
        record.user_code = Some("WDJB-MJHT".into());
        let packed = Packed::new(&key::key("the-id"), &record, 42, None, (&dictionary, 1));
        assert_eq!(packed.key(), key::key("the-id"));
        assert_eq!(packed.generation(), 1);
        assert_eq!(packed.expires_at(), 42);
        assert_eq!(packed.consumed_at(), None);
        let keys = packed.keys();
        assert_eq!((keys.grant_id, keys.uid, keys.user_code), (Some("grant"), None, Some("WDJB-MJHT")));
        assert_eq!(packed.record(&dictionary).unwrap(), record);
    }

    #[test]
    fn the_generation_and_the_flags_share_a_byte() {
        let mut record = token("sub", 1);
        record.uid = Some("uid".into());
        let packed = Packed::new(&key::key("id"), &record, 1, Some(2), (&[], 15));
        assert_eq!(packed.generation(), 15);
        assert_eq!((packed.keys().grant_id, packed.keys().uid, packed.consumed_at()), (None, Some("uid"), Some(2)));
    }

    #[test]
    fn consumed_at_is_kept_and_costs_only_when_present() {
        let record = token("jti", 1);
        let fresh = Packed::new(&key::key("id"), &record, i64::MAX, None, (&[], 0));
        let consumed = Packed::new(&key::key("id"), &record, i64::MAX, Some(1_764_200_000_123), (&[], 0));
        assert_eq!(fresh.consumed_at(), None);
        assert_eq!(consumed.consumed_at(), Some(1_764_200_000_123));
        assert_eq!(consumed.0.len(), fresh.0.len() + 8);
        assert_eq!(consumed.expires_at(), i64::MAX);
        let unpacked = consumed.record(&[]).unwrap();
        assert_eq!(unpacked.consumed_at, Some(1_764_200_000_123));
        assert_eq!(unpacked.payload, record.payload);
        // The record's own consumed_at is not what is kept (an upsert clears it).
        let upserted = Packed::new(&key::key("id"), &unpacked, 1, None, (&[], 0));
        assert_eq!(upserted.record(&[]).unwrap().consumed_at, None);
    }

    #[test]
    fn a_token_packs_to_its_own_parts_against_its_kinds_dictionary() {
        let dictionary = token("bench-client", 1_764_200_000).payload.into_bytes();
        let record = token("bench-client", 1_764_201_234);
        // A storage id: the issue time's prefix and the token's SHA-256.
        let id = "0Dp2zVbQ2vWkZ0yXGm1y9FJ4d6sXo5Q8lR3cT7aH1eKuN0bPz4Yw";
        let packed = Packed::new(&key::key(id), &record, 0, None, (&dictionary, 1));
        // Its JSON is near 200 bytes; what differs from the dictionary is the times (25 bytes).
        assert!(record.payload.len() > 180, "{}", record.payload.len());
        // Flags, expiry, the key, the payload's length (two bytes).
        let overhead = FIELDS_AT + 2;
        assert!(packed.0.len() <= overhead + 32, "packed to {} bytes", packed.0.len());
        assert_eq!(packed.compressed_len(), packed.0.len() - overhead);
        // Without the dictionary the same JSON barely compresses.
        assert!(Packed::new(&key::key(id), &record, 0, None, (&[], 0)).0.len() > overhead + 150);
    }

    #[test]
    fn long_ids_and_keys_and_payloads_unlike_the_dictionary_round_trip() {
        let id = "i".repeat(300);
        let mut record = Record::new(&serde_json::json!({ "sid": "é".repeat(5000), "n": [1, 2, 3] }));
        record.uid = Some("u".repeat(200));
        record.grant_id = Some(String::new());
        let dictionary = token("jti", 1).payload.into_bytes();
        let packed = Packed::new(&key::key(&id), &record, 7, None, (&dictionary, 1));
        assert_eq!(packed.key(), key::key(&id));
        assert_eq!(packed.keys().grant_id, Some(""));
        assert_eq!(packed.record(&dictionary).unwrap(), record);
    }

    #[test]
    fn a_set_of_packed_records_is_a_map_by_id() {
        let mut set = std::collections::HashSet::new();
        set.insert(Packed::new(&key::key("a"), &token("1", 1), 1, None, (&[], 0)));
        set.insert(Packed::new(&key::key("b"), &token("2", 2), 2, None, (&[], 0)));
        assert!(!set.insert(Packed::new(&key::key("a"), &token("3", 3), 3, None, (&[], 0))), "same id, same entry");
        assert_eq!(set.get(key::key("a").as_slice()).map(Packed::expires_at), Some(1));
        assert!(!set.contains(key::key("c").as_slice()));
    }

    #[test]
    fn a_damaged_payload_is_an_error_not_a_panic() {
        let dictionary = token("jti", 1).payload.into_bytes();
        let mut packed = Packed::new(&key::key("id"), &token("other", 2), 0, None, (&dictionary, 1));
        let end = packed.0.len();
        packed.0[end - 8..].fill(0xff);
        assert!(packed.record(&dictionary).is_err());
    }
}
