//! Attestation-Based Client Authentication (draft-ietf-oauth-attestation-based-client-auth-06):
//! `attest_jwt_client_auth`. A client instance sends a Client Attestation, signed by an attester
//! the operator trusts, that binds a key to its `client_id` (`OAuth-Client-Attestation`), and a
//! PoP signed with that key for this server (`OAuth-Client-Attestation-PoP`). The checks follow
//! the draft's §9 list, each numbered where it is made.

use super::{AuthMethod, Client};
use crate::Provider;
use crate::jose::{self, SigningAlg};
use crate::protocol::{ErrorCode, OAuthError};
use crate::security::now;
use crate::sender::RequestContext;
use josekit::jwk::Jwk;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The token endpoint authentication method (§13.3).
pub(crate) const METHOD: &str = "attest_jwt_client_auth";
/// §5.1: the Client Attestation's `typ`.
const ATTESTATION_TYP: &str = "oauth-client-attestation+jwt";
/// §5.2: the PoP's `typ`.
const POP_TYP: &str = "oauth-client-attestation-pop+jwt";

fn invalid(why: impl Into<String>) -> OAuthError {
    OAuthError::new(ErrorCode::InvalidClientAttestation, why)
}

/// Whether the request carries attestation headers at all (then it authenticates this way).
pub(super) fn is_present(context: &RequestContext) -> bool {
    !context.client_attestation.is_empty() || !context.client_attestation_pop.is_empty()
}

/// Authenticates the client instance by its attestation and PoP. `body_client_id` is the
/// request's `client_id` parameter, if it has one (§6.3: it must name the same client).
pub(super) async fn authenticate(
    op: &Provider,
    context: &RequestContext,
    body_client_id: Option<&str>,
) -> Result<(Arc<Client>, AuthMethod), OAuthError> {
    if !op.config().attestation.enabled {
        return Err(OAuthError::invalid_client("attestation-based client authentication is not enabled"));
    }
    // §9 (1): exactly one of each header, each one JWT.
    let (attestation, pop) = match (context.client_attestation.as_slice(), context.client_attestation_pop.as_slice()) {
        ([attestation], [pop]) => (attestation.as_str(), pop.as_str()),
        _ => return Err(invalid("exactly one OAuth-Client-Attestation and one OAuth-Client-Attestation-PoP header")),
    };
    let (client_id, instance_key) = check_attestation(op, attestation)?;
    let claims = check_pop(op, pop, &instance_key, &client_id)?;
    // §9 (13).
    if body_client_id.is_some_and(|id| id != client_id) {
        return Err(invalid("client_id is not the client the attestation is for"));
    }
    let client = op.clients().find(&client_id).await?.ok_or_else(|| OAuthError::invalid_client("client authentication failed"))?;
    if client.token_endpoint_auth_method != METHOD {
        let registered = &client.token_endpoint_auth_method;
        return Err(OAuthError::invalid_client(format!("the client is registered for {registered}, not {METHOD}")));
    }
    check_replay(op, &client_id, &claims).await?;
    Ok((client, AuthMethod::AttestJwtClientAuth))
}

/// The thumbprint of the client instance key of a request that authenticated by attestation,
/// to bind its refresh tokens to (§10.2). Read again from the header `authenticate` verified.
pub(crate) fn instance_key(context: &RequestContext) -> Option<String> {
    let (_, claims) = jose::peek(context.client_attestation.first()?).ok()?;
    crate::keys::thumbprint(claims["cnf"]["jwk"].as_object()?).ok()
}

/// §5.1, §9 (2), (4), (5), (6), (11): a Client Attestation from a trusted attester, current,
/// binding a public key. Returns the `client_id` (`sub`) and the instance key.
fn check_attestation(op: &Provider, attestation: &str) -> Result<(String, Jwk), OAuthError> {
    let (header, _) = jose::peek(attestation).map_err(|_| invalid("the Client Attestation is not a JWT"))?;
    if header["typ"] != ATTESTATION_TYP {
        return Err(invalid(format!("the Client Attestation's typ is not {ATTESTATION_TYP}")));
    }
    // (4), (5): an asymmetric alg and a trusted attester's signature; `exp` not passed.
    let (_, claims) = op.attesters().verify(attestation).map_err(|e| match e {
        super::trusted_issuers::IssuerError::Untrusted(iss) => invalid(format!("the attester {iss:?} is not trusted here")),
        super::trusted_issuers::IssuerError::Invalid(why) => invalid(format!("the Client Attestation {why}")),
    })?;
    let tolerance = op.config().clock_tolerance as i64;
    if claims.get("exp").and_then(Value::as_i64).is_none() {
        return Err(invalid("the Client Attestation has no exp"));
    }
    if claims.get("nbf").and_then(Value::as_i64).is_some_and(|nbf| nbf - tolerance > now()) {
        return Err(invalid("the Client Attestation is not valid yet"));
    }
    let client_id = claims.get("sub").and_then(Value::as_str).ok_or_else(|| invalid("the Client Attestation has no sub"))?;
    // (6): the instance key, public.
    let jwk = claims.get("cnf").and_then(|cnf| cnf.get("jwk")).and_then(Value::as_object);
    let jwk = jwk.ok_or_else(|| invalid("the Client Attestation has no cnf.jwk"))?;
    if !jose::is_public_jwk(jwk) {
        return Err(invalid("the Client Attestation's cnf.jwk is not a public key"));
    }
    let key = Jwk::from_map(jwk.clone()).map_err(|_| invalid("the Client Attestation's cnf.jwk is not a JWK"))?;
    Ok((client_id.to_string(), key))
}

