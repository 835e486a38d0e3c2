//! Client metadata (RFC 7591 §2, OIDC Registration §2); `validate` checks it.

use crate::jose::SigningAlg;
use crate::protocol::{ResponseType, grant_type};
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
    /// Every authorization request of this client must be a signed request object (RFC 9101
    /// §10.5).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_signed_request_object: bool,
    /// Every authorization request of this client must be pushed first (RFC 9126 §6).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_pushed_authorization_requests: bool,
    /// Registered post-logout redirect URIs (RP-Initiated Logout 1.0 §3.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Where logout tokens are POSTed (Back-Channel Logout 1.0 §2.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_logout_uri: Option<String>,
    /// Logout tokens must carry `sid` (Back-Channel Logout 1.0 §2.2).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub backchannel_logout_session_required: bool,
    /// The page loaded in an iframe at logout (Front-Channel Logout 1.0 §2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontchannel_logout_uri: Option<String>,
    /// The front-channel URL gets `iss` and `sid` (Front-Channel Logout 1.0 §2).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub frontchannel_logout_session_required: bool,
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
    /// The JWS alg of JWT-secured authorization responses (JARM §3; default RS256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_signed_response_alg: Option<String>,
    /// The JWE key algorithm for authorization responses (JARM §3; absent: signed only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_encrypted_response_alg: Option<String>,
    /// The JWE content encryption for authorization responses (default A128CBC-HS256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_encrypted_response_enc: Option<String>,
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
    /// `tls_client_auth`: the certificate's subject DN, as an RFC 4514 string (RFC 8705 §2.1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_subject_dn: Option<String>,
    /// `tls_client_auth`: a `dNSName` the certificate's SAN must hold (RFC 8705 §2.1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_dns: Option<String>,
    /// `tls_client_auth`: a `uniformResourceIdentifier` the certificate's SAN must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_uri: Option<String>,
    /// `tls_client_auth`: an `iPAddress` the certificate's SAN must hold (IPv4 or IPv6 text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_ip: Option<String>,
    /// `tls_client_auth`: an `rfc822Name` the certificate's SAN must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_email: Option<String>,
    /// Access tokens issued to this client are bound to its TLS certificate (RFC 8705 §3.4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tls_client_certificate_bound_access_tokens: bool,
    /// How the client gets the outcome of a backchannel authentication: `poll`, `ping` or `push`
    /// (CIBA Core §4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_token_delivery_mode: Option<String>,
    /// Where pings and pushes go (CIBA Core §4); https.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_client_notification_endpoint: Option<String>,
    /// The alg of the client's signed backchannel requests; registered, every request must be
    /// signed with it (CIBA Core §4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_authentication_request_signing_alg: Option<String>,
    /// The client sends a `user_code` with each backchannel request (CIBA Core §4).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub backchannel_user_code_parameter: bool,
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

/// Authentication methods this build supports at the token endpoint (the mTLS ones only where
/// `[mtls] enabled`: see `clients::auth_methods`).
pub(super) const AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "none",
    #[cfg(feature = "mtls")]
    "tls_client_auth",
    #[cfg(feature = "mtls")]
    "self_signed_tls_client_auth",
    #[cfg(feature = "attestation")]
    "attest_jwt_client_auth",
];

impl Client {
    /// What the FAPI policy reads of this client's metadata.
    pub(crate) fn fapi_view(&self) -> crate::fapi::ClientView<'_> {
        let algs = [
            ("id_token_signed_response_alg", Some(self.id_token_signed_response_alg.as_str())),
            ("request_object_signing_alg", self.request_object_signing_alg.as_deref()),
            ("token_endpoint_auth_signing_alg", self.token_endpoint_auth_signing_alg.as_deref()),
            ("introspection_signed_response_alg", self.introspection_signed_response_alg.as_deref()),
            ("authorization_signed_response_alg", self.authorization_signed_response_alg.as_deref()),
        ];
        crate::fapi::ClientView {
            auth_method: &self.token_endpoint_auth_method,
            certificate_bound: self.tls_client_certificate_bound_access_tokens,
            response_types: &self.response_types,
            algs: algs.into_iter().filter_map(|(field, alg)| alg.map(|a| (field, a))).collect(),
        }
    }
}

/// The authentication methods this provider accepts, as configured: the mTLS ones only with
/// `[mtls] enabled`, and only those a FAPI profile allows.
pub(crate) fn auth_methods(config: &crate::config::Config) -> Vec<&'static str> {
    AUTH_METHODS
        .iter()
        .copied()
        .filter(|method| crate::fapi::allows_auth_method(config.fapi.profile, method))
        .filter(|method| {
            #[cfg(feature = "mtls")]
            if method.contains("tls_client_auth") {
                return config.mtls.enabled;
            }
            #[cfg(feature = "attestation")]
            if *method == "attest_jwt_client_auth" {
                return config.attestation.enabled;
            }
            let _ = method;
            true
        })
        .collect()
}

/// Grant types this build supports at the token endpoint (`implicit` exists only at the
/// authorization endpoint, and is published beside these).
pub(crate) const GRANT_TYPES: &[&str] = &[
    grant_type::AUTHORIZATION_CODE,
    grant_type::REFRESH_TOKEN,
    grant_type::CLIENT_CREDENTIALS,
    #[cfg(feature = "device-flow")]
    grant_type::DEVICE_CODE,
    #[cfg(feature = "ciba")]
    grant_type::CIBA,
];

impl Client {
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

    /// The alg its JWT-secured authorization responses are signed with, if it registered one
    /// (JARM §3: RS256 by default, `Keystore::default_alg`).
    pub fn authorization_alg(&self) -> Option<SigningAlg> {
        self.authorization_signed_response_alg.as_deref().and_then(|a| a.parse().ok())
    }

    /// The name to show the end-user.
    pub fn display_name(&self) -> &str {
        self.client_name.as_deref().unwrap_or(&self.client_id)
    }
}
