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
    let shown = match &registration {
        Some(registration) => serde_json::to_value(&registration.client),
        None => match op.clients().find(client_id).await? {
            Some(client) => serde_json::to_value(&*client),
            None => return Ok(None),
        },
    };
    let mut shown = shown.map_err(|e| StorageError(e.to_string()))?;
    if let Some(members) = shown.as_object_mut() {
        members.remove("client_secret");
        members.insert("registered".into(), registration.is_some().into());
        if let Some(registration) = &registration {
            members.insert("client_id_issued_at".into(), registration.client_id_issued_at.into());
        }
    }
    Ok(Some(shown))
}

/// A browser session, as an operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSummary {
    /// The session's id (what `end_session` takes); clients see ids derived from it.
    pub sid: String,
    /// The signed-in account (`sub`).
    pub account_id: String,
    /// When the account authenticated (seconds since the epoch).
    pub auth_time: i64,
    /// The clients the session authorized.
    pub clients: Vec<String>,
}

/// The live browser sessions, of `account_id` only if given, oldest login first. It reads every
/// session.
pub async fn sessions(op: &Provider, account_id: Option<&str>) -> Result<Vec<SessionSummary>, StorageError> {
    let mut found: Vec<SessionSummary> = op
        .storage()
        .list(crate::storage::Kind::Session)
        .await?
        .iter()
        .filter_map(|record| serde_json::from_str::<crate::model::Session>(&record.payload).ok())
        .filter(|session| account_id.is_none_or(|account| session.account_id == account))
        .map(|session| SessionSummary {
            clients: session.clients().map(String::from).collect(),
            sid: session.sid,
            account_id: session.account_id,
            auth_time: session.auth_time,
        })
        .collect();
    found.sort_by(|a, b| (a.auth_time, &a.sid).cmp(&(b.auth_time, &b.sid)));
    Ok(found)
}

/// Ends session `sid` as a logout does: its tokens without `offline_access` are revoked and its
/// clients told over the back channel (a provider serving from the same storage carries on
/// with deliveries this command leaves). `false` if there is no such session.
#[cfg(feature = "logout")]
pub async fn end_session(op: &Provider, sid: &str) -> Result<bool, StorageError> {
    let Some(found) = crate::model::find::<crate::model::Session>(op.storage(), sid).await? else { return Ok(false) };
    crate::logout::end_session(op, &found.model).await?;
    Ok(true)
}
