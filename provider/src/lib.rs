//! A conformance-focused OAuth 2.0 Authorization Server and OpenID Connect Provider.
//!
//! Build a [`Provider`] from a [`Config`] (optionally with your own storage [`Adapter`] and
//! [`AccountStore`]), then either launch
//! it on its own with [`Provider::rocket`] or mount it into your Rocket application with
//! [`Provider::mount`].

#![warn(missing_docs)]
#![deny(unreachable_pub)]

// The API: what a host application mounting the provider uses.
pub mod accounts;
pub mod audit;
#[cfg(feature = "ciba")]
pub mod ciba;
pub mod config;
pub mod interaction;
pub mod keys;
pub mod logging;
pub mod metrics;
pub mod operator;
pub mod protocol;
#[cfg(feature = "rar")]
pub mod rar;
pub mod storage;

/// Declares the crate's internal modules: crate-private, and public (hidden from the docs) only
/// with the `internals` feature, which the crate's own tests, benchmarks and fuzz targets turn on.
/// Inside them, `pub(crate)` is the default, and `pub` marks what those tests reach.
macro_rules! internal {
    ($($name:ident),* $(,)?) => {$(
        #[cfg(feature = "internals")]
        #[doc(hidden)]
        #[allow(unreachable_pub)]
        pub mod $name;
        #[cfg(not(feature = "internals"))]
        #[allow(unreachable_pub)]
        mod $name;
    )*};
}

internal!(
    authorization,
    builder,
    clients,
    endpoints,
    fapi,
    grants,
    i18n,
    jose,
    logout,
    model,
    outbound,
    outbox,
    security,
    sender,
    tokens
);

pub use clients::{
    Client, ClientError, ClientList, ClientRegistry, ClientStore, ClientStoreError, Registration, StoredClients,
};

pub use builder::ProviderBuilder;

use accounts::AccountStore;
use config::Config;
use keys::Keystore;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use storage::Adapter;

/// Why the provider could not start. Each message names the file or setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is invalid.
    #[error("invalid configuration:\n{}", .0.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
    Config(Vec<config::ConfigError>),
    /// The keys could not be loaded.
    #[error(transparent)]
    Keys(#[from] keys::KeyError),
    /// Storage could not be opened.
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// The clients or users file is invalid.
    #[error("{0}")]
    Data(String),
}

struct Inner {
    config: Config,
    keys: keys::SharedKeystore,
    storage: Arc<dyn Adapter>,
    clients: Arc<dyn ClientStore>,
    accounts: Arc<dyn AccountStore>,
    fetcher: outbound::Fetcher,
    client_key_sets: clients::KeySetCache,
    pairwise_salt: String,
    /// The issuer's origin (`scheme://host[:port]`).
    origin: String,
    /// The issuer's path without a trailing slash (`""` at the root).
    base_path: String,
    discovery_json: OnceLock<String>,
    metrics: metrics::Metrics,
    audit: audit::SharedSink,
    /// The built-in pages' languages.
    catalog: i18n::Catalog,
    /// The built-in pages' theme.
    theme: Arc<i18n::Theme>,
    login_throttle: security::throttle::Throttle,
    #[cfg(feature = "device-flow")]
    user_code_throttle: security::throttle::Throttle,
    #[cfg(feature = "registration")]
    registration_throttle: security::throttle::Throttle,
    #[cfg(feature = "registration")]
    software_statement_issuers: clients::TrustedIssuers,
    /// The DPoP server nonces (their secret shared by every instance through the storage).
    #[cfg(feature = "dpop")]
    dpop_nonces: security::server_nonce::ServerNonces,
    /// The trusted client attesters' keys.
    #[cfg(feature = "attestation")]
    attesters: clients::TrustedIssuers,
    /// The attestation challenges (their secret shared through the storage).
    #[cfg(feature = "attestation")]
    attestation_challenges: security::server_nonce::ServerNonces,
    /// The `authorization_details` types offered, with their validators.
    #[cfg(feature = "rar")]
    details_types: rar::DetailsTypes,
    /// How backchannel authentications reach their users.
    #[cfg(feature = "ciba")]
    authentication_device: Arc<dyn ciba::AuthenticationDevice>,
}

/// The OpenID Provider. Cheap to clone; Rocket manages one as state.
#[derive(Clone)]
pub struct Provider(Arc<Inner>);

impl Provider {
    /// Starts building a provider from a configuration.
    pub fn builder(config: Config) -> ProviderBuilder {
        ProviderBuilder::new(config)
    }

    /// Builds a provider with everything taken from the configuration.
    pub async fn new(config: Config) -> Result<Self, StartError> {
        Self::builder(config).build().await
    }

