//! Dynamic client registration (OIDC Registration 1.0, RFC 7591) and its management (RFC 7592):
//! metadata in, a validated client stored through the [`ClientStore`](super::ClientStore), and
//! the answer that carries its credentials.
//!
//! A registration's metadata goes through these steps: the server-assigned members dropped, a
//! software statement's claims applied (RFC 7591 §2.3), the RP's metadata choices resolved (RP
//! Metadata Choices 1.0), a secret issued for secret-based authentication, then every check.

mod choices;
mod initial_token;
mod software_statement;
mod validate;

pub(crate) use initial_token::mint as mint_initial_access_token;

use super::store::{ClientStoreError, Registration};
use crate::audit::{AuditEvent, AuditKind};
use crate::Provider;
use crate::protocol::{ErrorCode, OAuthError, OAuthResult};
use crate::security::{constant_time_eq, now, random_token, sha256_b64url};
use serde_json::{Map, Value};
use validate::{metadata_error, validated};

/// Members the server assigns, dropped from what a registration sends (RFC 7591 §3.2.1, RFC 7592
/// §3). `client_id` is checked, and `client_secret` replaced, where each applies.
const SERVER_ASSIGNED: [&str; 4] =
    ["client_id_issued_at", "client_secret_expires_at", "registration_access_token", "registration_client_uri"];

/// Who registers: a request presenting `initial_token` (checked when the configuration requires
/// one, RFC 7591 §3), or an operator at the command line.
#[derive(Debug, Clone, Copy)]
pub enum Registrant<'a> {
    /// An HTTP request, with the bearer token it presented.
    Request(Option<&'a str>),
    /// An operator (`provider clients add`): no initial access token needed.
    Operator,
}

/// Registers a client (RFC 7591 §3.1).
pub async fn register(op: &Provider, registrant: Registrant<'_>, metadata: Value) -> OAuthResult<Value> {
    if let Registrant::Request(initial_token) = registrant {
        initial_token::check(op, initial_token).await?;
    }
    let mut metadata = metadata_object(metadata)?;
    if metadata.contains_key("client_id") {
        return Err(metadata_error("client_id", "is assigned by the server"));
    }
    prepare(op, &mut metadata)?;
    let client_id = random_token();
    let secret = uses_secret(&metadata).then(random_token);
    metadata.insert("client_id".into(), client_id.clone().into());
    let client = validated(op, metadata, secret).await?;
    let access_token = random_token();
    let registration = Registration { client, client_id_issued_at: now(), access_token_hash: sha256_b64url(&access_token) };
    save(op, &registration).await?;
    let by = match registrant {
        Registrant::Request(_) => "registration endpoint",
        Registrant::Operator => "operator",
    };
    op.audit(AuditEvent::new(AuditKind::ClientRegistered).client(&client_id).detail(by));
    Ok(answer(op, &registration, Some(&access_token)))
}

/// The client's current registration (RFC 7592 §2.1). The answer repeats the registration
/// access token the request presented (RFC 7592 §3): only its hash is stored.
pub async fn read(op: &Provider, client_id: &str, access_token: Option<&str>) -> OAuthResult<Value> {
    let registration = authorized(op, client_id, access_token).await?;
    Ok(answer(op, &registration, access_token))
}

/// Replaces the client's metadata (RFC 7592 §2.2), with the same validation as a registration.
/// The client keeps its id, its secret unless `[registration] rotate_secret_on_update` is set,
/// and its registration access token unless `rotate_registration_access_token_on_update` is.
/// Concurrent updates are decided one at a time: one that lost the race is authorized and
/// applied again, on what won (so with a rotated token, it is refused).
pub async fn update(op: &Provider, client_id: &str, access_token: Option<&str>, metadata: Value) -> OAuthResult<Value> {
    let metadata = metadata_object(metadata)?;
    for _ in 0..UPDATE_ATTEMPTS {
        let current = authorized(op, client_id, access_token).await?;
        let (registration, rotated) = updated(op, &current, metadata.clone()).await?;
        if op.clients().replace(&current, &registration).await.map_err(store_error)? {
            return Ok(answer(op, &registration, rotated.as_deref().or(access_token)));
        }
    }
    Err(OAuthError::new(ErrorCode::TemporarilyUnavailable, "the registration keeps changing; try again"))
}

/// How often an update that lost a race is tried again.
const UPDATE_ATTEMPTS: usize = 3;

