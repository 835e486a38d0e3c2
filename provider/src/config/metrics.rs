//! The `[metrics]` section: Prometheus metrics and where they are served.

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Prometheus metrics (`/metrics`, text format 0.0.4). Off by default. On, they are served on a
/// listener of their own, which scrapers reach and browsers do not; `public_listener` serves
/// them on the provider's listener instead, for a deployment that can fence one path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// Collect and serve metrics. Off, no request is timed or counted.
    pub enabled: bool,
    /// The metrics listener's address.
    pub address: IpAddr,
    /// The metrics listener's port (`0`: any free one, named in the log as `metrics listening on ADDRESS:PORT`). It
    /// must differ from the provider's. The listener also answers `/healthz` and `/readyz`.
    pub port: u16,
    /// Serve `/metrics` on the provider's own listener (below the issuer's path) instead, for a deployment whose proxy
    /// fences that path.
    pub public_listener: bool,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        // 9464: the port OpenTelemetry's Prometheus exporter uses, free of the usual services.
        Self { enabled: false, address: IpAddr::from([127, 0, 0, 1]), port: 9464, public_listener: false }
    }
}

impl MetricsConfig {
    /// Whether a listener of its own serves the metrics.
    pub fn own_listener(&self) -> bool {
        self.enabled && !self.public_listener
    }

    /// A separate listener must not take the provider's own port.
    pub(super) fn check(&self, provider_port: u16, errors: &mut Vec<ConfigError>) {
        if self.own_listener() && self.port != 0 && self.port == provider_port {
            errors.push(ConfigError::new(
                "metrics.port",
                "is the provider's own port; pick another, or set metrics.public_listener",
            ));
        }
    }
}
