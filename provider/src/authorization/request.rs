//! The authorization request: each check a named step, in the order the specs need them.

use crate::Provider;
use crate::clients::Client;
use crate::config::PkceRequired;
use crate::protocol::ErrorCode;
use crate::protocol::Params;
use crate::protocol::{
    AuthorizationError, AuthorizationRequest, ClaimsRequest, PromptValue, ResponseMode, ResponseTarget, ResponseType,
};
use std::sync::Arc;

/// The scopes this provider knows; others are ignored (RFC 6749 §3.3).
pub const SUPPORTED_SCOPES: [&str; 6] = ["openid", "offline_access", "profile", "email", "address", "phone"];

fn page(code: ErrorCode, description: impl Into<String>) -> AuthorizationError {
    AuthorizationError::Page { code, description: description.into() }
}

/// Step: the client, known and named once. Failing here shows an error page.
pub fn client(op: &Provider, params: &Params) -> Result<Arc<Client>, AuthorizationError> {
    if params.is_repeated("client_id") {
        return Err(page(ErrorCode::InvalidRequest, "client_id is repeated"));
    }
    let client_id = params.get("client_id").ok_or_else(|| page(ErrorCode::InvalidRequest, "missing client_id"))?;
    op.clients().get(client_id).ok_or_else(|| page(ErrorCode::InvalidClient, "unknown client"))
}

