//! JWE for clients that ask for encrypted ID tokens or userinfo (OIDC Core §10.2).

use super::JoseError;
use josekit::jwe::{self, JweEncrypter, JweHeader};
use josekit::jwk::Jwk;
use sha2::Digest;

/// Key management algorithms offered for ID tokens and userinfo.
pub(crate) const KEY_ALGS: [&str; 8] =
    ["RSA-OAEP", "RSA-OAEP-256", "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A256KW", "A128KW", "A256KW", "dir"];
/// Content encryption algorithms offered.
pub(crate) const CONTENT_ENCS: [&str; 4] = ["A128CBC-HS256", "A256CBC-HS512", "A128GCM", "A256GCM"];
/// The content encryption used when a client names only the key algorithm (OIDC Registration §2).
pub(crate) const DEFAULT_ENC: &str = "A128CBC-HS256";

/// Whether `alg` uses a key derived from the client secret rather than one of the client's keys.
pub(crate) fn is_symmetric(alg: &str) -> bool {
    matches!(alg, "A128KW" | "A256KW" | "dir")
}

/// Whether some key algorithm offered here can encrypt to this public key (josekit also holds
/// the key to its own `alg`, if it names one).
pub(crate) fn encrypts_to(jwk: &Jwk) -> bool {
    jwe::RSA_OAEP.encrypter_from_jwk(jwk).is_ok()
        || jwe::RSA_OAEP_256.encrypter_from_jwk(jwk).is_ok()
        || jwe::ECDH_ES.encrypter_from_jwk(jwk).is_ok()
        || jwe::ECDH_ES_A128KW.encrypter_from_jwk(jwk).is_ok()
        || jwe::ECDH_ES_A256KW.encrypter_from_jwk(jwk).is_ok()
}

