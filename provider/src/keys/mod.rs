//! The key store: the provider's signing keys, parsed once, and their public JWKS.

mod rotation;
mod thumbprint;

pub use crate::jose::SigningAlg;
pub use rotation::{Rotation, rotate};
pub(crate) use rotation::{SharedKeystore, reload_on_change};
pub use thumbprint::thumbprint;

use crate::jose::JoseError;
use josekit::jwe::JweDecrypter;
use josekit::jwk::Jwk;
use josekit::jws::{JwsSigner, JwsVerifier};
use std::path::Path;

/// One signing key, ready to sign.
pub struct SigningKey {
    /// The algorithm this key signs with.
    pub alg: SigningAlg,
    /// The RFC 7638 thumbprint, published as `kid`.
    pub kid: String,
    /// When the key was made (seconds since the epoch), if the file records it (`x-created-at`,
    /// written by generation and rotation).
    pub created_at: Option<i64>,
    signer: Box<dyn JwsSigner>,
}

impl SigningKey {
    /// The parsed signer (with `kid` set).
    pub fn signer(&self) -> &dyn JwsSigner {
        &*self.signer
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("alg", &self.alg).field("kid", &self.kid).finish()
    }
}

/// One of the provider's encryption keys: clients encrypt request objects to it (RFC 9101 §6.1,
/// OIDC Core §6.1), and the provider decrypts with it.
pub struct DecryptionKey {
    /// The JWE key management algorithm (`RSA-OAEP-256`, `ECDH-ES`, ...).
    pub alg: String,
    /// The RFC 7638 thumbprint, published as `kid`.
    pub kid: String,
    decrypter: Box<dyn JweDecrypter>,
}

impl std::fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptionKey").field("alg", &self.alg).field("kid", &self.kid).finish()
    }
}

/// The provider's keys.
#[derive(Debug)]
pub struct Keystore {
    signing: Vec<SigningKey>,
    /// Keys with `use: enc`, in the file's order.
    decryption: Vec<DecryptionKey>,
    /// A verifier per published key, by `kid`: for tokens of our own that come back (`id_token_hint`).
    verifiers: Vec<(String, Box<dyn JwsVerifier>)>,
    /// The public JWKS, serialised once.
    jwks_json: String,
}

/// A key-loading failure, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("keys file {path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A key in the file is unusable.
    #[error("keys file {path}: key {index}: {message}")]
    Key {
        /// The file.
        path: String,
        /// The key's position in `keys`.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A configured algorithm has no key.
    #[error("no key for {0} in the keys file; add one or remove it from keys.signing_algs")]
    Missing(SigningAlg),
}

impl Keystore {
    /// Loads the JWKS file; if it is missing and `generate` is set, creates it with one key per
    /// algorithm in `algs` (mode 0600).
    pub fn load_or_generate(path: &Path, generate: bool, algs: &[SigningAlg]) -> Result<Self, KeyError> {
        let file_err = |message: String| KeyError::File { path: path.display().to_string(), message };
        if !path.exists() && generate {
            let keys = algs
                .iter()
                .map(|alg| {
                    alg.generate().map(|jwk| {
                        let mut jwk = jwk.as_ref().clone();
                        jwk.insert(rotation::CREATED.into(), rotation::unix_now().into());
                        serde_json::Value::Object(jwk)
                    })
                })
                .collect::<Result<Vec<_>, JoseError>>()
                .map_err(|e| file_err(e.to_string()))?;
            let text = serde_json::to_string_pretty(&serde_json::json!({ "keys": keys }))
                .map_err(|e| file_err(e.to_string()))?;
            write_private(path, &text).map_err(|e| file_err(e.to_string()))?;
            tracing::info!(path = %path.display(), "generated signing keys");
        }
        let text = std::fs::read_to_string(path).map_err(|e| file_err(e.to_string()))?;
        Self::from_jwks(&text, algs).map_err(|e| match e {
            KeyError::Key { index, message, .. } => KeyError::Key { path: path.display().to_string(), index, message },
            KeyError::File { message, .. } => file_err(message),
            other => other,
        })
    }

