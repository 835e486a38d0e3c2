//! The steps of the authorization pipeline, each a function of the request found so far
//! ([`Flow`]); `pipeline` says which door runs which, in what order.

use super::pipeline::Flow;
use crate::Provider;
use crate::clients::Client;
use crate::config::PkceRequired;
use crate::protocol::ErrorCode;
use crate::protocol::Params;
use crate::protocol::{
    AuthorizationError, AuthorizationRequest, ClaimsRequest, Completion, PromptValue, ResponseMode, ResponseTarget,
    ResponseType,
};
use std::sync::Arc;

/// The scopes this provider knows; others are ignored (RFC 6749 §3.3).
pub(crate) const SUPPORTED_SCOPES: [&str; 6] = ["openid", "offline_access", "profile", "email", "address", "phone"];

fn page(code: ErrorCode, description: impl Into<String>) -> AuthorizationError {
    AuthorizationError::Page { code, description: description.into() }
}

/// Step: the client, known and named once. Failing here shows an error page.
pub(super) async fn client(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let params = &flow.params;
    if params.is_repeated("client_id") {
        return Err(page(ErrorCode::InvalidRequest, "client_id is repeated"));
    }
    let client_id = params.get("client_id").ok_or_else(|| page(ErrorCode::InvalidRequest, "missing client_id"))?;
    let client = flow.op.clients().find(client_id).await?;
    flow.client = Some(client.ok_or_else(|| page(ErrorCode::InvalidClient, "unknown client"))?);
    Ok(())
}

/// Step: the client of a request validated earlier, still registered.
pub(super) async fn stored_client(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let Some(request) = &flow.request else { return Err(page(ErrorCode::ServerError, "no stored request")) };
    match flow.op.clients().find(&request.client_id).await? {
        Some(client) => {
            flow.client = Some(client);
            Ok(())
        }
        None => Err(request.error(ErrorCode::InvalidClient, "the client is no longer registered")),
    }
}

/// The client the `Client` step found (or the door authenticated).
fn the_client(flow: &Flow<'_>) -> Result<Arc<Client>, AuthorizationError> {
    flow.client.clone().ok_or_else(|| page(ErrorCode::ServerError, "no client"))
}

/// Step: a request object's parameters merged in (OIDC Core §6). An error here, before the
/// redirect URI is settled, goes to the query's own redirect URI if that is registered.
pub(super) async fn request_object(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let client = the_client(flow)?;
    match super::resolve_request_object(flow.op, &client, &flow.params).await {
        Ok(Some(merged)) => {
            flow.params = merged;
            Ok(())
        }
        Ok(None) => Ok(()),
        Err((code, description)) => Err(early_error(flow.op, &client, &flow.params, code, description)),
    }
}

/// Step: the redirect URI, matched exactly against the registered ones (RFC 9700 §4.1.3).
/// A client with a single registered URI may omit it (RFC 6749 §3.1.2.3); an OpenID request may
/// not (OIDC Core §3.1.2.1), which `openid_redirect_uri` checks once errors can be redirected.
pub(super) fn redirect_uri(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let client = the_client(flow)?;
    flow.redirect_uri = Some(registered_redirect_uri(&client, &flow.params)?);
    Ok(())
}

fn registered_redirect_uri(client: &Client, params: &Params) -> Result<String, AuthorizationError> {
    if params.is_repeated("redirect_uri") {
        return Err(page(ErrorCode::InvalidRequest, "redirect_uri is repeated"));
    }
    match params.get("redirect_uri") {
        Some(uri) if client.redirect_uris.iter().any(|r| r == uri) => Ok(uri.to_string()),
        Some(_) => Err(page(ErrorCode::InvalidRequest, "redirect_uri is not registered for this client")),
        None if client.redirect_uris.len() == 1 => Ok(client.redirect_uris[0].clone()),
        None => Err(page(ErrorCode::InvalidRequest, "missing redirect_uri")),
    }
}

/// An error found before the redirect URI is settled (a broken request object, say): redirected
/// if the query's own redirect URI is registered, shown on a page otherwise.
fn early_error(
    op: &Provider,
    client: &Client,
    params: &Params,
    code: ErrorCode,
    description: String,
) -> AuthorizationError {
    let params = &with_unverified_response_parameters(params);
    match registered_redirect_uri(client, params).and_then(|uri| target_for(op, client, params, uri)) {
        Ok(target) => target.error(code, description),
        Err(_) => page(code, description),
    }
}

