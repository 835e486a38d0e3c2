//! Request objects (OIDC Core §6): `request` by value and `request_uri` by reference, signed with
//! the client's keys or, where allowed, unsigned. Only their parameters count, besides the
//! `client_id` that names the client (RFC 9101 §6.3); `[jar] merge_outside_parameters` merges the
//! query's in under them instead (OIDC Core §6.3.3).

use crate::Provider;
use crate::clients::{Client, verify_client_jws};
use crate::jose::CLIENT_ALGS;
use crate::protocol::ErrorCode;
use crate::protocol::Params;
use crate::security::now;
use serde_json::Value;

/// A request object problem: the error code and its description.
pub(super) type Problem = (ErrorCode, String);

/// The request's parameters as the request object gives them, or `None` if it has none.
pub(super) async fn resolve(op: &Provider, client: &Client, params: &Params) -> Result<Option<Params>, Problem> {
    let required = op.config().jar.require_signed_request_object || client.require_signed_request_object;
    let jwt = match (params.get("request"), params.get("request_uri")) {
        // RFC 9101 §10.5: where required, a request without one is refused.
        (None, None) if required => {
            return Err((ErrorCode::InvalidRequest, "a signed request object is required".into()));
        }
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err((ErrorCode::InvalidRequest, "request and request_uri cannot both be used".into()));
        }
        (Some(jwt), None) => jwt.to_string(),
        (None, Some(uri)) => fetch(op, client, uri).await?,
    };
    let jwt = decrypt_if_encrypted(op, client, jwt).await?;
    let claims = verify(op, client, &jwt, required, client.request_object_signing_alg.as_deref()).await?;
    check_claims(op, client, params, &claims)?;
    if op.config().jar.single_use_jti {
        check_jti(op, client, &claims).await?;
    }
    let overrides = parameters(&claims);
    let outside = match op.config().jar.merge_outside_parameters {
        true => params.clone(),
        // RFC 9101 §6.3: "The authorization server MUST only use the parameters in the Request
        // Object even if the same parameter is provided in the query parameter".
        false => params.only(&["client_id"]),
    };
    Ok(Some(outside.with_overrides(overrides)))
}

/// The request's parameters in a request object's claims, without the JWT's own.
fn parameters(claims: &Value) -> impl Iterator<Item = (String, String)> + '_ {
    claims
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| {
            !matches!(name.as_str(), "iss" | "aud" | "exp" | "nbf" | "iat" | "jti" | "request" | "request_uri")
        })
        .map(|(name, value)| {
            // Non-string members (max_age, claims, requested_expiry) travel as their JSON text,
            // like in a query.
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (name.clone(), text)
        })
}

/// CIBA Core §7.1.1: a signed authentication request. It is signed (never `none`), with the
/// client's registered `backchannel_authentication_request_signing_alg` if any; it holds `iss`
/// (the client), `aud` (this issuer), `exp`, `iat`, `nbf` and a `jti` used once; only its
/// parameters count. Its problems are the caller's to word (`invalid_request`, CIBA Core §13).
#[cfg(feature = "ciba")]
pub(super) async fn resolve_backchannel(op: &Provider, client: &Client, jwt: &str) -> Result<Params, Problem> {
    let registered = client.backchannel_authentication_request_signing_alg.as_deref();
    let claims = verify(op, client, jwt, true, registered).await?;
    let missing: Vec<&str> =
        ["iss", "aud", "exp", "iat", "nbf", "jti"].into_iter().filter(|name| claims.get(*name).is_none()).collect();
    if !missing.is_empty() {
        return Err((ErrorCode::InvalidRequestObject, format!("the request object lacks {}", missing.join(", "))));
    }
    check_claims(op, client, &Params::default(), &claims)?;
    check_jti(op, client, &claims).await?;
    Ok(Params::default().with_overrides(parameters(&claims)))
}

