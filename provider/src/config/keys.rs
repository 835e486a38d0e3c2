//! The `[keys]` section: the signing keys and the algorithms offered.

use super::ConfigError;
use crate::jose::SigningAlg;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Signing keys: where they live and which algorithms are offered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KeysConfig {
    /// A JWKS with private keys. Each key needs `alg`. Its `kid` is recomputed as the RFC 7638 thumbprint.
    pub file: PathBuf,
    /// If the file is missing, generate one key per algorithm in `signing_algs` (RSA 2048, P-256, Ed25519) and write it
    /// (mode 0600).
    pub generate: bool,
    /// Algorithms offered for ID tokens. Must include RS256 (OIDC Core §15.1), except under a `[fapi]` profile, which
    /// allows only PS256 and ES256 (FAPI 1.0) or those and EdDSA (FAPI 2.0). Each needs a key in the file.
    pub signing_algs: Vec<String>,
    /// Seconds between checks of the file for changes; a changed file replaces the keys without a restart.
    pub reload_interval: u64,
}

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            file: "data/jwks.json".into(),
            generate: true,
            signing_algs: ["RS256", "PS256", "ES256", "EdDSA"].map(String::from).to_vec(),
            reload_interval: 30,
        }
    }
}

impl KeysConfig {
    /// Every algorithm is one this build signs with, and RS256 is among them, but under a FAPI profile, which forbids
    /// it (its own rule checks the list).
    pub(super) fn check(&self, fapi: super::FapiProfile, errors: &mut Vec<ConfigError>) {
        for alg in &self.signing_algs {
            if alg.parse::<SigningAlg>().is_err() {
                errors.push(ConfigError::new(
                    "keys.signing_algs",
                    format!(
                        "unsupported algorithm {alg:?}; supported: {}",
                        SigningAlg::ALL.map(|a| a.as_str()).join(", ")
                    ),
                ));
            }
        }
        if fapi == super::FapiProfile::None && !self.signing_algs.iter().any(|a| a == "RS256") {
            errors.push(ConfigError::new("keys.signing_algs", "must include RS256 (OIDC Core §15.1)"));
        }
    }
}
