//! Client metadata and its validation.

use crate::authorization::ResponseType;
use crate::jose::SigningAlg;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A client's metadata. Field names are RFC 7591 §2 / OIDC Registration §2; unknown fields are
/// kept in `extra` (later capabilities read them) rather than rejected.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Client {
    /// The client identifier.
    pub client_id: String,
    /// The shared secret of confidential clients using `client_secret_*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Registered redirect URIs, matched exactly.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Grant types the client may use.
    #[serde(default = "default_grant_types")]
    pub grant_types: Vec<String>,
    /// Response types as registered; `None` when the registration left them out.
    #[serde(rename = "response_types", default, skip_serializing_if = "Option::is_none")]
    pub registered_response_types: Option<Vec<String>>,
    /// Response types the client may use (the registered ones, or the RFC 7591 default).
    #[serde(skip)]
    pub response_types: Vec<String>,
    /// How the client authenticates at the token endpoint.
    #[serde(default = "default_auth_method")]
    pub token_endpoint_auth_method: String,
    /// The JWS algorithm for ID tokens issued to this client.
    #[serde(default = "default_id_token_alg")]
    pub id_token_signed_response_alg: String,
    /// `web` or `native`.
    #[serde(default = "default_application_type")]
    pub application_type: String,
    /// A human-readable name shown on the consent page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// Registered post-logout redirect URIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Seconds after which a login is too old for this client, when a request has no `max_age`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_max_age: Option<u32>,
    /// Whether ID tokens must carry `auth_time` (they always do here).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_auth_time: bool,
    /// `acr` values asked for by default (voluntary).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_acr_values: Vec<String>,
    /// Where a third party can start this client's login (OIDC Core §4); https only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiate_login_uri: Option<String>,
    /// The client's public keys, inline (RFC 7591 §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<serde_json::Value>,
    /// Where the client publishes its public keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// The JWS alg the client signs its assertions with, if it commits to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_signing_alg: Option<String>,
    /// The JWS alg of signed userinfo responses (absent: plain JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_signed_response_alg: Option<String>,
    /// The JWE key algorithm for ID tokens (absent: not encrypted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_encrypted_response_alg: Option<String>,
    /// The JWE content encryption for ID tokens (default A128CBC-HS256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_encrypted_response_enc: Option<String>,
    /// The JWE key algorithm for userinfo responses (absent: not encrypted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_encrypted_response_alg: Option<String>,
    /// The JWE content encryption for userinfo (default A128CBC-HS256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_encrypted_response_enc: Option<String>,
    /// The JWS alg of JWT introspection responses (RFC 9701); asking for one makes every
    /// introspection response a JWT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_signed_response_alg: Option<String>,
    /// The JWE key algorithm for introspection responses (RFC 9701).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_encrypted_response_alg: Option<String>,
    /// The JWE content encryption for introspection responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_encrypted_response_enc: Option<String>,
    /// The alg of the client's request objects (`none` for unsigned), if it commits to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_object_signing_alg: Option<String>,
    /// Where the client's `request_uri`s may point (OIDC Registration §2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_uris: Vec<String>,
    /// `public` (the default) or `pairwise` subject identifiers (OIDC Core §8).
    #[serde(default = "default_subject_type")]
    pub subject_type: String,
    /// A document listing the redirect URIs of a pairwise client's sector (OIDC Registration §5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector_identifier_uri: Option<String>,
    /// The resolved sector of a pairwise client (set at load).
    #[serde(skip)]
    pub sector: Option<String>,
    /// Space-separated scopes the client may ask for; absent means any supported scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Every other metadata field, kept as given.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn default_grant_types() -> Vec<String> {
    vec!["authorization_code".into()]
}
fn default_auth_method() -> String {
    "client_secret_basic".into()
}
fn default_id_token_alg() -> String {
    "RS256".into()
}
fn default_subject_type() -> String {
    "public".into()
}
fn default_application_type() -> String {
    "web".into()
}

/// A metadata problem, naming the client and the field (RFC 7591 §3.2.2 `invalid_client_metadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientError {
    /// The client.
    pub client_id: String,
    /// The field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl ClientError {
    pub(crate) fn new(client_id: &str, field: &str, message: impl Into<String>) -> Self {
        Self { client_id: client_id.into(), field: field.into(), message: message.into() }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client {:?}: {} {}", self.client_id, self.field, self.message)
    }
}

impl std::error::Error for ClientError {}

/// Authentication methods this build supports at the token endpoint.
pub const AUTH_METHODS: [&str; 5] =
    ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"];
/// Grant types this build supports at the token endpoint (`implicit` exists only at the
/// authorization endpoint, and is published beside these).
pub const GRANT_TYPES: &[&str] = &[
    "authorization_code",
    "refresh_token",
    "client_credentials",
    #[cfg(feature = "device-flow")]
    DEVICE_CODE_GRANT,
];

