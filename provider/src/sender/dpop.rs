//! DPoP proofs (RFC 9449 §4.3): a JWT the client signs with the key its tokens are bound to, for
//! each request. The checks, in the RFC's order, each named where it is made. A proof's `jti` is
//! remembered in storage for the proof's lifetime, so a replay is caught by every instance that
//! shares it. Server nonces (§8, §9) are stateless: an HMAC of the current time window under a
//! secret kept in storage, so every instance issues and accepts the same ones.

use super::RequestContext;
use crate::Provider;
use crate::jose::{self, SigningAlg};
use crate::protocol::{ErrorCode, OAuthError};
use crate::storage::{Kind, Record};
use josekit::jwk::Jwk;
use std::time::Duration;

/// The algorithms a proof may be signed with (§4.3 (5): asymmetric only), as published in
/// `dpop_signing_alg_values_supported` and in the `DPoP` challenge.
pub(crate) const ALGS: &str = "RS256 PS256 ES256 EdDSA";

/// [`ALGS`], narrowed by the FAPI profile if one is configured.
pub(crate) fn offered_algs(op: &Provider) -> Vec<&'static str> {
    crate::fapi::client_algs(op.config().fapi.profile, &ALGS.split(' ').collect::<Vec<_>>())
}


/// A verified proof: the thumbprint of the key that signed it (§6.1 `jkt`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Proof {
    /// The RFC 7638 thumbprint of the proof's key.
    pub jkt: String,
}

fn invalid(description: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidDpopProof, description)
}

/// The proof `request` carries, checked; `None` if it carries none. `access_token` is the token
/// presented with it at a resource, whose hash the proof must carry (`ath`, §4.3 (12)).
pub(crate) async fn check(
    op: &Provider,
    request: &RequestContext,
    access_token: Option<&str>,
) -> Result<Option<Proof>, OAuthError> {
    let proof = match request.dpop.as_slice() {
        [] => return Ok(None),
        [proof] => proof,
        // §4.3 (1): "there is not more than one DPoP HTTP request header field".
        _ => return Err(invalid("more than one DPoP header")),
    };
    // §4.3 (2), (3): a well-formed JWT.
    let (header, _) = jose::peek(proof).map_err(|_| invalid("the DPoP proof is not a JWT"))?;
    // §4.3 (4): typ.
    if header["typ"] != "dpop+jwt" {
        return Err(invalid("the DPoP proof's typ is not dpop+jwt"));
    }
    // §4.3 (5): an asymmetric alg this server supports.
    let profile = op.config().fapi.profile;
    let alg: SigningAlg = header["alg"]
        .as_str()
        .filter(|alg| ALGS.split(' ').any(|offered| offered == *alg) && crate::fapi::allows_alg(profile, alg))
        .and_then(|alg| alg.parse().ok())
        .ok_or_else(|| invalid("the DPoP proof's alg is not one of ".to_string() + ALGS))?;
    // §4.3 (7): a public key.
    let members = header["jwk"].as_object().ok_or_else(|| invalid("the DPoP proof has no jwk"))?;
    if !jose::is_public_jwk(members) {
        return Err(invalid("the DPoP proof's jwk is not a public key"));
    }
    // The key is the header's own, so a `kid` in it names nothing here; the JWS library would
    // otherwise want the same `kid` in the header.
    let mut key = members.clone();
    key.remove("kid");
    let jwk = Jwk::from_map(key).map_err(|_| invalid("the DPoP proof's jwk is not a JWK"))?;
    // §4.3 (6): the signature, with that key.
    let verifier = alg.verifier(&jwk).map_err(|_| invalid("the DPoP proof's jwk cannot verify its alg"))?;
    let claims = jose::verify(proof, &*verifier).map_err(|_| invalid("the DPoP proof's signature does not verify"))?;
    // §4.3 (8): htm.
    if claims["htm"] != request.method.as_str() {
        return Err(invalid("the DPoP proof's htm is not this request's method"));
    }
    // §4.3 (9): htu, without its query and fragment (§4.2).
    if !claims["htu"].as_str().is_some_and(|htu| same_target(htu, &request.url)) {
        return Err(invalid("the DPoP proof's htu is not this request's URL"));
    }
    check_time(op, &claims)?;
    // §4.3 (10): the server's nonce, where required.
    if op.config().dpop.require_nonce && !claims["nonce"].as_str().is_some_and(|nonce| op.dpop_nonces().is_current(nonce)) {
        return Err(OAuthError::new(ErrorCode::UseDpopNonce, "a DPoP nonce from this server is required"));
    }
    // §4.3 (12): at a resource, the hash of the access token presented with it.
    if let Some(token) = access_token
        && claims["ath"] != crate::security::sha256_b64url(token)
    {
        return Err(invalid("the DPoP proof's ath is not the access token's hash"));
    }
    let jkt = crate::keys::thumbprint(members).map_err(invalid)?;
    check_replay(op, &jkt, &claims).await?;
    Ok(Some(Proof { jkt }))
}

/// §4.3 (11): `iat` within the proof's lifetime, allowing the clock tolerance ahead.
fn check_time(op: &Provider, claims: &serde_json::Value) -> Result<(), OAuthError> {
    let iat = claims["iat"].as_i64().ok_or_else(|| invalid("the DPoP proof has no iat"))?;
    let now = crate::security::now();
    let config = op.config();
    if iat > now + config.clock_tolerance as i64 || iat < now - config.dpop.proof_lifetime as i64 {
        return Err(invalid("the DPoP proof's iat is outside the accepted window"));
    }
    Ok(())
}

/// §11.1: a `jti` is used once per key within the proof's lifetime; remembered in storage, so a
/// replay to another instance is caught too.
async fn check_replay(op: &Provider, jkt: &str, claims: &serde_json::Value) -> Result<(), OAuthError> {
    let jti = claims["jti"].as_str().filter(|jti| !jti.is_empty()).ok_or_else(|| invalid("the DPoP proof has no jti"))?;
    // Hashed: the id is the client's choice, and the store keys by what it is given.
    let id = crate::security::sha256_b64url(&format!("dpop\n{jkt}\n{jti}"));
    let ttl = Duration::from_secs(op.config().dpop.proof_lifetime + op.config().clock_tolerance);
    let first = op.storage().insert_new(Kind::ReplayDetection, &id, &Record::new(&serde_json::json!({})), ttl).await?;
    if !first {
        return Err(invalid("the DPoP proof was used before"));
    }
    Ok(())
}

/// Whether `htu` names the same target as `url` (scheme, host, port and path), ignoring query
/// and fragment (§4.3 (9)).
fn same_target(htu: &str, url: &str) -> bool {
    let strip = |u: &str| -> Option<url::Url> {
        let mut parsed = url::Url::parse(u).ok()?;
        parsed.set_query(None);
        parsed.set_fragment(None);
        Some(parsed)
    };
    matches!((strip(htu), strip(url)), (Some(a), Some(b)) if a == b)
}

/// The nonce a client should use now (`DPoP-Nonce`, §8.1).
pub(crate) fn current_nonce(op: &Provider) -> String {
    op.dpop_nonces().current()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htu_is_compared_without_query_and_fragment() {
        assert!(same_target("https://op.example/token?x=1#f", "https://op.example/token"));
        assert!(same_target("https://op.example:443/token", "https://op.example/token"));
        assert!(!same_target("https://op.example/token2", "https://op.example/token"));
        assert!(!same_target("http://op.example/token", "https://op.example/token"));
        assert!(!same_target("not a url", "https://op.example/token"));
    }
}
