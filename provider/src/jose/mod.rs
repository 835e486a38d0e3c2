//! A thin typed layer over josekit: the only module that touches it.
//!
//! Keys are parsed into signers and verifiers once (at start or rotation), never per request;
//! only an HMAC verifier is keyed from its client secret where it is used (half a microsecond).
//! ES256 and EdDSA sign and verify with ring (`ring_jws`), behind josekit's interfaces, and so
//! does HMAC verification ([`hmac_verifier`]).

pub(crate) mod encrypt;
pub(crate) mod offload;
mod ring_jws;

use josekit::jwk::Jwk;
use josekit::jws::{self, JwsHeader, JwsSigner, JwsVerifier};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The JWS algorithms the provider signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (mandatory to implement, OIDC Core §15.1).
    RS256,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// Ed25519 (RFC 8037).
    EdDSA,
}

impl SigningAlg {
    /// Every supported algorithm.
    pub const ALL: [SigningAlg; 4] = [Self::RS256, Self::PS256, Self::ES256, Self::EdDSA];

    /// The JWA name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::PS256 => "PS256",
            Self::ES256 => "ES256",
            Self::EdDSA => "EdDSA",
        }
    }

    /// Generates a fresh private key for this algorithm, as a JWK carrying `alg` and `use`.
    pub fn generate(self) -> Result<Jwk, JoseError> {
        let mut jwk = match self {
            Self::RS256 | Self::PS256 => Jwk::generate_rsa_key(2048)?,
            Self::ES256 => Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256)?,
            Self::EdDSA => Jwk::generate_ed_key(josekit::jwk::alg::ed::EdCurve::Ed25519)?,
        };
        jwk.set_algorithm(self.as_str());
        jwk.set_key_use("sig");
        Ok(jwk)
    }

    /// Whether signing costs enough CPU (RSA: about a millisecond) to run on the JOSE threads
    /// rather than inline on an async worker (ECDSA and EdDSA: tens of microseconds).
    pub fn is_costly(self) -> bool {
        matches!(self, Self::RS256 | Self::PS256)
    }

    /// A signer for a private JWK.
    pub fn signer(self, jwk: &Jwk) -> Result<Box<dyn JwsSigner>, JoseError> {
        Ok(match self {
            Self::RS256 => Box::new(jws::RS256.signer_from_jwk(jwk)?),
            Self::PS256 => Box::new(jws::PS256.signer_from_jwk(jwk)?),
            Self::ES256 => Box::new(ring_jws::RingSigner::es256(jwk)?),
            Self::EdDSA => Box::new(ring_jws::RingSigner::ed25519(jwk)?),
        })
    }

    /// A verifier for a public (or private) JWK.
    pub fn verifier(self, jwk: &Jwk) -> Result<Box<dyn JwsVerifier>, JoseError> {
        Ok(match self {
            Self::RS256 => Box::new(jws::RS256.verifier_from_jwk(jwk)?),
            Self::PS256 => Box::new(jws::PS256.verifier_from_jwk(jwk)?),
            Self::ES256 => Box::new(ring_jws::RingVerifier::es256(jwk)?),
            Self::EdDSA => Box::new(ring_jws::RingVerifier::ed25519(jwk)?),
        })
    }

    /// `at_hash` / `c_hash` / `s_hash` of a value: the left half of its hash, base64url
    /// (OIDC Core §3.1.3.6). The hash is the alg's (SHA-256 for *256); for EdDSA with Ed25519 it is
    /// SHA-512 (OIDC Core 1.0 errata set 2, §3.1.3.6).
    pub fn half_hash(self, value: &str) -> String {
        use base64::Engine as _;
        use sha2::Digest;
        let digest: Vec<u8> = match self {
            Self::EdDSA => sha2::Sha512::digest(value.as_bytes()).to_vec(),
            _ => sha2::Sha256::digest(value.as_bytes()).to_vec(),
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
    }
}

impl fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SigningAlg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|a| a.as_str() == s).ok_or_else(|| format!("unsupported JWS algorithm {s}"))
    }
}

/// A JOSE failure (bad key, bad signature, malformed input).
#[derive(Debug, thiserror::Error)]
#[error("JOSE: {0}")]
pub struct JoseError(String);

impl JoseError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl From<josekit::JoseError> for JoseError {
    fn from(e: josekit::JoseError) -> Self {
        Self(e.to_string())
    }
}

/// The protected header of the JWSs we sign.
#[derive(Serialize)]
struct Header<'a> {
    typ: &'a str,
    alg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

/// Signs `claims` as a compact JWS (RFC 7515 §7.1) with `typ`, the signer's `alg` and its `kid`
/// in the header. The serialisation is written here, straight into the output, rather than
/// through josekit's generic header map: on the token endpoint's hot path that map and its
/// copies cost a third as much as an ES256 signature.
pub fn sign(claims: &impl Serialize, typ: &str, signer: &dyn JwsSigner) -> Result<String, JoseError> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let json_err = |e: serde_json::Error| JoseError(e.to_string());
    let header = Header { typ, alg: signer.algorithm().name(), kid: signer.key_id() };
    let header = serde_json::to_vec(&header).map_err(json_err)?;
    let payload = serde_json::to_vec(claims).map_err(json_err)?;
    let mut compact = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 350);
    b64.encode_string(&header, &mut compact);
    compact.push('.');
    b64.encode_string(&payload, &mut compact);
    // RFC 7515 §5.1 (5): the signing input is ASCII(BASE64URL(header) || '.' || BASE64URL(payload)).
    let signature = signer.sign(compact.as_bytes())?;
    compact.push('.');
    b64.encode_string(&signature, &mut compact);
    Ok(compact)
}