    /// The effective configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The current key store (replaced whole when the keys file changes).
    pub fn keys(&self) -> Arc<Keystore> {
        self.0.keys.read().map(|k| k.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// The storage backend.
    pub fn storage(&self) -> &dyn Adapter {
        &*self.0.storage
    }

    /// The clients: configured, and registered at run time.
    pub fn clients(&self) -> &dyn ClientStore {
        &*self.0.clients
    }

    /// The account store.
    pub fn accounts(&self) -> &dyn AccountStore {
        &*self.0.accounts
    }

    /// The `sub` of an account as `client` sees it: the account id, or a pairwise identifier for
    /// clients with `subject_type=pairwise` (OIDC Core §8.1).
    pub(crate) fn subject(&self, client: &clients::Client, account_id: &str) -> String {
        match &client.sector {
            Some(sector) => clients::pairwise_subject(sector, account_id, &self.0.pairwise_salt),
            None => account_id.to_string(),
        }
    }

    /// The outbound HTTP client.
    pub(crate) fn fetcher(&self) -> &outbound::Fetcher {
        &self.0.fetcher
    }

    /// Clients' JWK sets, parsed into verifiers.
    pub(crate) fn client_key_sets(&self) -> &clients::KeySetCache {
        &self.0.client_key_sets
    }

    /// Failed logins per client address.
    pub(crate) fn login_throttle(&self) -> &security::throttle::Throttle {
        &self.0.login_throttle
    }

    /// Wrong user codes (unknown, spent or expired) per client address (RFC 8628 §5.1).
    #[cfg(feature = "device-flow")]
    pub(crate) fn user_code_throttle(&self) -> &security::throttle::Throttle {
        &self.0.user_code_throttle
    }

    /// Registrations per client address (`[registration] per_address`).
    #[cfg(feature = "registration")]
    pub(crate) fn registration_throttle(&self) -> &security::throttle::Throttle {
        &self.0.registration_throttle
    }

    /// The DPoP server nonces (RFC 9449 §8).
    #[cfg(feature = "dpop")]
    pub(crate) fn dpop_nonces(&self) -> &security::server_nonce::ServerNonces {
        &self.0.dpop_nonces
    }

    /// The issuers whose software statements are trusted (`[registration]
    /// software_statement_issuers`), with their keys.
    #[cfg(feature = "registration")]
    pub(crate) fn software_statement_issuers(&self) -> &clients::TrustedIssuers {
        &self.0.software_statement_issuers
    }

    /// The issuer identifier, exactly as configured.
    pub fn issuer(&self) -> &str {
        &self.0.config.issuer
    }

    /// The issuer's origin, for absolute URLs.
    pub fn origin(&self) -> &str {
        &self.0.origin
    }

    /// The issuer's path (`""` at the root): where the routes are mounted.
    pub fn base_path(&self) -> &str {
        &self.0.base_path
    }

    /// The path cookies are scoped to.
    pub(crate) fn cookie_path(&self) -> String {
        if self.0.base_path.is_empty() { "/".into() } else { self.0.base_path.clone() }
    }

    /// The path of an interaction's pages (the scope of its cookie).
    pub(crate) fn interaction_path(&self, uid: &str) -> String {
        format!("{}/interaction/{uid}", self.0.base_path)
    }

    /// The absolute URL of the page for an interaction's prompt: `…/interaction/UID/login` or
    /// `…/interaction/UID/consent`. Each prompt has its own URL, so browser automation (the
    /// conformance suite's) tells the pages apart by URL alone. With a login app, its page with
    /// `login_challenge=UID` or `consent_challenge=UID`.
    pub(crate) fn interaction_page(&self, uid: &str, prompt: model::Prompt) -> String {
        let challenge = match prompt {
            model::Prompt::Login => "login_challenge",
            model::Prompt::Consent => "consent_challenge",
        };
        self.login_app_url(challenge, uid)
            .unwrap_or_else(|| format!("{}{}/{}", self.origin(), self.interaction_path(uid), prompt.as_str()))
    }

    /// The login app's page with `name=challenge` added to its query, if a login app is configured.
    pub(crate) fn login_app_url(&self, name: &str, challenge: &str) -> Option<String> {
        let mut url = url::Url::parse(self.config().login_app.url.as_deref()?).ok()?;
        url.query_pairs_mut().append_pair(name, challenge);
        Some(url.into())
    }

    /// The absolute URL of an endpoint path.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.issuer().trim_end_matches('/'))
    }

    /// `url`, one of this provider's endpoints, at the mTLS alias origin (RFC 8705 §5), where
    /// `[mtls] endpoint_aliases` sets one.
    #[cfg(feature = "mtls")]
    pub(crate) fn mtls_alias(&self, url: &str) -> Option<String> {
        let alias_origin = self.config().mtls.endpoint_aliases.as_deref()?;
        Some(format!("{alias_origin}{}", url.strip_prefix(self.origin())?))
    }

    /// The trusted client attesters (attestation-based client auth §9 (5)).
    #[cfg(feature = "attestation")]
    pub(crate) fn attesters(&self) -> &clients::TrustedIssuers {
        &self.0.attesters
    }

    /// The attestation challenges (attestation-based client auth §8).
    #[cfg(feature = "attestation")]
    pub(crate) fn attestation_challenges(&self) -> &security::server_nonce::ServerNonces {
        &self.0.attestation_challenges
    }

    /// The `authorization_details` types offered (RFC 9396).
    #[cfg(feature = "rar")]
    pub(crate) fn details_types(&self) -> &rar::DetailsTypes {
        &self.0.details_types
    }

    /// How backchannel authentications reach their users.
    #[cfg(feature = "ciba")]
    pub(crate) fn authentication_device(&self) -> &dyn ciba::AuthenticationDevice {
        &*self.0.authentication_device
    }

    /// The discovery document, serialised once.
    /// The look of a page for a request preferring `ui_locales`, then `accept_language`.
    pub(crate) fn look(&self, ui_locales: Option<&str>, accept_language: Option<&str>) -> i18n::Look {
        self.0.catalog.look(&self.0.theme, ui_locales, accept_language)
    }

    /// The languages the built-in pages speak.
    pub fn ui_locales_supported(&self) -> Vec<&str> {
        self.0.catalog.tags()
    }

    /// Records an audit event (if the sink wants its kind), with the current request's id.
    pub fn audit(&self, event: audit::AuditEvent) {
        self.audit_with(event.kind, |_| event);
    }

    /// Records the audit event `make` makes, if the sink wants events of `kind`: for the hot
    /// paths, where making an event unheard would cost copies of its ids. Only a recorded event
    /// takes the request's id (and so puts it on the answer).
    pub(crate) fn audit_with(&self, kind: audit::AuditKind, make: impl FnOnce(audit::AuditKind) -> audit::AuditEvent) {
        if self.0.audit.wants(kind) {
            let mut event = make(kind);
            event.request_id = event.request_id.or_else(audit::current_request_id);
            self.0.audit.record(&event);
        }
    }

    /// The provider's metrics.
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.0.metrics
    }

