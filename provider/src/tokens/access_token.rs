//! Access tokens: opaque (256 random bits) or RFC 9068 JWTs, per resource server. Both are stored
//! under the SHA-256 of the token, so revocation and introspection treat them alike; the JWTs of
//! client credentials grants are the exception ([`self_contained`]).

use super::self_contained;
use crate::Provider;
use crate::clients::Client;
use crate::config::TokenFormat;
use crate::jose::SigningAlg;
use crate::model::{self, AccessToken, TokenClaims};
use crate::protocol::{ErrorCode, OAuthError, OAuthResult, typ};
use crate::sender::Confirmation;
use crate::security::{now, random_token, time_ordered_token};
use serde::Serialize;
use std::time::Duration;

/// An issued access token.
#[derive(Debug, Clone)]
pub struct IssuedAccessToken {
    /// The token.
    pub value: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
    /// Its scopes (narrowed to its audience's).
    pub scopes: Vec<String>,
}

/// The audience of the next access token (RFC 8707 §2.2): the one `requested` if any (it must be
/// among those granted), else the one granted if there is exactly one.
pub(crate) fn audience(claims: &TokenClaims, requested: &[String]) -> OAuthResult<Option<String>> {
    let invalid = |why: &str| OAuthError::new(ErrorCode::InvalidTarget, why);
    match requested {
        [] if claims.resources.len() <= 1 => Ok(claims.resources.first().cloned()),
        [] => Err(invalid("several resources were granted: name one with the resource parameter")),
        [one] if claims.resources.contains(one) => Ok(Some(one.clone())),
        [_] => Err(invalid("the resource was not granted")),
        _ => Err(invalid("an access token has one audience: name one resource")),
    }
}

/// Issues and stores an access token for `audience` (a configured resource server, or none).
pub async fn issue(
    op: &Provider,
    client: &Client,
    claims: &TokenClaims,
    audience: Option<&str>,
    cnf: Option<&Confirmation>,
) -> OAuthResult<IssuedAccessToken> {
    let server = audience.and_then(|aud| op.config().resource_server(aud));
    let lifetime = server.and_then(|rs| rs.access_token_ttl).unwrap_or(op.config().ttl.access_token);
    let mut claims = claims.clone();
    claims.resources = audience.map(|a| vec![a.to_string()]).unwrap_or_default();
    claims.cnf = cnf.cloned();
    if let Some(rs) = server {
        // A token for a resource server carries only the scopes that server understands.
        claims.scopes.retain(|s| rs.scopes.contains(s));
    }
    let iat = now();
    let format = server.map(|rs| rs.access_token_format).unwrap_or(TokenFormat::Opaque);
    let (value, jti) = match server {
        Some(rs) if format == TokenFormat::Jwt => {
            let jti = random_token();
            (jwt(op, client, &claims, audience.unwrap_or_default(), &rs.signing_alg, iat, lifetime, &jti).await?, jti)
        }
        // An opaque token's jti is derived from its value (`AccessToken::jti`), not stored.
        _ => (time_ordered_token(), String::new()),
    };
    let scopes = claims.scopes.clone();
    if !self_contained::applies(&claims, format) {
        let record = AccessToken { claims, iat, exp: iat + lifetime as i64, jti };
        model::save(op.storage(), &value, &record, Duration::from_secs(lifetime)).await?;
    }
    Ok(IssuedAccessToken { value, expires_in: lifetime, scopes })
}

/// The claims of an RFC 9068 JWT access token (§2.2).
#[derive(Serialize)]
struct JwtClaims<'a> {
    iss: &'a str,
    exp: i64,
    aud: &'a str,
    sub: String,
    client_id: &'a str,
    iat: i64,
    jti: &'a str,
    scope: String,
    /// §2.2.1: when, and how, the end-user authenticated; absent for client credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    acr: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    amr: &'a [String],
    /// RFC 9449 §6.1, RFC 8705 §3.1: the sender binding.
    #[serde(skip_serializing_if = "Option::is_none")]
    cnf: Option<&'a Confirmation>,
    /// RFC 9396 §9.1: what the token authorizes, beyond its scopes.
    #[serde(skip_serializing_if = "<[serde_json::Value]>::is_empty")]
    authorization_details: &'a [serde_json::Value],
}

/// An RFC 9068 JWT access token (`typ: at+jwt`).
#[allow(clippy::too_many_arguments)]
async fn jwt(
    op: &Provider,
    client: &Client,
    claims: &TokenClaims,
    audience: &str,
    alg: &str,
    iat: i64,
    lifetime: u64,
    jti: &str,
) -> OAuthResult<String> {
    let end_user = !claims.is_client_credentials();
    let body = JwtClaims {
        iss: op.issuer(),
        exp: iat + lifetime as i64,
        aud: audience,
        sub: subject(op, client, claims),
        client_id: &claims.client_id,
        iat,
        jti,
        scope: claims.scopes.join(" "),
        auth_time: end_user.then_some(claims.auth_time),
        acr: end_user.then_some(claims.acr.as_str()),
        amr: if end_user { &claims.amr } else { &[] },
        cnf: claims.cnf.as_ref(),
        authorization_details: &claims.authorization_details,
    };
    let alg: SigningAlg = alg.parse().map_err(OAuthError::server_error)?;
    super::sealed::sign(op, &body, typ::ACCESS_TOKEN, alg).await.map_err(OAuthError::server_error)
}

/// RFC 9068 §2.2: the end-user's subject, or the client's id for client credentials.
pub(crate) fn subject(op: &Provider, client: &Client, claims: &TokenClaims) -> String {
    if claims.is_client_credentials() { claims.client_id.clone() } else { op.subject(client, &claims.account_id) }
}
