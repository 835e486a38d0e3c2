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
    /// Serve the endpoints and publish `registration_endpoint` in discovery.
    pub enabled: bool,
    /// An initial access token (RFC 7591 §3) a registration may present as a bearer token, at least 32 characters.
    /// Setting it closes registration to requests without this one or a minted one. Redacted by `check-config`.
    pub initial_access_token: Option<String>,
    /// Registration needs an initial access token: the configured one, or one minted with `provider registration-token`
    /// (implied by `initial_access_token`). Off, and with no token configured, registration is open and a presented
    /// token is ignored.
    pub require_initial_access_token: bool,
    /// Issuers whose software statements (RFC 7591 §2.3) are trusted, each with the file of the JWK set that verifies
    /// its statements: `{ "https://statements.example" = "statements.jwks.json" }`. Read at start; an unreadable file,
    /// or one without a usable key, stops the start.
    pub software_statement_issuers: BTreeMap<String, PathBuf>,
    /// Registration needs a software statement from a trusted issuer (`invalid_software_statement` without one). Needs
    /// at least one issuer.
    pub require_software_statement: bool,
    /// Registrations one client address may make per `throttle.window` (then `429`); 0 lifts the limit.
    pub per_address: u32,
    /// The largest registration request (`413` beyond).
    pub max_body_bytes: usize,
    /// A `PUT` issues a new `client_secret` and the old one stops working at once. Off, the client keeps its secret.
    pub rotate_secret_on_update: bool,
    /// A `PUT` issues a new `registration_access_token`, in its answer, and the old one stops working at once. Of
    /// concurrent updates with one token, one is applied and the others get `401`.
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
    /// An initial access token long enough not to be guessed; a required software statement that someone can issue; a
    /// body limit that fits metadata.
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
