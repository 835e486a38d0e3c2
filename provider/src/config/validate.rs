//! Start-up validation: each error names the key and says what is wrong.

use super::Config;
use crate::jose::SigningAlg;
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

/// Checks what serde cannot: URLs, algorithm lists, lifetimes.
pub fn validate(config: &Config) -> Result<(), Vec<ConfigError>> {
    let mut errors = Vec::new();
    check_issuer(&config.issuer, &mut errors);
    check_storage(&config.storage, &mut errors);
    check_algs(&config.keys.signing_algs, &mut errors);
    for feature in &config.requires {
        if !super::COMPILED_FEATURES.contains(&feature.as_str()) {
            errors.push(ConfigError::new(
                "requires",
                format!(
                    "needs the cargo feature {feature:?}, which this build lacks (build with --features {feature})"
                ),
            ));
        }
    }
    for value in &config.response_types {
        if crate::protocol::ResponseType::parse(value).is_none() {
            errors.push(ConfigError::new(
                "response_types",
                format!("{value:?} is not one of {}", crate::protocol::ResponseType::SUPPORTED.join(", ")),
            ));
        }
    }
    if config.response_types.is_empty() {
        errors.push(ConfigError::new("response_types", "must name at least one response type"));
    }
    let ttl = &config.ttl;
    for (key, value) in [
        ("ttl.access_token", ttl.access_token),
        ("ttl.authorization_code", ttl.authorization_code),
        ("ttl.id_token", ttl.id_token),
        ("ttl.refresh_token", ttl.refresh_token),
        ("ttl.session", ttl.session),
        ("ttl.grant", ttl.grant),
        ("ttl.interaction", ttl.interaction),
        ("ttl.device_code", ttl.device_code),
        ("storage_purge_interval", config.storage_purge_interval),
    ] {
        if value == 0 {
            errors.push(ConfigError::new(key, "must be at least 1 (seconds)"));
        }
    }
    if config.throttle.window == 0 {
        errors.push(ConfigError::new(
            "throttle.window",
            "must be at least 1 (seconds); set login_failures or user_code_failures to 0 to lift a limit",
        ));
    }
    if ttl.authorization_code > 600 {
        // RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED."
        errors.push(ConfigError::new("ttl.authorization_code", "must be at most 600 seconds (RFC 6749 §4.1.2)"));
    }
    for (i, rs) in config.resource_servers.iter().enumerate() {
        let key = format!("resource_servers[{i}]");
        let url = url::Url::parse(&rs.identifier);
        if url.is_err() || rs.identifier.contains('#') {
            errors.push(ConfigError::new(
                format!("{key}.identifier"),
                "must be an absolute URI without fragment (RFC 8707 §2)",
            ));
        }
        if config.resource_servers.iter().filter(|other| other.identifier == rs.identifier).count() > 1 {
            errors.push(ConfigError::new(format!("{key}.identifier"), "is configured twice"));
        }
        if !config.keys.signing_algs.contains(&rs.signing_alg) {
            errors.push(ConfigError::new(format!("{key}.signing_alg"), "must be one of keys.signing_algs"));
        }
        if rs.access_token_ttl == Some(0) {
            errors.push(ConfigError::new(format!("{key}.access_token_ttl"), "must be at least 1 (seconds)"));
        }
    }
    if let Some(tls) = &config.tls {
        if tls.cert.is_some() != tls.key.is_some() {
            errors.push(ConfigError::new("tls", "cert and key go together: set both, or neither"));
        }
        for (key, path) in [("tls.cert", &tls.cert), ("tls.key", &tls.key)] {
            if let Some(path) = path.as_ref().filter(|p| !p.is_file()) {
                errors.push(ConfigError::new(key, format!("{} is not a readable file", path.display())));
            }
        }
        for cipher in tls.ciphers.iter().flatten() {
            if !super::CIPHER_SUITES.contains(&cipher.as_str()) {
                errors.push(ConfigError::new("tls.ciphers", format!("unknown cipher suite {cipher}")));
            }
        }
        if tls.files().is_some() && !config.issuer.starts_with("https://") {
            errors.push(ConfigError::new("issuer", "must be https when the provider serves TLS"));
        }
    }
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&config.log.level) {
        errors.push(ConfigError::new("log.level", e.to_string()));
    }
    if !matches!(config.log.format.as_str(), "text" | "json") {
        errors.push(ConfigError::new("log.format", "must be \"text\" or \"json\""));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
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
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
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

fn check_algs(algs: &[String], errors: &mut Vec<ConfigError>) {
    for alg in algs {
        if alg.parse::<SigningAlg>().is_err() {
            errors.push(ConfigError::new(
                "keys.signing_algs",
                format!("unsupported algorithm {alg:?}; supported: {}", SigningAlg::ALL.map(|a| a.as_str()).join(", ")),
            ));
        }
    }
    if !algs.iter().any(|a| a == "RS256") {
        errors.push(ConfigError::new("keys.signing_algs", "must include RS256 (OIDC Core §15.1)"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(config: &Config) -> Vec<String> {
        validate(config).err().unwrap_or_default().into_iter().map(|e| e.key).collect()
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
        config.tls = Some(crate::config::TlsConfig { cert: None, key: None, ciphers: Some(fapi.clone()) });
        assert!(validate(&config).is_ok(), "ciphers alone: plain HTTP behind a proxy");
        config.tls = Some(crate::config::TlsConfig { cert: Some("server.pem".into()), key: None, ciphers: Some(fapi) });
        assert!(keys_of(&config).contains(&"tls".to_string()));
    }

    #[test]
    fn a_missing_cargo_feature_is_named() {
        let config = Config { requires: vec!["dpop".into()], ..Config::default() };
        let errors = validate(&config).unwrap_err();
        assert_eq!(errors[0].key, "requires");
        assert!(errors[0].message.contains("\"dpop\""), "{}", errors[0].message);
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
