//! Where clients are found: the configured ones (the clients file, or a host's list) and those
//! registered at run time. Registered clients live in the storage backend, so they survive a
//! restart and every instance sharing the storage sees them.

use super::{Client, ClientError, ClientRegistry};
use crate::jose::SigningAlg;
use crate::storage::{Adapter, Kind, Record, StorageError};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A store of clients, which every lookup awaits. A host application may supply its own.
#[async_trait]
pub trait ClientStore: Send + Sync + 'static {
    /// The client with this id, if there is one.
    async fn find(&self, client_id: &str) -> Result<Option<Arc<Client>>, StorageError>;
    /// A client registered at run time, with what its management needs (RFC 7592).
    async fn registration(&self, client_id: &str) -> Result<Option<Registration>, StorageError>;
    /// Registers a validated client under its new `client_id` (RFC 7591 §3.2).
    async fn save(&self, registration: &Registration) -> Result<(), ClientStoreError>;
    /// Replaces a registered client's registration with `new` (RFC 7592 §2.2), only if it is
    /// still `current`, the one the caller read: a compare-and-set, so of concurrent updates
    /// exactly one wins. `false` if it changed or is gone (read it again and decide again). A
    /// configured client cannot be replaced.
    async fn replace(&self, current: &Registration, new: &Registration) -> Result<bool, ClientStoreError>;
    /// Removes a registered client (RFC 7592 §2.3): `false` if there was none.
    async fn remove(&self, client_id: &str) -> Result<bool, ClientStoreError>;
    /// How many clients are configured (registered ones are not counted).
    fn configured(&self) -> usize;
    /// Every client, for operators (`provider clients list`): it reads every registration.
    async fn list(&self) -> Result<ClientList, StorageError>;
}

/// Every client a store knows.
#[derive(Debug, Default)]
pub struct ClientList {
    /// The configured clients, by `client_id`.
    pub configured: Vec<Arc<Client>>,
    /// The clients registered at run time, oldest first.
    pub registered: Vec<Registration>,
}

/// Why a client could not be saved or removed.
#[derive(Debug, thiserror::Error)]
pub enum ClientStoreError {
    /// The client id belongs to a configured client, which only the configuration changes.
    #[error("client {0:?} is configured, not registered")]
    Configured(String),
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A client registered at run time.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// Its validated metadata (with its resolved pairwise sector).
    pub client: Client,
    /// When it was registered (RFC 7591 §3.2.1 `client_id_issued_at`).
    pub client_id_issued_at: i64,
    /// The SHA-256 of its registration access token (RFC 7592 §1): the token itself is never
    /// stored.
    pub access_token_hash: String,
}

/// A registered client as stored: its metadata, and what was resolved when it was registered.
#[derive(Serialize, Deserialize)]
struct Stored {
    metadata: Client,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sector: Option<String>,
    issued_at: i64,
    access_token_hash: String,
}

/// A registration as its storage record.
fn stored(registration: &Registration) -> Result<Record, StorageError> {
    let client = &registration.client;
    let stored = Stored {
        metadata: client.clone(),
        sector: client.sector.clone(),
        issued_at: registration.client_id_issued_at,
        access_token_hash: registration.access_token_hash.clone(),
    };
    let payload = serde_json::to_string(&stored).map_err(|e| StorageError(e.to_string()))?;
    Ok(Record { payload, grant_id: None, uid: None, user_code: None, consumed_at: None })
}

/// The provider's store: the configured clients, looked up first and without a storage
/// round-trip, then the registered ones in the storage backend.
pub struct StoredClients {
    configured: ClientRegistry,
    storage: Arc<dyn Adapter>,
    signing_algs: Vec<SigningAlg>,
}

impl StoredClients {
    /// The configured clients, and registered ones kept in `storage`. Registered metadata is
    /// checked again as it is read, with the same `signing_algs`.
    pub fn new(configured: ClientRegistry, storage: Arc<dyn Adapter>, signing_algs: Vec<SigningAlg>) -> Self {
        Self { configured, storage, signing_algs }
    }

    fn parse(&self, record: &Record) -> Result<Registration, String> {
        let stored: Stored = serde_json::from_str(&record.payload).map_err(|e| e.to_string())?;
        let mut client = stored.metadata.validated(&self.signing_algs).map_err(|e: ClientError| e.to_string())?;
        client.sector = stored.sector;
        Ok(Registration { client, client_id_issued_at: stored.issued_at, access_token_hash: stored.access_token_hash })
    }

    async fn load(&self, client_id: &str) -> Result<Option<Registration>, StorageError> {
        let Some(record) = self.storage.find(Kind::Client, client_id).await? else { return Ok(None) };
        match self.parse(&record) {
            Ok(registration) => Ok(Some(registration)),
            Err(why) => {
                // No longer valid under this configuration (an algorithm since disabled, say):
                // unknown to this instance rather than half usable.
                tracing::warn!(client_id, %why, "a registered client no longer validates");
                Ok(None)
            }
        }
    }
}

#[async_trait]
impl ClientStore for StoredClients {
    async fn find(&self, client_id: &str) -> Result<Option<Arc<Client>>, StorageError> {
        if let Some(client) = self.configured.get(client_id) {
            return Ok(Some(client));
        }
        Ok(self.load(client_id).await?.map(|registration| Arc::new(registration.client)))
    }

    async fn registration(&self, client_id: &str) -> Result<Option<Registration>, StorageError> {
        if self.configured.get(client_id).is_some() {
            return Ok(None);
        }
        self.load(client_id).await
    }

    async fn save(&self, registration: &Registration) -> Result<(), ClientStoreError> {
        let client_id = &registration.client.client_id;
        if self.configured.get(client_id).is_some() {
            return Err(ClientStoreError::Configured(client_id.clone()));
        }
        Ok(self.storage.upsert(Kind::Client, client_id, &stored(registration)?, None).await?)
    }

    async fn replace(&self, current: &Registration, new: &Registration) -> Result<bool, ClientStoreError> {
        let client_id = &new.client.client_id;
        if self.configured.get(client_id).is_some() {
            return Err(ClientStoreError::Configured(client_id.clone()));
        }
        let Some(record) = self.storage.find(Kind::Client, client_id).await? else { return Ok(false) };
        if self.parse(&record).ok().as_ref() != Some(current) {
            return Ok(false);
        }
        // The payload just read is the condition: no update lands between this read and the write.
        Ok(self.storage.replace_if(Kind::Client, client_id, &record.payload, &stored(new)?, None).await?)
    }

    async fn remove(&self, client_id: &str) -> Result<bool, ClientStoreError> {
        if self.configured.get(client_id).is_some() {
            return Err(ClientStoreError::Configured(client_id.to_string()));
        }
        if self.storage.find(Kind::Client, client_id).await?.is_none() {
            return Ok(false);
        }
        self.storage.destroy(Kind::Client, client_id).await?;
        Ok(true)
    }

    fn configured(&self) -> usize {
        self.configured.len()
    }

    async fn list(&self) -> Result<ClientList, StorageError> {
        let mut registered = Vec::new();
        for record in self.storage.list(Kind::Client).await? {
            match self.parse(&record) {
                Ok(registration) => registered.push(registration),
                Err(why) => tracing::warn!(%why, "a registered client no longer validates"),
            }
        }
        registered.sort_by(|a, b| {
            (a.client_id_issued_at, &a.client.client_id).cmp(&(b.client_id_issued_at, &b.client.client_id))
        });
        Ok(ClientList { configured: self.configured.all(), registered })
    }
}
