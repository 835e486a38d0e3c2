//! Start-up validation: each error names the key and says what is wrong.

use super::{Config, ResourceServer};
use crate::protocol::ResponseType;
use std::fmt;

/// One configuration problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The key (dotted path) that is wrong.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    /// A problem with `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self { key: key.into(), message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Checks what serde cannot, section by section: URLs, algorithm lists, lifetimes. Every error
/// is collected, so one run names them all.
pub fn validate(config: &Config) -> Result<(), Vec<ConfigError>> {
    let mut errors = Vec::new();
    check_issuer(&config.issuer, &mut errors);
    check_storage(&config.storage, &mut errors);
    config.keys.check(config.fapi.profile, &mut errors);
    check_requires(&config.requires, &mut errors);
    check_response_types(&config.response_types, &mut errors);
    config.ttl.check(&mut errors);
    if config.storage_pool_size == 0 {
        errors.push(ConfigError::new("storage_pool_size", "must be at least 1"));
    }
    if config.storage_statement_timeout == 0 {
        // 0 would turn PostgreSQL's timeout off: a stuck statement would hold its connection.
        errors.push(ConfigError::new("storage_statement_timeout", "must be at least 1 (milliseconds)"));
    }
    if config.storage_purge_interval == 0 {
        errors.push(ConfigError::new("storage_purge_interval", "must be at least 1 (seconds)"));
    }
    config.throttle.check(&mut errors);
    ResourceServer::check_all(&config.resource_servers, &config.keys.signing_algs, &mut errors);
    if let Some(tls) = &config.tls {
        tls.check(&config.issuer, &mut errors);
    }
    config.registration.check(&mut errors);
    config.logout.check(&mut errors);
    config.par.check(&mut errors);
    config.dpop.check(&mut errors);
    config.mtls.check(&mut errors);
    config.rar.check(&mut errors);
    config.attestation.check(&mut errors);
    config.ciba.check(&mut errors);
    config.jarm.check(&mut errors);
    config.log.check(&mut errors);
    config.metrics.check(config.port, &mut errors);
    config.login_app.check(&mut errors);
    config.pages.check(&mut errors);
    super::FapiConfig::check(config, &mut errors);
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

fn check_requires(requires: &[String], errors: &mut Vec<ConfigError>) {
    for feature in requires {
        if !super::COMPILED_FEATURES.contains(&feature.as_str()) {
            errors.push(ConfigError::new(
                "requires",
                format!(
                    "needs the cargo feature {feature:?}, which this build lacks (build with --features {feature})"
                ),
            ));
        }
    }
}

fn check_response_types(response_types: &[String], errors: &mut Vec<ConfigError>) {
    for value in response_types {
        if ResponseType::parse(value).is_none() {
            errors.push(ConfigError::new(
                "response_types",
                format!("{value:?} is not one of {}", ResponseType::SUPPORTED.join(", ")),
            ));
        }
    }
    if response_types.is_empty() {
        errors.push(ConfigError::new("response_types", "must name at least one response type"));
    }
}

/// Whether `url` names this machine (`localhost`, `127.0.0.1`, `[::1]`), where plain http is allowed.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

fn check_issuer(issuer: &str, errors: &mut Vec<ConfigError>) {
    let url = match url::Url::parse(issuer) {
        Ok(url) => url,
        Err(e) => return errors.push(ConfigError::new("issuer", format!("not a URL: {e}"))),
    };
    // OIDC Discovery §3 / RFC 8414 §2: https, no query, no fragment.
    if url.query().is_some() || url.fragment().is_some() {
        errors.push(ConfigError::new("issuer", "must not have a query or fragment"));
    }
    let loopback = is_loopback(&url);
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => errors.push(ConfigError::new("issuer", "must use https (http is allowed on loopback only)")),
        other => errors.push(ConfigError::new("issuer", format!("unsupported scheme {other}"))),
    }
    if issuer.ends_with('/') {
        errors.push(ConfigError::new("issuer", "must not end with '/' (it is compared exactly)"));
    }
}

