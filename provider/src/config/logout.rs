//! The `[logout]` section: RP-Initiated, Back-Channel and Front-Channel Logout 1.0.

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// How sessions end and how their clients are told.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LogoutConfig {
    /// Serve `end_session_endpoint` (`/session/end`, GET and POST), tell clients over the back and front channels, and
    /// publish `end_session_endpoint`, `backchannel_logout_supported`, `backchannel_logout_session_supported`,
    /// `frontchannel_logout_supported` and `frontchannel_logout_session_supported` in discovery.
    pub enabled: bool,
    /// Seconds a logout request waits for the end-user's confirmation.
    pub confirmation_ttl: u64,
    /// Milliseconds the end-user's page waits for the back-channel deliveries (at most 10000); what is not delivered by
    /// then goes on in the background.
    pub backchannel_wait_ms: u64,
    /// Most delivery attempts of one logout token; the pause between attempts doubles from 1 s (up to 10 minutes).
    pub backchannel_max_attempts: u32,
    /// Seconds after the logout when an undelivered logout token is given up.
    pub backchannel_max_age: u64,
}

impl Default for LogoutConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            confirmation_ttl: 600,
            backchannel_wait_ms: 1500,
            backchannel_max_attempts: 8,
            backchannel_max_age: 24 * 3600,
        }
    }
}

impl LogoutConfig {
    /// At least one attempt; a page that does not wait for long.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if self.backchannel_max_attempts == 0 {
            errors.push(ConfigError::new("logout.backchannel_max_attempts", "must be at least 1"));
        }
        if self.backchannel_wait_ms > 10_000 {
            errors.push(ConfigError::new("logout.backchannel_wait_ms", "must be at most 10000 (the user waits)"));
        }
        if self.confirmation_ttl == 0 {
            errors.push(ConfigError::new("logout.confirmation_ttl", "must be at least 1"));
        }
    }
}
