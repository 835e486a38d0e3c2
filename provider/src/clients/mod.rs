//! Clients: registered metadata (RFC 7591 / OIDC Registration names), validation, and authentication.

mod assertion;
mod auth;
mod keys;
mod metadata;

pub use assertion::JWT_BEARER;
pub use auth::{AuthMethod, ClientRequest, authenticate, authenticate_secret};
pub use keys::verify as verify_client_jws;
pub use metadata::{AUTH_METHODS, Client, ClientError, GRANT_TYPES};

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

    /// The client with this id.
    pub fn get(&self, client_id: &str) -> Option<Arc<Client>> {
        self.clients.get(client_id).cloned()
    }

    /// How many clients are registered.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Whether no client is registered.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }
}
