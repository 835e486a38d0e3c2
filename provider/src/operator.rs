//! What an operator does without HTTP (`provider clients …`, `provider registration-token`):
//! the endpoints' own rules, on the provider's own storage, so that a provider serving from the
//! same storage sees the result at once.

use crate::Provider;
use crate::storage::StorageError;
use serde_json::Value;

/// Registers a client from its metadata (the names of OIDC Registration §2 and RFC 7591 §2),
/// with every check a registration passes, but no initial access token. Returns what the
/// registration endpoint would: the metadata with `client_id`, any `client_secret`, and the
/// `registration_access_token` that manages it (RFC 7592).
#[cfg(feature = "registration")]
pub async fn add_client(op: &Provider, metadata: Value) -> Result<Value, crate::protocol::OAuthError> {
    use crate::clients::registration::{Registrant, register};
    register(op, Registrant::Operator, metadata).await
}

/// Mints an initial access token for registration (RFC 7591 §3), valid for `ttl` (forever if
/// `None`), for one registration if `single_use`. Only its hash is stored: this is the one time
/// the token is seen.
#[cfg(feature = "registration")]
pub async fn mint_registration_token(
    op: &Provider,
    ttl: Option<std::time::Duration>,
    single_use: bool,
) -> Result<String, StorageError> {
    crate::clients::registration::mint_initial_access_token(op.storage(), ttl, single_use).await
}

/// A client's metadata, configured or registered, without its secret: `registered` says which,
/// and a registered one carries `client_id_issued_at`.
pub async fn show_client(op: &Provider, client_id: &str) -> Result<Option<Value>, StorageError> {
    let registration = op.clients().registration(client_id).await?;
    let client = match &registration {
        Some(registration) => std::sync::Arc::new(registration.client.clone()),
        None => match op.clients().find(client_id).await? {
            Some(client) => client,
            None => return Ok(None),
        },
    };
    let mut shown = serde_json::to_value(&*client).map_err(|e| StorageError(e.to_string()))?;
    if let Some(members) = shown.as_object_mut() {
        members.remove("client_secret");
        members.insert("registered".into(), registration.is_some().into());
        if let Some(registration) = &registration {
            members.insert("client_id_issued_at".into(), registration.client_id_issued_at.into());
        }
    }
    Ok(Some(shown))
}
