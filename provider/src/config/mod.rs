//! Configuration: structs with defaults, layered loading and validation. Each section has its own
//! type, with its own checks beside it; `validate` runs them all and collects every error.
//!
//! Precedence, lowest first: built-in defaults < profile file < config file < `OP_*` environment
//! variables < command-line flags. Nested keys use `__` in the environment (`OP_TTL__ACCESS_TOKEN`).

mod attestation;
mod ciba;
mod dpop;
mod fapi;
mod jar;
mod jarm;
mod keys;
mod load;
mod log;
mod login_app;
mod logout;
mod metrics;
mod mtls;
mod pages;
mod par;
mod pkce;
mod proxy;
mod rar;
pub mod reference;
mod registration;
mod resource_servers;
mod test_resource;
mod throttle;
mod tls;
mod ttl;
mod validate;

pub use crate::outbound::OutboundConfig;
pub use attestation::AttestationConfig;
pub use ciba::{CibaConfig, DeliveryMode};
pub use dpop::DpopConfig;
pub use fapi::{FapiConfig, FapiProfile};
pub use jar::JarConfig;
pub use jarm::JarmConfig;
pub use keys::KeysConfig;
pub use load::{COMPILED_FEATURES, ConfigSources, default_profile, embedded_profiles, load, unrecognised_environment};
pub use log::LogConfig;
pub use login_app::LoginAppConfig;
pub use logout::LogoutConfig;
pub use metrics::MetricsConfig;
pub use mtls::MtlsConfig;
pub use pages::PagesConfig;
pub use par::ParConfig;
pub use pkce::{PkceConfig, PkceRequired};
pub use proxy::ProxyConfig;
pub use rar::{DetailsType, RarConfig};
pub use registration::RegistrationConfig;
pub use resource_servers::{ResourceServer, TokenFormat};
pub use test_resource::TestResourceConfig;
pub use throttle::ThrottleConfig;
pub use tls::{CIPHER_SUITES, TlsConfig};
pub use ttl::TtlConfig;
#[cfg(feature = "registration")]
pub(crate) use validate::is_loopback;
pub use validate::{ConfigError, validate};

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::PathBuf;

