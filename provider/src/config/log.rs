//! The `[log]` section.

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter (`info`, `provider=debug`, ...).
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { level: "info,rocket=warn".into(), format: "text".into() }
    }
}

impl LogConfig {
    /// A filter tracing accepts, and a known format.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.level) {
            errors.push(ConfigError::new("log.level", e.to_string()));
        }
        if !matches!(self.format.as_str(), "text" | "json") {
            errors.push(ConfigError::new("log.format", "must be \"text\" or \"json\""));
        }
    }
}
