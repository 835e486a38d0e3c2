//! What the memory store compresses the records of one kind against, in one part of the store:
//! the payloads that compressed poorly, appended one after another.
//!
//! A memory-mode provider keeps every token it issues until the token expires, and the tokens
//! of one kind come in a few shapes (a client credentials token, a user's token, a code) that
//! share most of their JSON: field names, client, scopes, audience, grant and session. The first
//! record of a shape compresses poorly and is learnt; the next ones keep little more than their
//! own values. A client credentials token's 200 bytes of JSON pack to about 25.
//!
//! A learnt payload stays after its record is gone, in the same process memory that held the
//! record, for as long as the store lives.

use super::key::KEY_LEN;
use super::packed::Packed;
use crate::storage::{Record, StorageError};

/// How many generations a dictionary has at most: a packed record names its own in 4 bits.
const GENERATIONS: usize = 16;
/// How large a dictionary grows at most: LZ4 reads all of it for every record it compresses.
const MAX_BYTES: usize = 4096;

/// A dictionary that only grows: each generation is a prefix of the next, so a record packed
/// against an older one still unpacks.
pub(super) struct Dictionary {
    bytes: Vec<u8>,
    /// Where each generation ends in `bytes`; generation 0 is empty.
    ends: Vec<usize>,
}

impl Default for Dictionary {
    fn default() -> Self {
        Self { bytes: Vec::new(), ends: vec![0] }
    }
}

impl Dictionary {
    /// Packs a record against the newest generation, and learns its payload if it compressed
    /// to over a quarter of its size (a shape not seen yet) while there is room.
    pub(super) fn pack(
        &mut self,
        key: &[u8; KEY_LEN],
        record: &Record,
        expires_at: i64,
        consumed_at: Option<i64>,
    ) -> Packed {
        let generation = self.ends.len() - 1;
        let packed = Packed::new(key, record, expires_at, consumed_at, (&self.bytes, generation as u8));
        let payload = record.payload.as_bytes();
        let room = self.ends.len() < GENERATIONS && self.bytes.len() + payload.len() <= MAX_BYTES;
        if room && packed.compressed_len() * 4 > payload.len() {
            self.bytes.extend_from_slice(payload);
            self.ends.push(self.bytes.len());
        }
        packed
    }

    /// The record, unpacked against the generation it was packed with.
    pub(super) fn unpack(&self, packed: &Packed) -> Result<Record, StorageError> {
        match self.ends.get(usize::from(packed.generation())) {
            Some(&end) => packed.record(&self.bytes[..end]),
            None => Err(StorageError("memory store: a record names a dictionary generation never made".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::key::key;
    use super::*;

    fn client_credentials(iat: i64) -> Record {
        Record::new(&serde_json::json!({
            "client_id": "svc", "account_id": "svc", "scopes": ["read"], "auth_time": iat,
            "amr": ["client_credentials"], "resources": ["https://api.example"], "iat": iat, "exp": iat + 3600,
        }))
    }

    fn users(iat: i64) -> Record {
        Record {
            grant_id: Some("Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5".into()),
            ..Record::new(&serde_json::json!({
                "client_id": "rp", "account_id": "248289761001", "scopes": ["openid", "profile", "email"],
                "grant_id": "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5",
                "sid": "knxRx3aPEJHJMaO4XVDGJYhkNW8b0zhFOFW8RIOmGWw", "auth_time": iat - 5,
                "acr": "urn:mace:incommon:iap:bronze", "amr": ["pwd"], "iat": iat, "exp": iat + 3600,
            }))
        }
    }

    #[test]
    fn each_shape_is_learnt_once_and_older_records_still_unpack() {
        let mut dictionary = Dictionary::default();
        let first = dictionary.pack(&key("a"), &client_credentials(1_764_200_000), 1, None);
        assert_eq!(first.generation(), 0, "nothing learnt yet");
        let second = dictionary.pack(&key("b"), &client_credentials(1_764_200_001), 1, None);
        assert_eq!(second.generation(), 1, "the first one was learnt");
        assert!(second.compressed_len() < 32, "{} bytes", second.compressed_len());

        let user = dictionary.pack(&key("c"), &users(1_764_200_002), 1, None);
        assert_eq!(user.generation(), 1, "a new shape, packed poorly");
        let next_user = dictionary.pack(&key("d"), &users(1_764_200_003), 1, None);
        assert_eq!(next_user.generation(), 2, "and learnt");
        assert!(next_user.compressed_len() < 32, "{} bytes", next_user.compressed_len());
        let third = dictionary.pack(&key("e"), &client_credentials(1_764_200_004), 1, None);
        assert_eq!(third.generation(), 2, "a known shape teaches nothing");
        assert_eq!(dictionary.ends.len(), 3);

        for (packed, record) in [
            (&first, client_credentials(1_764_200_000)),
            (&second, client_credentials(1_764_200_001)),
            (&user, users(1_764_200_002)),
            (&next_user, users(1_764_200_003)),
            (&third, client_credentials(1_764_200_004)),
        ] {
            assert_eq!(dictionary.unpack(packed).unwrap(), record);
        }
    }

    #[test]
    fn it_stops_growing_at_its_limits() {
        let mut dictionary = Dictionary::default();
        // Random payloads never compress: each would be learnt.
        let records: Vec<Record> =
            (0..40).map(|_| Record::new(&serde_json::json!({ "value": crate::security::random_token() }))).collect();
        let packed: Vec<Packed> =
            records.iter().enumerate().map(|(at, r)| dictionary.pack(&key(&at.to_string()), r, 1, None)).collect();
        assert_eq!(dictionary.ends.len(), GENERATIONS);
        assert!(packed.iter().all(|p| usize::from(p.generation()) < GENERATIONS));
        for (packed, record) in packed.iter().zip(&records) {
            assert_eq!(&dictionary.unpack(packed).unwrap(), record);
        }
        let mut small = Dictionary::default();
        let random: String = (0..MAX_BYTES / 40).map(|_| crate::security::random_token()).collect();
        let big = Record::new(&serde_json::json!({ "value": random }));
        small.pack(&key("big"), &big, 1, None);
        assert!(small.bytes.is_empty(), "a payload larger than the limit is not learnt");
    }

    #[test]
    fn a_generation_never_made_is_an_error() {
        let mut dictionary = Dictionary::default();
        let packed = Packed::new(&key("id"), &client_credentials(1), 1, None, (&[], 9));
        assert!(dictionary.unpack(&packed).is_err());
        dictionary.pack(&key("x"), &client_credentials(1), 1, None);
        assert!(dictionary.unpack(&Packed::new(&key("id"), &client_credentials(1), 1, None, (&[], 0))).is_ok());
    }
}
