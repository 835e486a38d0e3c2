//! Verifying what clients sign (assertions, request objects): HMAC with the client secret, or one
//! of the client's public keys from its `jwks` or `jwks_uri` (fetched, cached, and fetched again
//! once when a `kid` is unknown, which is how clients roll their keys).

use super::Client;
use crate::Provider;
use crate::jose::{self, JoseError, SigningAlg};
use josekit::jwk::Jwk;

/// Verifies a compact JWS from `client` signed with one of `allowed` algorithms, returning its
/// payload. `none` is never accepted here.
pub async fn verify(
    op: &Provider,
    client: &Client,
    token: &str,
    allowed: &[&str],
) -> Result<serde_json::Value, String> {
    let (header, _) = jose::peek(token).map_err(|e| e.to_string())?;
    let alg = header["alg"].as_str().ok_or("the JWS header has no alg")?;
    if !allowed.contains(&alg) {
        return Err(format!("alg {alg} is not allowed here"));
    }
    if jose::is_hmac(alg) {
        let secret = client.client_secret.as_deref().ok_or("the client has no secret for HMAC")?;
        let verifier = jose::hmac_verifier(alg, secret.as_bytes()).map_err(|e| e.to_string())?;
        return jose::verify(token, &*verifier).map_err(|_| "the signature does not verify".to_string());
    }
    let alg: SigningAlg = alg.parse()?;
    let kid = header["kid"].as_str();
    match try_keys(&client_keys(op, client, false).await?, alg, kid, token) {
        Ok(claims) => Ok(claims),
        // An unknown kid may be a new key: fetch the set once more, bypassing the cache.
        Err(_) if client.jwks_uri.is_some() => {
            try_keys(&client_keys(op, client, true).await?, alg, kid, token).map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

fn try_keys(keys: &[Jwk], alg: SigningAlg, kid: Option<&str>, token: &str) -> Result<serde_json::Value, JoseError> {
    let candidates = keys
        .iter()
        .filter(|k| kid.is_none_or(|kid| k.key_id() == Some(kid)))
        .filter(|k| k.key_use().is_none_or(|u| u == "sig"))
        .filter(|k| k.algorithm().is_none_or(|a| a == alg.as_str()));
    for key in candidates {
        if let Ok(verifier) = alg.verifier(key)
            && let Ok(claims) = jose::verify(token, &*verifier)
        {
            return Ok(claims);
        }
    }
    Err(JoseError::new(match kid {
        Some(kid) => format!("no key {kid} of the client verifies the signature"),
        None => "no key of the client verifies the signature".to_string(),
    }))
}

/// The client's key for encrypting to it with `alg`: an encryption key (`use: enc` or no `use`)
/// of the matching type (OIDC Core §10.2).
pub async fn encryption_key(op: &Provider, client: &Client, alg: &str) -> Result<Jwk, String> {
    let kty = if alg.starts_with("RSA") { "RSA" } else { "EC" };
    client_keys(op, client, false)
        .await?
        .into_iter()
        .find(|k| {
            k.key_type() == kty && k.key_use().is_none_or(|u| u == "enc") && k.algorithm().is_none_or(|a| a == alg)
        })
        .ok_or_else(|| format!("the client has no {kty} key for {alg}"))
}

/// The client's public keys, from `jwks` or `jwks_uri`.
async fn client_keys(op: &Provider, client: &Client, fresh: bool) -> Result<Vec<Jwk>, String> {
    let document = match (&client.jwks, &client.jwks_uri) {
        (Some(jwks), _) => jwks.clone(),
        (None, Some(uri)) => {
            let body = if fresh { op.fetcher().get_fresh(uri).await } else { op.fetcher().get(uri).await };
            serde_json::from_str(&body.map_err(|e| e.to_string())?).map_err(|_| format!("{uri} is not a JWK set"))?
        }
        (None, None) => return Err("the client has registered no keys (jwks or jwks_uri)".into()),
    };
    let keys = document["keys"].as_array().ok_or("the client's JWK set has no keys")?;
    Ok(keys.iter().filter_map(|k| k.as_object().and_then(|m| Jwk::from_map(m.clone()).ok())).collect())
}
