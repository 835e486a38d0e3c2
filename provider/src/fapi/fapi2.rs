//! FAPI 2.0 Security Profile (Final, §5.3) and Message Signing (Final), the authorization
//! server's rules, as rules over the configuration, clients and authorization requests.

use super::{AuthorizationView, ConfigRule, Rule};
use crate::clients::Client;
use crate::config::{Config, PkceRequired};
use crate::protocol::ErrorCode;

/// Security Profile §5.4.1: "shall use PS256, ES256 or EdDSA (using the Ed25519 variant)".
pub(super) const ALGS: &[&str] = &["PS256", "ES256", "EdDSA"];

/// The TLS 1.2 suites FAPI allows (FAPI 1.0 Advanced §8.5, FAPI 2.0 Security Profile §5.2.2,
/// after RFC 9325 §4.2), and TLS 1.3's AES-GCM suites.
pub(crate) const CIPHERS: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
];

/// What the configuration must keep, for the Security Profile.
pub(super) const CONFIG_SECURITY_PROFILE: &[ConfigRule] = &[
    ConfigRule { name: "par.required", check: pushed_requests_only },
    ConfigRule { name: "pkce.required", check: pkce_everywhere },
    ConfigRule { name: "response_types", check: code_only },
    ConfigRule { name: "ttl.authorization_code", check: short_lived_codes },
    ConfigRule { name: "dpop.enabled", check: sender_constraining_offered },
    ConfigRule { name: "refresh_token_rotation", check: refresh_tokens_survive_a_lost_response },
    ConfigRule { name: "strict_client_auth_method", check: strict_client_auth },
    ConfigRule { name: "keys.signing_algs", check: signing_algs },
    ConfigRule { name: "tls.ciphers", check: fapi_ciphers },
];

/// What the configuration must keep, for Message Signing: the Security Profile's rules and
/// signed requests and responses.
pub(super) const CONFIG_MESSAGE_SIGNING: &[ConfigRule] = &[
    ConfigRule { name: "par.required", check: pushed_requests_only },
    ConfigRule { name: "pkce.required", check: pkce_everywhere },
    ConfigRule { name: "response_types", check: code_only },
    ConfigRule { name: "ttl.authorization_code", check: short_lived_codes },
    ConfigRule { name: "dpop.enabled", check: sender_constraining_offered },
    ConfigRule { name: "refresh_token_rotation", check: refresh_tokens_survive_a_lost_response },
    ConfigRule { name: "strict_client_auth_method", check: strict_client_auth },
    ConfigRule { name: "keys.signing_algs", check: signing_algs },
    ConfigRule { name: "tls.ciphers", check: fapi_ciphers },
    ConfigRule { name: "jar.require_signed_request_object", check: signed_requests },
    ConfigRule { name: "jar.max_lifetime", check: request_object_lifetime_limited },
    ConfigRule { name: "jarm.enabled", check: signed_responses },
];

/// §5.3.2.2 (1): "shall support pushed authorization requests" and reject others (§5.3.2.2 (2)).
fn pushed_requests_only(config: &Config) -> Result<(), String> {
    (config.par.enabled && config.par.required)
        .then_some(())
        .ok_or_else(|| "par.enabled and par.required must be true (FAPI 2.0 Security Profile 5.3.2.2 (1), (2))".into())
}

/// §5.3.2.2 (4): "shall require PKCE with S256" of every client.
fn pkce_everywhere(config: &Config) -> Result<(), String> {
    (config.pkce.required == PkceRequired::All)
        .then_some(())
        .ok_or_else(|| "must be \"all\" (FAPI 2.0 Security Profile 5.3.2.2 (4))".into())
}

/// §5.3.2.2 (3): "shall only issue authorization codes ... response type code".
fn code_only(config: &Config) -> Result<(), String> {
    (config.response_types == ["code"])
        .then_some(())
        .ok_or_else(|| "must be [\"code\"] (FAPI 2.0 Security Profile 5.3.2.2 (3))".into())
}

