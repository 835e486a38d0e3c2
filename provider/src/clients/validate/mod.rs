//! Validation of client metadata (RFC 7591 §2, OIDC Registration §2): a list of named checks,
//! run in order, the first problem naming the field.

use super::metadata::{AUTH_METHODS, Client, ClientError, GRANT_TYPES};
use crate::config::DeliveryMode;
use crate::jose::SigningAlg;
use crate::protocol::grant_type;

/// What one check found wrong: the field, and why.
type Problem = (String, String);

/// A check of one concern of the metadata.
type Check = fn(&Client, &[SigningAlg]) -> Result<(), Problem>;

/// The checks, in the order their problems are reported.
const CHECKS: [Check; 10] = [
    client_id,
    authentication,
    response_protection,
    request_objects,
    grants_and_response_types,
    redirect_uris,
    logout_uris,
    backchannel,
    id_token_alg,
    other_fields,
];

/// A problem with `field`.
fn problem(field: &str, message: impl Into<String>) -> Result<(), Problem> {
    Err((field.into(), message.into()))
}

impl Client {
    /// Validates the metadata, returning the client if it is consistent. `signing_algs` are the
    /// algorithms the provider has keys for.
    pub fn validated(mut self, signing_algs: &[SigningAlg]) -> Result<Self, ClientError> {
        self.response_types = effective_response_types(&self);
        for check in CHECKS {
            check(&self, signing_algs)
                .map_err(|(field, message)| ClientError::new(&self.client_id, &field, message))?;
        }
        Ok(self)
    }
}

/// The `tls_client_auth_*` members the client registered.
fn tls_client_auth_names(client: &Client) -> Vec<&'static str> {
    [
        ("tls_client_auth_subject_dn", &client.tls_client_auth_subject_dn),
        ("tls_client_auth_san_dns", &client.tls_client_auth_san_dns),
        ("tls_client_auth_san_uri", &client.tls_client_auth_san_uri),
        ("tls_client_auth_san_ip", &client.tls_client_auth_san_ip),
        ("tls_client_auth_san_email", &client.tls_client_auth_san_email),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.is_some().then_some(name))
    .collect()
}

/// RFC 7591 §2: left out, the response types default to "code", which a client without the
/// authorization_code grant (a client_credentials-only service, say) cannot use.
fn effective_response_types(client: &Client) -> Vec<String> {
    match &client.registered_response_types {
        Some(given) => given.clone(),
        None if client.allows_grant("authorization_code") => vec!["code".into()],
        None => vec![],
    }
}

fn client_id(client: &Client, _: &[SigningAlg]) -> Result<(), Problem> {
    if client.client_id.is_empty() {
        return problem("client_id", "must not be empty");
    }
    Ok(())
}

