//! The `[proxy]` section: what a trusted reverse proxy tells about the client.

use serde::{Deserialize, Serialize};

/// Behind a TLS-terminating reverse proxy. Every URL the provider publishes comes from `issuer`,
/// so no header is needed for that; what the proxy can tell is who the client is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ProxyConfig {
    /// Believe the proxy's client-address header. Off by default: a client reaching the
    /// provider directly could otherwise put any address in it.
    pub trust_forwarded_headers: bool,
    /// The header carrying the client's address (one address, as nginx's `X-Real-IP`).
    pub ip_header: String,
    /// The header carrying the client's TLS certificate as PEM, URL-encoded or not (nginx's
    /// `$ssl_client_escaped_cert`), for a proxy that terminates mutual TLS (RFC 8705 §3). Read
    /// only with `trust_forwarded_headers`; unset, only the provider's own TLS handshake counts.
    pub client_certificate_header: Option<String>,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        Self { trust_forwarded_headers: false, ip_header: "X-Real-IP".into(), client_certificate_header: None }
    }
}