/// `current` with the metadata replaced, and the new registration access token if it rotates.
async fn updated(
    op: &Provider,
    current: &Registration,
    mut metadata: Map<String, Value>,
) -> OAuthResult<(Registration, Option<String>)> {
    // RFC 7592 §2.2: the request names the client, and a secret it sends is the current one.
    if metadata.get("client_id").and_then(Value::as_str) != Some(current.client.client_id.as_str()) {
        return Err(OAuthError::invalid_request("client_id must be the registered client's"));
    }
    if let Some(sent) = metadata.get("client_secret").and_then(Value::as_str)
        && !constant_time_eq(sent, current.client.client_secret.as_deref().unwrap_or_default())
    {
        return Err(OAuthError::invalid_request("client_secret is not the client's"));
    }
    prepare(op, &mut metadata)?;
    let policy = &op.config().registration;
    let secret = match current.client.client_secret.clone() {
        Some(secret) if uses_secret(&metadata) && !policy.rotate_secret_on_update => Some(secret),
        _ => uses_secret(&metadata).then(random_token),
    };
    let client = validated(op, metadata, secret).await?;
    let rotated = policy.rotate_registration_access_token_on_update.then(random_token);
    let access_token_hash = rotated.as_deref().map_or_else(|| current.access_token_hash.clone(), sha256_b64url);
    Ok((Registration { client, access_token_hash, client_id_issued_at: current.client_id_issued_at }, rotated))
}

/// Removes the client (RFC 7592 §2.3). Its tokens go with it: every use of a token looks its
/// client up, and a removed client's tokens are refused there.
pub async fn delete(op: &Provider, client_id: &str, access_token: Option<&str>) -> OAuthResult<()> {
    authorized(op, client_id, access_token).await?;
    match op.clients().remove(client_id).await {
        Ok(_) => {
            tracing::info!(client_id, "client registration deleted");
            Ok(())
        }
        Err(e) => Err(store_error(e)),
    }
}

/// The registration of `client_id`, if `access_token` is its registration access token. RFC 7592
/// §2.1: an unknown client gets 401, like a wrong token, so the answer tells nothing.
async fn authorized(op: &Provider, client_id: &str, access_token: Option<&str>) -> OAuthResult<Registration> {
    let access_token = access_token.ok_or_else(|| OAuthError::new(ErrorCode::InvalidToken, ""))?;
    let refused = || OAuthError::new(ErrorCode::InvalidToken, "the registration access token is not valid");
    let registration = op.clients().registration(client_id).await?.ok_or_else(refused)?;
    if !constant_time_eq(&sha256_b64url(access_token), &registration.access_token_hash) {
        return Err(refused());
    }
    Ok(registration)
}

fn metadata_object(metadata: Value) -> OAuthResult<Map<String, Value>> {
    let Value::Object(mut metadata) = metadata else {
        return Err(OAuthError::new(ErrorCode::InvalidClientMetadata, "the body must be a JSON object"));
    };
    for member in SERVER_ASSIGNED {
        metadata.remove(member);
    }
    Ok(metadata)
}

/// What a registration sends, before it is checked: a software statement's claims take
/// precedence over the members (RFC 7591 §2.3), and then the RP's choices are resolved, both of
/// which may decide the authentication method.
fn prepare(op: &Provider, metadata: &mut Map<String, Value>) -> OAuthResult<()> {
    software_statement::apply(op, metadata)?;
    choices::resolve(op, metadata)
}

/// Whether the client authenticates with a shared secret (the default method does).
fn uses_secret(metadata: &Map<String, Value>) -> bool {
    let method = metadata.get("token_endpoint_auth_method").and_then(Value::as_str).unwrap_or("client_secret_basic");
    method.starts_with("client_secret_")
}

async fn save(op: &Provider, registration: &Registration) -> OAuthResult<()> {
    op.clients().save(registration).await.map_err(store_error)
}

fn store_error(error: ClientStoreError) -> OAuthError {
    match error {
        ClientStoreError::Configured(_) => OAuthError::new(ErrorCode::InvalidToken, "the client is not managed here"),
        ClientStoreError::Storage(e) => e.into(),
    }
}

/// The registration answer (RFC 7591 §3.2.1, RFC 7592 §3): every member as registered, the
/// server-assigned ones, and the registration access token.
fn answer(op: &Provider, registration: &Registration, access_token: Option<&str>) -> Value {
    let client = &registration.client;
    let mut body = serde_json::to_value(client).unwrap_or_default();
    body["response_types"] = client.response_types.clone().into();
    body["client_id_issued_at"] = registration.client_id_issued_at.into();
    if client.client_secret.is_some() {
        // RFC 7591 §3.2.1: 0, the secret does not expire.
        body["client_secret_expires_at"] = 0.into();
    }
    if let Some(token) = access_token {
        body["registration_access_token"] = token.into();
    }
    body["registration_client_uri"] = op.endpoint(&format!("/register/{}", client.client_id)).into();
    body
}
