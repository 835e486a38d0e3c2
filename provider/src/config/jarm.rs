//! The `[jarm]` section: JWT-secured authorization responses (JARM).

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Whether clients may ask for their authorization responses as signed (and encrypted) JWTs.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct JarmConfig {
    /// Accept `response_mode` `jwt`, `query.jwt`, `fragment.jwt` and `form_post.jwt`, and publish them in
    /// `response_modes_supported` with `authorization_signing_alg_values_supported` and the
    /// `authorization_encryption_*` lists. Off, those modes are refused as unsupported.
    pub enabled: bool,
    /// Seconds a response JWT is valid (`exp`).
    pub response_lifetime: u64,
}

impl Default for JarmConfig {
    fn default() -> Self {
        Self { enabled: false, response_lifetime: 600 }
    }
}

impl JarmConfig {
    /// A lifetime long enough for a browser to deliver the response, and short.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if !(10..=3600).contains(&self.response_lifetime) {
            errors.push(ConfigError::new("jarm.response_lifetime", "must be between 10 and 3600 seconds"));
        }
    }
}
