//! Dynamic client registration (OIDC Registration 1.0, RFC 7591) and its management (RFC 7592):
//! metadata in, a validated client stored through the [`ClientStore`](super::ClientStore), and
//! the answer that carries its credentials.

use super::store::{ClientStoreError, Registration};
use super::{Client, ClientError};
use crate::Provider;
use crate::protocol::{ErrorCode, OAuthError, OAuthResult};
use crate::security::{constant_time_eq, now, random_token, sha256_b64url};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Members the server assigns, dropped from what a registration sends (RFC 7591 §3.2.1, RFC 7592
/// §3). `client_id` is checked, and `client_secret` replaced, where each applies.
const SERVER_ASSIGNED: [&str; 4] =
    ["client_id_issued_at", "client_secret_expires_at", "registration_access_token", "registration_client_uri"];

/// Members whose value is a URL shown to the end-user (OIDC Registration §2), each possibly in
/// several languages (`logo_uri#fr`).
const DISPLAY_URIS: [&str; 4] = ["logo_uri", "client_uri", "policy_uri", "tos_uri"];

/// Registers a client (RFC 7591 §3.1). `initial_token` is the bearer token the request
/// presented, checked when the configuration requires one (RFC 7591 §3).
pub async fn register(op: &Provider, initial_token: Option<&str>, metadata: Value) -> OAuthResult<Value> {
    check_initial_token(op, initial_token)?;
    let mut metadata = metadata_object(metadata)?;
    if metadata.contains_key("client_id") {
        return Err(metadata_error("client_id", "is assigned by the server"));
    }
    let client_id = random_token();
    let secret = uses_secret(&metadata).then(random_token);
    metadata.insert("client_id".into(), client_id.clone().into());
    let client = validated(op, metadata, secret).await?;
    let access_token = random_token();
    let registration = Registration { client, client_id_issued_at: now(), access_token_hash: sha256_b64url(&access_token) };
    save(op, &registration).await?;
    tracing::info!(client_id = %client_id, "client registered");
    Ok(answer(op, &registration, Some(&access_token)))
}

/// The client's current registration (RFC 7592 §2.1). The answer repeats the registration
/// access token the request presented (RFC 7592 §3): only its hash is stored.
pub async fn read(op: &Provider, client_id: &str, access_token: Option<&str>) -> OAuthResult<Value> {
    let registration = authorized(op, client_id, access_token).await?;
    Ok(answer(op, &registration, access_token))
}

/// Replaces the client's metadata (RFC 7592 §2.2), with the same validation as a registration.
/// The client keeps its id and registration access token, and its secret unless
/// `[registration] rotate_secret_on_update` is set.
pub async fn update(op: &Provider, client_id: &str, access_token: Option<&str>, metadata: Value) -> OAuthResult<Value> {
    let current = authorized(op, client_id, access_token).await?;
    let metadata = metadata_object(metadata)?;
    // RFC 7592 §2.2: the request names the client, and a secret it sends is the current one.
    if metadata.get("client_id").and_then(Value::as_str) != Some(client_id) {
        return Err(OAuthError::invalid_request("client_id must be the registered client's"));
    }
    if let Some(sent) = metadata.get("client_secret").and_then(Value::as_str)
        && !constant_time_eq(sent, current.client.client_secret.as_deref().unwrap_or_default())
    {
        return Err(OAuthError::invalid_request("client_secret is not the client's"));
    }
    let rotate = op.config().registration.rotate_secret_on_update;
    let secret = match current.client.client_secret.clone() {
        Some(secret) if uses_secret(&metadata) && !rotate => Some(secret),
        _ => uses_secret(&metadata).then(random_token),
    };
    let client = validated(op, metadata, secret).await?;
    let registration = Registration { client, ..current };
    save(op, &registration).await?;
    Ok(answer(op, &registration, access_token))
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

/// RFC 7591 §3: with an initial access token configured, only a request that presents it may
/// register.
fn check_initial_token(op: &Provider, presented: Option<&str>) -> OAuthResult<()> {
    let Some(expected) = &op.config().registration.initial_access_token else { return Ok(()) };
    match presented {
        Some(token) if constant_time_eq(token, expected) => Ok(()),
        Some(_) => Err(OAuthError::new(ErrorCode::InvalidToken, "the initial access token is not valid")),
        None => Err(OAuthError::new(ErrorCode::InvalidToken, "")),
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

/// Whether the client authenticates with a shared secret (the default method does).
fn uses_secret(metadata: &Map<String, Value>) -> bool {
    let method = metadata.get("token_endpoint_auth_method").and_then(Value::as_str).unwrap_or("client_secret_basic");
    method.starts_with("client_secret_")
}

/// The client the metadata describes, if it passes every check a registration needs.
async fn validated(op: &Provider, mut metadata: Map<String, Value>, secret: Option<String>) -> OAuthResult<Client> {
    metadata.remove("client_secret");
    if let Some(secret) = secret {
        metadata.insert("client_secret".into(), secret.into());
    }
    check_display_members(&metadata)?;
    let metadata = Value::Object(metadata);
    let client = match Client::deserialize(&metadata) {
        Ok(client) => client,
        Err(e) => return Err(metadata_error(&failing_member(&metadata), &format!("has the wrong type: {e}"))),
    };
    check_redirect_uris(&client)?;
    let mut client = client.validated(&op.keys().algs()).map_err(from_client_error)?;
    if client.subject_type == "pairwise" || client.sector_identifier_uri.is_some() {
        // OIDC Registration §5: the sector document must list every redirect URI.
        let sector = super::sector::resolve(&client, op.fetcher())
            .await
            .map_err(|why| metadata_error("sector_identifier_uri", &why))?;
        client.sector = (client.subject_type == "pairwise").then_some(sector);
    }
    Ok(client)
}

/// The member whose value does not fit its type, to name it (serde's message names the type,
/// not the member): the first that fails on its own.
fn failing_member(metadata: &Value) -> String {
    let id = metadata.get("client_id").cloned().unwrap_or_default();
    metadata
        .as_object()
        .into_iter()
        .flatten()
        .find(|(name, value)| {
            let alone = serde_json::json!({ "client_id": id, *name: value });
            serde_json::from_value::<Client>(alone).is_err()
        })
        .map(|(name, _)| name.clone())
        .unwrap_or_else(|| "the metadata".into())
}

/// OIDC Registration §2, RFC 8252 §7: a web client's redirect URIs are https; a native client's
/// use a private-use scheme, loopback http, or https.
fn check_redirect_uris(client: &Client) -> OAuthResult<()> {
    for uri in &client.redirect_uris {
        let Ok(url) = url::Url::parse(uri) else { continue }; // `validated` names a malformed URI
        let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        let allowed = match (client.application_type.as_str(), url.scheme()) {
            (_, "https") => true,
            ("native", "http") => loopback,
            ("native", scheme) => !matches!(scheme, "javascript" | "data" | "file"),
            _ => false,
        };
        if !allowed {
            let rule = if client.application_type == "native" {
                "a native client uses a private-use scheme, http on loopback, or https"
            } else {
                "a web client uses https"
            };
            return Err(OAuthError::new(ErrorCode::InvalidRedirectUri, format!("redirect_uris: {uri:?}: {rule}")));
        }
    }
    Ok(())
}

/// Names, contacts and the URLs shown to the end-user, in every language given.
fn check_display_members(metadata: &Map<String, Value>) -> OAuthResult<()> {
    for (name, value) in metadata {
        let base = name.split('#').next().unwrap_or_default();
        if DISPLAY_URIS.contains(&base) {
            let valid = value.as_str().and_then(|v| url::Url::parse(v).ok()).is_some_and(|u| !u.cannot_be_a_base());
            if !valid {
                return Err(metadata_error(name, "must be an absolute URL"));
            }
        } else if base == "client_name" && !value.is_string() {
            return Err(metadata_error(name, "must be a string"));
        }
    }
    if let Some(contacts) = metadata.get("contacts")
        && !contacts.as_array().is_some_and(|all| all.iter().all(Value::is_string))
    {
        return Err(metadata_error("contacts", "must be an array of strings"));
    }
    Ok(())
}

/// A validation problem as RFC 7591 §3.2.2 names it: redirect URIs have their own code.
fn from_client_error(error: ClientError) -> OAuthError {
    let code = match error.field.as_str() {
        "redirect_uris" => ErrorCode::InvalidRedirectUri,
        _ => ErrorCode::InvalidClientMetadata,
    };
    OAuthError::new(code, format!("{}: {}", error.field, error.message))
}

fn metadata_error(field: &str, message: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClientMetadata, format!("{field}: {message}"))
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