/// The device code grant type (RFC 8628 §3.4).
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

impl Client {
    /// Validates the metadata, returning the client if it is consistent.
    pub fn validated(mut self, signing_algs: &[SigningAlg]) -> Result<Self, ClientError> {
        // RFC 7591 §2: left out, the response types default to "code", which a client without
        // the authorization_code grant (a client_credentials-only service, say) cannot use.
        self.response_types = match &self.registered_response_types {
            Some(given) => given.clone(),
            None if self.allows_grant("authorization_code") => vec!["code".into()],
            None => vec![],
        };
        let err = |field: &str, message: String| ClientError::new(&self.client_id, field, message);
        if self.client_id.is_empty() {
            return Err(err("client_id", "must not be empty".into()));
        }
        if !AUTH_METHODS.contains(&self.token_endpoint_auth_method.as_str()) {
            return Err(err(
                "token_endpoint_auth_method",
                format!(
                    "{:?} is not supported; supported: {}",
                    self.token_endpoint_auth_method,
                    AUTH_METHODS.join(", ")
                ),
            ));
        }
        let needs_secret = self.token_endpoint_auth_method.starts_with("client_secret_");
        match (&self.client_secret, needs_secret) {
            (None, true) => {
                return Err(err("client_secret", format!("is required for {}", self.token_endpoint_auth_method)));
            }
            (Some(s), true) if s.len() < 16 => {
                // Allowed (a test setup's choice), but worth a word: short shared secrets can be guessed.
                tracing::warn!(client_id = %self.client_id, "client_secret is shorter than 16 characters");
            }
            _ => {}
        }
        if self.token_endpoint_auth_method == "client_secret_jwt"
            && self.client_secret.as_ref().is_some_and(|s| s.len() < 32)
        {
            // RFC 7518 §3.2: an HMAC key at least as long as the hash (HS256: 32 bytes).
            return Err(err("client_secret", "must be at least 32 characters for client_secret_jwt".into()));
        }
        if self.jwks.is_some() && self.jwks_uri.is_some() {
            return Err(err("jwks", "jwks and jwks_uri must not both be registered (RFC 7591 §2)".into()));
        }
        if let Some(jwks) = &self.jwks
            && !jwks["keys"].is_array()
        {
            return Err(err("jwks", "must be a JWK set with a keys array".into()));
        }
        if self.token_endpoint_auth_method == "private_key_jwt" && self.jwks.is_none() && self.jwks_uri.is_none() {
            return Err(err("jwks_uri", "private_key_jwt needs jwks or jwks_uri".into()));
        }
        if let Some(alg) = &self.token_endpoint_auth_signing_alg
            && !crate::jose::CLIENT_ALGS.contains(&alg.as_str())
        {
            return Err(err("token_endpoint_auth_signing_alg", format!("{alg:?} is not supported")));
        }
        for (field, alg) in [
            ("userinfo_signed_response_alg", &self.userinfo_signed_response_alg),
            ("introspection_signed_response_alg", &self.introspection_signed_response_alg),
        ] {
            if let Some(alg) = alg {
                let parsed: SigningAlg = alg.parse().map_err(|m: String| err(field, m))?;
                if !signing_algs.contains(&parsed) {
                    return Err(err(field, format!("{alg} has no signing key configured")));
                }
            }
        }
        for (what, alg, enc) in [
            ("id_token", &self.id_token_encrypted_response_alg, &self.id_token_encrypted_response_enc),
            ("userinfo", &self.userinfo_encrypted_response_alg, &self.userinfo_encrypted_response_enc),
            ("introspection", &self.introspection_encrypted_response_alg, &self.introspection_encrypted_response_enc),
        ] {
            self.check_encryption(what, alg.as_deref(), enc.as_deref()).map_err(|(field, m)| err(&field, m))?;
        }
        if let Some(alg) = &self.request_object_signing_alg
            && alg != "none"
            && !crate::jose::CLIENT_ALGS.contains(&alg.as_str())
        {
            return Err(err("request_object_signing_alg", format!("{alg:?} is not supported")));
        }
        for uri in &self.request_uris {
            if url::Url::parse(uri).is_err() {
                return Err(err("request_uris", format!("{uri:?} is not an absolute URL")));
            }
        }
        for grant in &self.grant_types {
            if grant == DEVICE_CODE_GRANT && !GRANT_TYPES.contains(&grant.as_str()) {
                return Err(err("grant_types", "the device code grant needs the cargo feature \"device-flow\"".into()));
            }
            if !GRANT_TYPES.contains(&grant.as_str()) && grant != "implicit" {
                return Err(err("grant_types", format!("{grant:?} is not supported")));
            }
        }
        let response_types = self.parsed_response_types().map_err(|m| err("response_types", m))?;
        // RFC 7591 §2.1: a code needs authorization_code; a front-channel token needs implicit;
        // and a grant type with no response type using it is a registration mistake.
        for (grant, used) in [
            ("authorization_code", response_types.iter().any(|rt| rt.code)),
            ("implicit", response_types.iter().any(|rt| rt.returns_tokens())),
        ] {
            if used != self.allows_grant(grant) {
                return Err(err(
                    "grant_types",
                    format!("{grant} and the response types that use it must be registered together (RFC 7591 §2.1)"),
                ));
            }
        }
        if !response_types.is_empty() && self.redirect_uris.is_empty() {
            return Err(err("redirect_uris", "at least one is required for the authorization endpoint".into()));
        }
        if self.allows_grant("implicit") && self.application_type == "web" {
            // OIDC Registration §2: web clients using implicit register https URIs, not localhost.
            for uri in &self.redirect_uris {
                let url = url::Url::parse(uri).ok();
                let https = url.as_ref().is_some_and(|u| u.scheme() == "https");
                let localhost = url.as_ref().and_then(|u| u.host_str()).is_some_and(|h| h == "localhost");
                if !https || localhost {
                    return Err(err(
                        "redirect_uris",
                        format!("{uri:?}: a web client using implicit must use https and not localhost"),
                    ));
                }
            }
        }
        for uri in self.redirect_uris.iter().chain(&self.post_logout_redirect_uris) {
            check_redirect_uri(uri).map_err(|m| err("redirect_uris", format!("{uri:?} {m}")))?;
        }
        let alg: SigningAlg =
            self.id_token_signed_response_alg.parse().map_err(|m: String| err("id_token_signed_response_alg", m))?;
        if !signing_algs.contains(&alg) {
            return Err(err("id_token_signed_response_alg", format!("{alg} has no signing key configured")));
        }
        if let Some(uri) = &self.initiate_login_uri
            && !url::Url::parse(uri).is_ok_and(|u| u.scheme() == "https")
        {
            return Err(err("initiate_login_uri", "must be an https URL (OIDC Registration §2)".into()));
        }
        if !matches!(self.subject_type.as_str(), "public" | "pairwise") {
            return Err(err("subject_type", "must be public or pairwise".into()));
        }
        if let Some(uri) = &self.sector_identifier_uri
            && url::Url::parse(uri).is_err()
        {
            // Its scheme is the fetcher's to enforce (https, or http on loopback in development).
            return Err(err("sector_identifier_uri", "must be an absolute URL".into()));
        }
        if !matches!(self.application_type.as_str(), "web" | "native") {
            return Err(err("application_type", "must be web or native".into()));
        }
        Ok(self)
    }

