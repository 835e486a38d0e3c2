//! FAPI 2.0 Security Profile (Final, §5.3) and Message Signing (Final), the authorization
//! server's rules, as rules over the configuration, clients and authorization requests.

use super::{AuthorizationView, ClientRule, ClientView, ConfigRule, Rule, Settings};
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

/// What the configuration must keep for Message Signing, besides the Security Profile's rules:
/// signed requests and responses.
pub(super) const CONFIG_MESSAGE_SIGNING: &[ConfigRule] = &[
    ConfigRule { name: "jar.require_signed_request_object", check: signed_requests },
    ConfigRule { name: "jar.max_lifetime", check: request_object_lifetime_limited },
    ConfigRule { name: "jarm.enabled", check: signed_responses },
];

/// §5.3.2.2 (1): "shall support pushed authorization requests" and reject others (§5.3.2.2 (2)).
fn pushed_requests_only(config: &Settings<'_>) -> Result<(), String> {
    (config.par_enabled && config.par_required)
        .then_some(())
        .ok_or_else(|| "par.enabled and par.required must be true (FAPI 2.0 Security Profile 5.3.2.2 (1), (2))".into())
}

/// §5.3.2.2 (4): "shall require PKCE with S256" of every client.
fn pkce_everywhere(config: &Settings<'_>) -> Result<(), String> {
    config.pkce_everywhere
        .then_some(())
        .ok_or_else(|| "must be \"all\" (FAPI 2.0 Security Profile 5.3.2.2 (4))".into())
}

/// §5.3.2.2 (3): "shall only issue authorization codes ... response type code".
fn code_only(config: &Settings<'_>) -> Result<(), String> {
    (config.response_types == ["code"])
        .then_some(())
        .ok_or_else(|| "must be [\"code\"] (FAPI 2.0 Security Profile 5.3.2.2 (3))".into())
}

/// §5.3.2.1 (13): "shall issue authorization codes with a maximum lifetime of 60 seconds".
fn short_lived_codes(config: &Settings<'_>) -> Result<(), String> {
    (config.code_lifetime <= 60)
        .then_some(())
        .ok_or_else(|| "must be at most 60 seconds (FAPI 2.0 Security Profile 5.3.2.1 (13))".into())
}

/// §5.3.2.1 (6): "shall only issue sender-constrained access tokens", by DPoP or mTLS (§5.3.3).
fn sender_constraining_offered(config: &Settings<'_>) -> Result<(), String> {
    let mtls = config.certificate_bound_tokens;
    (config.dpop || mtls)
        .then_some(())
        .ok_or_else(|| "dpop.enabled or mtls.certificate_bound_access_tokens must be true (FAPI 2.0 Security Profile 5.3.2.1 (6))".into())
}

/// §5.3.2.1 (9): no rotation, "unless ... retrying the request (with the previous refresh
/// token) will succeed": rotation only with a grace window.
fn refresh_tokens_survive_a_lost_response(config: &Settings<'_>) -> Result<(), String> {
    (!config.refresh_token_rotation || config.refresh_token_grace > 0)
        .then_some(())
        .ok_or_else(|| "must be false, or ttl.refresh_token_grace above 0 (FAPI 2.0 Security Profile 5.3.2.1 (9))".into())
}

/// The registered method and no other (FAPI 2.0 Security Profile §5.3.2.1 (4), FAPI 1.0
/// Advanced §5.2.2 (14)): no secret stands in for a key.
pub(super) fn strict_client_auth(config: &Settings<'_>) -> Result<(), String> {
    config.strict_client_auth.then_some(()).ok_or_else(|| "must be true (FAPI client authentication)".into())
}

