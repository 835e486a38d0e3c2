//! Verifying what clients sign (assertions, request objects): HMAC with the client secret, or one
//! of the client's public keys from its `jwks` or `jwks_uri` (fetched, cached, and fetched again
//! once when a `kid` is unknown, which is how clients roll their keys).

use super::Client;
use super::key_sets::ClientKeySet;
use crate::Provider;
use crate::jose::{self, JoseError, SigningAlg};
use josekit::jwk::Jwk;
use std::sync::Arc;

/// Verifies a compact JWS from `client` signed with one of `allowed` algorithms, returning its
/// payload. `none` is never accepted here.
pub(crate) async fn verify(
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
        return jose::verify(token, &verifier).map_err(|_| "the signature does not verify".to_string());
    }
    let alg: SigningAlg = alg.parse()?;
    let kid = header["kid"].as_str();
    let set = client_keys(op, client, false).await?;
    match try_keys(&set, alg, kid, token) {
        Ok(claims) => Ok(claims),
        // An unknown kid may be a new key: fetch the set once more, bypassing the cache.
        Err(_) if client.jwks_uri.is_some() => {
            let set = client_keys(op, client, true).await?;
            try_keys(&set, alg, kid, token).map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The claims of `token`, if a key of `set` with this `kid` (any, without one) verifies it
/// with `alg`.
pub(crate) fn try_keys(
    set: &ClientKeySet,
    alg: SigningAlg,
    kid: Option<&str>,
    token: &str,
) -> Result<serde_json::Value, JoseError> {
    let candidates =
        set.keys.iter().filter(|k| kid.is_none_or(|kid| k.jwk.key_id() == Some(kid))).filter_map(|k| k.verifier(alg));
    for verifier in candidates {
        if let Ok(claims) = jose::verify(token, verifier) {
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
pub(crate) async fn encryption_key(op: &Provider, client: &Client, alg: &str) -> Result<Jwk, String> {
    let kty = if alg.starts_with("RSA") { "RSA" } else { "EC" };
    client_keys(op, client, false)
        .await?
        .keys
        .iter()
        .map(|k| &k.jwk)
        .find(|k| {
            k.key_type() == kty && k.key_use().is_none_or(|u| u == "enc") && k.algorithm().is_none_or(|a| a == alg)
        })
        .cloned()
        .ok_or_else(|| format!("the client has no {kty} key for {alg}"))
}

/// Whether `der` is the first certificate (`x5c`) of one of the client's keys (RFC 8705 §2.2:
/// how a self-signed certificate is registered). A set from `jwks_uri` is fetched once more on a
/// miss, as the client may have added the certificate since.
#[cfg(feature = "mtls")]
pub(crate) async fn has_certificate(op: &Provider, client: &Client, der: &[u8]) -> Result<bool, String> {
    let holds = |set: &ClientKeySet| {
        set.keys.iter().any(|k| k.jwk.x509_certificate_chain().is_some_and(|chain| chain.first().is_some_and(|c| c == der)))
    };
    if holds(&*client_keys(op, client, false).await?) {
        return Ok(true);
    }
    Ok(client.jwks_uri.is_some() && holds(&*client_keys(op, client, true).await?))
}

/// The client's public keys, from `jwks` or `jwks_uri`, parsed once per version of the set.
async fn client_keys(op: &Provider, client: &Client, fresh: bool) -> Result<Arc<ClientKeySet>, String> {
    match (&client.jwks, &client.jwks_uri) {
        (Some(jwks), _) => op.client_key_sets().registered(&client.client_id, jwks),
        (None, Some(uri)) => {
            let body = if fresh { op.fetcher().get_fresh(uri).await } else { op.fetcher().get(uri).await };
            op.client_key_sets().fetched(uri, &body.map_err(|e| e.to_string())?)
        }
        (None, None) => Err("the client has registered no keys (jwks or jwks_uri)".into()),
    }
}