/// The query, with what it lacks of where and how to answer taken from its request object, read
/// without verifying it: a request object that fails still says how its client wants errors
/// (JARM §2.3: a JWT response mode; FAPI 1.0 Advanced puts every parameter in the object). Only
/// the form of the error and the `state` it echoes come from there; the redirect URI must still
/// be one the client registered.
fn with_unverified_response_parameters(params: &Params) -> Params {
    let Some((_, claims)) = params.get("request").and_then(|jwt| crate::jose::peek(jwt).ok()) else {
        return params.clone();
    };
    let missing = ["redirect_uri", "response_mode", "response_type", "state"]
        .into_iter()
        .filter(|name| params.get(name).is_none())
        .filter_map(|name| claims[name].as_str().map(|value| (name.to_string(), value.to_string())));
    params.with_overrides(missing.collect::<Vec<_>>())
}

/// Step: a client (or a server) that requires pushed requests (RFC 9126 §5, §6) gets no other.
pub(super) fn require_pushed(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    #[cfg(feature = "par")]
    {
        let client = the_client(flow)?;
        if let Some((code, description)) = super::pushed::required(flow.op, &client) {
            return Err(flow.fail(code, description));
        }
    }
    #[cfg(not(feature = "par"))]
    let _ = flow;
    Ok(())
}

/// Step: the pushed request the `request_uri` names (RFC 9126 §4), for the client `/authorize`
/// names; the other parameters are not used (§4: the pushed ones are the request).
pub(super) async fn pushed_request(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    #[cfg(feature = "par")]
    {
        let client = the_client(flow)?;
        let request_uri = flow.params.get("request_uri").unwrap_or_default();
        match super::pushed::take_back(flow.op, request_uri, &client.client_id).await? {
            super::pushed::TakenBack::Live(request) => flow.request = Some(request),
            // RFC 9126 §4 (one-time use) and RFC 6749 §4.1.2.1: the redirect URI is the pushed
            // request's, validated when it was pushed, so the error goes back to the client.
            super::pushed::TakenBack::UsedUp(request) => {
                return Err(request.error(ErrorCode::InvalidRequestUri, "request_uri has been used"));
            }
            super::pushed::TakenBack::Unknown => {
                let description = "request_uri is unknown, expired, or another client's";
                return Err(page(ErrorCode::InvalidRequestUri, description));
            }
        }
    }
    #[cfg(not(feature = "par"))]
    let _ = flow;
    Ok(())
}

/// Step: how to answer (`response_mode`, `state`, `iss`). From here on errors are redirected.
pub(super) fn response_target(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let redirect_uri = flow.redirect_uri.clone().ok_or_else(|| page(ErrorCode::ServerError, "no redirect_uri"))?;
    let client = the_client(flow)?;
    flow.target = Some(target_for(flow.op, &client, &flow.params, redirect_uri)?);
    Ok(())
}

/// Where and how to answer. An unknown mode is reported using the response type's default mode.
fn target_for(
    op: &Provider,
    client: &Client,
    params: &Params,
    redirect_uri: String,
) -> Result<ResponseTarget, AuthorizationError> {
    let mut target = ResponseTarget {
        redirect_uri,
        mode: ResponseMode::default_for(params.get("response_type").unwrap_or("code")),
        state: params.get("state").map(String::from),
        issuer: op.issuer().to_string(),
        client_id: client.client_id.clone(),
    };
    if params.is_repeated("response_mode") || params.is_repeated("state") {
        return Err(target.error(ErrorCode::InvalidRequest, "response_mode or state is repeated"));
    }
    if let Some(mode) = params.get("response_mode") {
        let response_type = params.get("response_type").unwrap_or("code");
        // JARM's modes exist only where JARM is compiled in and enabled.
        let jarm = cfg!(feature = "jarm") && op.config().jarm.enabled;
        match ResponseMode::parse(mode, response_type).filter(|m| jarm || !m.is_jwt()) {
            Some(mode) => target.mode = mode,
            None => {
                return Err(target.error(ErrorCode::InvalidRequest, format!("unsupported response_mode {mode}")));
            }
        }
    }
    Ok(target)
}

/// Step: no parameter repeated (RFC 6749 §3.1).
pub(super) fn reject_repeated(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    flow.params.reject_repeated().map_err(|e| flow.fail(e.code, e.description))
}

/// Step: `response_type`.
pub(super) fn response_type(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let client = the_client(flow)?;
    let response_type = check_response_type(flow.op, &client, &flow.params).map_err(|(c, d)| flow.fail(c, d))?;
    flow.response_type = Some(response_type);
    Ok(())
}