/// The token endpoint auth method, and the secret or keys it needs.
fn authentication(client: &Client, _: &[SigningAlg]) -> Result<(), Problem> {
    let method = client.token_endpoint_auth_method.as_str();
    if !AUTH_METHODS.contains(&method) {
        let message = format!("{method:?} is not supported; supported: {}", AUTH_METHODS.join(", "));
        return problem("token_endpoint_auth_method", message);
    }
    match &client.client_secret {
        None if method.starts_with("client_secret_") => {
            return problem("client_secret", format!("is required for {method}"));
        }
        Some(secret) if method.starts_with("client_secret_") && secret.len() < 16 => {
            // Allowed (a test setup's choice), but worth a word: short shared secrets can be guessed.
            tracing::warn!(client_id = %client.client_id, "client_secret is shorter than 16 characters");
        }
        _ => {}
    }
    // RFC 7518 §3.2: an HMAC key at least as long as the hash (HS256: 32 bytes).
    if method == "client_secret_jwt" && client.client_secret.as_ref().is_some_and(|s| s.len() < 32) {
        return problem("client_secret", "must be at least 32 characters for client_secret_jwt");
    }
    if client.jwks.is_some() && client.jwks_uri.is_some() {
        return problem("jwks", "jwks and jwks_uri must not both be registered (RFC 7591 §2)");
    }
    if let Some(jwks) = &client.jwks
        && let Err(why) = super::key_sets::check_registered(jwks)
    {
        return problem("jwks", why);
    }
    if matches!(method, "private_key_jwt" | "self_signed_tls_client_auth")
        && client.jwks.is_none()
        && client.jwks_uri.is_none()
    {
        // RFC 8705 §2.2: a self-signed certificate is registered in the client's JWK set (x5c).
        return problem("jwks_uri", format!("{method} needs jwks or jwks_uri"));
    }
    let tls_names = tls_client_auth_names(client);
    if method == "tls_client_auth" && tls_names.len() != 1 {
        // RFC 8705 §2.1.2: "A client using the tls_client_auth authentication method MUST use
        // exactly one of the below metadata parameters".
        return problem(
            "tls_client_auth_subject_dn",
            "tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, \
             tls_client_auth_san_uri, tls_client_auth_san_ip and tls_client_auth_san_email",
        );
    }
    if let Some(ip) = &client.tls_client_auth_san_ip
        && ip.parse::<std::net::IpAddr>().is_err()
    {
        return problem("tls_client_auth_san_ip", format!("{ip:?} is not an IPv4 or IPv6 address"));
    }
    if let Some(alg) = &client.token_endpoint_auth_signing_alg
        && !crate::jose::CLIENT_ALGS.contains(&alg.as_str())
    {
        return problem("token_endpoint_auth_signing_alg", format!("{alg:?} is not supported"));
    }
    Ok(())
}

/// Signed and encrypted userinfo and introspection responses, and encrypted ID tokens.
fn response_protection(client: &Client, signing_algs: &[SigningAlg]) -> Result<(), Problem> {
    for (field, alg) in [
        ("userinfo_signed_response_alg", &client.userinfo_signed_response_alg),
        ("introspection_signed_response_alg", &client.introspection_signed_response_alg),
        ("authorization_signed_response_alg", &client.authorization_signed_response_alg),
    ] {
        if let Some(alg) = alg {
            let parsed: SigningAlg = alg.parse().map_err(|m: String| (field.to_string(), m))?;
            if !signing_algs.contains(&parsed) {
                return problem(field, format!("{alg} has no signing key configured"));
            }
        }
    }
    for (what, alg, enc) in [
        ("id_token", &client.id_token_encrypted_response_alg, &client.id_token_encrypted_response_enc),
        ("userinfo", &client.userinfo_encrypted_response_alg, &client.userinfo_encrypted_response_enc),
        ("introspection", &client.introspection_encrypted_response_alg, &client.introspection_encrypted_response_enc),
        ("authorization", &client.authorization_encrypted_response_alg, &client.authorization_encrypted_response_enc),
    ] {
        encryption(client, what, alg.as_deref(), enc.as_deref())?;
    }
    Ok(())
}

/// OIDC Registration §2: `*_enc` needs `*_alg`; symmetric algs need a secret, the others keys.
fn encryption(client: &Client, what: &str, alg: Option<&str>, enc: Option<&str>) -> Result<(), Problem> {
    use crate::jose::encrypt::{CONTENT_ENCS, KEY_ALGS, is_symmetric};
    let field = |suffix: &str| format!("{what}_encrypted_response_{suffix}");
    let alg = match (alg, enc) {
        (None, None) => return Ok(()),
        (None, Some(_)) => return problem(&field("enc"), format!("needs {}", field("alg"))),
        (Some(alg), _) => alg,
    };
    if !KEY_ALGS.contains(&alg) {
        return problem(&field("alg"), format!("{alg:?} is not supported"));
    }
    if let Some(enc) = enc
        && !CONTENT_ENCS.contains(&enc)
    {
        return problem(&field("enc"), format!("{enc:?} is not supported"));
    }
    if is_symmetric(alg) && client.client_secret.is_none() {
        return problem(&field("alg"), format!("{alg} derives its key from client_secret, which the client lacks"));
    }
    if !is_symmetric(alg) && client.jwks.is_none() && client.jwks_uri.is_none() {
        return problem(&field("alg"), format!("{alg} needs the client's keys (jwks or jwks_uri)"));
    }
    Ok(())
}

