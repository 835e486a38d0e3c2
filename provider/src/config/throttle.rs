//! The `[throttle]` section: how many wrong guesses one client address may make.

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Limits on guessing, per client address (see `security::throttle`): a burst of this many failed
/// attempts, then one more each `window / failures` seconds. Zero failures: no limit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ThrottleConfig {
    /// failed logins in a burst (`0`: no limit)
    pub login_failures: u32,
    /// unknown, spent or expired user codes in a burst (`0`: no limit); with the default `ttl.device_code` an address
    /// may try 55 codes in a code's life
    pub user_code_failures: u32,
    /// seconds in which a whole burst is paid off (at least 1)
    pub window: u64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        // RFC 8628 §5.1's worked example allows 5 user code attempts; 5 a minute gives an address
        // 55 attempts in a device code's default 10 minutes, each a 2^-34.5 chance of a live code.
        Self { login_failures: 10, user_code_failures: 5, window: 60 }
    }
}

impl ThrottleConfig {
    /// A window of at least a second: zero failures, not a zero window, lifts a limit.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if self.window == 0 {
            errors.push(ConfigError::new(
                "throttle.window",
                "must be at least 1 (seconds); set login_failures or user_code_failures to 0 to lift a limit",
            ));
        }
    }
}