fn the_response_type(flow: &Flow<'_>) -> Result<ResponseType, AuthorizationError> {
    flow.response_type.ok_or_else(|| flow.fail(ErrorCode::ServerError, "no response_type"))
}

/// Step: the response mode fits the response type.
pub(super) fn response_mode(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let response_type = the_response_type(flow)?;
    match &flow.target {
        Some(target) => check_response_mode(target, response_type),
        None => Err(flow.fail(ErrorCode::ServerError, "no response target")),
    }
}

/// Step: `nonce`.
pub(super) fn nonce(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let response_type = the_response_type(flow)?;
    flow.nonce = check_nonce(&flow.params, response_type).map_err(|d| flow.fail(ErrorCode::InvalidRequest, d))?;
    Ok(())
}

/// Step: `resource` (RFC 8707 §2).
pub(super) fn resources(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    flow.resources = check_resources(flow.op, &flow.params).map_err(|d| flow.fail(ErrorCode::InvalidTarget, d))?;
    Ok(())
}

/// RFC 9396 §5: `authorization_details`, each object of a type offered here that its validator
/// accepts; an error is `invalid_authorization_details`. Without `[rar]`, ignored.
pub(super) fn authorization_details(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    #[cfg(feature = "rar")]
    {
        let client = the_client(flow)?;
        if let Some(details) = crate::rar::requested(flow.op, &client, &flow.params).map_err(|e| flow.fail(e.code, e.description))? {
            flow.authorization_details = details;
        }
    }
    let _ = flow;
    Ok(())
}

/// Step: `scope`.
pub(super) fn scope(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let client = the_client(flow)?;
    flow.scopes = check_scope(flow.op, &client, &flow.params);
    Ok(())
}

/// Step: OIDC Core §3.1.2.1: `redirect_uri` is REQUIRED in an OpenID request.
pub(super) fn openid_redirect_uri(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let is_openid = flow.scopes.iter().any(|s| s == "openid");
    if is_openid && flow.params.get("redirect_uri").is_none() {
        return Err(flow.fail(ErrorCode::InvalidRequest, "missing redirect_uri"));
    }
    Ok(())
}

/// Step: PKCE.
pub(super) fn pkce(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let (client, response_type) = (the_client(flow)?, the_response_type(flow)?);
    flow.code_challenge = check_pkce(flow.op, &client, &flow.params, response_type)
        .map_err(|d| flow.fail(ErrorCode::InvalidRequest, d))?;
    Ok(())
}

/// Step: `prompt`.
pub(super) fn prompt(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    flow.prompt = check_prompt(&flow.params).map_err(|d| flow.fail(ErrorCode::InvalidRequest, d))?;
    Ok(())
}

/// Step: `max_age`; OIDC Registration §2: the client's `default_max_age` applies when the request
/// has none.
pub(super) fn max_age(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let client = the_client(flow)?;
    let max_age = check_max_age(&flow.params).map_err(|d| flow.fail(ErrorCode::InvalidRequest, d))?;
    flow.max_age = max_age.or(client.default_max_age.map(i64::from));
    Ok(())
}

/// Step: the `claims` parameter, for OpenID requests.
pub(super) fn claims(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    if flow.scopes.iter().any(|s| s == "openid") {
        flow.claims = check_claims(&flow.params).map_err(|d| flow.fail(ErrorCode::InvalidRequest, d))?;
    }
    Ok(())
}

/// Step: `id_token_hint`.
pub(super) fn id_token_hint(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    flow.id_token_hint_sub =
        check_id_token_hint(flow.op, &flow.params).map_err(|d| flow.fail(ErrorCode::InvalidRequest, d))?;
    Ok(())
}

/// Step: the FAPI profile's rules (see [`crate::fapi`]), on what the earlier steps found.
pub(super) fn fapi(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let profile = flow.op.config().fapi.profile;
    if profile == crate::config::FapiProfile::None {
        return Ok(());
    }
    let response_type = the_response_type(flow)?;
    let response_mode = flow.target.as_ref().map(|t| t.mode).unwrap_or(ResponseMode::Query);
    let view = crate::fapi::AuthorizationView {
        pushed: flow.door == super::pipeline::Door::Push,
        response_type,
        response_mode,
        scope: flow.params.get("scope").map(String::from),
        nonce: flow.nonce.is_some(),
        state: flow.params.get("state").is_some(),
        redirect_uri: flow.params.get("redirect_uri").is_some(),
        code_challenge: flow.code_challenge.is_some(),
    };
    crate::fapi::check_authorization_request(profile, &view).map_err(|(code, why)| flow.fail(code, why))
}

