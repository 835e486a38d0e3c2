//! Reading the members of an elliptic-curve JWK that ring needs, and the error for a key (or an
//! HMAC secret) that cannot be used.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::JoseError;
use josekit::jwk::Jwk;

/// A key that cannot be used, and why.
pub(super) fn invalid(message: impl std::fmt::Display) -> JoseError {
    JoseError::InvalidKeyFormat(anyhow::anyhow!("{message}"))
}

/// A base64url JWK member, decoded.
pub(super) fn member(jwk: &Jwk, name: &str) -> Result<Vec<u8>, JoseError> {
    let value = jwk.parameter(name).and_then(|v| v.as_str()).ok_or_else(|| invalid(format!("no {name}")))?;
    URL_SAFE_NO_PAD.decode(value).map_err(|_| invalid(format!("{name} is not base64url")))
}

/// A base64url JWK member that must be `len` bytes long.
pub(super) fn sized_member(jwk: &Jwk, name: &str, len: usize) -> Result<Vec<u8>, JoseError> {
    let bytes = member(jwk, name)?;
    match bytes.len() == len {
        true => Ok(bytes),
        false => Err(invalid(format!("{name} must be {len} bytes, not {}", bytes.len()))),
    }
}

/// Fails unless the JWK's `crv` is `curve`.
pub(super) fn expect_curve(jwk: &Jwk, curve: &str) -> Result<(), JoseError> {
    match jwk.curve() {
        Some(crv) if crv == curve => Ok(()),
        other => Err(invalid(format!("crv must be {curve}, not {other:?}"))),
    }
}

/// The public point of a P-256 JWK, uncompressed (SEC 1 §2.3.3: 0x04 ‖ x ‖ y). RFC 7518
/// §6.2.1.2 and §6.2.1.3: each coordinate is the full 32 bytes.
pub(super) fn p256_public_point(jwk: &Jwk) -> Result<Vec<u8>, JoseError> {
    let mut point = Vec::with_capacity(65);
    point.push(0x04);
    point.extend(sized_member(jwk, "x", 32)?);
    point.extend(sized_member(jwk, "y", 32)?);
    Ok(point)
}
