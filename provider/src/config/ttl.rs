//! The `[ttl]` section: lifetimes.

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Lifetimes in seconds; defaults follow node-oidc-provider's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TtlConfig {
    /// Access tokens.
    pub access_token: u64,
    /// Authorization codes (at most 600, RFC 6749 §4.1.2).
    pub authorization_code: u64,
    /// ID tokens.
    pub id_token: u64,
    /// Refresh tokens (14 days).
    pub refresh_token: u64,
    /// Browser sessions.
    pub session: u64,
    /// Consent grants: how long a consent is remembered.
    pub grant: u64,
    /// Interactions: how long a login or consent page stays valid.
    pub interaction: u64,
    /// Device codes (RFC 8628 `expires_in`).
    pub device_code: u64,
    /// 0: off. A rotated refresh token used again by the same client within this many seconds gets fresh tokens instead
    /// of revoking the grant. RFC 9700 §4.14.2 wants the old token invalid at once, so turn this on only for clients
    /// that refresh from several threads or tabs at the same moment, and keep it to a few seconds: inside the window a
    /// stolen token still works.
    pub refresh_token_grace: u64,
}

impl Default for TtlConfig {
    fn default() -> Self {
        Self {
            access_token: 3600,
            authorization_code: 60,
            id_token: 3600,
            refresh_token: 14 * 24 * 3600,
            session: 14 * 24 * 3600,
            grant: 14 * 24 * 3600,
            interaction: 3600,
            device_code: 600,
            refresh_token_grace: 0,
        }
    }
}

impl TtlConfig {
    /// Every lifetime is at least a second; codes live at most ten minutes.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        for (key, value) in [
            ("ttl.access_token", self.access_token),
            ("ttl.authorization_code", self.authorization_code),
            ("ttl.id_token", self.id_token),
            ("ttl.refresh_token", self.refresh_token),
            ("ttl.session", self.session),
            ("ttl.grant", self.grant),
            ("ttl.interaction", self.interaction),
            ("ttl.device_code", self.device_code),
        ] {
            if value == 0 {
                errors.push(ConfigError::new(key, "must be at least 1 (seconds)"));
            }
        }
        if self.authorization_code > 600 {
            // RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED."
            errors.push(ConfigError::new("ttl.authorization_code", "must be at most 600 seconds (RFC 6749 §4.1.2)"));
        }
    }
}
