//! The checks a registration's metadata passes (OIDC Registration §2, RFC 7591 §2), beyond
//! those every client passes (`Client::validated`), and the errors RFC 7591 §3.2.2 names.

use super::super::{Client, ClientError};
use crate::Provider;
use crate::protocol::{ErrorCode, OAuthError, OAuthResult};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Members whose value is a URL shown to the end-user (OIDC Registration §2), each possibly in
/// several languages (`logo_uri#fr`).
const DISPLAY_URIS: [&str; 4] = ["logo_uri", "client_uri", "policy_uri", "tos_uri"];

/// The client the metadata describes, if it passes every check a registration needs.
pub(super) async fn validated(op: &Provider, mut metadata: Map<String, Value>, secret: Option<String>) -> OAuthResult<Client> {
    metadata.remove("client_secret");
    if let Some(secret) = secret {
        metadata.insert("client_secret".into(), secret.into());
    }
    check_display_members(&metadata)?;
    // OIDC Registration §2: RS256 when omitted; a provider without an RS256 key (a FAPI
    // profile) signs with its first alg instead, rather than refusing the client.
    let default_alg = op.keys().default_alg();
    metadata.entry("id_token_signed_response_alg").or_insert_with(|| default_alg.as_str().into());
    let metadata = Value::Object(metadata);
    let client = match Client::deserialize(&metadata) {
        Ok(client) => client,
        Err(e) => return Err(metadata_error(&failing_member(&metadata), &format!("has the wrong type: {e}"))),
    };
    check_redirect_uris(&client)?;
    let method = client.token_endpoint_auth_method.as_str();
    if !super::super::auth_methods(op.config()).contains(&method) {
        // Perhaps supported by the build, but not by this configuration (the mTLS methods
        // without `[mtls]`).
        return Err(metadata_error("token_endpoint_auth_method", &format!("{method:?} is not supported here")));
    }
    let mut client = client.validated(&op.keys().algs()).map_err(from_client_error)?;
    crate::fapi::check_client(op.config().fapi.profile, &client.fapi_view()).map_err(|(field, why)| metadata_error(field, &why))?;
    if client.subject_type == "pairwise" || client.sector_identifier_uri.is_some() {
        // OIDC Registration §5: the sector document must list every redirect URI.
        let sector = super::super::sector::resolve(&client, op.fetcher())
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
        let loopback = crate::config::is_loopback(&url);
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

pub(super) fn metadata_error(field: &str, message: &str) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClientMetadata, format!("{field}: {message}"))
}

