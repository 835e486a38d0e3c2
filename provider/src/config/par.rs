//! The `[par]` section: pushed authorization requests (RFC 9126).

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Whether clients push their authorization requests first, and for how long a pushed one
/// stays usable.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ParConfig {
    /// Serve `pushed_authorization_request_endpoint` (`POST /par`) and publish it, with
    /// `require_pushed_authorization_requests`, in discovery.
    pub enabled: bool,
    /// Every authorization request must be pushed first (needs `enabled`). A client may require it of itself with the
    /// metadata `require_pushed_authorization_requests`.
    pub required: bool,
    /// Seconds a `request_uri` stays usable (5 to 600), answered as `expires_in`.
    pub request_uri_lifetime: u64,
}

impl Default for ParConfig {
    fn default() -> Self {
        Self { enabled: false, required: false, request_uri_lifetime: 60 }
    }
}

impl ParConfig {
    /// A lifetime that lets a browser get there; requiring what is not served is a mistake.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if !(5..=600).contains(&self.request_uri_lifetime) {
            errors.push(ConfigError::new("par.request_uri_lifetime", "must be between 5 and 600 seconds"));
        }
        if self.required && !self.enabled {
            errors.push(ConfigError::new("par.required", "needs par.enabled"));
        }
    }
}
