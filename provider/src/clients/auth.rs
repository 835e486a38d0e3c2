//! Client authentication (RFC 6749 §2.3): one guard for every endpoint that authenticates clients.

use super::Client;
use crate::Provider;
use crate::protocol::OAuthError;
use crate::protocol::Params;
use crate::security::constant_time_eq;
use crate::sender::RequestContext;
use base64::Engine as _;
use std::sync::Arc;

/// How a client authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// HTTP Basic with the urlencoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1).
    ClientSecretPost,
    /// An assertion signed with the client secret (OIDC Core §9).
    ClientSecretJwt,
    /// An assertion signed with the client's private key (OIDC Core §9, RFC 7523).
    PrivateKeyJwt,
    /// A public client: `client_id` only.
    None,
    /// A certificate from a CA, with the subject or SAN the client registered (RFC 8705 §2.1).
    #[cfg(feature = "mtls")]
    TlsClientAuth,
    /// A self-signed certificate the client registered in its JWK set (RFC 8705 §2.2).
    #[cfg(feature = "mtls")]
    SelfSignedTlsClientAuth,
    /// A Client Attestation and its PoP (draft-ietf-oauth-attestation-based-client-auth-06).
    #[cfg(feature = "attestation")]
    AttestJwtClientAuth,
}

impl AuthMethod {
    /// Whether authenticating this way satisfies the registered `token_endpoint_auth_method`.
    pub(crate) fn satisfies(self, registered: &str, strict: bool) -> bool {
        let shared_secret = |m: &str| m == "client_secret_basic" || m == "client_secret_post";
        registered == self.as_str() || (!strict && shared_secret(registered) && shared_secret(self.as_str()))
    }

    /// The `token_endpoint_auth_method` name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::None => "none",
            #[cfg(feature = "mtls")]
            Self::TlsClientAuth => "tls_client_auth",
            #[cfg(feature = "mtls")]
            Self::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
            #[cfg(feature = "attestation")]
            Self::AttestJwtClientAuth => super::attestation::METHOD,
        }
    }
}

/// A form request from an authenticated client. A handler that takes it cannot forget to
/// authenticate. Credentials are removed from `params`.
#[derive(Debug)]
pub(crate) struct ClientRequest {
    /// The authenticated client.
    pub client: Arc<Client>,
    /// How it authenticated.
    pub method: AuthMethod,
    /// The remaining form parameters.
    pub params: Params,
    /// What else the request carried (DPoP proofs, client certificate, method and URL).
    pub context: RequestContext,
}

/// Authenticates the client of a form request: by attestation if it sent attestation headers,
/// by assertion if it sent one, by its TLS certificate if it registered an mTLS method and sent
/// no secret, otherwise by secret (or as a public client). `context` holds the headers and the
/// connection's client certificate.
pub async fn authenticate(
    op: &Provider,
    authorization: Option<&str>,
    params: &mut Params,
    context: &RequestContext,
) -> Result<(Arc<Client>, AuthMethod), OAuthError> {
    params.reject_repeated()?;
    #[cfg(feature = "attestation")]
    if super::attestation::is_present(context) {
        let other = basic_credentials(authorization).is_some()
            || params.get("client_secret").is_some()
            || params.get("client_assertion").is_some();
        if other {
            return Err(OAuthError::invalid_request("more than one client authentication method"));
        }
        let body_client_id = params.take("client_id");
        return super::attestation::authenticate(op, context, body_client_id.as_deref()).await;
    }
    if let Some(assertion) = params.take("client_assertion") {
        if basic_credentials(authorization).is_some() || params.get("client_secret").is_some() {
            return Err(OAuthError::invalid_request("more than one client authentication method"));
        }
        let assertion_type = params.take("client_assertion_type").unwrap_or_default();
        let body_client_id = params.take("client_id");
        return super::assertion::authenticate(op, body_client_id.as_deref(), &assertion_type, &assertion).await;
    }
    let credentials = SecretCredentials::from_request(authorization, params)?;
    let client = op.clients().find(credentials.client_id()).await?;
    #[cfg(feature = "mtls")]
    if let Some(client) = client.as_ref().filter(|c| super::mtls::is_mtls_method(&c.token_endpoint_auth_method))
        && credentials.secret.is_none()
    {
        // RFC 8705 §2: the client_id in the body names the client; the certificate proves it.
        let method = super::mtls::authenticate(op, client, context.client_certificate.as_deref()).await?;
        return Ok((client.clone(), method));
    }
    let _ = context;
    credentials.check(client, op.config().strict_client_auth_method)
}