/// The request object's alg (`none` allowed) and where `request_uri`s may point.
fn request_objects(client: &Client, _: &[SigningAlg]) -> Result<(), Problem> {
    if let Some(alg) = &client.request_object_signing_alg
        && alg != "none"
        && !crate::jose::CLIENT_ALGS.contains(&alg.as_str())
    {
        return problem("request_object_signing_alg", format!("{alg:?} is not supported"));
    }
    if let Some(uri) = client.request_uris.iter().find(|uri| url::Url::parse(uri).is_err()) {
        return problem("request_uris", format!("{uri:?} is not an absolute URL"));
    }
    Ok(())
}

/// Grant types that exist in builds with their cargo feature.
const GRANT_FEATURES: [(&str, &str); 2] = [(grant_type::DEVICE_CODE, "device-flow"), (grant_type::CIBA, "ciba")];

/// Grant types this build supports, response types, and the two registered consistently.
fn grants_and_response_types(client: &Client, _: &[SigningAlg]) -> Result<(), Problem> {
    for grant in &client.grant_types {
        if GRANT_TYPES.contains(&grant.as_str()) || grant == grant_type::IMPLICIT {
            continue;
        }
        return match GRANT_FEATURES.iter().find(|(known, _)| known == grant) {
            Some((_, feature)) => problem("grant_types", format!("{grant} needs the cargo feature \"{feature}\"")),
            None => problem("grant_types", format!("{grant:?} is not supported")),
        };
    }
    let response_types = client.parsed_response_types().map_err(|m| ("response_types".to_string(), m))?;
    // RFC 7591 §2.1: a code needs authorization_code; a front-channel token needs implicit;
    // and a grant type with no response type using it is a registration mistake.
    for (grant, used) in [
        ("authorization_code", response_types.iter().any(|rt| rt.code)),
        ("implicit", response_types.iter().any(|rt| rt.returns_tokens())),
    ] {
        if used != client.allows_grant(grant) {
            let message =
                format!("{grant} and the response types that use it must be registered together (RFC 7591 §2.1)");
            return problem("grant_types", message);
        }
    }
    if !response_types.is_empty() && client.redirect_uris.is_empty() {
        return problem("redirect_uris", "at least one is required for the authorization endpoint");
    }
    Ok(())
}

/// Every redirect URI well formed; a web client using implicit on https, not localhost.
fn redirect_uris(client: &Client, _: &[SigningAlg]) -> Result<(), Problem> {
    if client.allows_grant("implicit") && client.application_type == "web" {
        // OIDC Registration §2: web clients using implicit register https URIs, not localhost.
        for uri in &client.redirect_uris {
            let url = url::Url::parse(uri).ok();
            let https = url.as_ref().is_some_and(|u| u.scheme() == "https");
            let localhost = url.as_ref().and_then(|u| u.host_str()).is_some_and(|h| h == "localhost");
            if !https || localhost {
                let message = format!("{uri:?}: a web client using implicit must use https and not localhost");
                return problem("redirect_uris", message);
            }
        }
    }
    for uri in &client.redirect_uris {
        well_formed_redirect_uri(uri).or_else(|m| problem("redirect_uris", format!("{uri:?} {m}")))?;
    }
    Ok(())
}

/// RP-Initiated Logout 1.0 §3.1, Back-Channel Logout 1.0 §2.2, Front-Channel Logout 1.0 §2:
/// absolute URIs without a fragment; the back and front channels' are http(s) (the provider
/// POSTs to one, a browser loads the other).
fn logout_uris(client: &Client, _: &[SigningAlg]) -> Result<(), Problem> {
    for uri in &client.post_logout_redirect_uris {
        well_formed_redirect_uri(uri).or_else(|m| problem("post_logout_redirect_uris", format!("{uri:?} {m}")))?;
    }
    let channels = [
        ("backchannel_logout_uri", &client.backchannel_logout_uri),
        ("frontchannel_logout_uri", &client.frontchannel_logout_uri),
    ];
    for (field, uri) in channels {
        let Some(uri) = uri else { continue };
        well_formed_redirect_uri(uri).or_else(|m| problem(field, format!("{uri:?} {m}")))?;
        if !url::Url::parse(uri).is_ok_and(|u| matches!(u.scheme(), "https" | "http")) {
            return problem(field, format!("{uri:?} must be an http or https URL"));
        }
    }
    Ok(())
}