    /// Builds the store from a private JWKS document. Each key needs `alg`; `kid` is recomputed
    /// as the RFC 7638 thumbprint so it is stable and unique.
    pub fn from_jwks(text: &str, algs: &[SigningAlg]) -> Result<Self, KeyError> {
        let doc: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| KeyError::File { path: String::new(), message: format!("not JSON: {e}") })?;
        let keys = doc["keys"]
            .as_array()
            .ok_or_else(|| KeyError::File { path: String::new(), message: "no \"keys\" array".into() })?;
        let mut signing = Vec::new();
        let mut decryption = Vec::new();
        let mut verifiers = Vec::new();
        let mut public = Vec::new();
        for (index, value) in keys.iter().enumerate() {
            let key_err = |message: String| KeyError::Key { path: String::new(), index, message };
            let map = value.as_object().ok_or_else(|| key_err("not an object".into()))?.clone();
            if map.get("use").and_then(|u| u.as_str()) == Some("enc") {
                let (key, public_jwk) = decryption_key(map).map_err(key_err)?;
                decryption.push(key);
                public.push(serde_json::Value::Object(public_jwk.as_ref().clone()));
                continue;
            }
            let alg: SigningAlg = map
                .get("alg")
                .and_then(|v| v.as_str())
                .ok_or_else(|| key_err("no alg".into()))?
                .parse()
                .map_err(key_err)?;
            let kid = thumbprint(&map).map_err(key_err)?;
            let created_at = map.get(rotation::CREATED).and_then(serde_json::Value::as_i64);
            let mut jwk = Jwk::from_map(map).map_err(|e| key_err(e.to_string()))?;
            jwk.set_key_id(&kid);
            let signer = alg.signer(&jwk).map_err(|e| key_err(e.to_string()))?;
            let mut public_jwk = jwk.to_public_key().map_err(|e| key_err(e.to_string()))?;
            // josekit keeps only key material in the public key; publish kid, alg and use too.
            public_jwk.set_key_id(&kid);
            public_jwk.set_algorithm(alg.as_str());
            public_jwk.set_key_use("sig");
            verifiers.push((kid.clone(), alg.verifier(&public_jwk).map_err(|e| key_err(e.to_string()))?));
            public.push(serde_json::Value::Object(public_jwk.as_ref().clone()));
            if algs.contains(&alg) {
                signing.push(SigningKey { alg, kid, created_at, signer });
            }
        }
        if let Some(missing) = algs.iter().find(|alg| !signing.iter().any(|k| k.alg == **alg)) {
            return Err(KeyError::Missing(*missing));
        }
        let jwks_json = serde_json::json!({ "keys": public }).to_string();
        Ok(Self { signing, decryption, verifiers, jwks_json })
    }

    /// The keys for the configured algorithms, in the file's order (the first of an alg signs).
    pub fn signing_keys(&self) -> &[SigningKey] {
        &self.signing
    }

    /// The current key for `alg`, if one is configured.
    pub fn signing_key(&self, alg: SigningAlg) -> Option<&SigningKey> {
        self.signing.iter().find(|k| k.alg == alg)
    }

    /// The algorithms this store can sign with, in configuration order.
    /// The alg to sign with for a client that registered none where a spec says RS256 (JARM §3,
    /// RFC 9701 §4): RS256 if there is an RS256 key, else the first alg with a key (a FAPI
    /// profile has none for RS256).
    pub fn default_alg(&self) -> SigningAlg {
        match self.signing.iter().find(|key| key.alg == SigningAlg::RS256).or(self.signing.first()) {
            Some(key) => key.alg,
            None => SigningAlg::RS256,
        }
    }

    /// The algorithms there are signing keys for.
    pub fn algs(&self) -> Vec<SigningAlg> {
        let mut algs: Vec<SigningAlg> = Vec::new();
        for key in &self.signing {
            if !algs.contains(&key.alg) {
                algs.push(key.alg);
            }
        }
        algs
    }

    /// Verifies a JWS signed by one of our published keys (chosen by its `kid`) and returns its
    /// payload. Expiry and other claims are the caller's to check.
    pub fn verify_own(&self, token: &str) -> Result<serde_json::Value, JoseError> {
        self.verify_with_own_key(token, None)
    }

    /// [`verify_own`](Self::verify_own), for a JWS whose header `typ` is `typ`: a token of one
    /// kind (an access token, say) is never taken for another we sign with the same keys.
    pub fn verify_own_typed(&self, token: &str, typ: &str) -> Result<serde_json::Value, JoseError> {
        self.verify_with_own_key(token, Some(typ))
    }

    fn verify_with_own_key(&self, token: &str, typ: Option<&str>) -> Result<serde_json::Value, JoseError> {
        crate::jose::verify_selected(token, |header| {
            if typ.is_some_and(|typ| header.token_type() != Some(typ)) {
                return None;
            }
            let kid = header.key_id()?;
            self.verifiers.iter().find(|(k, _)| k == kid).map(|(_, v)| &**v)
        })
    }

    /// The JWE key algorithms clients may encrypt to this provider with: those of its
    /// encryption keys, in the file's order.
    pub fn encryption_algs(&self) -> Vec<&str> {
        let mut algs: Vec<&str> = Vec::new();
        for key in &self.decryption {
            if !algs.contains(&key.alg.as_str()) {
                algs.push(&key.alg);
            }
        }
        algs
    }

    /// Decrypts a compact JWE encrypted to one of this provider's keys: the one its `kid` names,
    /// or, without a `kid`, each key of its `alg` in turn. Returns the plaintext.
    pub fn decrypt(&self, jwe: &str) -> Result<Vec<u8>, JoseError> {
        let header = crate::jose::peek_jwe_header(jwe)?;
        let alg = header["alg"].as_str().unwrap_or_default();
        let enc = header["enc"].as_str().unwrap_or_default();
        if !crate::jose::encrypt::CONTENT_ENCS.contains(&enc) {
            return Err(JoseError::new(format!("unsupported enc {enc:?}")));
        }
        let kid = header["kid"].as_str();
        let candidates = self.decryption.iter().filter(|k| k.alg == alg && kid.is_none_or(|kid| k.kid == kid));
        for key in candidates {
            if let Ok((plaintext, _)) = josekit::jwe::deserialize_compact(jwe, &*key.decrypter) {
                return Ok(plaintext);
            }
        }
        Err(JoseError::new(match kid {
            Some(kid) => format!("no {alg} key {kid} of this provider decrypts it"),
            None => format!("no {alg} key of this provider decrypts it"),
        }))
    }

    /// The public JWKS document, as served at `jwks_uri`.
    pub fn jwks_json(&self) -> &str {
        &self.jwks_json
    }
}