/// Authenticates the client of a form request from its `Authorization` header and body,
/// against a fixed set of clients (the same rules as [`authenticate`]).
#[cfg(any(test, feature = "internals"))]
pub fn authenticate_secret(
    registry: &super::ClientRegistry,
    authorization: Option<&str>,
    params: &mut Params,
    strict: bool,
) -> Result<(Arc<Client>, AuthMethod), OAuthError> {
    let credentials = SecretCredentials::from_request(authorization, params)?;
    let client = registry.get(&credentials.client_id);
    credentials.check(client, strict)
}

/// What a form request says about its client without an assertion: the id, the secret if any,
/// and how they came (RFC 6749 §2.3.1).
pub(super) struct SecretCredentials {
    client_id: String,
    secret: Option<String>,
    method: AuthMethod,
}

impl SecretCredentials {
    /// Reads the `Authorization` header and the body; the credentials leave `params`.
    pub(super) fn from_request(authorization: Option<&str>, params: &mut Params) -> Result<Self, OAuthError> {
        params.reject_repeated()?;
        let basic = basic_credentials(authorization);
        let body_id = params.take("client_id");
        let body_secret = params.take("client_secret");
        let (client_id, secret, method) = match (basic, body_secret) {
            (Some(_), Some(_)) => {
                // RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request."
                return Err(OAuthError::invalid_request("more than one client authentication method"));
            }
            (Some(credentials), None) => {
                let (id, secret) = parse_basic(credentials)?;
                if body_id.as_deref().is_some_and(|b| b != id) {
                    return Err(OAuthError::invalid_request("client_id does not match the Authorization header"));
                }
                (id, Some(secret), AuthMethod::ClientSecretBasic)
            }
            (None, Some(secret)) => {
                let id = body_id.ok_or_else(|| OAuthError::invalid_client("client_secret without client_id"))?;
                (id, Some(secret), AuthMethod::ClientSecretPost)
            }
            (None, None) => {
                let id = body_id.ok_or_else(|| OAuthError::invalid_client("no client authentication"))?;
                (id, None, AuthMethod::None)
            }
        };
        Ok(Self { client_id, secret, method })
    }

    /// The client these credentials name.
    pub(super) fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Checks the credentials against the client found under their id. With `strict`, the method
    /// must be exactly the registered one; otherwise the two shared-secret methods stand in for
    /// each other (same secret, same strength), as many RP libraries pick one by default
    /// without asking.
    pub(super) fn check(self, client: Option<Arc<Client>>, strict: bool) -> Result<(Arc<Client>, AuthMethod), OAuthError> {
        let client = client.ok_or_else(|| OAuthError::invalid_client("client authentication failed"))?;
        let method = self.method;
        if !method.satisfies(&client.token_endpoint_auth_method, strict) {
            return Err(OAuthError::invalid_client(format!(
                "the client is registered for {}, not {}",
                client.token_endpoint_auth_method,
                method.as_str()
            )));
        }
        if let Some(given) = self.secret {
            let expected = client.client_secret.as_deref().unwrap_or_default();
            if !constant_time_eq(&given, expected) {
                return Err(OAuthError::invalid_client("client authentication failed"));
            }
        }
        Ok((client, method))
    }
}

