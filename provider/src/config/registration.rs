//! The `[registration]` section: dynamic client registration (OIDC Registration 1.0, RFC 7591,
//! RFC 7592).

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Who may register clients at run time, and how many.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationConfig {
    /// Serve the registration endpoint (and publish it in discovery).
    pub enabled: bool,
    /// An initial access token a registration may present as a bearer token (RFC 7591 §3).
    /// Setting it closes registration to requests without this one or a minted one.
    pub initial_access_token: Option<String>,
    /// Registration needs an initial access token: the configured one, or one minted with
    /// `provider registration-token`. Implied by `initial_access_token`.
    pub require_initial_access_token: bool,
    /// Issuers whose software statements are trusted (RFC 7591 §2.3), each with the file of
    /// the JWK set that verifies its statements. A statement from another issuer is refused.
    pub software_statement_issuers: BTreeMap<String, PathBuf>,
    /// Registration needs a software statement from a trusted issuer.
    pub require_software_statement: bool,
    /// Registrations one client address may make per `throttle.window`; 0 lifts the limit.
    pub per_address: u32,
    /// The largest registration request accepted, in bytes.
    pub max_body_bytes: usize,
    /// Issue a new client secret at every update (RFC 7592 §2.2 allows it); the old one stops
    /// working at once.
    pub rotate_secret_on_update: bool,
    /// Issue a new registration access token at every update (RFC 7592 §2.2 allows it); the
    /// update's answer carries it, and the old one stops working at once.
    pub rotate_registration_access_token_on_update: bool,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            initial_access_token: None,
            require_initial_access_token: false,
            software_statement_issuers: BTreeMap::new(),
            require_software_statement: false,
            per_address: 20,
            max_body_bytes: 64 * 1024,
            rotate_secret_on_update: false,
            rotate_registration_access_token_on_update: false,
        }
    }
}

impl RegistrationConfig {
    /// An initial access token long enough not to be guessed; a required software statement that
    /// someone can issue; a body limit that fits metadata.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if self.initial_access_token.as_ref().is_some_and(|token| token.len() < 32) {
            errors.push(ConfigError::new("registration.initial_access_token", "must be at least 32 characters"));
        }
        if self.require_software_statement && self.software_statement_issuers.is_empty() {
            errors.push(ConfigError::new(
                "registration.require_software_statement",
                "needs at least one issuer in registration.software_statement_issuers",
            ));
        }
        if self.max_body_bytes < 1024 {
            errors.push(ConfigError::new("registration.max_body_bytes", "must be at least 1024"));
        }
    }
}
