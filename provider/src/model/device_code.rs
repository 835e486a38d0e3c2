//! Device codes (RFC 8628): stored under the hash of the device code, found by user code.

use super::{Model, TokenClaims};
use crate::storage::Kind;
use serde::{Deserialize, Serialize};

/// Where a device authorization stands.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", tag = "status")]
pub(crate) enum DeviceStatus {
    /// Waiting for the user.
    Pending,
    /// The user approved; these are the tokens' claims.
    Approved {
        /// The authorization.
        claims: Box<TokenClaims>,
    },
    /// The user refused.
    Denied,
}

/// A device authorization request in progress. Stored under `id`, the SHA-256 of the device
/// code, which callers compute (so the user-code lookup can update the record by its id).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct DeviceCode {
    /// The storage id: SHA-256 of the device code.
    pub id: String,
    /// The device's client.
    pub client_id: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// Resource indicators asked for (RFC 8707).
    #[serde(default)]
    pub resources: Vec<String>,
    /// The user code, normalised (no dash).
    pub user_code: String,
    /// When the device code stops working (RFC 8628 `expires_in`).
    pub expires_at: i64,
    /// Seconds the device must wait between polls (raised by `slow_down`).
    pub interval: u64,
    /// When the device last polled, in Unix milliseconds (the interval is enforced to the
    /// millisecond). A record stored before this field existed reads as never polled.
    pub last_poll_ms: Option<i64>,
    /// Where it stands.
    #[serde(flatten)]
    pub status: DeviceStatus,
}

impl Model for DeviceCode {
    const KIND: Kind = Kind::DeviceCode;
}

impl DeviceCode {
    #[cfg(feature = "device-flow")]
    /// Stores the record (keyed by `id`, found by its user code) for `ttl`.
    pub(crate) async fn save(
        &self,
        store: &dyn crate::storage::Adapter,
        ttl: std::time::Duration,
    ) -> Result<(), crate::storage::StorageError> {
        super::save_keyed(store, &self.id, self, None, Some(self.user_code.clone()), ttl).await
    }

    /// How long the record must still be kept: until it expires, plus a minute to answer
    /// `expired_token` rather than `invalid_grant`.
    pub(crate) fn remaining(&self) -> std::time::Duration {
        std::time::Duration::from_secs((self.expires_at - crate::security::now() + 60).max(1) as u64)
    }
}

#[cfg(feature = "device-flow")]
/// The user code alphabet: consonants only, no look-alikes, no words (RFC 8628 §6.1).
const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

#[cfg(feature = "device-flow")]
/// A new user code: 8 characters (about 34.6 bits), shown as `XXXX-XXXX`.
pub(crate) fn new_user_code() -> String {
    // Uniform over the alphabet: a byte modulo 20 would favour its first 16 letters.
    (0..8).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(feature = "device-flow")]
/// A user code as typed (any case, dashes and spaces) in stored form; `None` if it cannot be one.
pub(crate) fn normalize_user_code(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !matches!(c, '-' | ' ')).map(|c| c.to_ascii_uppercase()).collect();
    (code.len() == 8 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

#[cfg(feature = "device-flow")]
/// A stored user code as shown to people.
pub(crate) fn display_user_code(code: &str) -> String {
    if code.len() == 8 { format!("{}-{}", &code[..4], &code[4..]) } else { code.to_string() }
}

#[cfg(feature = "device-flow")]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_use_the_alphabet_and_normalise() {
        let code = new_user_code();
        assert_eq!(normalize_user_code(&code).as_deref(), Some(code.as_str()));
        let shown = display_user_code(&code);
        assert_eq!(shown.len(), 9);
        assert_eq!(normalize_user_code(&shown.to_lowercase()).as_deref(), Some(code.as_str()));
        assert_eq!(normalize_user_code("BCDF-GHJ"), None);
        assert_eq!(normalize_user_code("BCDF-GHJA"), None, "vowels are not in the alphabet");
    }

    #[test]
    fn every_letter_is_equally_likely() {
        // 640,000 letters: 32,000 of each expected, with a standard deviation of about 175.
        // Five deviations allow 900; a byte modulo 20 would give the last four letters 30,000.
        let mut counts = [0u32; 20];
        for _ in 0..80_000 {
            for letter in new_user_code().bytes() {
                counts[ALPHABET.iter().position(|&a| a == letter).unwrap()] += 1;
            }
        }
        for (letter, count) in ALPHABET.iter().zip(counts) {
            assert!(count.abs_diff(32_000) < 900, "{} appeared {count} times", *letter as char);
        }
    }
}