    /// OIDC Registration §2: `*_enc` needs `*_alg`; symmetric algs need a secret, the others keys.
    fn check_encryption(&self, what: &str, alg: Option<&str>, enc: Option<&str>) -> Result<(), (String, String)> {
        use crate::jose::encrypt::{CONTENT_ENCS, KEY_ALGS, is_symmetric};
        let field = |suffix: &str| format!("{what}_encrypted_response_{suffix}");
        match (alg, enc) {
            (None, None) => return Ok(()),
            (None, Some(_)) => return Err((field("enc"), format!("needs {}", field("alg")))),
            _ => {}
        }
        let alg = alg.unwrap_or_default();
        if !KEY_ALGS.contains(&alg) {
            return Err((field("alg"), format!("{alg:?} is not supported")));
        }
        if let Some(enc) = enc
            && !CONTENT_ENCS.contains(&enc)
        {
            return Err((field("enc"), format!("{enc:?} is not supported")));
        }
        if is_symmetric(alg) && self.client_secret.is_none() {
            return Err((field("alg"), format!("{alg} derives its key from client_secret, which the client lacks")));
        }
        if !is_symmetric(alg) && self.jwks.is_none() && self.jwks_uri.is_none() {
            return Err((field("alg"), format!("{alg} needs the client's keys (jwks or jwks_uri)")));
        }
        Ok(())
    }

    /// The registered response types, parsed.
    pub fn parsed_response_types(&self) -> Result<Vec<ResponseType>, String> {
        self.response_types
            .iter()
            .map(|value| ResponseType::parse(value).ok_or_else(|| format!("{value:?} is not supported")))
            .collect()
    }

    /// Whether the client registered this response type (in any member order).
    pub fn allows_response_type(&self, response_type: ResponseType) -> bool {
        self.response_types.iter().any(|r| ResponseType::parse(r) == Some(response_type))
    }

    /// Whether this is a public client (no authentication at the token endpoint).
    pub fn is_public(&self) -> bool {
        self.token_endpoint_auth_method == "none"
    }

    /// Whether the client registered this grant type.
    pub fn allows_grant(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }

