//! How the memory store keys a record: the first 16 bytes of its id's SHA-256.
//!
//! A token's id is an issue-time prefix and a 32-byte SHA-256, 51 characters; its key is 16
//! bytes whatever the id. The store never needs an id back from a key. Two ids share a key only
//! by a collision of 128-bit truncated SHA-256 (about one chance in 2^69 among a billion
//! records), which no client can steer: the ids it can influence (a `jti` it chose) are hashed
//! before they reach the store, and the rest are drawn by the provider.

use sha2::{Digest, Sha256};

/// How many bytes a key has.
pub(super) const KEY_LEN: usize = 16;

/// The key of `id`.
pub(super) fn key(id: &str) -> [u8; KEY_LEN] {
    let digest = Sha256::digest(id.as_bytes());
    let mut key = [0; KEY_LEN];
    key.copy_from_slice(&digest[..KEY_LEN]);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_the_start_of_the_ids_sha256() {
        // FIPS 180-2 appendix B.1: SHA-256("abc").
        assert_eq!(
            key("abc"),
            [0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23]
        );
        assert_eq!(key("").len(), KEY_LEN);
        assert_eq!(key(&"i".repeat(300)).len(), KEY_LEN);
    }

    #[test]
    fn ids_that_differ_by_a_character_or_a_length_have_distinct_keys() {
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_. é:";
        let mut ids: Vec<String> = (0..=70).map(|n| alphabet.chars().cycle().take(n).collect()).collect();
        ids.extend(alphabet.chars().map(|c| format!("0Dp2zVbQ2vWkZ0yXGm1y9FJ4d6sXo5Q8lR3cT7aH1eKuN0bPz4Y{c}")));
        ids.extend(["AA", "AAA", "AAAA"].map(String::from));
        let keys: std::collections::HashSet<[u8; KEY_LEN]> = ids.iter().map(|id| key(id)).collect();
        assert_eq!(keys.len(), ids.len());
    }
}
