//! OpenID Provider metadata (OIDC Discovery §3) and OAuth 2.0 AS metadata (RFC 8414 §2),
//! computed once from what this provider actually does.

use crate::Provider;
use crate::accounts::supported_claims;
use crate::authorization::SUPPORTED_SCOPES;
use crate::clients::{GRANT_TYPES, auth_methods};
use crate::jose::encrypt::{CONTENT_ENCS, KEY_ALGS};
use crate::protocol::{ResponseMode, ResponseType, grant_type};
use rocket::http::ContentType;
use rocket::{Route, State, get, routes as rocket_routes};
use serde_json::{Value, json};

/// The routes.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![openid_configuration, oauth_authorization_server]
}

/// Builds the metadata document.
/// The algorithms clients may sign with, narrowed by the FAPI profile if one is configured.
fn client_algs(op: &Provider) -> Vec<&'static str> {
    crate::fapi::client_algs(op.config().fapi.profile, &crate::jose::CLIENT_ALGS)
}

pub(crate) fn document(op: &Provider) -> Value {
    let mut doc = core_document(op);
    if cfg!(feature = "jar") {
        doc["require_request_uri_registration"] = false.into();
        if op.config().jar.require_signed_request_object {
            // RFC 9101 §10.5 (absent means false).
            doc["require_signed_request_object"] = true.into();
        }
        // `none` only where unsigned objects are accepted; a FAPI profile narrows the rest.
        let unsigned = op.config().allow_unsigned_request_objects.then_some("none");
        doc["request_object_signing_alg_values_supported"] =
            unsigned.into_iter().chain(client_algs(op)).collect::<Vec<_>>().into();
        let keys = op.keys();
        let encryption_algs = keys.encryption_algs();
        if !encryption_algs.is_empty() {
            // OIDC Discovery §3: request objects may be encrypted to the provider's `enc` keys.
            doc["request_object_encryption_alg_values_supported"] = encryption_algs.into();
            doc["request_object_encryption_enc_values_supported"] = CONTENT_ENCS.into();
        }
    }
    if cfg!(feature = "device-flow") {
        doc["device_authorization_endpoint"] = op.endpoint("/device_authorization").into();
    }
    if cfg!(feature = "registration") && op.config().registration.enabled {
        doc["registration_endpoint"] = op.endpoint("/register").into();
    }
    if cfg!(feature = "par") && op.config().par.enabled {
        // RFC 9126 §5.
        doc["pushed_authorization_request_endpoint"] = op.endpoint("/par").into();
        doc["require_pushed_authorization_requests"] = op.config().par.required.into();
    }
    if cfg!(feature = "jarm") && op.config().jarm.enabled {
        // JARM §4: the modes, and what a response JWT may be signed and encrypted with.
        let modes = crate::protocol::ResponseMode::PLAIN.iter().chain(&crate::protocol::ResponseMode::JWT);
        let mut names: Vec<&str> = modes.map(|m| m.as_str()).collect();
        names.push("jwt");
        doc["response_modes_supported"] = names.into();
        doc["authorization_signing_alg_values_supported"] = doc["id_token_signing_alg_values_supported"].clone();
        doc["authorization_encryption_alg_values_supported"] = doc["id_token_encryption_alg_values_supported"].clone();
        doc["authorization_encryption_enc_values_supported"] = doc["id_token_encryption_enc_values_supported"].clone();
    }
    #[cfg(feature = "dpop")]
    if op.config().dpop.enabled {
        // RFC 9449 §5.1.
        doc["dpop_signing_alg_values_supported"] = crate::sender::dpop::offered_algs(op).into();
    }
    #[cfg(feature = "ciba")]
    if op.config().ciba.enabled {
        // CIBA Core §4: the endpoint, the modes, and the algs of signed requests (asymmetric only).
        let ciba = &op.config().ciba;
        doc["backchannel_authentication_endpoint"] = op.endpoint("/backchannel").into();
        doc["backchannel_token_delivery_modes_supported"] =
            ciba.delivery_modes.iter().map(|m| m.as_str()).collect::<Vec<_>>().into();
        let asymmetric = client_algs(op).into_iter().filter(|alg| !crate::jose::is_hmac(alg)).collect::<Vec<_>>();
        doc["backchannel_authentication_request_signing_alg_values_supported"] = asymmetric.into();
        doc["backchannel_user_code_parameter_supported"] = ciba.user_code_supported.into();
    }
    #[cfg(feature = "mtls")]
    if op.config().mtls.enabled {
        // RFC 8705 §3.3 and §5.
        doc["tls_client_certificate_bound_access_tokens"] = op.config().mtls.certificate_bound_access_tokens.into();
        if let Some(aliases) = mtls_endpoint_aliases(op, &doc) {
            doc["mtls_endpoint_aliases"] = aliases;
        }
    }
    #[cfg(feature = "attestation")]
    if op.config().attestation.enabled && op.config().attestation.require_challenge {
        // Attestation-based client auth §8.
        doc["challenge_endpoint"] = op.endpoint("/challenge").into();
    }
    #[cfg(feature = "rar")]
    if op.config().rar.enabled {
        // RFC 9396 §10.1.
        doc["authorization_details_types_supported"] = op.details_types().names().into();
    }
    if cfg!(feature = "logout") && op.config().logout.enabled {
        // RP-Initiated Logout 1.0 §2.1, Back-Channel Logout 1.0 §2.1, Front-Channel Logout 1.0 §3.
        doc["end_session_endpoint"] = op.endpoint("/session/end").into();
        doc["backchannel_logout_supported"] = true.into();
        doc["backchannel_logout_session_supported"] = true.into();
        doc["frontchannel_logout_supported"] = true.into();
        doc["frontchannel_logout_session_supported"] = true.into();
    }
    doc
}