/// §5.2, §9 (3), (4), (7) to (10): a PoP signed by the instance key, for this server, from this
/// client, recent, with the server's challenge where one is required. Returns its claims.
fn check_pop(op: &Provider, pop: &str, instance_key: &Jwk, client_id: &str) -> Result<Map<String, Value>, OAuthError> {
    let (header, _) = jose::peek(pop).map_err(|_| invalid("the Client Attestation PoP is not a JWT"))?;
    if header["typ"] != POP_TYP {
        return Err(invalid(format!("the Client Attestation PoP's typ is not {POP_TYP}")));
    }
    // (4), (7): an asymmetric alg, verified by the instance key.
    let alg: SigningAlg =
        header["alg"].as_str().and_then(|a| a.parse().ok()).ok_or_else(|| invalid("the PoP's alg is not allowed"))?;
    let verifier = alg.verifier(instance_key).map_err(|_| invalid("the instance key cannot verify the PoP's alg"))?;
    let claims = match jose::verify(pop, &*verifier) {
        Ok(Value::Object(claims)) => claims,
        _ => return Err(invalid("the PoP's signature does not verify with the attested key")),
    };
    // §5.2 rule 4: from the client the attestation is for.
    if claims.get("iss").and_then(Value::as_str) != Some(client_id) {
        return Err(invalid("the PoP's iss is not the attested client_id"));
    }
    // (10): for this server.
    let for_us = match claims.get("aud") {
        Some(Value::String(aud)) => aud == op.issuer(),
        Some(Value::Array(auds)) => auds.iter().any(|a| a == op.issuer()),
        _ => false,
    };
    if !for_us {
        return Err(invalid("the PoP's aud is not this server's issuer"));
    }
    if claims.get("jti").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(invalid("the PoP has no jti"));
    }
    // (8): the server's challenge, where it asks for one.
    let challenged = op.config().attestation.require_challenge;
    if challenged && !claims.get("challenge").and_then(Value::as_str).is_some_and(|c| op.attestation_challenges().is_current(c)) {
        return Err(OAuthError::new(ErrorCode::UseAttestationChallenge, "the PoP must carry a current challenge"));
    }
    // (9): recent, by its iat, or by the challenge when there is no iat.
    let (tolerance, lifetime) = (op.config().clock_tolerance as i64, op.config().attestation.pop_lifetime as i64);
    match claims.get("iat").and_then(Value::as_i64) {
        Some(iat) if iat - tolerance > now() => return Err(invalid("the PoP was issued in the future")),
        Some(iat) if iat + lifetime < now() => return Err(invalid("the PoP is too old")),
        Some(_) => {}
        None if challenged => {}
        None => return Err(invalid("the PoP has no iat")),
    }
    if claims.get("nbf").and_then(Value::as_i64).is_some_and(|nbf| nbf - tolerance > now()) {
        return Err(invalid("the PoP is not valid yet"));
    }
    if claims.get("exp").and_then(Value::as_i64).is_some_and(|exp| exp + tolerance < now()) {
        return Err(invalid("the PoP has expired"));
    }
    Ok(claims)
}

/// §9 (12), §12.1: a PoP's `jti` is accepted once within its lifetime, by every instance that
/// shares the storage.
async fn check_replay(op: &Provider, client_id: &str, claims: &Map<String, Value>) -> Result<(), OAuthError> {
    let jti = claims.get("jti").and_then(Value::as_str).unwrap_or_default();
    let mark = format!("attestation-pop:{client_id}:{jti}");
    // Past twice the lifetime (plus the skew) no PoP is accepted anyway, challenge or iat.
    let until = now() + (2 * op.config().attestation.pop_lifetime + op.config().clock_tolerance) as i64;
    match crate::model::first_use_of_jti(op.storage(), &mark, client_id, until).await? {
        true => Ok(()),
        false => Err(invalid("the PoP has been used before (jti replay)")),
    }
}