fn check_storage(storage: &str, errors: &mut Vec<ConfigError>) {
    if let Err(e) = crate::storage::StorageUrl::parse(storage) {
        errors.push(ConfigError::new("storage", e));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(config: &Config) -> Vec<String> {
        validate(config).err().unwrap_or_default().into_iter().map(|e| e.key).collect()
    }

    #[test]
    fn a_pool_of_nothing_and_no_statement_timeout_are_refused() {
        let config = Config { storage_pool_size: 0, storage_statement_timeout: 0, ..Config::default() };
        let keys = keys_of(&config);
        assert!(keys.contains(&"storage_pool_size".to_string()), "{keys:?}");
        assert!(keys.contains(&"storage_statement_timeout".to_string()), "{keys:?}");
    }

    #[test]
    fn defaults_are_valid() {
        assert!(validate(&Config::default()).is_ok());
    }

    #[test]
    fn http_issuer_off_loopback_is_refused() {
        let config = Config { issuer: "http://op.example".into(), ..Config::default() };
        assert_eq!(keys_of(&config), ["issuer"]);
    }

    #[test]
    fn rs256_is_required_and_unknown_algs_named() {
        let mut config = Config::default();
        config.keys.signing_algs = vec!["ES256".into(), "HS256".into()];
        assert_eq!(keys_of(&config), ["keys.signing_algs", "keys.signing_algs"]);
    }

    #[test]
    fn tls_needs_readable_files_known_ciphers_and_an_https_issuer() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tls");
        let mut config = Config { issuer: "https://op.example".into(), ..Config::default() };
        config.tls = Some(crate::config::TlsConfig {
            cert: Some(fixtures.join("server.pem")),
            key: Some(fixtures.join("server.key")),
            ciphers: Some(vec!["TLS_AES_128_GCM_SHA256".into(), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into()]),
            ..Default::default()
        });
        assert!(validate(&config).is_ok());
        config.issuer = "http://127.0.0.1:3000".into();
        if let Some(tls) = config.tls.as_mut() {
            tls.cert = Some("/nonexistent.pem".into());
            tls.ciphers = Some(vec!["TLS_RSA_WITH_RC4_128_MD5".into()]);
        }
        assert_eq!(keys_of(&config), ["tls.cert", "tls.ciphers", "issuer"]);
    }

    #[test]
    fn a_profile_may_set_ciphers_alone_but_cert_and_key_go_together() {
        let mut config = Config::default();
        let fapi = vec!["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".to_string()];
        config.tls = Some(crate::config::TlsConfig { ciphers: Some(fapi.clone()), ..Default::default() });
        assert!(validate(&config).is_ok(), "ciphers alone: plain HTTP behind a proxy");
        config.tls = Some(crate::config::TlsConfig {
            cert: Some("server.pem".into()),
            ciphers: Some(fapi),
            ..Default::default()
        });
        assert!(keys_of(&config).contains(&"tls".to_string()));
    }

    #[test]
    fn client_certificates_need_tls_served_here_and_aliases_an_https_origin() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tls");
        let mut config = Config { issuer: "https://op.example".into(), ..Config::default() };
        config.tls = Some(crate::config::TlsConfig {
            client_ca: Some(fixtures.join("ca.pem")),
            require_client_certificate: true,
            ..Default::default()
        });
        assert_eq!(keys_of(&config), ["tls.client_ca"], "no cert and key: a proxy terminates TLS");
        config.tls = Some(crate::config::TlsConfig { require_client_certificate: true, ..Default::default() });
        assert_eq!(keys_of(&config), ["tls.require_client_certificate"]);
        config.tls = None;
        for bad in ["http://mtls.op.example", "https://mtls.op.example/path", "https://mtls.op.example/", "mtls"] {
            config.mtls.endpoint_aliases = Some(bad.into());
            assert_eq!(keys_of(&config), ["mtls.endpoint_aliases"], "{bad}");
        }
        config.mtls.endpoint_aliases = Some("https://mtls.op.example:8443".into());
        assert!(validate(&config).is_ok());
    }

    #[test]
    fn a_missing_cargo_feature_is_named() {
        let config = Config { requires: vec!["no-such-family".into()], ..Config::default() };
        let errors = validate(&config).unwrap_err();
        assert_eq!(errors[0].key, "requires");
        assert!(errors[0].message.contains("\"no-such-family\""), "{}", errors[0].message);
    }

    #[test]
    fn a_zero_throttle_window_is_refused_rather_than_lifting_the_limits() {
        let mut config = Config::default();
        config.throttle.window = 0;
        assert_eq!(keys_of(&config), ["throttle.window"]);
    }

    #[test]
    fn bad_storage_url_is_named() {
        let config = Config { storage: "mysql://x".into(), ..Config::default() };
        assert_eq!(keys_of(&config), ["storage"]);
    }
}