/// An encryption key (`use: enc`) parsed for decrypting, and its public JWK to publish.
fn decryption_key(map: serde_json::Map<String, serde_json::Value>) -> Result<(DecryptionKey, Jwk), String> {
    use josekit::jwe;
    let alg = map.get("alg").and_then(|v| v.as_str()).ok_or("an encryption key needs alg")?.to_string();
    let kid = thumbprint(&map)?;
    let mut jwk = Jwk::from_map(map).map_err(|e| e.to_string())?;
    jwk.set_key_id(&kid);
    let decrypter: Box<dyn JweDecrypter> = match alg.as_str() {
        "RSA-OAEP" => Box::new(jwe::RSA_OAEP.decrypter_from_jwk(&jwk).map_err(|e| e.to_string())?),
        "RSA-OAEP-256" => Box::new(jwe::RSA_OAEP_256.decrypter_from_jwk(&jwk).map_err(|e| e.to_string())?),
        "ECDH-ES" => Box::new(jwe::ECDH_ES.decrypter_from_jwk(&jwk).map_err(|e| e.to_string())?),
        "ECDH-ES+A128KW" => Box::new(jwe::ECDH_ES_A128KW.decrypter_from_jwk(&jwk).map_err(|e| e.to_string())?),
        "ECDH-ES+A256KW" => Box::new(jwe::ECDH_ES_A256KW.decrypter_from_jwk(&jwk).map_err(|e| e.to_string())?),
        other => return Err(format!("unsupported encryption alg {other:?}")),
    };
    let mut public = jwk.to_public_key().map_err(|e| e.to_string())?;
    public.set_key_id(&kid);
    public.set_algorithm(&alg);
    public.set_key_use("enc");
    Ok((DecryptionKey { alg, kid, decrypter }, public))
}