/// The provider's whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The issuer identifier, compared exactly by RPs. https, or http on loopback only; no query, fragment or trailing
    /// `/`. A path (`https://id.example/op`) mounts every endpoint under it; the RFC 8414 metadata is then also at
    /// `/.well-known/oauth-authorization-server/op` (RFC 8414 §3.1), as well as at
    /// `/op/.well-known/openid-configuration` and `/op/.well-known/oauth-authorization-server`.
    pub issuer: String,
    /// Address to bind.
    pub address: IpAddr,
    /// Port to bind (`0`: any free port, which the log names once bound: `provider listening on ADDRESS:PORT`).
    pub port: u16,
    /// The response types the authorization endpoint serves and discovery publishes: `code`, `id_token`, `id_token
    /// token`, `code id_token`, `code token`, `code id_token token`. Profiles narrow it.
    pub response_types: Vec<String>,
    /// `sqlite:PATH` (embedded, durable; the file and its folder are created on first start),
    /// `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (several instances on one database; see [PostgreSQL](#postgresql)
    /// below), or `memory:` (lost on exit). The password is redacted wherever the setting is shown.
    pub storage: String,
    /// Seconds between deletions of expired records. Lookups never return expired records, whatever this is.
    pub storage_purge_interval: u64,
    /// Migrate an older database schema at start. Otherwise `serve` refuses it, naming `provider storage migrate`. An
    /// empty database always gets the schema, and a schema newer than the binary knows is always refused.
    pub storage_migrate: bool,
    /// PostgreSQL: the most connections one instance holds. Several instances multiply it: keep their sum under the
    /// server's `max_connections`.
    pub storage_pool_size: usize,
    /// PostgreSQL: milliseconds one statement may run before the server cancels it (its `statement_timeout`, set on
    /// every connection), so a stuck query fails its request instead of holding a connection.
    pub storage_statement_timeout: u64,
    /// JSON array of client metadata (see below).
    pub clients_file: Option<PathBuf>,
    /// JSON array of user accounts (see below).
    pub users_file: Option<PathBuf>,
    /// Set from the profile that was loaded (informational).
    pub profile: String,
    /// Cargo features the configuration needs (profiles set it); a build lacking one refuses to start, naming it.
    pub requires: Vec<String>,
    /// Signing keys.
    pub keys: KeysConfig,
    /// Token and record lifetimes, in seconds.
    pub ttl: TtlConfig,
    /// PKCE policy.
    pub pkce: PkceConfig,
    /// `true`: a client must authenticate exactly as its `token_endpoint_auth_method` says. `false`:
    /// `client_secret_basic` and `client_secret_post` stand in for each other (same secret, same strength), since RP
    /// libraries often pick one by default. Never between a secret method and `none`.
    pub strict_client_auth_method: bool,
    /// The `acr` of a password login; published in `acr_values_supported`.
    pub acr: String,
    /// Resource servers (RFC 8707) and the access tokens issued for them.
    pub resource_servers: Vec<ResourceServer>,
    /// Seconds a device waits between polls (RFC 8628 `interval`); polling faster answers `slow_down` and adds 5
    /// seconds.
    pub device_poll_interval: u64,
    /// HTTPS served by the provider itself (absent: plain HTTP, e.g. behind a TLS-terminating proxy).
    pub tls: Option<TlsConfig>,
    /// Running behind a reverse proxy: which of its headers to believe.
    pub proxy: ProxyConfig,
    /// How many wrong passwords and user codes one client address may try.
    pub throttle: ThrottleConfig,
    /// Outbound HTTP (client `jwks_uri`, `request_uri`, `sector_identifier_uri`).
    pub outbound: OutboundConfig,
    /// Dynamic client registration.
    pub registration: RegistrationConfig,
    /// Ending sessions and telling their clients.
    pub logout: LogoutConfig,
    /// Pushed authorization requests.
    pub par: ParConfig,
    /// DPoP proofs of possession.
    pub dpop: DpopConfig,
    /// JWT-secured authorization responses.
    pub jarm: JarmConfig,
    /// What request objects must be.
    pub jar: JarConfig,
    /// Mutual-TLS client authentication and certificate-bound tokens.
    pub mtls: MtlsConfig,
    /// Rich authorization requests.
    pub rar: RarConfig,
    /// Attestation-based client authentication.
    pub attestation: AttestationConfig,
    /// Client-initiated backchannel authentication.
    pub ciba: CibaConfig,
    /// The FAPI profile whose policy restricts the core.
    pub fapi: FapiConfig,
    /// A protected resource to test against.
    pub test_resource: TestResourceConfig,
    /// Each refresh replaces the refresh token (RFC 9700 §4.14.2; a reused old one revokes the grant). `false`: the
    /// refresh token stays the same until it expires and every refresh answers with it again, so a client that lost a
    /// response can retry (FAPI 2.0 Security Profile §5.3.2.1; the FAPI 2.0 profiles set it).
    pub refresh_token_rotation: bool,
    /// Salt of pairwise subject identifiers. If unset, one is generated once and kept in storage, shared by every
    /// instance on that storage. Changing it changes every pairwise `sub`. Redacted by `check-config`.
    pub pairwise_salt: Option<String>,
    /// Accept `alg: none` request objects from clients that registered no `request_object_signing_alg` (OIDC Core
    /// §6.1). A client that registers `none` may always send them.
    pub allow_unsigned_request_objects: bool,
    /// Seconds of clock difference tolerated in client assertions and request objects (`exp`, `nbf`, `iat`).
    pub clock_tolerance: u64,
    /// Log format and level.
    pub log: LogConfig,
    /// Prometheus metrics.
    pub metrics: MetricsConfig,
    /// Login, consent and logout in the operator's own application.
    pub login_app: LoginAppConfig,
    /// The built-in pages' languages and look.
    pub pages: PagesConfig,
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
            storage_migrate: false,
            storage_pool_size: 16,
            storage_statement_timeout: 5000,
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
            registration: RegistrationConfig::default(),
            logout: LogoutConfig::default(),
            par: ParConfig::default(),
            dpop: DpopConfig::default(),
            jarm: JarmConfig::default(),
            jar: JarConfig::default(),
            mtls: MtlsConfig::default(),
            rar: RarConfig::default(),
            attestation: AttestationConfig::default(),
            ciba: CibaConfig::default(),
            fapi: FapiConfig::default(),
            test_resource: TestResourceConfig::default(),
            refresh_token_rotation: true,
            pairwise_salt: None,
            allow_unsigned_request_objects: true,
            clock_tolerance: 8,
            log: LogConfig::default(),
            metrics: MetricsConfig::default(),
            login_app: LoginAppConfig::default(),
            pages: PagesConfig::default(),
        }
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

    /// How the storage is opened, from the `storage_*` settings.
    pub fn storage_options(&self) -> crate::storage::StorageOptions {
        crate::storage::StorageOptions {
            upgrade: if self.storage_migrate {
                crate::storage::Upgrade::Apply
            } else {
                crate::storage::Upgrade::Refuse
            },
            pool_size: self.storage_pool_size,
            statement_timeout: std::time::Duration::from_millis(self.storage_statement_timeout),
        }
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
        if shown.ciba.approval_secret.is_some() {
            shown.ciba.approval_secret = Some("***".into());
        }
        if shown.login_app.secret.is_some() {
            shown.login_app.secret = Some("***".into());
        }
        if shown.registration.initial_access_token.is_some() {
            shown.registration.initial_access_token = Some("***".into());
        }
        toml_string(&shown)
    }
}

fn toml_string(config: &Config) -> String {
    toml::to_string_pretty(config).unwrap_or_else(|e| format!("# could not render: {e}"))
}

/// Replaces the password of a `scheme://user:password@host` URL with `***`.
fn redact_url_password(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else { return url.to_string() };
    // libpq also takes the password as a parameter.
    let in_query = parsed.query_pairs().any(|(k, _)| k == "password");
    if parsed.password().is_none() && !in_query {
        // Shown as given.
        return url.to_string();
    }
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    if in_query {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| (k.to_string(), if k == "password" { "***".into() } else { v.to_string() }))
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_settings_become_the_storage_options() {
        let defaults = Config::default().storage_options();
        assert_eq!(defaults.upgrade, crate::storage::Upgrade::Refuse, "an older schema is refused by default");
        let config =
            Config { storage_migrate: true, storage_pool_size: 4, storage_statement_timeout: 250, ..Config::default() };
        let options = config.storage_options();
        assert_eq!(options.upgrade, crate::storage::Upgrade::Apply);
        assert_eq!(options.pool_size, 4);
        assert_eq!(options.statement_timeout, std::time::Duration::from_millis(250));
    }

    #[test]
    fn storage_passwords_are_redacted() {
        assert_eq!(redact_url_password("postgres://op:hunter2@db/op"), "postgres://op:***@db/op");
        assert_eq!(redact_url_password("sqlite:data/provider.db"), "sqlite:data/provider.db");
        assert_eq!(
            redact_url_password("postgres://db/op?user=op&password=hunter2&sslmode=require"),
            "postgres://db/op?user=op&password=***&sslmode=require"
        );
    }
}
