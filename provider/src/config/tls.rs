//! The `[tls]` section: HTTPS served by the provider itself.

use super::ConfigError;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// TLS for serving HTTPS (TLS 1.2 and 1.3). The provider serves HTTPS when both `cert` and
/// `key` are set. A profile may set `ciphers` alone (FAPI's list); the deployment adds the files,
/// or leaves TLS to a proxy.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain, leaf first (with `key`)
    #[serde(default)]
    pub cert: Option<PathBuf>,
    /// PEM private key (with `cert`)
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// IANA names in preference order: `TLS_AES_256_GCM_SHA384`, `TLS_AES_128_GCM_SHA256`,
    /// `TLS_CHACHA20_POLY1305_SHA256` (TLS 1.3), `TLS_ECDHE_{ECDSA,RSA}_WITH_AES_{128,256}_GCM_SHA{256,384}` and
    /// `TLS_ECDHE_{ECDSA,RSA}_WITH_CHACHA20_POLY1305_SHA256` (TLS 1.2)
    #[serde(default)]
    pub ciphers: Option<Vec<String>>,
    /// PEM file of the CAs whose client certificates the handshake accepts, for mutual TLS (`[mtls]`); needs `cert` and
    /// `key`. A certificate is asked for, and optional unless `require_client_certificate`
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
    /// refuse a connection without a client certificate (with `client_ca`); leave off where browsers connect to the
    /// same listener
    #[serde(default)]
    pub require_client_certificate: bool,
}

impl TlsConfig {
    /// The certificate and key files, when the provider serves HTTPS itself.
    pub fn files(&self) -> Option<(&std::path::Path, &std::path::Path)> {
        Some((self.cert.as_deref()?, self.key.as_deref()?))
    }
}

/// The cipher suite names `tls.ciphers` accepts.
pub const CIPHER_SUITES: [&str; 9] = [
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
];

impl TlsConfig {
    /// Files readable and paired, cipher suites known, and an https issuer when serving TLS.
    pub(super) fn check(&self, issuer: &str, errors: &mut Vec<ConfigError>) {
        if self.cert.is_some() != self.key.is_some() {
            errors.push(ConfigError::new("tls", "cert and key go together: set both, or neither"));
        }
        if self.client_ca.is_some() && self.files().is_none() {
            errors.push(ConfigError::new("tls.client_ca", "needs tls.cert and tls.key: the provider must serve TLS"));
        }
        if self.require_client_certificate && self.client_ca.is_none() {
            errors.push(ConfigError::new("tls.require_client_certificate", "needs tls.client_ca"));
        }
        for (key, path) in [("tls.cert", &self.cert), ("tls.key", &self.key), ("tls.client_ca", &self.client_ca)] {
            if let Some(path) = path.as_ref().filter(|p| !p.is_file()) {
                errors.push(ConfigError::new(key, format!("{} is not a readable file", path.display())));
            }
        }
        for cipher in self.ciphers.iter().flatten() {
            if !CIPHER_SUITES.contains(&cipher.as_str()) {
                errors.push(ConfigError::new("tls.ciphers", format!("unknown cipher suite {cipher}")));
            }
        }
        if self.files().is_some() && !issuer.starts_with("https://") {
            errors.push(ConfigError::new("issuer", "must be https when the provider serves TLS"));
        }
    }
}