    /// The ID token signing algorithm (validated at load).
    pub fn id_token_alg(&self) -> SigningAlg {
        self.id_token_signed_response_alg.parse().unwrap_or(SigningAlg::RS256)
    }

    /// The name to show the end-user.
    pub fn display_name(&self) -> &str {
        self.client_name.as_deref().unwrap_or(&self.client_id)
    }
}

/// OIDC Registration §2 / RFC 6749 §3.1.2: absolute, no fragment.
fn check_redirect_uri(uri: &str) -> Result<(), &'static str> {
    let url = url::Url::parse(uri).map_err(|_| "is not an absolute URI")?;
    if url.fragment().is_some() || uri.contains('#') {
        return Err("must not contain a fragment");
    }
    if url.cannot_be_a_base() && url.scheme() != "urn" {
        return Err("is not a hierarchical URI");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<Client, ClientError> {
        serde_json::from_value::<Client>(v).unwrap().validated(&[SigningAlg::RS256])
    }

    fn base() -> serde_json::Value {
        json!({"client_id": "c", "client_secret": "0123456789abcdef", "redirect_uris": ["https://rp.example/cb"]})
    }

    #[test]
    fn defaults_apply_and_unknown_fields_are_kept() {
        let mut v = base();
        v["logo_uri"] = json!("https://rp.example/logo.png");
        let client = parse(v).unwrap();
        assert_eq!(client.token_endpoint_auth_method, "client_secret_basic");
        assert_eq!(client.extra["logo_uri"], "https://rp.example/logo.png");
    }

    #[rstest::rstest]
    #[case::fragment(json!({"redirect_uris": ["https://rp.example/cb#x"]}), "redirect_uris")]
    #[case::relative(json!({"redirect_uris": ["/cb"]}), "redirect_uris")]
    #[case::no_redirects(json!({"redirect_uris": []}), "redirect_uris")]
    #[case::auth_method(json!({"token_endpoint_auth_method": "tls_client_auth"}), "token_endpoint_auth_method")]
    #[case::no_secret(json!({"client_secret": null}), "client_secret")]
    #[case::inconsistent(json!({"grant_types": ["refresh_token"], "response_types": ["code"]}), "grant_types")]
    #[case::alg_without_key(json!({"id_token_signed_response_alg": "ES256"}), "id_token_signed_response_alg")]
    #[case::unknown_alg(json!({"id_token_signed_response_alg": "none"}), "id_token_signed_response_alg")]
    #[case::http_initiate_login(json!({"initiate_login_uri": "http://rp.example/start"}), "initiate_login_uri")]
    fn invalid_metadata_names_the_field(#[case] patch: serde_json::Value, #[case] field: &str) {
        let mut v = base();
        for (k, val) in patch.as_object().unwrap() {
            v[k] = val.clone();
        }
        assert_eq!(parse(v).unwrap_err().field, field);
    }

    #[test]
    fn implicit_web_clients_need_https_redirects() {
        let implicit = json!({"client_id": "i", "client_secret": "0123456789abcdef",
            "grant_types": ["implicit"], "response_types": ["id_token token"],
            "redirect_uris": ["https://rp.example/cb"]});
        assert!(parse(implicit.clone()).is_ok());
        let mut local = implicit.clone();
        local["redirect_uris"] = json!(["http://localhost/cb"]);
        assert_eq!(parse(local).unwrap_err().field, "redirect_uris");
        let mut no_grant = implicit;
        no_grant["grant_types"] = json!(["authorization_code"]);
        assert_eq!(parse(no_grant).unwrap_err().field, "grant_types");
    }

    #[test]
    fn hybrid_needs_both_grant_types() {
        let hybrid = json!({"client_id": "h", "client_secret": "0123456789abcdef",
            "grant_types": ["authorization_code", "implicit"], "response_types": ["code id_token", "code"],
            "redirect_uris": ["https://rp.example/cb"]});
        let client = parse(hybrid).unwrap();
        assert!(client.allows_response_type(ResponseType::parse("id_token code").unwrap()));
        assert!(!client.allows_response_type(ResponseType::parse("id_token").unwrap()));
    }

    #[test]
    fn a_service_registering_only_client_credentials_needs_no_response_types() {
        let client = parse(json!({"client_id": "svc", "client_secret": "0123456789abcdef",
            "grant_types": ["client_credentials"]}))
        .unwrap();
        assert!(client.response_types.is_empty(), "the RFC 7591 default applies only to code clients");
        let defaulted = parse(base()).unwrap();
        assert_eq!(defaulted.response_types, ["code"]);
    }

    #[test]
    fn public_clients_need_no_secret() {
        let client = parse(json!({"client_id": "p", "token_endpoint_auth_method": "none",
            "redirect_uris": ["http://127.0.0.1/cb"]}))
        .unwrap();
        assert!(client.is_public());
    }
}
