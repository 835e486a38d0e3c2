//! FAPI 1.0 Advanced (Final), the authorization server's rules (§5.2.2), as rules over the
//! configuration, clients and authorization requests.

use super::{AuthorizationView, ClientRule, ClientView, ConfigRule, Rule, Settings};
use crate::protocol::ErrorCode;

/// §8.6: "shall use PS256 or ES256 algorithms".
pub(super) const ALGS: &[&str] = &["PS256", "ES256"];

/// What the configuration must keep.
pub(super) const CONFIG: &[ConfigRule] = &[
    ConfigRule { name: "jar.require_signed_request_object", check: signed_request_objects_required },
    ConfigRule { name: "allow_unsigned_request_objects", check: unsigned_request_objects_refused },
    ConfigRule { name: "jar.max_lifetime", check: request_object_lifetime_limited },
    ConfigRule { name: "jar.max_nbf_age", check: request_object_nbf_age_limited },
    ConfigRule { name: "mtls.certificate_bound_access_tokens", check: certificate_bound_tokens },
    ConfigRule { name: "strict_client_auth_method", check: super::fapi2::strict_client_auth },
    ConfigRule { name: "keys.signing_algs", check: signing_algs },
    ConfigRule { name: "tls.ciphers", check: super::fapi2::fapi_ciphers },
];

/// What a configuration serving CIBA must keep (FAPI-CIBA §5.2.2, on FAPI 1.0 Advanced).
pub(super) const CONFIG_CIBA: &[ConfigRule] = &[
    ConfigRule { name: "ciba.delivery_modes", check: ciba_modes },
    ConfigRule { name: "ciba.require_signed_request", check: ciba_signed_requests },
];

/// FAPI-CIBA §5.2.2 (3), (4): no push mode; poll mode supported.
fn ciba_modes(config: &Settings<'_>) -> Result<(), String> {
    match config.ciba {
        Some(ciba) if ciba.push => Err("must not offer push (FAPI-CIBA 5.2.2 (3))".into()),
        Some(ciba) if !ciba.poll => Err("must offer poll (FAPI-CIBA 5.2.2 (4))".into()),
        _ => Ok(()),
    }
}

/// FAPI-CIBA §5.2.2 (6): backchannel requests are signed (CIBA Core §7.1.1).
fn ciba_signed_requests(config: &Settings<'_>) -> Result<(), String> {
    match config.ciba {
        Some(ciba) if !ciba.signed_requests => Err("must be true (FAPI-CIBA 5.2.2 (6))".into()),
        _ => Ok(()),
    }
}

/// §5.2.2 (1): requests come as signed request objects.
fn signed_request_objects_required(config: &Settings<'_>) -> Result<(), String> {
    config.signed_request_objects.then_some(()).ok_or_else(|| "must be true (FAPI 1.0 Advanced 5.2.2 (1))".into())
}

/// §5.2.2 (1): an unsigned (`alg: none`) object is no signed request object.
fn unsigned_request_objects_refused(config: &Settings<'_>) -> Result<(), String> {
    (!config.unsigned_request_objects).then_some(()).ok_or_else(|| "must be false (FAPI 1.0 Advanced 5.2.2 (1))".into())
}

/// §5.2.2 (13): "shall require the request object to contain an exp claim that has a lifetime
/// of no longer than 60 minutes after the nbf claim".
fn request_object_lifetime_limited(config: &Settings<'_>) -> Result<(), String> {
    super::fapi2::at_most_an_hour(config.request_object_max_lifetime, "FAPI 1.0 Advanced 5.2.2 (13)")
}

/// §5.2.2 (17): "shall require the request object to contain an nbf claim that is no longer than
/// 60 minutes in the past".
fn request_object_nbf_age_limited(config: &Settings<'_>) -> Result<(), String> {
    super::fapi2::at_most_an_hour(config.request_object_max_nbf_age, "FAPI 1.0 Advanced 5.2.2 (17)")
}

/// §5.2.2 (5): "shall only issue sender-constrained access tokens", by mTLS (§6.2.1 (1)).
fn certificate_bound_tokens(config: &Settings<'_>) -> Result<(), String> {
    config.certificate_bound_tokens
        .then_some(())
        .ok_or_else(|| "mtls.enabled and mtls.certificate_bound_access_tokens must be true (FAPI 1.0 Advanced 5.2.2 (5))".into())
}

/// §8.6: the provider signs with PS256 or ES256 only.
fn signing_algs(config: &Settings<'_>) -> Result<(), String> {
    super::fapi2::algs_within(config.signing_algs, ALGS, "FAPI 1.0 Advanced 8.6")
}

/// What a client's metadata must be.
pub(super) const CLIENT: &[ClientRule] = &[authentication_method, certificate_bound, response_types, client_algs];

/// §5.2.2 (14): `tls_client_auth`, `self_signed_tls_client_auth` or `private_key_jwt`.
fn authentication_method(client: &ClientView<'_>) -> Result<(), (&'static str, String)> {
    super::fapi2::confidential_asymmetric(client, "FAPI 1.0 Advanced 5.2.2 (14)")
}