    /// The metrics in Prometheus' text format, read now: for a host serving them its own way.
    pub async fn render_metrics(&self) -> String {
        let now = storage::now_ms() / 1000;
        let keys = self.keys();
        let key_ages = keys
            .signing_keys()
            .iter()
            .filter_map(|key| Some((key.kid.clone(), key.alg.as_str(), now.saturating_sub(key.created_at?))))
            .collect();
        self.0.metrics.render(&self.queue_depths().await, key_ages)
    }

    /// The depth of each delivery queue compiled in and enabled (a scrape reads whole queues).
    async fn queue_depths(&self) -> Vec<(&'static str, i64)> {
        #[allow(unused_mut)]
        let mut depths = Vec::new();
        #[cfg(feature = "logout")]
        if self.config().logout.enabled {
            depths.extend(outbox::depth::<logout::backchannel::Notification>(self).await);
        }
        #[cfg(feature = "ciba")]
        if self.config().ciba.enabled {
            depths.extend(outbox::depth::<ciba::notify::Notification>(self).await);
        }
        depths
    }

    pub(crate) fn discovery_json(&self) -> &str {
        self.0.discovery_json.get_or_init(|| endpoints::discovery::document(self).to_string())
    }

    /// The provider's background work: purging expired records and reloading a changed keys
    /// file. It runs until dropped. [`Provider::mount`] starts it at liftoff and stops it at
    /// shutdown; a host that serves the provider some other way runs it itself.
    pub fn background_tasks(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let purge_every = Duration::from_secs(self.config().storage_purge_interval);
        let purge = storage::purge_periodically(self.0.storage.clone(), purge_every);
        let reload = keys::reload_on_change(
            self.0.keys.clone(),
            self.config().keys.file.clone(),
            self.keys().algs(),
            Duration::from_secs(self.config().keys.reload_interval),
            {
                let op = self.clone();
                move |store: &Keystore| {
                    let kids: Vec<&str> = store.signing_keys().iter().map(|key| key.kid.as_str()).collect();
                    op.audit(audit::AuditEvent::new(audit::AuditKind::KeyRotated).detail(kids.join(" ")));
                }
            },
        );
        #[cfg(feature = "logout")]
        let logouts = {
            let op = self.clone();
            async move {
                if op.config().logout.enabled {
                    logout::backchannel::deliver_periodically(op).await;
                }
            }
        };
        #[cfg(not(feature = "logout"))]
        let logouts = async {};
        #[cfg(feature = "ciba")]
        let ciba_notifications = {
            let op = self.clone();
            async move {
                if op.config().ciba.enabled {
                    ciba::notify::deliver_periodically(op).await;
                }
            }
        };
        #[cfg(not(feature = "ciba"))]
        let ciba_notifications = async {};
        async move {
            tokio::join!(purge, reload, logouts, ciba_notifications);
        }
    }