/// Verifies a compact JWS with the verifier `select` picks from its header (by `kid`, say); josekit
/// then checks that the header's `alg` is the verifier's. Returns the payload as JSON.
pub(crate) fn verify_selected<'a>(
    token: &str,
    select: impl Fn(&JwsHeader) -> Option<&'a dyn JwsVerifier>,
) -> Result<serde_json::Value, JoseError> {
    let (payload, _header) = jws::deserialize_compact_with_selector(token, |header| Ok(select(header)))?;
    serde_json::from_slice(&payload).map_err(|e| JoseError(e.to_string()))
}

/// JWS algorithms accepted from clients (assertions, request objects): HMAC with the client
/// secret, or the client's own keys.
pub(crate) const CLIENT_ALGS: [&str; 7] = ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "EdDSA"];

/// Whether `alg` is an HMAC algorithm (keyed by the client secret).
pub(crate) fn is_hmac(alg: &str) -> bool {
    alg.starts_with("HS")
}

/// A verifier for an HMAC alg keyed by a shared secret (RFC 7518 §3.2: at least the hash size),
/// comparing in constant time.
pub fn hmac_verifier(alg: &str, secret: &[u8]) -> Result<impl JwsVerifier + use<>, JoseError> {
    Ok(ring_jws::HmacVerifier::new(alg, secret)?)
}

/// The header and payload of a compact JWS, decoded but NOT verified: only for choosing the key
/// that will verify it.
pub fn peek(token: &str) -> Result<(serde_json::Value, serde_json::Value), JoseError> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(payload), Some(_), None) => Ok((decode(header)?, decode(payload)?)),
        _ => Err(JoseError::new("not a compact JWS")),
    }
}

/// The protected header of a compact JWE (five parts), unverified; an error for anything else.
pub fn peek_jwe_header(token: &str) -> Result<serde_json::Value, JoseError> {
    if !is_jwe(token) {
        return Err(JoseError::new("not a compact JWE"));
    }
    decode(token.split('.').next().unwrap_or_default())
}

/// One base64url JSON part of a compact JWS or JWE.
fn decode(part: &str) -> Result<serde_json::Value, JoseError> {
    use base64::Engine as _;
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).map_err(|_| JoseError::new("not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| JoseError::new("not JSON"))
}

/// JWK members only a private key has (RFC 7518 §6.2.2, §6.3.2, §6.4).
#[cfg(any(feature = "dpop", feature = "attestation"))]
const PRIVATE_JWK_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// Whether a JWK carries no private or symmetric key material: what a key sent to prove
/// possession (a DPoP proof's `jwk`, RFC 9449 §4.3 (7); an attestation's `cnf.jwk`) must be.
#[cfg(any(feature = "dpop", feature = "attestation"))]
pub(crate) fn is_public_jwk(members: &serde_json::Map<String, serde_json::Value>) -> bool {
    !PRIVATE_JWK_MEMBERS.iter().any(|member| members.contains_key(*member))
}

/// Whether `token` is a compact JWE (five parts) rather than a JWS (three).
pub fn is_jwe(token: &str) -> bool {
    token.split('.').count() == 5
}

/// Verifies a compact JWS and returns its payload as JSON.
pub fn verify(token: &str, verifier: &dyn JwsVerifier) -> Result<serde_json::Value, JoseError> {
    let (payload, _header) = jws::deserialize_compact(token, verifier)?;
    serde_json::from_slice(&payload).map_err(|e| JoseError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alg_signs_and_verifies() {
        for alg in SigningAlg::ALL {
            let jwk = alg.generate().unwrap();
            let token = sign(&serde_json::json!({"sub": "a"}), "JWT", &*alg.signer(&jwk).unwrap()).unwrap();
            let public = jwk.to_public_key().unwrap();
            let claims = verify(&token, &*alg.verifier(&public).unwrap()).unwrap();
            assert_eq!(claims["sub"], "a", "{alg}");
            let (header, _) = peek(&token).unwrap();
            assert_eq!(header, serde_json::json!({ "typ": "JWT", "alg": alg.as_str() }), "{alg}");
        }
    }

    #[test]
    fn the_header_names_the_key() {
        let mut jwk = SigningAlg::ES256.generate().unwrap();
        jwk.set_key_id("k1");
        let token = sign(&serde_json::json!({}), "at+jwt", &*SigningAlg::ES256.signer(&jwk).unwrap()).unwrap();
        let (header, _) = peek(&token).unwrap();
        // RFC 9068 §2.1: typ at+jwt; RFC 7515 §4.1.4: kid.
        assert_eq!(header, serde_json::json!({ "typ": "at+jwt", "alg": "ES256", "kid": "k1" }));
    }

    #[test]
    fn a_tampered_token_fails() {
        let jwk = SigningAlg::ES256.generate().unwrap();
        let token = sign(&serde_json::json!({"sub": "a"}), "JWT", &*SigningAlg::ES256.signer(&jwk).unwrap()).unwrap();
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, b"{\"sub\":\"b\"}");
        parts[1] = &forged;
        let verifier = SigningAlg::ES256.verifier(&jwk.to_public_key().unwrap()).unwrap();
        assert!(verify(&parts.join("."), &*verifier).is_err());
    }

    #[test]
    fn half_hashes_match_oidc_core_appendix_a_6() {
        // OIDC Core Appendix A.6 (RS256): at_hash and c_hash of the example access token and code.
        assert_eq!(
            SigningAlg::RS256.half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
        assert_eq!(
            SigningAlg::RS256.half_hash("Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"),
            "LDktKdoQak3Pk0cnXxCltA"
        );
    }
}