/// A new private key as a JWK object: signing keys for a JWS alg, encryption keys (RSA 2048 or
/// P-256) for a JWE key algorithm; `kid` is the RFC 7638 thumbprint.
pub fn generate_jwk(alg: &str) -> Result<serde_json::Map<String, serde_json::Value>, JoseError> {
    let mut jwk = match alg.parse::<SigningAlg>() {
        Ok(signing) => signing.generate()?,
        Err(_) => {
            let mut key = match alg {
                "RSA-OAEP" | "RSA-OAEP-256" => Jwk::generate_rsa_key(2048)?,
                "ECDH-ES" | "ECDH-ES+A128KW" | "ECDH-ES+A256KW" => {
                    Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256)?
                }
                other => return Err(JoseError::new(format!("cannot generate a key for {other}"))),
            };
            key.set_algorithm(alg);
            key.set_key_use("enc");
            key
        }
    };
    let kid = thumbprint(jwk.as_ref()).map_err(JoseError::new)?;
    jwk.set_key_id(kid);
    Ok(jwk.as_ref().clone())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::io::Write::write_all(&mut crate::security::create_private_file(path)?, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_persist_and_publish_only_public_members() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/jwks.json");
        let first = Keystore::load_or_generate(&path, true, &SigningAlg::ALL).unwrap();
        let second = Keystore::load_or_generate(&path, true, &SigningAlg::ALL).unwrap();
        assert_eq!(first.jwks_json(), second.jwks_json(), "keys are persisted, not regenerated");
        let jwks: serde_json::Value = serde_json::from_str(first.jwks_json()).unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 4);
        for key in keys {
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(key.get(private).is_none(), "{private} published in {key}");
            }
            let kid = key["kid"].as_str().unwrap();
            assert_eq!(kid, thumbprint(key.as_object().unwrap()).unwrap());
        }
    }

    #[test]
    fn own_tokens_verify_and_foreign_ones_do_not() {
        let jwk = SigningAlg::ES256.generate().unwrap();
        let text = serde_json::json!({ "keys": [jwk.as_ref()] }).to_string();
        let store = Keystore::from_jwks(&text, &[SigningAlg::ES256]).unwrap();
        let key = store.signing_key(SigningAlg::ES256).unwrap();
        let token = crate::jose::sign(&serde_json::json!({"sub": "a"}), "JWT", key.signer()).unwrap();
        assert_eq!(store.verify_own(&token).unwrap()["sub"], "a");
        let other = SigningAlg::ES256.generate().unwrap();
        let mut signer = SigningAlg::ES256.signer(&other).unwrap();
        let foreign = crate::jose::sign(&serde_json::json!({"sub": "a"}), "JWT", &*signer).unwrap();
        assert!(store.verify_own(&foreign).is_err(), "no kid: refused");
        drop(signer);
        let mut forged = other.clone();
        forged.set_key_id(&key.kid);
        signer = SigningAlg::ES256.signer(&forged).unwrap();
        let forged = crate::jose::sign(&serde_json::json!({"sub": "a"}), "JWT", &*signer).unwrap();
        assert!(store.verify_own(&forged).is_err(), "our kid, another key: refused");
    }

    #[test]
    fn encryption_keys_are_published_and_decrypt_what_is_encrypted_to_them() {
        let (rsa, ec) = (generate_jwk("RSA-OAEP-256").unwrap(), generate_jwk("ECDH-ES").unwrap());
        let signing = SigningAlg::RS256.generate().unwrap();
        let text = serde_json::json!({ "keys": [signing.as_ref(), rsa, ec] }).to_string();
        let store = Keystore::from_jwks(&text, &[SigningAlg::RS256]).unwrap();
        assert_eq!(store.encryption_algs(), ["RSA-OAEP-256", "ECDH-ES"]);
        let jwks: serde_json::Value = serde_json::from_str(store.jwks_json()).unwrap();
        let published: Vec<&serde_json::Value> =
            jwks["keys"].as_array().unwrap().iter().filter(|k| k["use"] == "enc").collect();
        assert_eq!(published.len(), 2);
        for key in &published {
            assert!(key.get("d").is_none(), "private member published: {key}");
        }
        let encrypt_to = |public: &serde_json::Value, alg: &str| {
            let jwk = Jwk::from_map(public.as_object().unwrap().clone()).unwrap();
            crate::jose::encrypt::encrypt(
                "secret request",
                alg,
                "A256GCM",
                crate::jose::encrypt::EncryptionKey::Public(&jwk),
                None,
            )
            .unwrap()
        };
        for key in &published {
            let alg = key["alg"].as_str().unwrap();
            assert_eq!(store.decrypt(&encrypt_to(key, alg)).unwrap(), b"secret request", "{alg}");
        }
        let stranger = generate_jwk("RSA-OAEP-256").unwrap();
        let mut stranger_public = Jwk::from_map(stranger).unwrap().to_public_key().unwrap().as_ref().clone();
        stranger_public.remove("kid");
        let foreign = encrypt_to(&serde_json::Value::Object(stranger_public), "RSA-OAEP-256");
        assert!(store.decrypt(&foreign).is_err(), "encrypted to another key");
        let bad =
            serde_json::json!({"keys": [signing.as_ref(), {"kty": "oct", "k": "AAAA", "use": "enc", "alg": "A128KW"}]});
        assert!(
            Keystore::from_jwks(&bad.to_string(), &[SigningAlg::RS256]).is_err(),
            "a symmetric key is not one of ours"
        );
    }

    #[test]
    fn a_missing_algorithm_is_named() {
        let jwk = SigningAlg::RS256.generate().unwrap();
        let text = serde_json::json!({ "keys": [jwk.as_ref()] }).to_string();
        let err = Keystore::from_jwks(&text, &[SigningAlg::RS256, SigningAlg::ES256]).unwrap_err();
        assert!(matches!(err, KeyError::Missing(SigningAlg::ES256)));
    }

    #[test]
    fn missing_file_without_generation_names_the_file() {
        let err =
            Keystore::load_or_generate(Path::new("/nonexistent/jwks.json"), false, &[SigningAlg::RS256]).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/jwks.json"));
    }
}