/// Step: the validated request, assembled from what the steps found. Its outcome goes to the
/// client's redirect URI.
pub(super) fn settle(flow: &mut Flow<'_>) -> Result<(), AuthorizationError> {
    let (client, response_type) = (the_client(flow)?, the_response_type(flow)?);
    let target = flow.target.clone().ok_or_else(|| flow.fail(ErrorCode::ServerError, "no response target"))?;
    let mut request =
        AuthorizationRequest::new(client.client_id.clone(), Completion::Redirect { target, response_type });
    request.scopes = std::mem::take(&mut flow.scopes);
    request.nonce = flow.nonce.take();
    request.code_challenge = flow.code_challenge.take();
    request.prompt = std::mem::take(&mut flow.prompt);
    request.max_age = flow.max_age;
    request.login_hint = flow.params.get("login_hint").map(String::from);
    request.ui_locales = flow.params.get("ui_locales").map(String::from);
    request.acr_values = flow.params.get("acr_values").map(String::from);
    request.claims = flow.claims.take();
    request.resources = std::mem::take(&mut flow.resources);
    request.authorization_details = std::mem::take(&mut flow.authorization_details);
    request.id_token_hint_sub = flow.id_token_hint_sub.take();
    // RFC 9449 §10: the code is bound to this key; the token request must prove it.
    if cfg!(feature = "dpop") && flow.op.config().dpop.enabled {
        request.dpop_jkt = flow.params.get("dpop_jkt").map(String::from);
    }
    flow.request = Some(request);
    Ok(())
}

/// `response_type` supported by the build and registered by the client.
fn check_response_type(op: &Provider, client: &Client, params: &Params) -> Result<ResponseType, (ErrorCode, String)> {
    let value = params.get("response_type").ok_or((ErrorCode::InvalidRequest, "missing response_type".to_string()))?;
    let response_type = ResponseType::parse(value)
        .filter(|rt| op.config().response_types.iter().any(|enabled| ResponseType::parse(enabled) == Some(*rt)))
        .ok_or_else(|| (ErrorCode::UnsupportedResponseType, format!("unsupported response_type {value}")))?;
    if !client.allows_response_type(response_type) {
        return Err((
            ErrorCode::UnauthorizedClient,
            format!("response_type {value} is not registered for this client"),
        ));
    }
    Ok(response_type)
}

/// The response mode fits the response type. Multiple Response Types §5: tokens are never
/// put in the query; the error goes out in the type's default mode (the fragment) instead.
fn check_response_mode(target: &ResponseTarget, response_type: ResponseType) -> Result<(), AuthorizationError> {
    // JARM §2.3.1: nor in a query JWT, which the browser's history and logs would keep.
    if target.mode.carrier() == ResponseMode::Query && response_type.returns_tokens() {
        let fallback = ResponseTarget { mode: ResponseMode::Fragment, ..target.clone() };
        return Err(fallback.error(ErrorCode::InvalidRequest, "response_mode=query cannot carry tokens"));
    }
    Ok(())
}

/// `nonce` is required whenever the authorization endpoint returns an ID token
/// (OIDC Core §3.2.2.1, §3.3.2.11).
fn check_nonce(params: &Params, response_type: ResponseType) -> Result<Option<String>, String> {
    match params.get("nonce") {
        None if response_type.id_token => Err("nonce is required when an ID token is returned".into()),
        nonce => Ok(nonce.map(String::from)),
    }
}

/// `resource` (RFC 8707 §2): each a configured resource server.
pub(crate) fn check_resources(op: &Provider, params: &Params) -> Result<Vec<String>, String> {
    let resources = params.get_all("resource");
    match resources.iter().find(|r| op.config().resource_server(r).is_none()) {
        Some(unknown) => Err(format!("unknown resource {unknown}")),
        None => Ok(resources),
    }
}

/// Whether the provider knows `scope`: an OpenID scope or one of a resource server's.
pub(crate) fn known_scope(op: &Provider, scope: &str) -> bool {
    SUPPORTED_SCOPES.contains(&scope)
        || op.config().resource_servers.iter().any(|rs| rs.scopes.iter().any(|s| s == scope))
}

