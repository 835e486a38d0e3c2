//! Sender-constrained tokens: the one check that every place issuing or accepting an access
//! token consults. A token records its binding in `cnf` (RFC 7800 §3.1): none for a bearer
//! token (RFC 6750), `jkt` for a DPoP-bound one (RFC 9449, with the `dpop` feature and
//! `[dpop] enabled`). mTLS (RFC 8705, `x5t#S256`) plugs in here too, reading the certificate
//! from the [`RequestContext`].

#[cfg(feature = "dpop")]
pub(crate) mod dpop;

use crate::Provider;
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

/// The binding for an access token issued in answer to `request` at the token endpoint: bound
/// to the key of its DPoP proof if it carries one (RFC 9449 §5), a bearer token otherwise.
pub(crate) async fn bind(op: &Provider, request: &RequestContext) -> Result<Binding, OAuthError> {
    #[cfg(feature = "dpop")]
    if op.config().dpop.enabled
        && let Some(proof) = dpop::check(op, request, None).await?
    {
        let cnf = Confirmation { jkt: Some(proof.jkt), x5t_s256: None };
        return Ok(Binding { token_type: TokenType::DPoP, cnf: Some(cnf) });
    }
    let _ = (op, request);
    Ok(Binding::BEARER)
}

/// The binding for tokens issued from the authorization endpoint (implicit and hybrid): the
/// browser brings no proof of possession there, so they are bearer tokens.
pub(crate) fn bind_front_channel() -> Binding {
    Binding::BEARER
}

/// The type of a token with this `cnf`, for introspection (RFC 7662 §2.2 `token_type`): `DPoP`
/// for a DPoP-bound one (RFC 9449 §6.2).
pub(crate) fn token_type(cnf: Option<&Confirmation>) -> TokenType {
    match cnf {
        Some(Confirmation { jkt: Some(_), .. }) => TokenType::DPoP,
        _ => TokenType::Bearer,
    }
}

/// Whether `token`, bound by `cnf`, may be used by this request, presented this way. A bearer
/// token may be presented as `Bearer` or in the body; a DPoP-bound one only as `DPoP`, with a
/// proof by its key for this request and this token (RFC 9449 §7.1). A binding this build cannot
/// check is refused rather than taken for a bearer token.
pub(crate) async fn verify(
    op: &Provider,
    cnf: Option<&Confirmation>,
    presented: &Presentation,
    request: &RequestContext,
    token: &str,
) -> Result<(), OAuthError> {
    match (cnf, presented) {
        (None, Presentation::Header(TokenType::Bearer) | Presentation::Body) => Ok(()),
        #[cfg(feature = "dpop")]
        (Some(Confirmation { jkt: Some(jkt), x5t_s256: None }), Presentation::Header(TokenType::DPoP))
            if op.config().dpop.enabled =>
        {
            let challenge = |e: OAuthError| e.with_dpop_challenge(dpop::ALGS);
            match dpop::check(op, request, Some(token)).await.map_err(challenge)? {
                Some(proof) if crate::security::constant_time_eq(&proof.jkt, jkt) => Ok(()),
                Some(_) => Err(challenge(OAuthError::new(
                    ErrorCode::InvalidDpopProof,
                    "the DPoP proof is not signed by the key the token is bound to",
                ))),
                None => Err(challenge(OAuthError::new(ErrorCode::InvalidToken, "a DPoP-bound token needs a DPoP proof"))),
            }
        }
        (None, Presentation::Header(TokenType::DPoP)) => {
            Err(OAuthError::new(ErrorCode::InvalidToken, "the access token is not bound to a DPoP key"))
        }
        _ => {
            let _ = (op, request, token);
            Err(OAuthError::new(ErrorCode::InvalidToken, "the access token is bound to a key this request does not prove"))
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
    fn a_dpop_bound_token_has_the_dpop_type() {
        let cnf = Confirmation { jkt: Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".into()), x5t_s256: None };
        assert_eq!(token_type(Some(&cnf)), TokenType::DPoP);
        assert_eq!(token_type(None), TokenType::Bearer);
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
