//! Values a server hands out and later accepts, without keeping them: an HMAC of the current time
//! window under a secret every instance shares (kept in storage). DPoP nonces (RFC 9449 §8) and
//! attestation challenges are made this way, so any instance accepts what another issued.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// One kind of server nonce: its key and how long a window lasts.
pub(crate) struct ServerNonces {
    key: ring::hmac::Key,
    lifetime: u64,
}

impl ServerNonces {
    /// Nonces under `secret`, each window `lifetime` seconds long (at least one).
    pub(crate) fn new(secret: &str, lifetime: u64) -> Self {
        Self { key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes()), lifetime: lifetime.max(1) }
    }

    /// The nonce to hand out now.
    pub(crate) fn current(&self) -> String {
        self.for_window(self.window())
    }

    /// Whether `nonce` is this window's or the last one's: one handed out just before a window
    /// ends stays good for a whole window more.
    pub(crate) fn is_current(&self, nonce: &str) -> bool {
        let now = self.window();
        [now, now.saturating_sub(1)].into_iter().any(|w| super::constant_time_eq(&self.for_window(w), nonce))
    }

    fn for_window(&self, window: u64) -> String {
        URL_SAFE_NO_PAD.encode(&ring::hmac::sign(&self.key, &window.to_be_bytes()).as_ref()[..16])
    }

    fn window(&self) -> u64 {
        super::now().max(0) as u64 / self.lifetime
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_in_its_window_under_its_own_secret_only() {
        let nonces = ServerNonces::new("a shared secret", 300);
        let nonce = nonces.current();
        assert!(nonces.is_current(&nonce));
        assert_eq!(nonce, ServerNonces::new("a shared secret", 300).current(), "another instance makes the same");
        assert!(!ServerNonces::new("another secret", 300).is_current(&nonce));
        assert!(!nonces.is_current(&nonces.for_window(nonces.window() - 2)), "two windows old");
        assert!(nonces.is_current(&nonces.for_window(nonces.window() - 1)), "the last window's");
    }
}