/// The credentials of an `Authorization: Basic …` header. The scheme name is case-insensitive
/// (RFC 9110 §11.1). The header is untrusted text: `get` finds no prefix where a multi-byte
/// character straddles it, where slicing would panic.
fn basic_credentials(authorization: Option<&str>) -> Option<&str> {
    let header = authorization?;
    let scheme = header.get(..6)?;
    scheme.eq_ignore_ascii_case("basic ").then(|| &header[6..])
}

/// RFC 6749 §2.3.1: `base64(urlencode(client_id) ":" urlencode(client_secret))`.
fn parse_basic(credentials: &str) -> Result<(String, String), OAuthError> {
    let malformed = || OAuthError::invalid_client("malformed Basic credentials");
    let decoded = base64::engine::general_purpose::STANDARD.decode(credentials.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let unescape = |s: &str| form_unescape(s).ok_or_else(malformed);
    let id = unescape(id)?;
    if id.is_empty() {
        return Err(malformed());
    }
    Ok((id, unescape(secret)?))
}

/// Undoes the `application/x-www-form-urlencoded` encoding of one value (`+` is a space, `%XX`
/// a byte); `None` if the bytes are not UTF-8. Most ids and secrets need no decoding.
fn form_unescape(value: &str) -> Option<String> {
    if !value.contains(['+', '%']) {
        return Some(value.to_owned());
    }
    let spaced = value.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced).decode_utf8().ok().map(|decoded| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::ClientRegistry;
    use crate::protocol::ErrorCode;
    use serde_json::json;

    fn registry() -> ClientRegistry {
        let clients = [
            json!({"client_id": "conf", "client_secret": "a secret: with%20odd chars", "redirect_uris": ["https://rp.example/cb"]}),
            json!({"client_id": "post", "client_secret": "0123456789abcdef", "token_endpoint_auth_method": "client_secret_post", "redirect_uris": ["https://rp.example/cb"]}),
            json!({"client_id": "pub", "token_endpoint_auth_method": "none", "redirect_uris": ["https://rp.example/cb"]}),
        ];
        ClientRegistry::new(clients.into_iter().map(|c| serde_json::from_value(c).unwrap()).collect()).unwrap()
    }

    fn basic(id: &str, secret: &str) -> String {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", enc(id), enc(secret))))
    }

    fn auth(header: Option<&str>, body: &str) -> Result<AuthMethod, ErrorCode> {
        auth_with(header, body, true)
    }

    fn auth_with(header: Option<&str>, body: &str, strict: bool) -> Result<AuthMethod, ErrorCode> {
        let mut params = Params::parse(body);
        authenticate_secret(&registry(), header, &mut params, strict).map(|(_, m)| m).map_err(|e| e.code)
    }

    #[test]
    fn basic_with_urlencoded_secret() {
        let header = basic("conf", "a secret: with%20odd chars");
        assert_eq!(auth(Some(&header), "grant_type=x"), Ok(AuthMethod::ClientSecretBasic));
    }

    #[test]
    fn basic_credentials_are_form_decoded_and_raw_reserved_characters_kept() {
        assert_eq!(form_unescape("a+b%2Bc%3D%26"), Some("a b+c=&".to_string()));
        // Clients that skip the encoding still match when their value has no `+` or `%`.
        assert_eq!(form_unescape("p&q=r"), Some("p&q=r".to_string()));
        assert_eq!(form_unescape("%FF"), None, "not UTF-8");
        let raw =
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("conf:a secret: with%2520odd chars"));
        assert_eq!(auth(Some(&raw), ""), Ok(AuthMethod::ClientSecretBasic));
    }

    #[test]
    fn wrong_secret_is_invalid_client() {
        let header = basic("conf", "wrong");
        assert_eq!(auth(Some(&header), ""), Err(ErrorCode::InvalidClient));
    }

    #[test]
    fn post_and_none() {
        assert_eq!(auth(None, "client_id=post&client_secret=0123456789abcdef"), Ok(AuthMethod::ClientSecretPost));
        assert_eq!(auth(None, "client_id=pub"), Ok(AuthMethod::None));
    }

    #[test]
    fn registered_method_is_enforced() {
        // A confidential client may not fall back to sending no secret.
        assert_eq!(auth(None, "client_id=conf"), Err(ErrorCode::InvalidClient));
        let header = basic("post", "0123456789abcdef");
        assert_eq!(auth(Some(&header), ""), Err(ErrorCode::InvalidClient));
    }

    #[test]
    fn shared_secret_methods_stand_in_for_each_other_unless_strict() {
        let header = basic("post", "0123456789abcdef");
        assert_eq!(auth_with(Some(&header), "", false), Ok(AuthMethod::ClientSecretBasic));
        assert_eq!(
            auth_with(None, "client_id=conf&client_secret=a secret: with%2520odd chars", false),
            Ok(AuthMethod::ClientSecretPost)
        );
        // Never from a secret method to none, or the other way.
        assert_eq!(auth_with(None, "client_id=conf", false), Err(ErrorCode::InvalidClient));
        assert_eq!(auth_with(None, "client_id=pub&client_secret=x", false), Err(ErrorCode::InvalidClient));
        // A wrong secret stays wrong.
        assert_eq!(auth_with(Some(&basic("post", "wrong")), "", false), Err(ErrorCode::InvalidClient));
    }

    #[test]
    fn two_methods_at_once_are_invalid_request() {
        let header = basic("conf", "a secret: with%20odd chars");
        assert_eq!(auth(Some(&header), "client_secret=x"), Err(ErrorCode::InvalidRequest));
    }

    #[test]
    fn unknown_client_and_no_credentials() {
        assert_eq!(auth(None, "client_id=nobody"), Err(ErrorCode::InvalidClient));
        assert_eq!(auth(None, ""), Err(ErrorCode::InvalidClient));
        assert_eq!(auth(Some("Basic !!!"), ""), Err(ErrorCode::InvalidClient));
    }

    proptest::proptest! {
        /// RFC 6749 §2.3.1: whatever the id and secret, urlencoded then base64'd, the header
        /// gives them back; and no header at all panics.
        #[test]
        fn basic_credentials_round_trip(id in "\\PC{1,24}", secret in "\\PC{0,40}") {
            let header = basic(&id, &secret);
            let credentials = basic_credentials(Some(&header)).expect("a Basic header");
            proptest::prop_assert_eq!(parse_basic(credentials).ok(), Some((id, secret)));
        }

        #[test]
        fn any_authorization_header_is_read_without_a_panic(header in "\\PC{0,24}") {
            if let Some(credentials) = basic_credentials(Some(&header)) {
                let _ = parse_basic(credentials);
            }
        }
    }

    #[test]
    fn the_basic_scheme_is_found_in_any_case_and_never_by_slicing_a_character() {
        assert_eq!(basic_credentials(Some("BASIC abc")), Some("abc"));
        assert_eq!(basic_credentials(Some("basic abc")), Some("abc"));
        assert_eq!(basic_credentials(Some("Bearer abc")), None);
        assert_eq!(basic_credentials(Some("Basic")), None);
        // 'é' takes bytes 5 and 6: a slice at 6 would panic.
        assert_eq!(basic_credentials(Some("Basicé…")), None);
        assert_eq!(basic_credentials(Some("Basé abc")), None);
        assert_eq!(auth(Some("Basicé…"), ""), Err(ErrorCode::InvalidClient));
    }

    #[test]
    fn credentials_are_removed_from_params() {
        let mut params = Params::parse("client_id=post&client_secret=0123456789abcdef&code=x");
        authenticate_secret(&registry(), None, &mut params, true).unwrap();
        assert_eq!(params.get("client_secret"), None);
        assert_eq!(params.get("code"), Some("x"));
    }
}