    /// Mounts the provider's routes under `base` (which must be the issuer's path) on a host
    /// application's Rocket; for an issuer with a path, also its RFC 8414 metadata at
    /// `/.well-known/oauth-authorization-server` followed by that path.
    pub fn mount(&self, rocket: rocket::Rocket<rocket::Build>, base: &str) -> rocket::Rocket<rocket::Build> {
        let base = if base.is_empty() { "/" } else { base };
        let metadata_at = endpoints::discovery::path_inserted_base(self);
        let cors_paths = endpoints::CORS_PATHS.iter().map(|p| format!("{}{p}", self.base_path()));
        let rocket = match &metadata_at {
            Some(at) => rocket.mount(at.as_str(), endpoints::discovery::path_inserted_routes()),
            None => rocket,
        };
        rocket
            .manage(self.clone())
            .attach(endpoints::tasks::BackgroundTasks(self.clone()))
            .attach(endpoints::cors::Cors::new(cors_paths.chain(metadata_at.clone()).collect()))
            .mount(base, endpoints::routes(self))
            .register(base, endpoints::catchers())
    }

    /// Rocket settings for this provider: address, port, TLS; quiet logs (tracing has ours).
    pub fn rocket_figment(&self) -> rocket::figment::Figment {
        let mut figment = rocket::Config::figment()
            .merge(("address", self.config().address))
            .merge(("port", self.config().port))
            .merge(("ident", false))
            .merge(("log_level", rocket::config::LogLevel::Off))
            // Rocket believes X-Real-IP unless told otherwise; only a trusted proxy's header counts.
            .merge((
                "ip_header",
                match &self.config().proxy {
                    proxy if proxy.trust_forwarded_headers => {
                        rocket::figment::value::Value::from(proxy.ip_header.clone())
                    }
                    _ => rocket::figment::value::Value::from(false),
                },
            ))
            .merge(("cli_colors", false));
        if let Some(tls) = &self.config().tls
            && let Some((cert, key)) = tls.files()
        {
            let mut rocket_tls = rocket::config::TlsConfig::from_paths(cert, key);
            if let Some(names) = &tls.ciphers {
                // Validated at load, so every name parses.
                let suites: Vec<rocket::config::CipherSuite> = names
                    .iter()
                    .filter_map(|n| serde_json::from_value(serde_json::Value::String(n.clone())).ok())
                    .collect();
                rocket_tls = rocket_tls.with_ciphers(suites);
            }
            if let Some(ca) = &tls.client_ca {
                // RFC 8705 §2.1: the handshake checks the chain; `tls_client_auth` then matches
                // the subject or SAN the client registered.
                let mutual = rocket::config::MutualTls::from_path(ca).mandatory(tls.require_client_certificate);
                rocket_tls = rocket_tls.with_mutual(mutual);
            }
            figment = figment.merge(("tls", rocket_tls));
        }
        figment
    }

    /// The metrics listener: `/metrics`, `/healthz` and `/readyz` on `metrics.address` and
    /// `metrics.port`, for a scraper and a probe; `None` unless metrics are enabled on a
    /// listener of their own. The binary launches it beside [`Provider::rocket`].
    pub fn metrics_rocket(&self) -> Option<rocket::Rocket<rocket::Build>> {
        let metrics = &self.config().metrics;
        if !metrics.own_listener() {
            return None;
        }
        let figment = rocket::Config::figment()
            .merge(("address", metrics.address))
            .merge(("port", metrics.port))
            .merge(("ident", false))
            .merge(("log_level", rocket::config::LogLevel::Off))
            .merge(("cli_colors", false));
        Some(
            rocket::custom(figment)
                .manage(self.clone())
                .mount("/", endpoints::metrics_listener_routes())
                .register("/", endpoints::catchers()),
        )
    }

    /// A Rocket serving only this provider, on the configured address and port.
    pub fn rocket(&self) -> rocket::Rocket<rocket::Build> {
        let figment = self.rocket_figment();
        let base = self.base_path().to_string();
        self.mount(rocket::custom(figment), &base)
    }
}