/// §5.3.2.1 (13): "shall issue authorization codes with a maximum lifetime of 60 seconds".
fn short_lived_codes(config: &Config) -> Result<(), String> {
    (config.ttl.authorization_code <= 60)
        .then_some(())
        .ok_or_else(|| "must be at most 60 seconds (FAPI 2.0 Security Profile 5.3.2.1 (13))".into())
}

/// §5.3.2.1 (6): "shall only issue sender-constrained access tokens", by DPoP or mTLS (§5.3.3).
fn sender_constraining_offered(config: &Config) -> Result<(), String> {
    let mtls = config.mtls.enabled && config.mtls.certificate_bound_access_tokens;
    (config.dpop.enabled || mtls)
        .then_some(())
        .ok_or_else(|| "dpop.enabled or mtls.certificate_bound_access_tokens must be true (FAPI 2.0 Security Profile 5.3.2.1 (6))".into())
}

/// §5.3.2.1 (9): no rotation, "unless ... retrying the request (with the previous refresh
/// token) will succeed": rotation only with a grace window.
fn refresh_tokens_survive_a_lost_response(config: &Config) -> Result<(), String> {
    (!config.refresh_token_rotation || config.ttl.refresh_token_grace > 0)
        .then_some(())
        .ok_or_else(|| "must be false, or ttl.refresh_token_grace above 0 (FAPI 2.0 Security Profile 5.3.2.1 (9))".into())
}

/// The registered method and no other (FAPI 2.0 Security Profile §5.3.2.1 (4), FAPI 1.0
/// Advanced §5.2.2 (14)): no secret stands in for a key.
pub(super) fn strict_client_auth(config: &Config) -> Result<(), String> {
    config.strict_client_auth_method.then_some(()).ok_or_else(|| "must be true (FAPI client authentication)".into())
}

/// §5.4.1: the provider signs with PS256, ES256 or EdDSA only.
fn signing_algs(config: &Config) -> Result<(), String> {
    algs_within(&config.keys.signing_algs, ALGS, "FAPI 2.0 Security Profile 5.4.1")
}

/// Every one of `algs` is in `allowed`, and there is one.
pub(super) fn algs_within(algs: &[String], allowed: &[&str], clause: &str) -> Result<(), String> {
    match algs.iter().find(|alg| !allowed.contains(&alg.as_str())) {
        Some(alg) => Err(format!("{alg} is not allowed; only {} ({clause})", allowed.join(", "))),
        None if algs.is_empty() => Err(format!("must name one of {} ({clause})", allowed.join(", "))),
        None => Ok(()),
    }
}

/// The provider's own TLS offers only the FAPI suites (§5.2.2; FAPI 1.0 Advanced §8.5). Behind
/// a TLS-terminating proxy (no `[tls]`) the proxy is configured instead.
pub(super) fn fapi_ciphers(config: &Config) -> Result<(), String> {
    let Some(tls) = &config.tls else { return Ok(()) };
    match &tls.ciphers {
        None => Err(format!("must be set to FAPI's suites: {}", CIPHERS.join(", "))),
        Some(ciphers) => match ciphers.iter().find(|c| !CIPHERS.contains(&c.as_str())) {
            Some(other) => Err(format!("{other} is not a FAPI cipher suite (FAPI 2.0 Security Profile 5.2.2)")),
            None => Ok(()),
        },
    }
}

/// Message Signing §5.3: signed request objects, pushed.
fn signed_requests(config: &Config) -> Result<(), String> {
    (config.jar.require_signed_request_object && !config.allow_unsigned_request_objects)
        .then_some(())
        .ok_or_else(|| "must be true, with allow_unsigned_request_objects false (FAPI 2.0 Message Signing 5.3)".into())
}

/// Message Signing §5.3.1, after FAPI 1.0 Advanced §5.2.2 (13), (17): `exp` and `nbf` at most
/// 60 minutes apart, `nbf` at most 60 minutes old.
fn request_object_lifetime_limited(config: &Config) -> Result<(), String> {
    match (config.jar.max_lifetime, config.jar.max_nbf_age) {
        (Some(lifetime), Some(age)) if lifetime <= 3600 && age <= 3600 => Ok(()),
        _ => Err("jar.max_lifetime and jar.max_nbf_age must be set, at most 3600 (FAPI 2.0 Message Signing 5.3.1)".into()),
    }
}