/// CIBA Core §4: a client of the CIBA grant names its delivery mode; ping and push need a
/// notification endpoint (http(s): the fetcher enforces https where configured); a signed
/// request's alg is a real one.
fn backchannel(client: &Client, _: &[SigningAlg]) -> Result<(), Problem> {
    let mode = client.backchannel_token_delivery_mode.as_deref();
    if client.allows_grant(grant_type::CIBA) && mode.is_none() {
        return problem("backchannel_token_delivery_mode", "is required with the CIBA grant");
    }
    let Some(name) = mode else { return Ok(()) };
    let Some(mode) = DeliveryMode::parse(name) else {
        return problem("backchannel_token_delivery_mode", "must be poll, ping or push");
    };
    let endpoint = client.backchannel_client_notification_endpoint.as_deref();
    match endpoint {
        None if mode != DeliveryMode::Poll => {
            return problem("backchannel_client_notification_endpoint", format!("is required in {name} mode"));
        }
        Some(uri) if !url::Url::parse(uri).is_ok_and(|u| matches!(u.scheme(), "https" | "http")) => {
            return problem("backchannel_client_notification_endpoint", "must be an https URL");
        }
        _ => {}
    }
    // CIBA Core §10.3: pushed tokens never pass through a TLS connection of the client's, so
    // they cannot be bound to its certificate.
    if mode == DeliveryMode::Push && client.tls_client_certificate_bound_access_tokens {
        return problem("backchannel_token_delivery_mode", "push cannot deliver certificate-bound access tokens");
    }
    if let Some(alg) = &client.backchannel_authentication_request_signing_alg
        && (alg == "none" || alg.parse::<SigningAlg>().is_err())
    {
        return problem("backchannel_authentication_request_signing_alg", format!("{alg:?} is not a JWS alg here"));
    }
    Ok(())
}

/// OIDC Registration §2 / RFC 6749 §3.1.2: absolute, no fragment.
fn well_formed_redirect_uri(uri: &str) -> Result<(), &'static str> {
    let url = url::Url::parse(uri).map_err(|_| "is not an absolute URI")?;
    if url.fragment().is_some() || uri.contains('#') {
        return Err("must not contain a fragment");
    }
    if url.cannot_be_a_base() && url.scheme() != "urn" {
        return Err("is not a hierarchical URI");
    }
    Ok(())
}

/// The ID token's alg is one the provider has a key for.
fn id_token_alg(client: &Client, signing_algs: &[SigningAlg]) -> Result<(), Problem> {
    let field = "id_token_signed_response_alg";
    let alg: SigningAlg = client.id_token_signed_response_alg.parse().map_err(|m: String| (field.to_string(), m))?;
    if !signing_algs.contains(&alg) {
        return problem(field, format!("{alg} has no signing key configured"));
    }
    Ok(())
}

/// Third-party-initiated login, subject type, sector and application type.
fn other_fields(client: &Client, _: &[SigningAlg]) -> Result<(), Problem> {
    if let Some(uri) = &client.initiate_login_uri
        && !url::Url::parse(uri).is_ok_and(|u| u.scheme() == "https")
    {
        return problem("initiate_login_uri", "must be an https URL (OIDC Registration §2)");
    }
    if !matches!(client.subject_type.as_str(), "public" | "pairwise") {
        return problem("subject_type", "must be public or pairwise");
    }
    // Its scheme is the fetcher's to enforce (https, or http on loopback in development).
    if client.sector_identifier_uri.as_ref().is_some_and(|uri| url::Url::parse(uri).is_err()) {
        return problem("sector_identifier_uri", "must be an absolute URL");
    }
    if !matches!(client.application_type.as_str(), "web" | "native") {
        return problem("application_type", "must be web or native");
    }
    Ok(())
}

#[cfg(test)]
mod tests;
