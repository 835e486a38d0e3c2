//! The `[keys]` section: the signing keys and the algorithms offered.

use super::ConfigError;
use crate::jose::SigningAlg;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Signing keys: where they live and which algorithms are offered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KeysConfig {
    /// A JWKS file with private keys.
    pub file: PathBuf,
    /// Generate the file at first start if it is missing (the development default).
    pub generate: bool,
    /// The JWS algorithms to sign with; RS256 is required (OIDC Core §15.1)
    /// except under a FAPI profile, which allows only PS256, ES256 (and EdDSA in FAPI 2.0).
    pub signing_algs: Vec<String>,
    /// Seconds between checks of the file for changes (after `provider keys rotate`).
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
    /// Every algorithm is one this build signs with, and RS256 is among them, but under a FAPI
    /// profile, which forbids it (its own rule checks the list).
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