/// `request_uri`: fetched over https, and only from a registered `request_uris` entry if the
/// client registered any (OIDC Registration §2; the fragment is not part of the match).
async fn fetch(op: &Provider, client: &Client, uri: &str) -> Result<String, Problem> {
    let bad = |why: String| (ErrorCode::InvalidRequestUri, why);
    let without_fragment = uri.split('#').next().unwrap_or(uri);
    if !client.request_uris.is_empty()
        && !client.request_uris.iter().any(|r| r.split('#').next() == Some(without_fragment))
    {
        return Err(bad("request_uri is not registered for this client".into()));
    }
    let body = op.fetcher().get(without_fragment).await.map_err(|e| bad(e.to_string()))?;
    Ok(body.trim().to_string())
}

/// The JWS inside a request object encrypted to one of this provider's keys (OIDC Core §6.1, RFC
/// 9101 §6.1: signed, then encrypted); an unencrypted one as it is. A client that registered
/// `request_object_encryption_alg` uses that alg.
async fn decrypt_if_encrypted(op: &Provider, client: &Client, jwt: String) -> Result<String, Problem> {
    if !crate::jose::is_jwe(&jwt) {
        return Ok(jwt);
    }
    let bad = |why: String| (ErrorCode::InvalidRequestObject, why);
    let header = crate::jose::peek_jwe_header(&jwt).map_err(|e| bad(format!("the request object: {e}")))?;
    let registered = client.extra.get("request_object_encryption_alg").and_then(Value::as_str);
    if let Some(registered) = registered.filter(|r| header["alg"] != *r) {
        return Err(bad(format!("the client encrypts request objects with {registered}")));
    }
    // An RSA decryption costs about as much as an RSA signature: off the async workers.
    let keys = op.keys();
    let plaintext = crate::jose::offload::run(move || keys.decrypt(&jwt))
        .await
        .map_err(|e| (ErrorCode::ServerError, e))?
        .map_err(|e| bad(format!("the request object cannot be decrypted: {e}")))?;
    String::from_utf8(plaintext)
        .map(|inner| inner.trim().to_string())
        .map_err(|_| bad("the encrypted request object does not hold a JWT".into()))
}

/// Checks the type, the signature (or the permission to have none) and returns the claims.
async fn verify(
    op: &Provider,
    client: &Client,
    jwt: &str,
    signed_required: bool,
    registered: Option<&str>,
) -> Result<Value, Problem> {
    let bad = |why: String| (ErrorCode::InvalidRequestObject, why);
    let (header, unverified) =
        crate::jose::peek(jwt).map_err(|e| bad(format!("the request object is not a JWS: {e}")))?;
    // RFC 9101 §10.8: `oauth-authz-req+jwt` (or the generic JWT, or none); a JWT of another
    // kind signed by the client (a DPoP proof, an assertion's own type) is not a request.
    // RFC 7515 §4.1.9: media types compare without regard to case, `application/` optional.
    let typ = header.get("typ").and_then(Value::as_str).map(|t| t.to_ascii_lowercase());
    let typ = typ.as_deref().map(|t| t.strip_prefix("application/").unwrap_or(t));
    if !matches!(typ, None | Some("jwt" | "oauth-authz-req+jwt")) {
        return Err(bad("the request object's typ is not oauth-authz-req+jwt".into()));
    }
    let alg = header["alg"].as_str().unwrap_or_default();
    if signed_required && alg == "none" {
        return Err(bad("the request object must be signed".into()));
    }
    if registered.is_some_and(|r| r != alg) {
        return Err(bad(format!(
            "the client signs request objects with {}, not {alg}",
            registered.unwrap_or_default()
        )));
    }
    if alg == "none" {
        let allowed =
            registered == Some("none") || (registered.is_none() && op.config().allow_unsigned_request_objects);
        let unsigned = jwt.ends_with('.');
        return match (allowed, unsigned) {
            (true, true) => Ok(unverified),
            (true, false) => Err(bad("an unsigned request object must have an empty signature".into())),
            (false, _) => Err(bad("unsigned request objects are not accepted".into())),
        };
    }
    let profile = op.config().fapi.profile;
    let allowed = crate::fapi::client_algs(profile, &registered.map(|r| vec![r]).unwrap_or_else(|| CLIENT_ALGS.to_vec()));
    if !allowed.contains(&alg) {
        return Err(bad(format!("the request object's alg {alg} is not allowed here")));
    }
    verify_client_jws(op, client, jwt, &allowed).await.map_err(|e| bad(format!("the request object: {e}")))
}

