//! Sender-constrained tokens: the one check that every place issuing or accepting an access
//! token consults. A token records its binding in `cnf` (RFC 7800 §3.1). Today every token is a
//! bearer token (RFC 6750). DPoP (RFC 9449, `jkt`) and mTLS (RFC 8705, `x5t#S256`) plug in here,
//! reading the proof and the certificate from the [`RequestContext`].

use crate::protocol::{ErrorCode, OAuthError, TokenType};
use serde::{Deserialize, Serialize};

/// What an HTTP request carries besides its parameters, for checks that need more than them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// The HTTP method.
    pub method: String,
    /// The request's URL without its query (`htu`, RFC 9449 §4.2).
    pub url: String,
    /// Every `DPoP` header value, in order (RFC 9449 §4.3 wants exactly one).
    pub dpop: Vec<String>,
    /// The client's TLS certificate (DER): from the TLS handshake, or from a trusted proxy's
    /// header where one is configured (RFC 8705 §3).
    pub client_certificate: Option<Vec<u8>>,
}

/// A token's binding to its sender (RFC 7800 §3.1 `cnf`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The DPoP key's JWK SHA-256 thumbprint (RFC 9449 §6.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jkt: Option<String>,
    /// The client certificate's SHA-256 thumbprint (RFC 8705 §3.1).
    #[serde(rename = "x5t#S256", default, skip_serializing_if = "Option::is_none")]
    pub x5t_s256: Option<String>,
}

/// How a new access token is bound: its type and its `cnf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding {
    /// The `token_type` answered.
    pub token_type: TokenType,
    /// Recorded in the token.
    pub cnf: Option<Confirmation>,
}

impl Binding {
    /// A bearer token: no binding.
    pub(crate) const BEARER: Binding = Binding { token_type: TokenType::Bearer, cnf: None };
}

/// How a token was presented to a protected resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Presentation {
    /// In the `Authorization` header with this scheme (RFC 6750 §2.1).
    Header(TokenType),
    /// In the form body (RFC 6750 §2.2).
    Body,
}

/// The binding for an access token issued in answer to `request` at the token endpoint. Only
/// bearer tokens exist in this build, so a request is never refused here yet.
pub(crate) fn bind(_request: &RequestContext) -> Result<Binding, OAuthError> {
    Ok(Binding::BEARER)
}

/// The binding for tokens issued from the authorization endpoint (implicit and hybrid): the
/// browser brings no proof of possession there, so they are bearer tokens.
pub(crate) fn bind_front_channel() -> Binding {
    Binding::BEARER
}

/// The type of a token with this `cnf`, for introspection (RFC 7662 §2.2 `token_type`). No
/// build binds tokens yet; DPoP-bound ones (`jkt`) will be `DPoP`.
pub(crate) fn token_type(_cnf: Option<&Confirmation>) -> TokenType {
    TokenType::Bearer
}

/// Whether a token bound by `cnf` may be used by this request, presented this way. A bearer
/// token may be presented as `Bearer` or in the body. A bound token, which this build cannot
/// check, is refused rather than accepted as a bearer token.
pub(crate) fn verify(
    cnf: Option<&Confirmation>,
    presented: &Presentation,
    _request: &RequestContext,
) -> Result<(), OAuthError> {
    match (cnf, presented) {
        (None, Presentation::Header(TokenType::Bearer) | Presentation::Body) => Ok(()),
        (Some(_), _) => {
            Err(OAuthError::new(ErrorCode::InvalidToken, "the access token is bound to a key this server cannot check"))
        }
    }
}

/// The DER of a client certificate forwarded by a proxy as PEM, URL-encoded or not (nginx's
/// `$ssl_client_escaped_cert`), or `None` if the header holds no certificate.
pub(crate) fn forwarded_certificate(header: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let pem = percent_encoding::percent_decode_str(header).decode_utf8().ok()?;
    let body = pem.trim().strip_prefix("-----BEGIN CERTIFICATE-----")?.strip_suffix("-----END CERTIFICATE-----")?;
    let base64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(base64).ok().filter(|der| !der.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bearer_token_is_accepted_from_the_header_or_the_body() {
        let request = RequestContext::default();
        assert!(verify(None, &Presentation::Header(TokenType::Bearer), &request).is_ok());
        assert!(verify(None, &Presentation::Body, &request).is_ok());
    }

    #[test]
    fn a_bound_token_is_never_taken_for_a_bearer_token() {
        let cnf = Confirmation { jkt: Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".into()), x5t_s256: None };
        let refused = verify(Some(&cnf), &Presentation::Header(TokenType::Bearer), &RequestContext::default());
        assert_eq!(refused.unwrap_err().code, ErrorCode::InvalidToken);
    }

    #[test]
    fn a_forwarded_certificate_is_read_from_escaped_or_plain_pem() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\nAAEC\n-----END CERTIFICATE-----\n";
        let escaped = "-----BEGIN%20CERTIFICATE-----%0AMIIB%0AAAEC%0A-----END%20CERTIFICATE-----%0A";
        let der = vec![0x30, 0x82, 0x01, 0x00, 0x01, 0x02];
        assert_eq!(forwarded_certificate(pem), Some(der.clone()));
        assert_eq!(forwarded_certificate(escaped), Some(der));
        assert_eq!(forwarded_certificate("not a certificate"), None);
        assert_eq!(forwarded_certificate("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----"), None);
    }

    #[test]
    fn cnf_members_have_their_registered_names() {
        let cnf = Confirmation { jkt: None, x5t_s256: Some("bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2".into()) };
        assert_eq!(
            serde_json::to_value(&cnf).unwrap(),
            serde_json::json!({"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"})
        );
    }
}