/// RFC 8705 §5: the endpoints a client may present its certificate to, at the alias origin.
#[cfg(feature = "mtls")]
fn mtls_endpoint_aliases(op: &Provider, doc: &Value) -> Option<Value> {
    op.config().mtls.endpoint_aliases.as_ref()?;
    let names = [
        "token_endpoint",
        "revocation_endpoint",
        "introspection_endpoint",
        "userinfo_endpoint",
        "device_authorization_endpoint",
        "pushed_authorization_request_endpoint",
        "backchannel_authentication_endpoint",
    ];
    let aliases: serde_json::Map<String, Value> = names
        .into_iter()
        .filter_map(|name| {
            Some((name.to_string(), op.mtls_alias(doc[name].as_str()?)?.into()))
        })
        .collect();
    Some(aliases.into())
}

/// What every build serves.
fn core_document(op: &Provider) -> Value {
    let algs: Vec<&str> = op.keys().algs().iter().map(|a| a.as_str()).collect();
    let auth_methods = auth_methods(op.config());
    json!({
        "issuer": op.issuer(),
        "authorization_endpoint": op.endpoint("/authorize"),
        "token_endpoint": op.endpoint("/token"),
        "userinfo_endpoint": op.endpoint("/userinfo"),
        "introspection_endpoint": op.endpoint("/introspect"),
        "revocation_endpoint": op.endpoint("/revoke"),

        "jwks_uri": op.endpoint("/jwks"),
        "scopes_supported": scopes(op),
        "response_types_supported": &op.config().response_types,
        "response_modes_supported": ResponseMode::PLAIN.map(ResponseMode::as_str),
        "grant_types_supported": grant_types(op),
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": algs,
        "id_token_encryption_alg_values_supported": KEY_ALGS,
        "id_token_encryption_enc_values_supported": CONTENT_ENCS,
        "userinfo_signing_alg_values_supported": algs,
        "userinfo_encryption_alg_values_supported": KEY_ALGS,
        "userinfo_encryption_enc_values_supported": CONTENT_ENCS,
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": client_algs(op),
        // Public clients cannot introspect (RFC 7662 §2.1) but may revoke their own tokens.
        "introspection_endpoint_auth_methods_supported": auth_methods.iter().filter(|m| **m != "none").collect::<Vec<_>>(),
        "introspection_endpoint_auth_signing_alg_values_supported": client_algs(op),
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_signing_alg_values_supported": client_algs(op),
        "introspection_signing_alg_values_supported": algs,
        "introspection_encryption_alg_values_supported": KEY_ALGS,
        "introspection_encryption_enc_values_supported": CONTENT_ENCS,
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": supported_claims().into_iter().chain(
            ["iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "azp", "sid", "at_hash"]
        ).collect::<Vec<_>>(),
        "claim_types_supported": ["normal"],
        "acr_values_supported": [op.config().acr],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        // OIDC Discovery §3: the languages of the built-in pages (`ui_locales` picks one).
        "ui_locales_supported": op.ui_locales_supported(),
        "claims_parameter_supported": true,
        "request_parameter_supported": cfg!(feature = "jar"),
        "request_uri_parameter_supported": cfg!(feature = "jar"),
        "authorization_response_iss_parameter_supported": true,
    })
}

/// The OpenID scopes, then every resource server's.
fn scopes(op: &Provider) -> Vec<&str> {
    let mut scopes: Vec<&str> = SUPPORTED_SCOPES.to_vec();
    for scope in op.config().resource_servers.iter().flat_map(|rs| &rs.scopes) {
        if !scopes.contains(&scope.as_str()) {
            scopes.push(scope);
        }
    }
    scopes
}

/// The token endpoint's grants, plus `implicit` when a front-channel token is served.
fn grant_types(op: &Provider) -> Vec<&'static str> {
    let implicit = op.config().response_types.iter().filter_map(|r| ResponseType::parse(r)).any(|r| r.returns_tokens());
    GRANT_TYPES
        .iter()
        .copied()
        .filter(|grant| *grant != grant_type::CIBA || cfg!(feature = "ciba") && op.config().ciba.enabled)
        .chain(implicit.then_some(grant_type::IMPLICIT))
        .collect()
}

// The document is served from the bytes made once, without a copy per request.
#[get("/.well-known/openid-configuration")]
fn openid_configuration(op: &State<Provider>) -> (ContentType, &str) {
    (ContentType::JSON, op.discovery_json())
}

#[get("/.well-known/oauth-authorization-server")]
fn oauth_authorization_server(op: &State<Provider>) -> (ContentType, &str) {
    (ContentType::JSON, op.discovery_json())
}

/// Where RFC 8414 §3.1 puts the metadata of an issuer with a path: the well-known suffix goes
/// between the host and the path (`/.well-known/oauth-authorization-server/op` for
/// `https://id.example/op`). `None` for an issuer at the root, whose metadata `routes` serves.
pub(crate) fn path_inserted_base(op: &Provider) -> Option<String> {
    let path = op.base_path();
    (!path.is_empty()).then(|| format!("/.well-known/oauth-authorization-server{path}"))
}

/// The route to mount at [`path_inserted_base`].
pub(crate) fn path_inserted_routes() -> Vec<Route> {
    rocket_routes![path_inserted]
}

#[get("/")]
fn path_inserted(op: &State<Provider>) -> (ContentType, &str) {
    (ContentType::JSON, op.discovery_json())
}
