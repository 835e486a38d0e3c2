//! The `[attestation]` section: attestation-based client authentication
//! (draft-ietf-oauth-attestation-based-client-auth-06).

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Which client attesters are trusted, and how fresh a proof of possession must be.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AttestationConfig {
    /// Accept `attest_jwt_client_auth` at every endpoint that authenticates clients (token, PAR, introspection,
    /// revocation, device authorization), publish it in the `*_auth_methods_supported` lists, and let registration use
    /// it. Needs an attester.
    pub enabled: bool,
    /// The trusted attesters: `"ISS" = "FILE"`, each `iss` with the file of its public JWK set, read at start.
    pub attesters: BTreeMap<String, PathBuf>,
    /// Serve `challenge_endpoint` (`POST /challenge`, answering `{"attestation_challenge": ...}` with `Cache-Control:
    /// no-store`), publish it, and require a current challenge in every PoP (§8). A PoP without one gets `400
    /// use_attestation_challenge` with a fresh challenge in `OAuth-Client-Attestation-Challenge`. Challenges are
    /// stateless, valid for two `pop_lifetime` windows, and accepted by every instance sharing the storage.
    pub require_challenge: bool,
    /// Seconds a PoP is accepted after its `iat`; its `jti` is remembered twice that long, in storage.
    pub pop_lifetime: u64,
}

impl Default for AttestationConfig {
    fn default() -> Self {
        Self { enabled: false, attesters: BTreeMap::new(), require_challenge: false, pop_lifetime: 300 }
    }
}

impl AttestationConfig {
    /// A usable lifetime; turning it on without an attester to trust is a mistake.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if !(10..=3600).contains(&self.pop_lifetime) {
            errors.push(ConfigError::new("attestation.pop_lifetime", "must be between 10 and 3600 seconds"));
        }
        if self.enabled && self.attesters.is_empty() {
            errors.push(ConfigError::new("attestation.attesters", "attestation.enabled needs at least one attester"));
        }
    }
}
