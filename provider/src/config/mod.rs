//! Configuration: structs with defaults, layered loading and validation.
//!
//! Precedence, lowest first: built-in defaults < profile file < config file < `OP_*` environment
//! variables < command-line flags. Nested keys use `__` in the environment (`OP_TTL__ACCESS_TOKEN`).

mod load;
mod throttle;
mod validate;

pub use load::{COMPILED_FEATURES, ConfigSources, default_profile, embedded_profiles, load, unrecognised_environment};
pub use throttle::ThrottleConfig;
pub use validate::{ConfigError, validate};

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::PathBuf;

/// The provider's whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The issuer identifier (OIDC Discovery §3 `issuer`): https, or http on loopback for development.
    pub issuer: String,
    /// The address the HTTP server binds to.
    pub address: IpAddr,
    /// The port the HTTP server binds to (0 picks a free one).
    pub port: u16,
    /// The response types the authorization endpoint serves (and discovery publishes).
    pub response_types: Vec<String>,
    /// Storage: `sqlite:PATH` (embedded, durable) or `memory:` (tests; lost on exit).
    pub storage: String,
    /// Seconds between deletions of expired records.
    pub storage_purge_interval: u64,
    /// JSON file with an array of client metadata objects.
    pub clients_file: Option<PathBuf>,
    /// JSON file with an array of user accounts.
    pub users_file: Option<PathBuf>,
    /// The profile this configuration was built on (informational; set by `--profile`).
    pub profile: String,
    /// Cargo features the configuration needs (profiles set it); a build without one refuses to start.
    pub requires: Vec<String>,
    /// Signing keys.
    pub keys: KeysConfig,
    /// Token and record lifetimes, in seconds.
    pub ttl: TtlConfig,
    /// PKCE policy.
    pub pkce: PkceConfig,
    /// Require exactly the registered `token_endpoint_auth_method`. Off: `client_secret_basic` and
    /// `client_secret_post` stand in for each other (same secret). FAPI profiles turn it on.
    pub strict_client_auth_method: bool,
    /// The `acr` value of a password login, also published in `acr_values_supported`.
    pub acr: String,
    /// Resource servers (RFC 8707) and the access tokens issued for them.
    pub resource_servers: Vec<ResourceServer>,
    /// Seconds a device must wait between polls (RFC 8628 §3.2 `interval`).
    pub device_poll_interval: u64,
    /// HTTPS served by the provider itself (absent: plain HTTP, e.g. behind a TLS-terminating proxy).
    pub tls: Option<TlsConfig>,
    /// Running behind a reverse proxy: which of its headers to believe.
    pub proxy: ProxyConfig,
    /// How many wrong passwords and user codes one client address may try.
    pub throttle: ThrottleConfig,
    /// Outbound HTTP (client `jwks_uri`, `request_uri`, `sector_identifier_uri`).
    pub outbound: OutboundConfig,
    /// The salt of pairwise subject identifiers. Absent: one is made at first start and kept in
    /// storage. Changing it changes every pairwise `sub`.
    pub pairwise_salt: Option<String>,
    /// Accept unsigned (`alg: none`) request objects from clients that registered no
    /// `request_object_signing_alg` (OIDC Core §6.1 allows it; FAPI profiles turn it off).
    pub allow_unsigned_request_objects: bool,
    /// Seconds of clock difference tolerated in JWTs from clients (`exp`, `nbf`, `iat`).
    pub clock_tolerance: u64,
    /// Log format and level.
    pub log: LogConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            issuer: "http://127.0.0.1:3000".into(),
            address: IpAddr::from([127, 0, 0, 1]),
            port: 3000,
            response_types: crate::protocol::ResponseType::SUPPORTED.map(String::from).to_vec(),
            storage: "sqlite:data/provider.db".into(),
            storage_purge_interval: 600,
            clients_file: None,
            users_file: None,
            profile: "basic".into(),
            requires: Vec::new(),
            keys: KeysConfig::default(),
            ttl: TtlConfig::default(),
            pkce: PkceConfig::default(),
            strict_client_auth_method: false,
            acr: "urn:mace:incommon:iap:bronze".into(),
            resource_servers: Vec::new(),
            device_poll_interval: 5,
            tls: None,
            proxy: ProxyConfig::default(),
            throttle: ThrottleConfig::default(),
            outbound: OutboundConfig::default(),
            pairwise_salt: None,
            allow_unsigned_request_objects: true,
            clock_tolerance: 8,
            log: LogConfig::default(),
        }
    }
}

/// Signing keys: where they live and which algorithms are offered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct KeysConfig {
    /// A JWKS file with private keys.
    pub file: PathBuf,
    /// Generate the file at first start if it is missing (the development default).
    pub generate: bool,
    /// The JWS algorithms to sign with; RS256 is always required (OIDC Core §15.1).
    pub signing_algs: Vec<String>,
    /// Seconds between checks of the file for changes (after `provider keys rotate`).
    pub reload_interval: u64,
}

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            file: "data/jwks.json".into(),
            generate: true,
            signing_algs: ["RS256", "PS256", "ES256", "EdDSA"].map(String::from).to_vec(),
            reload_interval: 30,
        }
    }
}

/// Lifetimes in seconds; defaults follow node-oidc-provider's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TtlConfig {
    /// Access tokens.
    pub access_token: u64,
    /// Authorization codes.
    pub authorization_code: u64,
    /// ID tokens.
    pub id_token: u64,
    /// Refresh tokens.
    pub refresh_token: u64,
    /// Browser sessions.
    pub session: u64,
    /// Consent grants.
    pub grant: u64,
    /// Interactions (login and consent in progress).
    pub interaction: u64,
    /// Device codes (RFC 8628).
    pub device_code: u64,
    /// How long a rotated refresh token may be used again without revoking its grant, for
    /// concurrent requests of the same client. 0, the default, turns it off: RFC 9700 §4.14.2
    /// wants the previous refresh token invalidated at once. Opt in for clients that refresh
    /// from several threads or tabs at the same moment.
    pub refresh_token_grace: u64,
}