/// Step: the redirect URI, matched exactly against the registered ones (RFC 9700 §4.1.3).
/// A client with a single registered URI may omit it (RFC 6749 §3.1.2.3); an OpenID request may
/// not (OIDC Core §3.1.2.1), which `validate` checks once errors can be redirected.
pub fn redirect_uri(client: &Client, params: &Params) -> Result<String, AuthorizationError> {
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
pub fn early_error(
    op: &Provider,
    client: &Client,
    params: &Params,
    code: ErrorCode,
    description: String,
) -> AuthorizationError {
    match redirect_uri(client, params).and_then(|uri| response_target(op, params, uri)) {
        Ok(target) => target.error(code, description),
        Err(_) => page(code, description),
    }
}

/// Step: how to answer (`response_mode`, `state`, `iss`). An unknown mode is reported using the
/// response type's default mode.
pub fn response_target(
    op: &Provider,
    params: &Params,
    redirect_uri: String,
) -> Result<ResponseTarget, AuthorizationError> {
    let mut target = ResponseTarget {
        redirect_uri,
        mode: ResponseMode::default_for(params.get("response_type").unwrap_or("code")),
        state: params.get("state").map(String::from),
        issuer: op.issuer().to_string(),
    };
    if params.is_repeated("response_mode") || params.is_repeated("state") {
        return Err(target.error(ErrorCode::InvalidRequest, "response_mode or state is repeated"));
    }
    if let Some(mode) = params.get("response_mode") {
        match ResponseMode::parse(mode) {
            Some(mode) => target.mode = mode,
            None => {
                return Err(target.error(ErrorCode::InvalidRequest, format!("unsupported response_mode {mode}")));
            }
        }
    }
    Ok(target)
}

/// Steps after the redirect URI is trusted; every failure is redirected to the client.
pub fn validate(
    op: &Provider,
    client: &Client,
    params: &Params,
    target: ResponseTarget,
) -> Result<AuthorizationRequest, AuthorizationError> {
    let fail = |code: ErrorCode, description: String| target.error(code, description);
    params.reject_repeated().map_err(|e| fail(e.code, e.description))?;
    let response_type = check_response_type(op, client, params).map_err(|(c, d)| fail(c, d))?;
    check_response_mode(&target, response_type)?;
    let nonce = check_nonce(params, response_type).map_err(|d| fail(ErrorCode::InvalidRequest, d))?;
    let resources = check_resources(op, params).map_err(|d| fail(ErrorCode::InvalidTarget, d))?;
    let scopes = check_scope(op, client, params);
    let is_openid = scopes.iter().any(|s| s == "openid");
    if is_openid && params.get("redirect_uri").is_none() {
        // OIDC Core §3.1.2.1: redirect_uri is REQUIRED.
        return Err(fail(ErrorCode::InvalidRequest, "missing redirect_uri".into()));
    }
    let code_challenge =
        check_pkce(op, client, params, response_type).map_err(|d| fail(ErrorCode::InvalidRequest, d))?;
    let prompt = check_prompt(params).map_err(|d| fail(ErrorCode::InvalidRequest, d))?;
    let max_age = check_max_age(params).map_err(|d| fail(ErrorCode::InvalidRequest, d))?;
    // OIDC Registration §2: default_max_age applies when the request has none.
    let max_age = max_age.or(client.default_max_age.map(i64::from));
    let claims = if is_openid { check_claims(params).map_err(|d| fail(ErrorCode::InvalidRequest, d))? } else { None };
    let id_token_hint_sub = check_id_token_hint(op, params).map_err(|d| fail(ErrorCode::InvalidRequest, d))?;
    Ok(AuthorizationRequest {
        target: target.clone(),
        client_id: client.client_id.clone(),
        response_type,
        scopes,
        nonce,
        code_challenge,
        prompt,
        max_age,
        login_hint: params.get("login_hint").map(String::from),
        claims,
        resources,
        device: None,
        id_token_hint_sub,
    })
}

/// Step: `response_type` supported by the build and registered by the client.
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

/// Step: the response mode fits the response type. Multiple Response Types §5: tokens are never
/// put in the query; the error goes out in the type's default mode (the fragment) instead.
fn check_response_mode(target: &ResponseTarget, response_type: ResponseType) -> Result<(), AuthorizationError> {
    if target.mode == ResponseMode::Query && response_type.returns_tokens() {
        let fallback = ResponseTarget { mode: ResponseMode::Fragment, ..target.clone() };
        return Err(fallback.error(ErrorCode::InvalidRequest, "response_mode=query cannot carry tokens"));
    }
    Ok(())
}

/// Step: `nonce` is required whenever the authorization endpoint returns an ID token
/// (OIDC Core §3.2.2.1, §3.3.2.11).
fn check_nonce(params: &Params, response_type: ResponseType) -> Result<Option<String>, String> {
    match params.get("nonce") {
        None if response_type.id_token => Err("nonce is required when an ID token is returned".into()),
        nonce => Ok(nonce.map(String::from)),
    }
}

/// Step: `resource` (RFC 8707 §2): each a configured resource server.
pub fn check_resources(op: &Provider, params: &Params) -> Result<Vec<String>, String> {
    let resources = params.get_all("resource");
    match resources.iter().find(|r| op.config().resource_server(r).is_none()) {
        Some(unknown) => Err(format!("unknown resource {unknown}")),
        None => Ok(resources),
    }
}

/// Whether the provider knows `scope`: an OpenID scope or one of a resource server's.
pub fn known_scope(op: &Provider, scope: &str) -> bool {
    SUPPORTED_SCOPES.contains(&scope)
        || op.config().resource_servers.iter().any(|rs| rs.scopes.iter().any(|s| s == scope))
}

/// Step: scopes. Unknown scopes, scopes the client may not have, and `offline_access` for a
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

/// Step: PKCE (RFC 7636 §4.3). Only S256 exists here; `plain` and the implicit `plain` default
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

/// Step: `prompt` (OIDC Core §3.1.2.1): known values; `none` stands alone.
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

/// Step: the `claims` parameter, a JSON claims request (OIDC Core §5.5).
fn check_claims(params: &Params) -> Result<Option<ClaimsRequest>, String> {
    params.get("claims").map(ClaimsRequest::parse).transpose()
}

/// Step: `id_token_hint` must be an ID token we issued; expired ones are fine (OIDC Core §3.1.2.1).
/// Other JWTs signed with the same keys are not ID tokens: an RFC 9068 access token has `typ`
/// `at+jwt`, and a signed userinfo response, `typ` `JWT` like an ID token, lacks the ID token's
/// `exp`, `iat` and `auth_time` (OIDC Core §2; ours always carry `auth_time`).
fn check_id_token_hint(op: &Provider, params: &Params) -> Result<Option<String>, String> {
    let Some(hint) = params.get("id_token_hint") else { return Ok(None) };
    let not_ours = || "id_token_hint is not an ID token issued here".to_string();
    let claims = op.keys().verify_own_typed(hint, crate::protocol::typ::ID_TOKEN).map_err(|_| not_ours())?;
    if ["exp", "iat", "auth_time"].iter().any(|claim| !claims[claim].is_i64()) || !claims["aud"].is_string() {
        return Err(not_ours());
    }
    if claims["iss"] != op.issuer() {
        return Err("id_token_hint was issued by another issuer".into());
    }
    claims["sub"].as_str().map(|sub| Some(sub.to_string())).ok_or_else(|| "id_token_hint has no sub".into())
}

/// Step: `max_age`, a non-negative integer of seconds.
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
