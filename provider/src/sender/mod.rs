//! Sender-constrained tokens: the one check that every place issuing or accepting an access
//! token consults. A token records its binding in `cnf` (RFC 7800 §3.1): none for a bearer
//! token (RFC 6750), `jkt` for a DPoP-bound one (RFC 9449, with the `dpop` feature and
//! `[dpop] enabled`), `x5t#S256` for one bound to the client's TLS certificate (RFC 8705, with
//! the `mtls` feature and `[mtls] enabled`). A token may carry both.

#[cfg(feature = "dpop")]
pub(crate) mod dpop;
#[cfg(feature = "mtls")]
pub(crate) mod mtls;

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
    /// Every `OAuth-Client-Attestation` header value (attestation-based client auth §6.1).
    pub client_attestation: Vec<String>,
    /// Every `OAuth-Client-Attestation-PoP` header value.
    pub client_attestation_pop: Vec<String>,
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
    /// The thumbprint of the client instance key a refresh token issued now is bound to: the key
    /// of the Client Attestation the client authenticated with (attestation-based client auth
    /// §10.2).
    pub instance: Option<String>,
}

impl Binding {
    /// A bearer token: no binding.
    pub(crate) const BEARER: Binding = Binding { token_type: TokenType::Bearer, cnf: None, instance: None };
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
/// to the key of its DPoP proof if it carries one (RFC 9449 §5), and to the client's certificate
/// if it registered for that (`certificate_bound`, RFC 8705 §3); a bearer token otherwise.
pub(crate) async fn bind(
    op: &Provider,
    request: &RequestContext,
    certificate_bound: bool,
) -> Result<Binding, OAuthError> {
    #[cfg_attr(not(any(feature = "dpop", feature = "mtls")), allow(unused_mut))]
    let mut cnf = Confirmation::default();
    #[cfg(feature = "dpop")]
    if op.config().dpop.enabled
        && let Some(proof) = dpop::check(op, request, None).await?
    {
        cnf.jkt = Some(proof.jkt);
    }
    #[cfg(feature = "mtls")]
    if op.config().mtls.enabled
        && op.config().mtls.certificate_bound_access_tokens
        && certificate_bound
    {
        cnf.x5t_s256 = Some(mtls::binding(request)?);
    }
    let _ = (op, request, certificate_bound);
    Ok(match cnf {
        Confirmation { jkt: None, x5t_s256: None } => Binding::BEARER,
        Confirmation { jkt: Some(_), .. } => Binding { token_type: TokenType::DPoP, cnf: Some(cnf), instance: None },
        // RFC 8705 §3: a certificate-bound token keeps the Bearer type.
        Confirmation { jkt: None, .. } => Binding { token_type: TokenType::Bearer, cnf: Some(cnf), instance: None },
    })
}

/// Checks a DPoP proof sent to an endpoint that binds nothing to it (introspection, where a
/// resource server may send proofs with every request): a bad one is refused, as at the token
/// endpoint (RFC 9449 §4.3), rather than ignored.
pub(crate) async fn check_unbound_proof(op: &Provider, request: &RequestContext) -> Result<(), OAuthError> {
    #[cfg(feature = "dpop")]
    if op.config().dpop.enabled {
        dpop::check(op, request, None).await?;
    }
    let _ = (op, request);
    Ok(())
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
/// proof by its key for this request and this token (RFC 9449 §7.1); a certificate-bound one
/// only over a connection with that certificate (RFC 8705 §3). A binding this build cannot
/// check is refused rather than taken for a bearer token.
pub(crate) async fn verify(
    op: &Provider,
    cnf: Option<&Confirmation>,
    presented: &Presentation,
    request: &RequestContext,
    token: &str,
) -> Result<(), OAuthError> {
    if let Some(x5t) = cnf.and_then(|cnf| cnf.x5t_s256.as_deref()) {
        verify_certificate(op, x5t, request)?;
    }
    match (cnf.and_then(|cnf| cnf.jkt.as_deref()), presented) {
        (None, Presentation::Header(TokenType::Bearer) | Presentation::Body) => Ok(()),
        #[cfg(feature = "dpop")]
        (Some(jkt), Presentation::Header(TokenType::DPoP)) if op.config().dpop.enabled => {
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
            let _ = token;
            Err(OAuthError::new(ErrorCode::InvalidToken, "the access token is bound to a key this request does not prove"))
        }
    }
}

/// RFC 8705 §3: a certificate-bound token needs its certificate; a build without mTLS cannot
/// check that, so refuses it.
fn verify_certificate(op: &Provider, x5t: &str, request: &RequestContext) -> Result<(), OAuthError> {
    #[cfg(feature = "mtls")]
    if op.config().mtls.enabled {
        return mtls::verify(x5t, request);
    }
    let _ = (op, x5t, request);
    Err(OAuthError::new(ErrorCode::InvalidToken, "the access token is bound to a client certificate, which this server does not check"))
}

/// The DER of a client certificate forwarded by a proxy: as PEM, URL-encoded or not (nginx's
/// `$ssl_client_escaped_cert`), or as base64 DER (Envoy, AWS ALB); `None` if the header holds no
/// certificate.
pub(crate) fn forwarded_certificate(header: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let pem = percent_encoding::percent_decode_str(header).decode_utf8().ok()?;
    let pem = pem.trim();
    let body = match pem.strip_prefix("-----BEGIN CERTIFICATE-----") {
        Some(rest) => rest.strip_suffix("-----END CERTIFICATE-----")?,
        None => pem,
    };
    let base64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(base64).ok()?;
    // A DER certificate is a SEQUENCE.
    der.first().is_some_and(|tag| *tag == 0x30).then_some(der)
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
        assert_eq!(forwarded_certificate(escaped), Some(der.clone()));
        assert_eq!(forwarded_certificate("MIIBAAEC"), Some(der), "base64 DER");
        assert_eq!(forwarded_certificate("not a certificate"), None);
        assert_eq!(forwarded_certificate("AAEC"), None, "base64 of something that is not DER");
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