impl Default for TtlConfig {
    fn default() -> Self {
        Self {
            access_token: 3600,
            authorization_code: 60,
            id_token: 3600,
            refresh_token: 14 * 24 * 3600,
            session: 14 * 24 * 3600,
            grant: 14 * 24 * 3600,
            interaction: 3600,
            device_code: 600,
            refresh_token_grace: 0,
        }
    }
}

/// Which clients must use PKCE. Only `S256` is ever accepted (RFC 9700 §2.1.1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PkceConfig {
    /// `public` (RFC 8252 §8.1: native and browser clients) or `all`.
    pub required: PkceRequired,
}

impl Default for PkceConfig {
    fn default() -> Self {
        Self { required: PkceRequired::Public }
    }
}

/// Which clients must send a `code_challenge`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PkceRequired {
    /// Clients with `token_endpoint_auth_method=none`.
    Public,
    /// Every client.
    All,
}

/// The format of access tokens.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TokenFormat {
    /// 256 random bits; the resource server introspects them.
    Opaque,
    /// An RFC 9068 JWT the resource server validates itself.
    Jwt,
}

/// A resource server: an audience of access tokens (RFC 8707).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResourceServer {
    /// Its resource indicator: an absolute URI without fragment (RFC 8707 §2).
    pub identifier: String,
    /// The scopes it understands; tokens for it carry only these.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Opaque or JWT access tokens.
    #[serde(default = "default_format")]
    pub access_token_format: TokenFormat,
    /// Access token lifetime in seconds (default `ttl.access_token`).
    #[serde(default)]
    pub access_token_ttl: Option<u64>,
    /// JWS alg of JWT access tokens (one of `keys.signing_algs`).
    #[serde(default = "default_rs_alg")]
    pub signing_alg: String,
    /// The resource server's own client, which may introspect the tokens issued for it.
    #[serde(default)]
    pub client_id: Option<String>,
}

fn default_format() -> TokenFormat {
    TokenFormat::Opaque
}

fn default_rs_alg() -> String {
    "RS256".into()
}

/// TLS for serving HTTPS (TLS 1.2 and 1.3). The provider serves HTTPS when both `cert` and
/// `key` are set. A profile may set `ciphers` alone (FAPI's list); the deployment adds the files,
/// or leaves TLS to a proxy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file with the certificate chain, leaf first.
    #[serde(default)]
    pub cert: Option<PathBuf>,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// Cipher suites, by IANA name, in preference order; the TLS 1.3 names enable TLS 1.3 and the
    /// `TLS_ECDHE_*` names TLS 1.2. Absent: Rocket's default set (all nine it supports). FAPI
    /// allows only the ECDHE AES-GCM suites on TLS 1.2.
    #[serde(default)]
    pub ciphers: Option<Vec<String>>,
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

/// Limits on what the provider fetches.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OutboundConfig {
    /// Timeout for one fetch, in milliseconds.
    pub timeout_ms: u64,
    /// Largest response accepted, in bytes.
    pub max_bytes: usize,
    /// Allow loopback destinations, over plain http too (development and tests only).
    pub allow_http_loopback: bool,
    /// Allow destinations in private ranges (RFC 1918, RFC 6598, RFC 4193), for deployments whose
    /// clients host their documents internally. Link-local addresses are never allowed.
    pub allow_private_networks: bool,
    /// How long to cache a response whose `Cache-Control` says nothing, in seconds.
    pub default_cache_seconds: u64,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            timeout_ms: 5000,
            max_bytes: 512 * 1024,
            allow_http_loopback: false,
            allow_private_networks: false,
            default_cache_seconds: 300,
        }
    }
}

/// Behind a TLS-terminating reverse proxy. Every URL the provider publishes comes from `issuer`,
/// so no header is needed for that; what the proxy can tell is who the client is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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

impl Config {
    /// The resource server with this identifier.
    pub fn resource_server(&self, identifier: &str) -> Option<&ResourceServer> {
        self.resource_servers.iter().find(|rs| rs.identifier == identifier)
    }

    /// Whether cookies must carry `Secure`: the issuer is served over https.
    pub fn secure_cookies(&self) -> bool {
        self.issuer.starts_with("https://")
    }

    /// The `storage` setting, safe to show: a URL's password redacted.
    pub fn storage_shown(&self) -> String {
        redact_url_password(&self.storage)
    }

    /// The configuration as TOML with secrets redacted (for `provider check-config`).
    pub fn redacted_toml(&self) -> String {
        let mut shown = self.clone();
        shown.storage = redact_url_password(&shown.storage);
        if shown.pairwise_salt.is_some() {
            shown.pairwise_salt = Some("***".into());
        }
        toml_string(&shown)
    }
}

fn toml_string(config: &Config) -> String {
    toml::to_string_pretty(config).unwrap_or_else(|e| format!("# could not render: {e}"))
}

/// Replaces the password of a `scheme://user:password@host` URL with `***`.
fn redact_url_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_passwords_are_redacted() {
        assert_eq!(redact_url_password("postgres://op:hunter2@db/op"), "postgres://op:***@db/op");
        assert_eq!(redact_url_password("sqlite:data/provider.db"), "sqlite:data/provider.db");
    }
}
