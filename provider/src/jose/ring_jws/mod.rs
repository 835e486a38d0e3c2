//! ES256 and EdDSA with ring, behind josekit's signer and verifier interfaces: josekit keeps the
//! headers, serialisation and checks, ring does the curve work. RSA stays with OpenSSL, which is
//! as fast here. HMAC verification runs on ring too, for its constant-time comparison.

mod hmac;
mod jwk;
mod signer;
mod verifier;

pub(super) use hmac::HmacVerifier;
pub(super) use signer::RingSigner;
pub(super) use verifier::RingVerifier;