/// Scopes. Unknown scopes, scopes the client may not have, and `offline_access` for a
/// client that cannot refresh are dropped rather than refused (RFC 6749 §3.3).
fn check_scope(op: &Provider, client: &Client, params: &Params) -> Vec<String> {
    let allowed: Option<Vec<&str>> = client.scope.as_deref().map(|s| s.split_whitespace().collect());
    let mut scopes: Vec<String> = Vec::new();
    for scope in params.get("scope").unwrap_or_default().split_whitespace() {
        let known = known_scope(op, scope);
        let permitted = scope == "openid" || allowed.as_ref().is_none_or(|a| a.contains(&scope));
        let refreshable = scope != "offline_access" || client.allows_grant("refresh_token");
        if known && permitted && refreshable && !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_string());
        }
    }
    scopes
}

/// PKCE (RFC 7636 §4.3). Only S256 exists here; `plain` and the implicit `plain` default
/// are refused (RFC 9700 §2.1.1). It protects a code, so it is required only where one is
/// issued: `id_token` and `id_token token` have none (OIDC Core §3.2.2.1).
fn check_pkce(
    op: &Provider,
    client: &Client,
    params: &Params,
    response_type: ResponseType,
) -> Result<Option<String>, String> {
    let required = response_type.code && (client.is_public() || op.config().pkce.required == PkceRequired::All);
    match (params.get("code_challenge"), params.get("code_challenge_method")) {
        (None, None) if required => Err("code_challenge is required (PKCE, S256)".into()),
        (None, None) => Ok(None),
        (None, Some(_)) => Err("code_challenge_method without code_challenge".into()),
        (Some(_), method) if method != Some("S256") => {
            Err("code_challenge_method must be S256 (plain is not supported)".into())
        }
        (Some(challenge), _) => {
            // RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is exactly 43 characters.
            let valid =
                challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if valid {
                Ok(Some(challenge.to_string()))
            } else {
                Err("code_challenge is not a base64url SHA-256".into())
            }
        }
    }
}

/// `prompt` (OIDC Core §3.1.2.1): known values; `none` stands alone.
fn check_prompt(params: &Params) -> Result<Vec<PromptValue>, String> {
    let mut values = Vec::new();
    for value in params.get("prompt").unwrap_or_default().split_whitespace() {
        let parsed = match value {
            "none" => PromptValue::None,
            "login" => PromptValue::Login,
            "consent" => PromptValue::Consent,
            "select_account" => PromptValue::SelectAccount,
            other => return Err(format!("unsupported prompt value {other}")),
        };
        if !values.contains(&parsed) {
            values.push(parsed);
        }
    }
    if values.contains(&PromptValue::None) && values.len() > 1 {
        return Err("prompt=none cannot be combined with other values".into());
    }
    Ok(values)
}

/// The `claims` parameter, a JSON claims request (OIDC Core §5.5).
fn check_claims(params: &Params) -> Result<Option<ClaimsRequest>, String> {
    params.get("claims").map(ClaimsRequest::parse).transpose()
}

/// `id_token_hint` must be an ID token we issued; expired ones are fine (OIDC Core §3.1.2.1).
fn check_id_token_hint(op: &Provider, params: &Params) -> Result<Option<String>, String> {
    let Some(hint) = params.get("id_token_hint") else { return Ok(None) };
    let claims = crate::tokens::verify_id_token_hint(op, hint)?;
    claims["sub"].as_str().map(|sub| Some(sub.to_string())).ok_or_else(|| "id_token_hint has no sub".into())
}

/// `max_age`, a non-negative integer of seconds.
fn check_max_age(params: &Params) -> Result<Option<i64>, String> {
    params
        .get("max_age")
        .map(|v| v.parse::<u32>().map(i64::from).map_err(|_| "max_age must be a non-negative integer".to_string()))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_none_stands_alone() {
        assert_eq!(check_prompt(&Params::parse("prompt=none")), Ok(vec![PromptValue::None]));
        assert!(check_prompt(&Params::parse("prompt=none+login")).is_err());
        assert!(check_prompt(&Params::parse("prompt=bogus")).is_err());
        assert_eq!(
            check_prompt(&Params::parse("prompt=login+consent")),
            Ok(vec![PromptValue::Login, PromptValue::Consent])
        );
    }

    #[test]
    fn max_age_must_be_a_number() {
        assert_eq!(check_max_age(&Params::parse("max_age=0")), Ok(Some(0)));
        assert!(check_max_age(&Params::parse("max_age=-1")).is_err());
        assert!(check_max_age(&Params::parse("max_age=soon")).is_err());
    }
}
