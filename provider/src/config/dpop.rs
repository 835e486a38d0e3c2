//! The `[dpop]` section: DPoP proofs of possession (RFC 9449).

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Whether access tokens may be bound to a client's key with DPoP, and how proofs are checked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DpopConfig {
    /// Check `DPoP` proofs, bind tokens to their keys, and publish `dpop_signing_alg_values_supported` (RS256, PS256,
    /// ES256, EdDSA). Off, a `DPoP` header is ignored and every token is a bearer token.
    pub enabled: bool,
    /// Every proof must carry a nonce this server issued (RFC 9449 §8, §9): without one the token endpoint answers `400
    /// use_dpop_nonce`, a resource `401` with `WWW-Authenticate: DPoP … error="use_dpop_nonce"`, each with the
    /// `DPoP-Nonce` header to retry with. Nonces are an HMAC of the time window under a key kept in storage, so every
    /// instance sharing the storage accepts them.
    pub require_nonce: bool,
    /// Seconds a nonce window lasts (a nonce is accepted in its window and the next).
    pub nonce_lifetime: u64,
    /// Seconds a proof is accepted after its `iat` (and `clock_tolerance` ahead of it); its `jti` is remembered that
    /// long, in storage.
    pub proof_lifetime: u64,
}

impl Default for DpopConfig {
    fn default() -> Self {
        Self { enabled: false, require_nonce: false, nonce_lifetime: 300, proof_lifetime: 300 }
    }
}

impl DpopConfig {
    /// Lifetimes that leave a client time to use what it got.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if !(10..=3600).contains(&self.nonce_lifetime) {
            errors.push(ConfigError::new("dpop.nonce_lifetime", "must be between 10 and 3600 seconds"));
        }
        if !(10..=3600).contains(&self.proof_lifetime) {
            errors.push(ConfigError::new("dpop.proof_lifetime", "must be between 10 and 3600 seconds"));
        }
    }
}
