//! Cross-cutting security: randomness, hashing, constant-time comparison, owner-only files,
//! and the throttling of guesses.

#[cfg(any(feature = "dpop", feature = "attestation"))]
pub(crate) mod server_nonce;
pub(crate) mod throttle;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A fresh random value with 256 bits of entropy, base64url-encoded (43 characters).
pub(crate) fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh token value that sorts by issue time: 8 characters of the issue time in milliseconds
/// (base64url of 6 bytes, big-endian), then 43 characters of 256 random bits. The time part
/// keeps a value's storage key near those issued just before it (see `model::storage_id`), so
/// a database inserts each new token into the same few index pages, not into a random one.
/// It reveals when the token was issued, which its expiry reveals anyway; the secret is the
/// random part.
pub(crate) fn time_ordered_token() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let mut value = URL_SAFE_NO_PAD.encode(&millis.to_be_bytes()[2..]);
    value.push_str(&random_token());
    value
}

/// base64url (no padding) of SHA-256 over `value`: the storage key of an opaque token,
/// and the PKCE S256 transform (RFC 7636 §4.2).
pub(crate) fn sha256_b64url(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
}

/// Compares two secrets in constant time (for equal lengths; the length itself is not secret).
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Creates a new file readable and writable by its owner alone (0600 where there are modes),
/// failing with `AlreadyExists` if the path is taken: for key files and the database, which
/// hold secrets.
pub(crate) fn create_private_file(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_256_bits_and_distinct() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn time_ordered_tokens_lead_with_the_issue_time_then_256_random_bits() {
        let first = time_ordered_token();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = time_ordered_token();
        assert_eq!((first.len(), second.len()), (51, 51));
        let millis = |t: &str| {
            let bytes = URL_SAFE_NO_PAD.decode(&t[..8]).unwrap();
            u64::from_be_bytes([0, 0, bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]])
        };
        assert!(millis(&second) > millis(&first), "later tokens carry later times");
        assert_eq!(URL_SAFE_NO_PAD.decode(&first[8..]).unwrap().len(), 32);
        assert_ne!(first[8..], second[8..]);
    }

    #[test]
    fn s256_matches_rfc7636_appendix_b() {
        assert_eq!(
            sha256_b64url("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn constant_time_eq_compares_contents() {
        assert!(constant_time_eq("secret", "secret"));
        assert!(!constant_time_eq("secret", "secreT"));
        assert!(!constant_time_eq("secret", "secret2"));
    }
}