/// §5.2.2 (5), §6.2.1 (1): the client's tokens are bound to its certificate.
fn certificate_bound(client: &ClientView<'_>) -> Result<(), (&'static str, String)> {
    match client.certificate_bound {
        true => Ok(()),
        false => Err(("tls_client_certificate_bound_access_tokens", "must be true (FAPI 1.0 Advanced 5.2.2 (5))".into())),
    }
}

/// §5.2.2 (2): `code id_token`, or `code` with JARM.
fn response_types(client: &ClientView<'_>) -> Result<(), (&'static str, String)> {
    match client.response_types.iter().find(|rt| !matches!(rt.as_str(), "code" | "code id_token")) {
        Some(other) => Err(("response_types", format!("{other} is not allowed (FAPI 1.0 Advanced 5.2.2 (2))"))),
        None => Ok(()),
    }
}

/// §8.6: every alg the client registered is PS256 or ES256.
fn client_algs(client: &ClientView<'_>) -> Result<(), (&'static str, String)> {
    super::fapi2::registered_algs_within(client, ALGS, "FAPI 1.0 Advanced 8.6")
}

/// What an authorization request must be, beyond a signed request object (`[jar]`).
pub(super) const AUTHORIZATION: &[Rule<AuthorizationView>] = &[
    Rule { name: "FAPI 1.0 Advanced 5.2.2 (2)", check: code_id_token_or_code, error: ErrorCode::UnsupportedResponseType },
    Rule { name: "FAPI 1.0 Advanced 5.2.2 (2)", check: code_only_with_jarm, error: ErrorCode::InvalidRequest },
    Rule { name: "FAPI 1.0 Advanced 5.2.2 (1), (10)", check: scope_in_request_object, error: ErrorCode::InvalidRequest },
    Rule { name: "FAPI 1.0 Baseline 5.2.2 (9)", check: redirect_uri_given, error: ErrorCode::InvalidRequest },
    Rule { name: "FAPI 1.0 Advanced 5.2.2.2", check: nonce_with_openid, error: ErrorCode::InvalidRequest },
    Rule { name: "FAPI 1.0 Advanced 5.2.2.3", check: state_without_openid, error: ErrorCode::InvalidRequest },
    Rule { name: "FAPI 1.0 Advanced 5.2.2 (18)", check: pkce_with_par, error: ErrorCode::InvalidRequest },
];

/// "shall require the response_type value code id_token, or the response_type value code in
/// conjunction with the response_mode value jwt": no other response type.
fn code_id_token_or_code(request: &AuthorizationView) -> Result<(), String> {
    let rt = request.response_type;
    (rt.code && !rt.token).then_some(()).ok_or_else(|| "response_type must be code id_token, or code with JARM".into())
}

/// ... and `code` alone only with a JWT response mode: the mode is what is wrong then.
fn code_only_with_jarm(request: &AuthorizationView) -> Result<(), String> {
    let code_alone = !request.response_type.id_token;
    (!code_alone || request.response_mode.is_jwt())
        .then_some(())
        .ok_or_else(|| "response_type=code needs response_mode=jwt (JARM)".into())
}

/// Only the signed object's parameters count (§5.2.2 (10)), and it must ask for a scope.
fn scope_in_request_object(request: &AuthorizationView) -> Result<(), String> {
    request.scope.as_deref().filter(|s| !s.trim().is_empty()).map(|_| ()).ok_or_else(|| "the request object has no scope".into())
}

/// "shall require the redirect_uri in the authorization request".
fn redirect_uri_given(request: &AuthorizationView) -> Result<(), String> {
    request.redirect_uri.then_some(()).ok_or_else(|| "redirect_uri is required".into())
}

/// "If the client requests the openid scope, the authorization server shall require the nonce".
fn nonce_with_openid(request: &AuthorizationView) -> Result<(), String> {
    (!request.openid() || request.nonce).then_some(()).ok_or_else(|| "nonce is required with the openid scope".into())
}

/// "If the client does not request the openid scope, the authorization server shall require
/// the state parameter".
fn state_without_openid(request: &AuthorizationView) -> Result<(), String> {
    (request.openid() || request.state).then_some(()).ok_or_else(|| "state is required without the openid scope".into())
}

/// "shall require PKCE with S256 as the code challenge method" for pushed requests.
fn pkce_with_par(request: &AuthorizationView) -> Result<(), String> {
    (!request.pushed || request.code_challenge)
        .then_some(())
        .ok_or_else(|| "a pushed request needs code_challenge (PKCE, S256)".into())
}

/// §5.2.2 and RFC 9126 §2: a client assertion's `aud` may be the issuer, the token endpoint or
/// the PAR endpoint, alone or in an array.
pub(super) fn assertion_audience(aud: &serde_json::Value, issuer: &str, endpoints: &[String]) -> bool {
    let names = |a: &str| a == issuer || endpoints.iter().any(|e| e == a);
    match aud {
        serde_json::Value::String(a) => names(a),
        serde_json::Value::Array(auds) => auds.iter().filter_map(|a| a.as_str()).any(names),
        _ => false,
    }
}
