//! The `[dpop]` section: DPoP proofs of possession (RFC 9449).

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Whether access tokens may be bound to a client's key with DPoP, and how proofs are checked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DpopConfig {
    /// Accept DPoP proofs, bind tokens to their keys, and publish
    /// `dpop_signing_alg_values_supported`. Off, a `DPoP` header is ignored and tokens are
    /// bearer tokens.
    pub enabled: bool,
    /// Every proof must carry a nonce the server issued (RFC 9449 §8, §9): one without gets
    /// `use_dpop_nonce` and a `DPoP-Nonce` header to retry with.
    pub require_nonce: bool,
    /// Seconds a server nonce stays valid (it is accepted for up to twice this long).
    pub nonce_lifetime: u64,
    /// Seconds a proof is accepted after its `iat` (RFC 9449 §11.1); its `jti` is remembered
    /// that long, in storage, so a replay is caught by every instance.
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
