//! The `[proxy]` section: what a trusted reverse proxy tells about the client.

use serde::{Deserialize, Serialize};

/// Behind a TLS-terminating reverse proxy. Every URL the provider publishes comes from `issuer`,
/// so no header is needed for that; what the proxy can tell is who the client is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ProxyConfig {
    /// believe `ip_header` as the client's address; leave off unless every request comes through the proxy, since a
    /// direct client could write anything there
    pub trust_forwarded_headers: bool,
    /// the header carrying one client address (nginx: `proxy_set_header X-Real-IP $remote_addr;`)
    pub ip_header: String,
    /// the header carrying the client's TLS certificate as PEM, URL-encoded or not (nginx: `proxy_set_header
    /// X-SSL-Client-Cert $ssl_client_escaped_cert;`), for a proxy that terminates mutual TLS; read only with
    /// `trust_forwarded_headers`. PEM, URL-encoded PEM and base64 DER (Envoy, AWS ALB) are read. Unset, only the
    /// provider's own TLS handshake gives a certificate. The proxy must check the chain for `tls_client_auth` (nginx:
    /// `ssl_verify_client optional` with `ssl_client_certificate`), and may leave it unchecked for
    /// `self_signed_tls_client_auth` only (`optional_no_ca`); see `[mtls]`
    pub client_certificate_header: Option<String>,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        Self { trust_forwarded_headers: false, ip_header: "X-Real-IP".into(), client_certificate_header: None }
    }
}
