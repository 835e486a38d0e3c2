//! HS256, HS384 and HS512 verification with ring, behind josekit's `JwsVerifier` interface, for
//! what clients sign with their secret (`client_secret_jwt` assertions, request objects).
//! josekit's own HMAC verifier compares the MAC it computes with `!=`, which returns sooner the
//! earlier a byte differs; ring's compares in constant time. It also keys the MAC in about half a
//! microsecond, where josekit's set-up of OpenSSL for each verification costs 6 to 8 µs.

use super::jwk::invalid;
use josekit::JoseError;
use josekit::jws::{HS256, HS384, HS512, JwsAlgorithm, JwsVerifier};
use ring::hmac;

/// A shared secret that verifies one HMAC algorithm for josekit.
#[derive(Debug, Clone)]
pub(crate) struct HmacVerifier {
    algorithm: &'static dyn JwsAlgorithm,
    key: hmac::Key,
}

impl HmacVerifier {
    /// A verifier for `alg` (`HS256`, `HS384` or `HS512`) keyed by `secret`.
    pub(crate) fn new(alg: &str, secret: &[u8]) -> Result<Self, JoseError> {
        let (algorithm, mac): (&'static dyn JwsAlgorithm, _) = match alg {
            "HS256" => (&HS256, hmac::HMAC_SHA256),
            "HS384" => (&HS384, hmac::HMAC_SHA384),
            "HS512" => (&HS512, hmac::HMAC_SHA512),
            other => return Err(invalid(format!("{other} is not an HMAC algorithm"))),
        };
        // RFC 7518 §3.2: "A key of the same size as the hash output ... or larger MUST be used".
        let min_len = mac.digest_algorithm().output_len();
        if secret.len() < min_len {
            return Err(invalid(format!("an {alg} secret has at least {min_len} bytes, not {}", secret.len())));
        }
        Ok(Self { algorithm, key: hmac::Key::new(mac, secret) })
    }
}

impl JwsVerifier for HmacVerifier {
    fn algorithm(&self) -> &dyn JwsAlgorithm {
        self.algorithm
    }

    fn key_id(&self) -> Option<&str> {
        None
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), JoseError> {
        // RFC 7518 §3.2: the MAC is recomputed and compared; ring compares in constant time.
        hmac::verify(&self.key, message, signature)
            .map_err(|_| JoseError::InvalidSignature(anyhow::anyhow!("the MAC does not verify")))
    }

    fn box_clone(&self) -> Box<dyn JwsVerifier> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use josekit::jws::JwsSigner;

    const SECRET: &[u8] = b"a-client-secret-of-sixty-four-bytes-for-hs512-0123456789abcdefgh";

    #[test]
    fn it_verifies_what_josekit_signs_and_refuses_a_changed_message_mac_or_secret() {
        for (alg, josekit_alg) in [("HS256", HS256), ("HS384", HS384), ("HS512", HS512)] {
            let verifier = HmacVerifier::new(alg, SECRET).unwrap();
            assert_eq!(verifier.algorithm().name(), alg);
            let mut mac = josekit_alg.signer_from_bytes(SECRET).unwrap().sign(b"header.payload").unwrap();
            verifier.verify(b"header.payload", &mac).unwrap();
            assert!(verifier.verify(b"header.payloaD", &mac).is_err(), "{alg}: changed message");
            assert!(verifier.verify(b"header.payload", &mac[..mac.len() - 1]).is_err(), "{alg}: short MAC");
            assert!(verifier.verify(b"header.payload", &[]).is_err(), "{alg}: empty MAC");
            let other = HmacVerifier::new(alg, &[b'x'; 64]).unwrap();
            assert!(other.verify(b"header.payload", &mac).is_err(), "{alg}: another secret");
            let last = mac.len() - 1;
            mac[last] ^= 1;
            assert!(verifier.verify(b"header.payload", &mac).is_err(), "{alg}: changed MAC");
        }
    }

    #[test]
    fn a_secret_shorter_than_the_hash_or_another_alg_is_refused() {
        // RFC 7518 §3.2: at least the hash output's size.
        assert!(HmacVerifier::new("HS256", &SECRET[..31]).is_err());
        assert!(HmacVerifier::new("HS256", &SECRET[..32]).is_ok());
        assert!(HmacVerifier::new("HS384", &SECRET[..47]).is_err());
        assert!(HmacVerifier::new("HS384", &SECRET[..48]).is_ok());
        assert!(HmacVerifier::new("HS512", &SECRET[..63]).is_err());
        assert!(HmacVerifier::new("HS512", SECRET).is_ok());
        assert!(HmacVerifier::new("RS256", SECRET).is_err());
        assert!(HmacVerifier::new("hs256", SECRET).is_err());
    }

    #[test]
    fn josekit_checks_the_header_alg_against_it() {
        let token = josekit::jws::serialize_compact(
            br#"{"a":1}"#,
            &josekit::jws::JwsHeader::new(),
            &HS384.signer_from_bytes(SECRET).unwrap(),
        )
        .unwrap();
        assert_eq!(crate::jose::verify(&token, &HmacVerifier::new("HS384", SECRET).unwrap()).unwrap()["a"], 1);
        // The header says HS384: an HS256 verifier is refused before any MAC is compared.
        assert!(crate::jose::verify(&token, &HmacVerifier::new("HS256", SECRET).unwrap()).is_err());
    }
}