/// §5.4.1: the provider signs with PS256, ES256 or EdDSA only.
fn signing_algs(config: &Settings<'_>) -> Result<(), String> {
    algs_within(config.signing_algs, ALGS, "FAPI 2.0 Security Profile 5.4.1")
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
pub(super) fn fapi_ciphers(config: &Settings<'_>) -> Result<(), String> {
    let Some(ciphers) = config.tls_ciphers else { return Ok(()) };
    match ciphers {
        None => Err(format!("must be set to FAPI's suites: {}", CIPHERS.join(", "))),
        Some(ciphers) => match ciphers.iter().find(|c| !CIPHERS.contains(&c.as_str())) {
            Some(other) => Err(format!("{other} is not a FAPI cipher suite (FAPI 2.0 Security Profile 5.2.2)")),
            None => Ok(()),
        },
    }
}

/// Message Signing §5.3: signed request objects, pushed.
fn signed_requests(config: &Settings<'_>) -> Result<(), String> {
    (config.signed_request_objects && !config.unsigned_request_objects)
        .then_some(())
        .ok_or_else(|| "must be true, with allow_unsigned_request_objects false (FAPI 2.0 Message Signing 5.3)".into())
}

/// Message Signing §5.3.1, after FAPI 1.0 Advanced §5.2.2 (13), (17): `exp` and `nbf` at most
/// 60 minutes apart, `nbf` at most 60 minutes old.
fn request_object_lifetime_limited(config: &Settings<'_>) -> Result<(), String> {
    let clause = "FAPI 2.0 Message Signing 5.3.1";
    at_most_an_hour(config.request_object_max_lifetime, clause)?;
    at_most_an_hour(config.request_object_max_nbf_age, clause).map_err(|why| format!("jar.max_nbf_age {why}"))
}

/// A request-object limit that is set, at most 3600 seconds (FAPI's 60 minutes).
pub(super) fn at_most_an_hour(limit: Option<u64>, clause: &str) -> Result<(), String> {
    match limit {
        Some(max) if max <= 3600 => Ok(()),
        _ => Err(format!("must be set, at most 3600 ({clause})")),
    }
}

/// Message Signing §5.4: JWT-secured authorization responses.
fn signed_responses(config: &Settings<'_>) -> Result<(), String> {
    config.jarm.then_some(()).ok_or_else(|| "must be true (FAPI 2.0 Message Signing 5.4)".into())
}

/// What a client's metadata must be.
pub(super) const CLIENT: &[ClientRule] = &[authentication_method, response_types, client_algs];

/// §5.3.2.1 (4): `private_key_jwt` or mTLS (`tls_client_auth`, `self_signed_tls_client_auth`).
fn authentication_method(client: &ClientView<'_>) -> Result<(), (&'static str, String)> {
    confidential_asymmetric(client, "FAPI 2.0 Security Profile 5.3.2.1 (4)")
}

/// One of the asymmetric client authentication methods FAPI allows.
pub(super) fn confidential_asymmetric(client: &ClientView<'_>, clause: &str) -> Result<(), (&'static str, String)> {
    match super::is_fapi_auth_method(client.auth_method) {
        true => Ok(()),
        false => Err((
            "token_endpoint_auth_method",
            format!(
                "{} is not allowed; private_key_jwt, tls_client_auth or self_signed_tls_client_auth ({clause})",
                client.auth_method
            ),
        )),
    }
}

/// §5.3.2.2 (3): the code flow only.
fn response_types(client: &ClientView<'_>) -> Result<(), (&'static str, String)> {
    match client.response_types.iter().find(|rt| rt.as_str() != "code") {
        Some(other) => Err(("response_types", format!("{other} is not allowed (FAPI 2.0 Security Profile 5.3.2.2 (3))"))),
        None => Ok(()),
    }
}

/// §5.4.1: every alg the client registered is PS256, ES256 or EdDSA.
fn client_algs(client: &ClientView<'_>) -> Result<(), (&'static str, String)> {
    registered_algs_within(client, ALGS, "FAPI 2.0 Security Profile 5.4.1")
}

/// The algs a client registered for its ID tokens, request objects, assertions, introspection
/// (RFC 9701) and JARM responses are each in `allowed`.
pub(super) fn registered_algs_within(
    client: &ClientView<'_>,
    allowed: &[&str],
    clause: &str,
) -> Result<(), (&'static str, String)> {
    match client.algs.iter().find(|(_, alg)| !allowed.contains(alg)) {
        Some((field, alg)) => Err((field, format!("{alg} is not allowed; only {} ({clause})", allowed.join(", ")))),
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
