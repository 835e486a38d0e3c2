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
    /// Accept `attest_jwt_client_auth` (the `OAuth-Client-Attestation` and
    /// `OAuth-Client-Attestation-PoP` headers) at the token, PAR, introspection, revocation and
    /// device authorization endpoints, and publish it.
    pub enabled: bool,
    /// The attesters whose Client Attestations are accepted: each `iss` with the file of its
    /// public JWK set.
    pub attesters: BTreeMap<String, PathBuf>,
    /// Serve `challenge_endpoint` (`POST /challenge`, §8) and require its `challenge` in every
    /// PoP; a PoP without a current one gets `use_attestation_challenge` and a fresh challenge in
    /// `OAuth-Client-Attestation-Challenge`.
    pub require_challenge: bool,
    /// Seconds a PoP is accepted after its `iat`, and a challenge for (accepted for up to twice
    /// this long); the PoP's `jti` is remembered that long, in storage.
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
