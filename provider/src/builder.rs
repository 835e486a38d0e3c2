//! Building a [`Provider`]: the host's own parts, or those the configuration names, each loaded
//! and checked once, before the first request.

use crate::accounts::{AccountStore, FileAccountStore};
use crate::config::{self, Config};
use crate::jose::SigningAlg;
use crate::keys::Keystore;
#[cfg(feature = "rar")]
use crate::rar;
use crate::storage::{self, Adapter};
use crate::{ClientRegistry, ClientStore, Inner, Provider, StartError, StoredClients, clients, outbound, security};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Builds a [`Provider`], letting a host application supply its own parts.
pub struct ProviderBuilder {
    config: Config,
    storage: Option<Arc<dyn Adapter>>,
    accounts: Option<Arc<dyn AccountStore>>,
    clients: Option<ClientRegistry>,
    client_store: Option<Arc<dyn ClientStore>>,
    keys: Option<Keystore>,
    #[cfg(feature = "rar")]
    details_validators: Vec<(String, Arc<dyn rar::DetailsValidator>)>,
    #[cfg(feature = "ciba")]
    authentication_device: Option<Arc<dyn crate::ciba::AuthenticationDevice>>,
    audit_sink: Option<crate::audit::SharedSink>,
}

impl ProviderBuilder {
    /// Nothing supplied yet: everything from `config`.
    pub(crate) fn new(config: Config) -> Self {
        Self {
            config,
            storage: None,
            accounts: None,
            clients: None,
            client_store: None,
            keys: None,
            #[cfg(feature = "rar")]
            details_validators: Vec::new(),
            #[cfg(feature = "ciba")]
            authentication_device: None,
            audit_sink: None,
        }
    }

    /// Sends audit events to `sink` instead of the log ([`crate::audit::LogSink`]).
    pub fn audit_sink(mut self, sink: Arc<dyn crate::audit::AuditSink>) -> Self {
        self.audit_sink = Some(sink);
        self
    }

    /// Reaches the users of backchannel authentications (CIBA) through this device instead of
    /// the built-in page alone.
    #[cfg(feature = "ciba")]
    pub fn authentication_device(mut self, device: Arc<dyn crate::ciba::AuthenticationDevice>) -> Self {
        self.authentication_device = Some(device);
        self
    }

    /// Uses this storage instead of the one named by `config.storage`.
    pub fn storage(mut self, storage: Arc<dyn Adapter>) -> Self {
        self.storage = Some(storage);
        self
    }

    /// Uses this account store instead of `config.users_file`.
    pub fn accounts(mut self, accounts: Arc<dyn AccountStore>) -> Self {
        self.accounts = Some(accounts);
        self
    }

    /// Uses these clients instead of `config.clients_file`; clients registered at run time are
    /// kept in the storage as usual.
    pub fn clients(mut self, clients: ClientRegistry) -> Self {
        self.clients = Some(clients);
        self
    }

    /// Finds clients in this store instead: the host's own, for every lookup.
    pub fn client_store(mut self, store: Arc<dyn ClientStore>) -> Self {
        self.client_store = Some(store);
        self
    }

    /// Uses these keys instead of `config.keys`.
    pub fn keys(mut self, keys: Keystore) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Checks the `authorization_details` objects of type `name` (RFC 9396) with the host's own
    /// validator; the type must be declared in `[rar] types`.
    #[cfg(feature = "rar")]
    pub fn authorization_details_type(mut self, name: &str, validator: Arc<dyn rar::DetailsValidator>) -> Self {
        self.details_validators.push((name.to_string(), validator));
        self
    }

