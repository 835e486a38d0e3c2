//! JWT client authentication (RFC 7523 §2.2, OIDC Core §9): `client_secret_jwt` (HMAC with the
//! client secret) and `private_key_jwt` (the client's own keys).

use super::{AuthMethod, Client, keys};
use crate::Provider;
use crate::protocol::OAuthError;
use crate::security::now;
use std::sync::Arc;

/// The only assertion type defined for client authentication (RFC 7523 §2.2).
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Authenticates a client by its assertion. Every failure is `invalid_client`.
pub(super) async fn authenticate(
    op: &Provider,
    body_client_id: Option<&str>,
    assertion_type: &str,
    assertion: &str,
) -> Result<(Arc<Client>, AuthMethod), OAuthError> {
    if assertion_type != JWT_BEARER {
        return Err(OAuthError::invalid_client(format!("client_assertion_type must be {JWT_BEARER}")));
    }
    let (header, unverified) =
        crate::jose::peek(assertion).map_err(|_| OAuthError::invalid_client("client_assertion is not a JWT"))?;
    let client_id =
        unverified["sub"].as_str().ok_or_else(|| OAuthError::invalid_client("client_assertion has no sub"))?;
    if body_client_id.is_some_and(|id| id != client_id) {
        return Err(OAuthError::invalid_client("client_id does not match the assertion's sub"));
    }
    let client = op
        .clients()
        .find(client_id)
        .await?
        .ok_or_else(|| OAuthError::invalid_client("client authentication failed"))?;
    let alg = header["alg"].as_str().unwrap_or_default();
    let method = if crate::jose::is_hmac(alg) { AuthMethod::ClientSecretJwt } else { AuthMethod::PrivateKeyJwt };
    if client.token_endpoint_auth_method != method.as_str() {
        return Err(OAuthError::invalid_client(format!(
            "the client is registered for {}, not {}",
            client.token_endpoint_auth_method,
            method.as_str()
        )));
    }
    let allowed = crate::fapi::client_algs(op.config().fapi.profile, &allowed_algs(&client, method));
    if !allowed.contains(&alg) {
        return Err(OAuthError::invalid_client(format!("client_assertion: the alg {alg} is not allowed here")));
    }
    let claims = keys::verify(op, &client, assertion, &allowed).await.map_err(OAuthError::invalid_client)?;
    check_claims(op, &client, &claims)?;
    check_replay(op, &client, &claims).await?;
    Ok((client, method))
}

/// The client's `token_endpoint_auth_signing_alg`, or every alg of the method's family.
fn allowed_algs(client: &Client, method: AuthMethod) -> Vec<&str> {
    match &client.token_endpoint_auth_signing_alg {
        Some(alg) => vec![alg.as_str()],
        None => crate::jose::CLIENT_ALGS
            .into_iter()
            .filter(|alg| crate::jose::is_hmac(alg) == (method == AuthMethod::ClientSecretJwt))
            .collect(),
    }
}

/// RFC 7523 §3: iss and sub are the client, aud names this server, exp is present and not past.
fn check_claims(op: &Provider, client: &Client, claims: &serde_json::Value) -> Result<(), OAuthError> {
    let fail = |why: &str| Err(OAuthError::invalid_client(format!("client_assertion {why}")));
    if claims["iss"] != client.client_id.as_str() || claims["sub"] != client.client_id.as_str() {
        return fail("iss and sub must be the client_id");
    }
    let audiences: Vec<&str> = match &claims["aud"] {
        serde_json::Value::String(aud) => vec![aud.as_str()],
        serde_json::Value::Array(auds) => auds.iter().filter_map(|a| a.as_str()).collect(),
        _ => vec![],
    };
    // RFC 8705 §5: a client that uses an endpoint's mTLS alias may name it. CIBA Core §7.1: at
    // the backchannel endpoint, its URL names this server too.
    let mut endpoints = with_alias(op, "/token");
    if cfg!(feature = "ciba") && op.config().ciba.enabled {
        endpoints.extend(with_alias(op, "/backchannel"));
    }
    let profile = op.config().fapi.profile;
    if profile == crate::config::FapiProfile::None {
        if !audiences.iter().any(|aud| *aud == op.issuer() || endpoints.iter().any(|e| e == aud)) {
            return fail("aud must be the issuer or the token endpoint");
        }
    } else {
        endpoints.push(op.endpoint("/par"));
        if crate::fapi::assertion_audience(profile, &claims["aud"], op.issuer(), &endpoints) != Some(true) {
            return fail("aud is not one the FAPI profile accepts");
        }
    }
    let tolerance = op.config().clock_tolerance as i64;
    let now = now();
    match claims["exp"].as_i64() {
        None => return fail("has no exp"),
        Some(exp) if exp + tolerance < now => return fail("has expired"),
        Some(_) => {}
    }
    if claims["nbf"].as_i64().is_some_and(|nbf| nbf - tolerance > now) {
        return fail("is not valid yet");
    }
    if claims["iat"].as_i64().is_some_and(|iat| iat - tolerance > now) {
        return fail("was issued in the future");
    }
    Ok(())
}

/// The URL of the endpoint at `path`, and its mTLS alias if it has one (RFC 8705 §5).
fn with_alias(op: &Provider, path: &str) -> Vec<String> {
    let url = op.endpoint(path);
    #[cfg(feature = "mtls")]
    let alias = op.mtls_alias(&url);
    #[cfg(not(feature = "mtls"))]
    let alias: Option<String> = None;
    std::iter::once(url).chain(alias).collect()
}

/// RFC 7523 §3 (7): a jti is used once; it is remembered until the assertion expires.
async fn check_replay(op: &Provider, client: &Client, claims: &serde_json::Value) -> Result<(), OAuthError> {
    let jti = claims["jti"].as_str().ok_or_else(|| OAuthError::invalid_client("client_assertion has no jti"))?;
    let until = claims["exp"].as_i64().unwrap_or_default() + op.config().clock_tolerance as i64;
    let mark = format!("{}:{jti}", client.client_id);
    if crate::model::first_use_of_jti(op.storage(), &mark, &client.client_id, until).await? {
        Ok(())
    } else {
        Err(OAuthError::invalid_client("client_assertion has been used before (jti replay)"))
    }
}