/// Message Signing §5.4: JWT-secured authorization responses.
fn signed_responses(config: &Config) -> Result<(), String> {
    config.jarm.enabled.then_some(()).ok_or_else(|| "must be true (FAPI 2.0 Message Signing 5.4)".into())
}

/// What a client's metadata must be, each rule named by the field it reads.
pub(super) const CLIENT: &[Rule<Client>] = &[
    Rule { name: "token_endpoint_auth_method", check: authentication_method, error: ErrorCode::InvalidRequest },
    Rule { name: "response_types", check: response_types, error: ErrorCode::InvalidRequest },
    Rule { name: "id_token_signed_response_alg", check: client_algs, error: ErrorCode::InvalidRequest },
];

/// §5.3.2.1 (4): `private_key_jwt` or mTLS (`tls_client_auth`, `self_signed_tls_client_auth`).
fn authentication_method(client: &Client) -> Result<(), String> {
    confidential_asymmetric(client, "FAPI 2.0 Security Profile 5.3.2.1 (4)")
}

/// One of the asymmetric client authentication methods FAPI allows.
pub(super) fn confidential_asymmetric(client: &Client, clause: &str) -> Result<(), String> {
    let method = client.token_endpoint_auth_method.as_str();
    match super::allows_auth_method(crate::config::FapiProfile::Fapi2SecurityProfile, method) {
        true => Ok(()),
        false => Err(format!(
            "{method} is not allowed; private_key_jwt, tls_client_auth or self_signed_tls_client_auth ({clause})"
        )),
    }
}

/// §5.3.2.2 (3): the code flow only.
fn response_types(client: &Client) -> Result<(), String> {
    match client.response_types.iter().find(|rt| rt.as_str() != "code") {
        Some(other) => Err(format!("{other} is not allowed (FAPI 2.0 Security Profile 5.3.2.2 (3))")),
        None => Ok(()),
    }
}

/// §5.4.1: every alg the client registered is PS256, ES256 or EdDSA.
fn client_algs(client: &Client) -> Result<(), String> {
    registered_algs_within(client, ALGS, "FAPI 2.0 Security Profile 5.4.1")
}

/// The algs a client registered for its ID tokens, request objects, assertions, introspection
/// (RFC 9701) and JARM responses are each in `allowed`.
pub(super) fn registered_algs_within(client: &Client, allowed: &[&str], clause: &str) -> Result<(), String> {
    let jarm = client.extra.get("authorization_signed_response_alg").and_then(|v| v.as_str());
    let registered = [
        Some(client.id_token_signed_response_alg.as_str()),
        client.request_object_signing_alg.as_deref(),
        client.token_endpoint_auth_signing_alg.as_deref(),
        client.introspection_signed_response_alg.as_deref(),
        jarm,
    ];
    match registered.into_iter().flatten().find(|alg| !allowed.contains(alg)) {
        Some(alg) => Err(format!("{alg} is not allowed; only {} ({clause})", allowed.join(", "))),
        None => Ok(()),
    }
}

/// What an authorization request must be; pushed requests only and PKCE come from the
/// configuration (`par.required`, `pkce.required`).
pub(super) const AUTHORIZATION: &[Rule<AuthorizationView>] = &[
    Rule { name: "FAPI 2.0 Security Profile 5.3.2.2 (11)", check: redirect_uri_pushed, error: ErrorCode::InvalidRequest },
];

/// "shall require the redirect_uri parameter in pushed authorization requests".
fn redirect_uri_pushed(request: &AuthorizationView) -> Result<(), String> {
    (!request.pushed || request.redirect_uri).then_some(()).ok_or_else(|| "redirect_uri is required".into())
}

/// §5.3.2.1 (8) (RFC 7523 as updated by RFC 9700's audience advice): a client assertion's
/// `aud` is the issuer, as a string, and nothing else.
pub(super) fn assertion_audience(aud: &serde_json::Value, issuer: &str) -> bool {
    aud.as_str() == Some(issuer)
}