    /// Validates everything and builds the provider. Key generation and file reads happen here,
    /// once, on a blocking thread.
    pub async fn build(self) -> Result<Provider, StartError> {
        let config = self.config;
        config::validate(&config).map_err(StartError::Config)?;
        let algs: Vec<SigningAlg> = config.keys.signing_algs.iter().filter_map(|a| a.parse().ok()).collect();
        let keys = match self.keys {
            Some(keys) => keys,
            None => {
                let (path, generate, algs) = (config.keys.file.clone(), config.keys.generate, algs.clone());
                tokio::task::spawn_blocking(move || Keystore::load_or_generate(&path, generate, &algs))
                    .await
                    .map_err(|e| StartError::Data(e.to_string()))??
            }
        };
        let storage = match self.storage {
            Some(storage) => storage,
            None => storage::open(&config.storage, &config.storage_options()).await?,
        };
        let clients = match (self.clients, &config.clients_file) {
            (Some(clients), _) => clients,
            (None, Some(path)) => ClientRegistry::from_file(path, &keys.algs()).map_err(StartError::Data)?,
            (None, None) => ClientRegistry::default(),
        };
        let accounts: Arc<dyn AccountStore> = match (self.accounts, &config.users_file) {
            (Some(accounts), _) => accounts,
            (None, Some(path)) => Arc::new(FileAccountStore::from_file(path).map_err(StartError::Data)?),
            (None, None) => Arc::new(FileAccountStore::default()),
        };
        // A login app signs in subjects the host's store may not know: their claims are kept.
        let accounts: Arc<dyn AccountStore> = match config.login_app.url {
            Some(_) => Arc::new(crate::accounts::WithExternalAccounts::new(accounts, storage.clone())),
            None => accounts,
        };
        let issuer = url::Url::parse(&config.issuer).map_err(|e| StartError::Data(format!("issuer: {e}")))?;
        let origin = issuer.origin().ascii_serialization();
        let base_path = issuer.path().trim_end_matches('/').to_string();
        let fetcher = outbound::Fetcher::new(config.outbound.clone());
        let clients = clients.resolve_sectors(&fetcher).await.map_err(StartError::Data)?;
        for client in clients.all() {
            crate::fapi::check_client(config.fapi.profile, &client.fapi_view())
                .map_err(|(field, why)| StartError::Data(format!("client {:?}: {field}: {why}", client.client_id)))?;
        }
        let clients: Arc<dyn ClientStore> = match self.client_store {
            Some(store) => store,
            None => Arc::new(StoredClients::new(clients, storage.clone(), keys.algs())),
        };
        let pairwise_salt = match &config.pairwise_salt {
            Some(salt) => salt.clone(),
            None => storage::provider_secret(&*storage, "pairwise_salt", &config.storage_shown()).await?,
        };
        #[cfg(feature = "registration")]
        let software_statement_issuers = clients::TrustedIssuers::load(
            "registration.software_statement_issuers",
            &config.registration.software_statement_issuers,
        )
        .await
        .map_err(StartError::Data)?;
        #[cfg(feature = "dpop")]
        let dpop_nonces =
            server_nonces(&config, &storage, config.dpop.enabled.then_some("dpop_nonce"), config.dpop.nonce_lifetime)
                .await?;
        #[cfg(feature = "attestation")]
        let attesters = clients::TrustedIssuers::load("attestation.attesters", &config.attestation.attesters)
            .await
            .map_err(StartError::Data)?;
        #[cfg(feature = "attestation")]
        let attestation_challenges = server_nonces(
            &config,
            &storage,
            config.attestation.require_challenge.then_some("attestation_challenge"),
            config.attestation.pop_lifetime,
        )
        .await?;
        #[cfg(feature = "rar")]
        let details_types = rar::DetailsTypes::build(&config.rar, self.details_validators).map_err(StartError::Data)?;
        let keys = Arc::new(std::sync::RwLock::new(Arc::new(keys)));
        let catalog = crate::i18n::Catalog::load(&config.pages).map_err(StartError::Data)?;
        let theme = Arc::new(crate::i18n::Theme::load(&config.pages).map_err(StartError::Data)?);
        let metrics = crate::metrics::Metrics::default();
        let throttle = |failures, name| {
            security::throttle::Throttle::new(failures, Duration::from_secs(config.throttle.window))
                .counting(metrics.throttle_counter(name))
        };
        Ok(Provider(Arc::new(Inner {
            login_throttle: throttle(config.throttle.login_failures, "login"),
            #[cfg(feature = "device-flow")]
            user_code_throttle: throttle(config.throttle.user_code_failures, "user_code"),
            #[cfg(feature = "registration")]
            registration_throttle: throttle(config.registration.per_address, "registration"),
            #[cfg(feature = "registration")]
            software_statement_issuers,
            #[cfg(feature = "dpop")]
            dpop_nonces,
            #[cfg(feature = "rar")]
            details_types,
            #[cfg(feature = "ciba")]
            authentication_device: self.authentication_device.unwrap_or_else(|| Arc::new(crate::ciba::WebPage)),
            #[cfg(feature = "attestation")]
            attesters,
            #[cfg(feature = "attestation")]
            attestation_challenges,
            pairwise_salt,
            fetcher,
            client_key_sets: clients::KeySetCache::default(),
            config,
            keys,
            storage,
            clients,
            accounts,
            origin,
            base_path,
            discovery_json: OnceLock::new(),
            metrics,
            catalog,
            theme,
            audit: self.audit_sink.unwrap_or_else(|| Arc::new(crate::audit::LogSink)),
        })))
    }
}

/// Server nonces under the shared secret `secret` names in storage (made at first start, so
/// every instance on the storage agrees); with `None` (the feature is off), under no secret.
#[cfg(any(feature = "dpop", feature = "attestation"))]
async fn server_nonces(
    config: &Config,
    storage: &Arc<dyn Adapter>,
    secret: Option<&str>,
    lifetime: u64,
) -> Result<security::server_nonce::ServerNonces, StartError> {
    let secret = match secret {
        Some(name) => storage::provider_secret(&**storage, name, &config.storage_shown()).await?,
        None => String::new(),
    };
    Ok(security::server_nonce::ServerNonces::new(&secret, lifetime))
}
