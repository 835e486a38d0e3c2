//! ES256 and EdDSA signing with ring, behind josekit's `JwsSigner` interface, so the rest of
//! the JOSE code (headers, serialisation, verification) stays josekit's. Same curves and the
//! same assembly as OpenSSL's, without OpenSSL 3's per-signature set-up (josekit builds a fresh
//! digest context and looks the key up on every call): an ES256 JWS takes about half the time.

use super::jwk::{expect_curve, invalid, member, p256_public_point};
use josekit::JoseError;
use josekit::jwk::Jwk;
use josekit::jws::{ES256, EdDSA, JwsAlgorithm, JwsSigner};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
use std::sync::Arc;

#[derive(Debug)]
enum KeyPair {
    /// RFC 7518 §3.4: r ‖ s, 32 bytes each.
    Es256(EcdsaKeyPair),
    /// RFC 8037 §3.1.
    Ed25519(Ed25519KeyPair),
}

/// A ring key pair that signs for josekit.
#[derive(Debug, Clone)]
pub(crate) struct RingSigner {
    key: Arc<KeyPair>,
    rng: SystemRandom,
    key_id: Option<String>,
}

impl RingSigner {
    /// A P-256 private JWK (`crv`, `x`, `y`, `d`; RFC 7518 §6.2).
    pub(crate) fn es256(jwk: &Jwk) -> Result<Self, JoseError> {
        expect_curve(jwk, "P-256")?;
        let public = p256_public_point(jwk)?;
        let rng = SystemRandom::new();
        let key = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &member(jwk, "d")?,
            &public,
            &rng,
        )
        .map_err(|e| invalid(format!("not a P-256 key pair: {e}")))?;
        Ok(Self { key: Arc::new(KeyPair::Es256(key)), rng, key_id: jwk.key_id().map(String::from) })
    }

    /// An Ed25519 private JWK (`crv`, `x`, `d`; RFC 8037 §2).
    pub(crate) fn ed25519(jwk: &Jwk) -> Result<Self, JoseError> {
        expect_curve(jwk, "Ed25519")?;
        let key = Ed25519KeyPair::from_seed_and_public_key(&member(jwk, "d")?, &member(jwk, "x")?)
            .map_err(|e| invalid(format!("not an Ed25519 key pair: {e}")))?;
        let rng = SystemRandom::new();
        Ok(Self { key: Arc::new(KeyPair::Ed25519(key)), rng, key_id: jwk.key_id().map(String::from) })
    }
}

impl JwsSigner for RingSigner {
    fn algorithm(&self) -> &dyn JwsAlgorithm {
        match *self.key {
            KeyPair::Es256(_) => &ES256,
            KeyPair::Ed25519(_) => &EdDSA,
        }
    }

    fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    fn signature_len(&self) -> usize {
        64
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        match &*self.key {
            KeyPair::Es256(key) => key
                .sign(&self.rng, message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| JoseError::InvalidSignature(anyhow::anyhow!("the system's random source failed"))),
            KeyPair::Ed25519(key) => Ok(key.sign(message).as_ref().to_vec()),
        }
    }

    fn box_clone(&self) -> Box<dyn JwsSigner> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::SigningAlg;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    #[test]
    fn ed25519_matches_rfc8037_appendix_a_4() {
        let jwk = Jwk::from_bytes(
            br#"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        )
        .unwrap();
        let signer = RingSigner::ed25519(&jwk).unwrap();
        let signature = signer.sign(b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc").unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(signature),
            "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        );
    }

    #[test]
    fn es256_signatures_verify_with_josekit_and_a_changed_message_does_not() {
        let jwk = SigningAlg::ES256.generate().unwrap();
        let signer = RingSigner::es256(&jwk).unwrap();
        let verifier = SigningAlg::ES256.verifier(&jwk.to_public_key().unwrap()).unwrap();
        let signature = signer.sign(b"header.payload").unwrap();
        assert_eq!(signature.len(), 64);
        verifier.verify(b"header.payload", &signature).unwrap();
        assert!(verifier.verify(b"header.payloaD", &signature).is_err());
    }

    #[test]
    fn a_key_of_the_wrong_curve_or_a_mismatched_pair_is_refused() {
        let ed = SigningAlg::EdDSA.generate().unwrap();
        assert!(RingSigner::es256(&ed).is_err());
        let mut mixed = SigningAlg::ES256.generate().unwrap();
        let other = SigningAlg::ES256.generate().unwrap();
        mixed.set_parameter("x", other.parameter("x").cloned()).unwrap();
        assert!(RingSigner::es256(&mixed).is_err(), "d does not match x, y");
    }
}