/// OIDC Core §6.1 / RFC 9101 §4: the object names this client and this server, and is current.
fn check_claims(op: &Provider, client: &Client, params: &Params, claims: &Value) -> Result<(), Problem> {
    let bad = |why: &str| Err((ErrorCode::InvalidRequestObject, format!("the request object {why}")));
    if !claims.is_object() {
        return bad("is not a JSON object");
    }
    // OIDC Core §6.1, RFC 9101 §4: "The request and request_uri parameters MUST NOT be included".
    if claims.get("request").is_some() || claims.get("request_uri").is_some() {
        return bad("holds request or request_uri");
    }
    for name in ["client_id", "iss"] {
        if claims.get(name).is_some_and(|v| *v != client.client_id.as_str()) {
            return bad(&format!("has a {name} other than the client's"));
        }
    }
    if let (Some(inside), Some(outside)) = (claims["response_type"].as_str(), params.get("response_type"))
        && inside != outside
    {
        return bad("has a response_type other than the request's");
    }
    let audience_ok = match &claims["aud"] {
        Value::Null => true,
        Value::String(aud) => aud == op.issuer(),
        Value::Array(auds) => auds.iter().any(|a| a == op.issuer()),
        _ => false,
    };
    if !audience_ok {
        return bad("is meant for another audience");
    }
    let tolerance = op.config().clock_tolerance as i64;
    if claims["exp"].as_i64().is_some_and(|exp| exp + tolerance < now()) {
        return bad("has expired");
    }
    if claims["nbf"].as_i64().is_some_and(|nbf| nbf - tolerance > now()) {
        return bad("is not valid yet");
    }
    if claims["iat"].as_i64().is_some_and(|iat| iat - tolerance > now()) {
        return bad("was issued in the future");
    }
    check_limits(op, claims).map_err(|why| (ErrorCode::InvalidRequestObject, format!("the request object {why}")))
}

/// `[jar] single_use_jti`: a `jti` is accepted once per client until its object expires, by
/// every instance sharing the storage.
async fn check_jti(op: &Provider, client: &Client, claims: &Value) -> Result<(), Problem> {
    let bad = |why: &str| (ErrorCode::InvalidRequestObject, format!("the request object {why}"));
    let (Some(jti), Some(exp)) = (claims["jti"].as_str(), claims["exp"].as_i64()) else {
        return Err(bad("needs jti and exp"));
    };
    let until = exp + op.config().clock_tolerance as i64;
    let mark = format!("request-object:{}:{jti}", client.client_id);
    match crate::model::first_use_of_jti(op.storage(), &mark, &client.client_id, until).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(bad("has been used before (jti replay)")),
        Err(e) => {
            tracing::error!(error = %e, "request object jti not recorded");
            Err((ErrorCode::ServerError, "the request object could not be checked".into()))
        }
    }
}

/// The profile's limits (`[jar] max_lifetime`, `max_nbf_age`), each requiring the claims it reads.
fn check_limits(op: &Provider, claims: &Value) -> Result<(), String> {
    let jar = &op.config().jar;
    let (exp, nbf) = (claims["exp"].as_i64(), claims["nbf"].as_i64());
    if let Some(max) = jar.max_lifetime {
        let (Some(exp), Some(nbf)) = (exp, nbf) else { return Err("needs exp and nbf".into()) };
        if exp - nbf > max as i64 {
            return Err(format!("is valid for more than {max} seconds (exp - nbf)"));
        }
    }
    if let Some(max) = jar.max_nbf_age {
        let nbf = nbf.ok_or("needs nbf")?;
        if nbf < now() - max as i64 - op.config().clock_tolerance as i64 {
            return Err(format!("has an nbf more than {max} seconds old"));
        }
    }
    Ok(())
}
