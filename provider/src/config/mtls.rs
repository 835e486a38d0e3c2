//! The `[mtls]` section: mutual-TLS client authentication and certificate-bound access tokens
//! (RFC 8705).

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// Whether clients may authenticate with their TLS certificate, and whether tokens are bound to
/// it. The certificate comes from the provider's own TLS (`[tls] client_ca`) or from a trusted
/// proxy's header (`[proxy] client_certificate_header`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MtlsConfig {
    /// Accept `tls_client_auth` and `self_signed_tls_client_auth` at every endpoint that authenticates clients, and
    /// publish them in the `*_auth_methods_supported` lists; registration accepts them only when on.
    pub enabled: bool,
    /// Bind the tokens of clients registered with `tls_client_certificate_bound_access_tokens` to their certificate,
    /// and publish `tls_client_certificate_bound_access_tokens`.
    pub certificate_bound_access_tokens: bool,
    /// An https origin (`https://mtls.op.example`) at which the token, revocation, introspection, userinfo, device
    /// authorization and PAR endpoints are also served, published as `mtls_endpoint_aliases` (RFC 8705 §5). The same
    /// server answers there: route that host to it, with the TLS settings that ask for a certificate. Assertions may
    /// name the alias token endpoint as `aud`, and DPoP proofs its URL as `htu`.
    pub endpoint_aliases: Option<String>,
}

impl Default for MtlsConfig {
    fn default() -> Self {
        Self { enabled: false, certificate_bound_access_tokens: true, endpoint_aliases: None }
    }
}

impl MtlsConfig {
    /// An alias origin is an https origin without a path.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if let Some(origin) = &self.endpoint_aliases {
            let is_origin = url::Url::parse(origin)
                .is_ok_and(|u| u.scheme() == "https" && u.host().is_some() && u.path() == "/" && u.query().is_none());
            if !is_origin || origin.ends_with('/') {
                errors.push(ConfigError::new("mtls.endpoint_aliases", "must be an https origin, without a path"));
            }
        }
    }
}
