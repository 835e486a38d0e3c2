//! Clients: registered metadata (RFC 7591 / OIDC Registration names), validation, and authentication.

mod assertion;
#[cfg(feature = "attestation")]
pub(crate) mod attestation;
mod auth;
mod key_sets;
mod keys;
mod metadata;
#[cfg(feature = "mtls")]
mod mtls;
#[cfg(feature = "registration")]
pub mod registration;
mod sector;
mod store;
#[cfg(any(feature = "registration", feature = "attestation"))]
mod trusted_issuers;
mod validate;

pub(crate) use auth::{AuthMethod, ClientRequest};
pub use auth::authenticate;
#[cfg(feature = "internals")]
pub use auth::authenticate_secret;
pub(crate) use key_sets::KeySetCache;
pub(crate) use keys::{encryption_key, verify as verify_client_jws};
pub use metadata::{Client, ClientError};
pub(crate) use metadata::{GRANT_TYPES, auth_methods};
pub(crate) use sector::pairwise_subject;
#[cfg(any(feature = "registration", feature = "attestation"))]
pub(crate) use trusted_issuers::TrustedIssuers;
pub use store::{ClientList, ClientStore, ClientStoreError, Registration, StoredClients};

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The registered clients, by `client_id`.
#[derive(Debug, Default, Clone)]
pub struct ClientRegistry {
    clients: HashMap<String, Arc<Client>>,
}

impl ClientRegistry {
    /// Builds a registry from validated clients; `client_id`s must be unique.
    pub fn new(clients: Vec<Client>) -> Result<Self, ClientError> {
        let mut map = HashMap::new();
        for client in clients {
            let id = client.client_id.clone();
            if map.insert(id.clone(), Arc::new(client)).is_some() {
                return Err(ClientError::new(&id, "client_id", "is registered twice"));
            }
        }
        Ok(Self { clients: map })
    }

    /// Loads and validates a JSON file holding an array of client metadata objects.
    pub fn from_file(path: &Path, signing_algs: &[crate::jose::SigningAlg]) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("clients file {}: {e}", path.display()))?;
        let clients: Vec<Client> =
            serde_json::from_str(&text).map_err(|e| format!("clients file {}: {e}", path.display()))?;
        let clients = clients
            .into_iter()
            .map(|c| c.validated(signing_algs))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("clients file {}: {e}", path.display()))?;
        Self::new(clients).map_err(|e| format!("clients file {}: {e}", path.display()))
    }

    /// Resolves the sector of every pairwise client (fetching `sector_identifier_uri`s).
    pub async fn resolve_sectors(mut self, fetcher: &crate::outbound::Fetcher) -> Result<Self, String> {
        for client in self.clients.values_mut() {
            if client.subject_type == "pairwise" {
                let sector = sector::resolve(client, fetcher)
                    .await
                    .map_err(|e| format!("client {:?}: sector_identifier_uri {e}", client.client_id))?;
                Arc::make_mut(client).sector = Some(sector);
            }
        }
        Ok(self)
    }

    /// The client with this id.
    pub fn get(&self, client_id: &str) -> Option<Arc<Client>> {
        self.clients.get(client_id).cloned()
    }

    /// How many clients are registered.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Every client, ordered by `client_id`.
    pub fn all(&self) -> Vec<Arc<Client>> {
        let mut all: Vec<_> = self.clients.values().cloned().collect();
        all.sort_by(|a, b| a.client_id.cmp(&b.client_id));
        all
    }

    /// Whether no client is registered.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }
}
