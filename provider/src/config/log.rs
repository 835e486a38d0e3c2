//! The `[log]` section.

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter (`debug`, `provider=debug,info`, ...).
    pub level: String,
    /// `text` or `json`. Logs go to stderr and never contain secrets or token values: Rocket's messages that show HTTP
    /// traffic are left out (a request line with its query, as in `No matching routes for GET /x?access_token=…`; and
    /// at `rocket=info` or more verbose, the line that opens each request, request and response headers, form fields),
    /// and a request no route answers is logged with its method and path only, at DEBUG. A line that cannot be written
    /// (stderr closed) is dropped.
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
