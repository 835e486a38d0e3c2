//! The `[registration]` section: dynamic client registration (OIDC Registration 1.0, RFC 7591,
//! RFC 7592).

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Who may register clients at run time, and how many.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationConfig {
    /// Serve the registration endpoint (and publish it in discovery).
    pub enabled: bool,
    /// The initial access token a registration must present as a bearer token (RFC 7591 §3);
    /// unset, registration is open.
    pub initial_access_token: Option<String>,
    /// Registrations one client address may make per `throttle.window`; 0 lifts the limit.
    pub per_address: u32,
    /// The largest registration request accepted, in bytes.
    pub max_body_bytes: usize,
    /// Issue a new client secret at every update (RFC 7592 §2.2 allows it); the old one stops
    /// working at once.
    pub rotate_secret_on_update: bool,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            initial_access_token: None,
            per_address: 20,
            max_body_bytes: 64 * 1024,
            rotate_secret_on_update: false,
        }
    }
}

impl RegistrationConfig {
    /// An initial access token long enough not to be guessed; a body limit that fits metadata.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if self.initial_access_token.as_ref().is_some_and(|token| token.len() < 32) {
            errors.push(ConfigError::new("registration.initial_access_token", "must be at least 32 characters"));
        }
        if self.max_body_bytes < 1024 {
            errors.push(ConfigError::new("registration.max_body_bytes", "must be at least 1024"));
        }
    }
}
