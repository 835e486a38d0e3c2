//! Certificate-bound access tokens (RFC 8705 §3): a token issued to a client that authenticated
//! over mutual TLS carries the SHA-256 thumbprint of its certificate, and is accepted only over a
//! connection that presents the same certificate.

use super::RequestContext;
use crate::protocol::{ErrorCode, OAuthError};
use crate::security::constant_time_eq;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// `x5t#S256`: the base64url SHA-256 of the certificate's DER (RFC 8705 §3.1).
pub(crate) fn thumbprint(der: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(der))
}

/// The thumbprint to bind a new token to: the certificate the request presents. A client
/// registered for certificate-bound tokens that presents none gets no token (RFC 8705 §3).
pub(super) fn binding(request: &RequestContext) -> Result<String, OAuthError> {
    match &request.client_certificate {
        Some(der) => Ok(thumbprint(der)),
        None => Err(OAuthError::invalid_request(
            "the client's access tokens are bound to its TLS certificate, and the request presented none",
        )),
    }
}

/// RFC 8705 §3: the token is used over a connection with the certificate it is bound to;
/// otherwise `invalid_token` (§3, a 401 at the resource).
pub(super) fn verify(bound: &str, request: &RequestContext) -> Result<(), OAuthError> {
    match &request.client_certificate {
        Some(der) if constant_time_eq(&thumbprint(der), bound) => Ok(()),
        Some(_) => Err(OAuthError::new(ErrorCode::InvalidToken, "the access token is bound to another client certificate")),
        None => Err(OAuthError::new(
            ErrorCode::InvalidToken,
            "the access token is bound to a client certificate, and none was presented",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thumbprint_is_the_base64url_sha256_of_the_der() {
        // sha256("abc"), the FIPS 180-2 vector, in base64url without padding.
        assert_eq!(thumbprint(b"abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
    }

    #[test]
    fn a_bound_token_needs_the_same_certificate() {
        let with = |der: Option<&[u8]>| RequestContext { client_certificate: der.map(<[u8]>::to_vec), ..Default::default() };
        let bound = thumbprint(b"certificate one");
        assert!(verify(&bound, &with(Some(b"certificate one"))).is_ok());
        assert!(verify(&bound, &with(Some(b"certificate two"))).is_err());
        assert!(verify(&bound, &with(None)).is_err());
        assert_eq!(binding(&with(Some(b"certificate one"))).unwrap(), bound);
        assert!(binding(&with(None)).is_err());
    }
}
