//! How the memory store keys a record: its id behind a tag byte, and an id made only of
//! base64url characters (the ids of tokens and codes: an issue-time prefix and a SHA-256) packed
//! at 6 bits a character, a quarter smaller.

/// The tag of an id kept as it is; tags 1 to 4 say packed, and how many characters (modulo 4)
/// the last bytes hold.
const RAW: u8 = 0;

/// The key of `id`.
pub(super) fn key(id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(1 + (id.len() * 6).div_ceil(8));
    key.push(1 + (id.len() % 4) as u8);
    let (mut bits, mut held) = (0u32, 0);
    for character in id.bytes() {
        let Some(sextet) = sextet(character) else {
            // Not base64url: the id as it is.
            key.clear();
            key.push(RAW);
            key.extend_from_slice(id.as_bytes());
            return key;
        };
        bits = (bits << 6) | u32::from(sextet);
        held += 6;
        if held >= 8 {
            held -= 8;
            key.push((bits >> held) as u8);
        }
    }
    if held > 0 {
        key.push((bits << (8 - held)) as u8);
    }
    key
}

/// The id a [`key`] was made from (empty for bytes no key has): the store never needs it, and
/// its tests check with it that no two ids share a key.
#[cfg(test)]
pub(super) fn id(key: &[u8]) -> String {
    let Some((&tag, bytes)) = key.split_first() else { return String::new() };
    if tag == RAW {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    // 4 characters fill 3 bytes; the remaining 1, 2 or 3 characters take 1, 2 or 3 bytes.
    let remainder = usize::from(tag - 1);
    let characters = bytes.len().saturating_sub(remainder) / 3 * 4 + remainder;
    let mut id = String::with_capacity(characters);
    let (mut bits, mut held) = (0u32, 0);
    for &byte in bytes {
        bits = (bits << 8) | u32::from(byte);
        held += 8;
        while held >= 6 && id.len() < characters {
            held -= 6;
            id.push(ALPHABET[((bits >> held) & 0x3f) as usize] as char);
        }
    }
    id
}

/// The base64url alphabet (RFC 4648 §5).
#[cfg(test)]
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A base64url character's value.
fn sextet(character: u8) -> Option<u8> {
    match character {
        b'A'..=b'Z' => Some(character - b'A'),
        b'a'..=b'z' => Some(character - b'a' + 26),
        b'0'..=b'9' => Some(character - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_id_packs_a_quarter_smaller() {
        // An issue-time prefix and a SHA-256, base64url.
        let id = "0Dp2zVbQ2vWkZ0yXGm1y9FJ4d6sXo5Q8lR3cT7aH1eKuN0bPz4Yw";
        let key = key(id);
        assert_eq!(key.len(), 1 + (id.len() * 6).div_ceil(8));
        assert_eq!(super::id(&key), id);
    }

    #[test]
    fn every_length_and_character_round_trips() {
        let alphabet = std::str::from_utf8(ALPHABET).unwrap();
        for length in 0..=70 {
            let id: String = alphabet.chars().cycle().skip(length * 7).take(length).collect();
            assert_eq!(super::id(&key(&id)), id, "length {length}");
        }
        assert_eq!(super::id(&key(alphabet)), alphabet);
        assert!(alphabet.bytes().enumerate().all(|(at, c)| sextet(c) == Some(at as u8)));
    }

    #[test]
    fn other_ids_are_kept_as_they_are() {
        for id in ["a session id.", "urn:ietf:params:oauth:jti", "é", "with space", "x=y", "a+b/c"] {
            assert_eq!(key(id)[0], RAW);
            assert_eq!(super::id(&key(id)), id);
        }
    }

    #[test]
    fn distinct_ids_have_distinct_keys() {
        // Same characters, different lengths: the tag tells "A" from "AA" although both pack
        // into zero bits.
        let ids = ["", "A", "AA", "AAA", "AAAA", "AAAAA", "B", "BA", "-", "_", "Zm9v"];
        let keys: std::collections::HashSet<Vec<u8>> = ids.iter().map(|id| key(id)).collect();
        assert_eq!(keys.len(), ids.len());
        // A raw id never collides with a packed one: their tags differ.
        assert_ne!(key("A.")[0], key("A")[0]);
    }
}