/// The key JWE encrypts to.
pub(crate) enum EncryptionKey<'a> {
    /// One of the client's public keys.
    Public(&'a Jwk),
    /// The client secret, from which the key is derived.
    Secret(&'a str),
}

/// Encrypts `payload` as a compact JWE. `cty: Some("JWT")` marks a nested (signed) JWT.
pub(crate) fn encrypt(
    payload: &str,
    alg: &str,
    enc: &str,
    key: EncryptionKey<'_>,
    cty: Option<&str>,
) -> Result<String, JoseError> {
    if !CONTENT_ENCS.contains(&enc) {
        return Err(JoseError::new(format!("unsupported enc {enc}")));
    }
    let encrypter: Box<dyn JweEncrypter> = match (alg, &key) {
        ("RSA-OAEP", EncryptionKey::Public(jwk)) => Box::new(jwe::RSA_OAEP.encrypter_from_jwk(jwk)?),
        ("RSA-OAEP-256", EncryptionKey::Public(jwk)) => Box::new(jwe::RSA_OAEP_256.encrypter_from_jwk(jwk)?),
        ("ECDH-ES", EncryptionKey::Public(jwk)) => Box::new(jwe::ECDH_ES.encrypter_from_jwk(jwk)?),
        ("ECDH-ES+A128KW", EncryptionKey::Public(jwk)) => Box::new(jwe::ECDH_ES_A128KW.encrypter_from_jwk(jwk)?),
        ("ECDH-ES+A256KW", EncryptionKey::Public(jwk)) => Box::new(jwe::ECDH_ES_A256KW.encrypter_from_jwk(jwk)?),
        ("A128KW", EncryptionKey::Secret(secret)) => Box::new(jwe::A128KW.encrypter_from_bytes(derive(secret, 16))?),
        ("A256KW", EncryptionKey::Secret(secret)) => Box::new(jwe::A256KW.encrypter_from_bytes(derive(secret, 32))?),
        ("dir", EncryptionKey::Secret(secret)) => {
            Box::new(jwe::Dir.encrypter_from_bytes(derive(secret, enc_key_len(enc)))?)
        }
        (other, _) => return Err(JoseError::new(format!("cannot encrypt with {other} and this key"))),
    };
    let mut header = JweHeader::new();
    header.set_content_encryption(enc);
    if let Some(cty) = cty {
        header.set_content_type(cty);
    }
    if let EncryptionKey::Public(jwk) = key
        && let Some(kid) = jwk.key_id()
    {
        header.set_key_id(kid);
    }
    Ok(jwe::serialize_compact(payload.as_bytes(), &header, &*encrypter)?)
}

/// The content encryption key length of `enc`, in bytes.
fn enc_key_len(enc: &str) -> usize {
    match enc {
        "A128GCM" => 16,
        "A256GCM" | "A128CBC-HS256" => 32,
        _ => 64,
    }
}

/// OIDC Core §10.2: the left `len` bytes of SHA-256 (up to 256 bits), SHA-384 (up to 384) or
/// SHA-512 over the UTF-8 client secret.
pub(crate) fn derive(secret: &str, len: usize) -> Vec<u8> {
    let digest: Vec<u8> = match len * 8 {
        0..=256 => sha2::Sha256::digest(secret.as_bytes()).to_vec(),
        257..=384 => sha2::Sha384::digest(secret.as_bytes()).to_vec(),
        _ => sha2::Sha512::digest(secret.as_bytes()).to_vec(),
    };
    digest[..len.min(digest.len())].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decrypt_with(jwe_text: &str, decrypter: &dyn jwe::JweDecrypter) -> String {
        let (payload, _) = jwe::deserialize_compact(jwe_text, decrypter).unwrap();
        String::from_utf8(payload).unwrap()
    }

    #[test]
    fn asymmetric_round_trips() {
        let rsa = Jwk::generate_rsa_key(2048).unwrap();
        let ec = Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256).unwrap();
        for (alg, key, dec) in [
            (
                "RSA-OAEP-256",
                &rsa,
                Box::new(jwe::RSA_OAEP_256.decrypter_from_jwk(&rsa).unwrap()) as Box<dyn jwe::JweDecrypter>,
            ),
            ("ECDH-ES+A128KW", &ec, Box::new(jwe::ECDH_ES_A128KW.decrypter_from_jwk(&ec).unwrap())),
        ] {
            let public = key.to_public_key().unwrap();
            for enc in CONTENT_ENCS {
                let text = encrypt("hello", alg, enc, EncryptionKey::Public(&public), Some("JWT")).unwrap();
                assert_eq!(decrypt_with(&text, &*dec), "hello", "{alg} {enc}");
            }
        }
    }

    #[test]
    fn symmetric_keys_derive_from_the_secret() {
        let secret = "a client secret";
        let text = encrypt("hi", "A256KW", "A128GCM", EncryptionKey::Secret(secret), None).unwrap();
        let dec = jwe::A256KW.decrypter_from_bytes(derive(secret, 32)).unwrap();
        assert_eq!(decrypt_with(&text, &dec), "hi");
        let text = encrypt("hi", "dir", "A256CBC-HS512", EncryptionKey::Secret(secret), None).unwrap();
        let dec = jwe::Dir.decrypter_from_bytes(derive(secret, 64)).unwrap();
        assert_eq!(decrypt_with(&text, &dec), "hi");
        assert_eq!(derive(secret, 16), sha2::Sha256::digest(secret.as_bytes())[..16].to_vec());
        assert_eq!(derive(secret, 64), sha2::Sha512::digest(secret.as_bytes()).to_vec());
    }

    #[test]
    fn mismatched_key_kinds_are_refused() {
        assert!(encrypt("x", "RSA-OAEP", "A128GCM", EncryptionKey::Secret("s"), None).is_err());
        assert!(encrypt("x", "A128KW", "A128GCM", EncryptionKey::Secret("s"), None).is_ok());
        assert!(encrypt("x", "A128KW", "A999GCM", EncryptionKey::Secret("s"), None).is_err());
    }
}
