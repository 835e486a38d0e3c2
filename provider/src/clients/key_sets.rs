//! Clients' JWK sets parsed into verifiers once, not per request: building a verifier from a
//! JWK costs about as much as an ES256 signature, and a client authenticating with
//! `private_key_jwt` presents an assertion with every token request.

use crate::jose::SigningAlg;
use josekit::jwk::Jwk;
use josekit::jws::JwsVerifier;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How many parsed sets are kept at most. A set is a client's `jwks`, or one version of what
/// its `jwks_uri` serves; each rolled key makes a new one.
const MAX_SETS: usize = 4096;

/// One public key of a client: its JWK, and a verifier for each algorithm it may verify.
pub struct ClientKey {
    /// The key as registered.
    pub jwk: Jwk,
    verifiers: Vec<(SigningAlg, Box<dyn JwsVerifier>)>,
}

impl ClientKey {
    /// Its verifier for `alg`, if it may verify with it (RFC 7517 §4.2 to §4.4: `use`,
    /// `key_ops` and `alg` allow it, and its type and curve are `alg`'s).
    pub fn verifier(&self, alg: SigningAlg) -> Option<&dyn JwsVerifier> {
        self.verifiers.iter().find(|(a, _)| *a == alg).map(|(_, v)| &**v)
    }
}

/// A client's JWK set, parsed. Members that are not JWKs are left out, as before parsing did.
pub struct ClientKeySet {
    /// Its keys, in the set's order.
    pub keys: Vec<ClientKey>,
}

impl ClientKeySet {
    /// Parses a JWK set document (`{"keys": [...]}`).
    fn parse(document: &serde_json::Value) -> Result<Self, String> {
        let members = document["keys"].as_array().ok_or("the client's JWK set has no keys")?;
        let keys = members
            .iter()
            .filter_map(|member| Jwk::from_map(member.as_object()?.clone()).ok())
            .map(|jwk| {
                // Each verifier checks that the key's type, curve, `use`, `key_ops` and `alg` allow it.
                let verifiers =
                    SigningAlg::ALL.into_iter().filter_map(|alg| Some((alg, alg.verifier(&jwk).ok()?))).collect();
                ClientKey { jwk, verifiers }
            })
            .collect();
        Ok(Self { keys })
    }
}

/// Parsed JWK sets by the SHA-256 of their JSON, so the same set is parsed once whoever presents
/// it, and a changed set is parsed afresh.
#[derive(Default)]
pub struct KeySetCache {
    sets: Mutex<HashMap<[u8; 32], Arc<ClientKeySet>>>,
}

impl KeySetCache {
    /// The parsed form of a client's registered `jwks`.
    pub fn registered(&self, jwks: &serde_json::Value) -> Result<Arc<ClientKeySet>, String> {
        let text = serde_json::to_vec(jwks).map_err(|e| e.to_string())?;
        self.get_or_parse(&text, || Ok(jwks.clone()))
    }

    /// The parsed form of a JWK set fetched from `uri`.
    pub fn fetched(&self, uri: &str, body: &str) -> Result<Arc<ClientKeySet>, String> {
        self.get_or_parse(body.as_bytes(), || serde_json::from_str(body).map_err(|_| format!("{uri} is not a JWK set")))
    }

    fn get_or_parse(
        &self,
        text: &[u8],
        document: impl FnOnce() -> Result<serde_json::Value, String>,
    ) -> Result<Arc<ClientKeySet>, String> {
        let digest: [u8; 32] = Sha256::digest(text).into();
        if let Some(set) = self.sets.lock().ok().and_then(|sets| sets.get(&digest).cloned()) {
            return Ok(set);
        }
        // Parsed outside the lock: two requests may both parse a new set, and one copy is kept.
        let set = Arc::new(ClientKeySet::parse(&document()?)?);
        if let Ok(mut sets) = self.sets.lock() {
            if sets.len() >= MAX_SETS
                && let Some(any) = sets.keys().next().copied()
            {
                sets.remove(&any);
            }
            sets.insert(digest, set.clone());
        }
        Ok(set)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.sets.lock().map(|sets| sets.len()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn public(alg: SigningAlg) -> serde_json::Value {
        let jwk = alg.generate().unwrap().to_public_key().unwrap();
        serde_json::Value::Object(jwk.as_ref().clone())
    }

    #[test]
    fn a_set_is_parsed_once_and_a_changed_set_afresh() {
        let cache = KeySetCache::default();
        let jwks = json!({"keys": [public(SigningAlg::ES256)]});
        let first = cache.registered(&jwks).unwrap();
        let again = cache.registered(&jwks).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the same set is not parsed again");
        let body = serde_json::to_string(&jwks).unwrap();
        assert!(Arc::ptr_eq(&first, &cache.fetched("https://rp.example/jwks", &body).unwrap()));
        let rolled = json!({"keys": [public(SigningAlg::ES256)]});
        let second = cache.registered(&rolled).unwrap();
        assert!(!Arc::ptr_eq(&first, &second));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn each_key_gets_a_verifier_for_the_algorithms_it_may_verify() {
        let mut es256_enc = public(SigningAlg::ES256);
        es256_enc["use"] = json!("enc");
        let mut rsa_ps256 = public(SigningAlg::RS256);
        rsa_ps256["alg"] = json!("PS256");
        let rsa_any = {
            let mut jwk = public(SigningAlg::RS256);
            jwk.as_object_mut().unwrap().remove("alg");
            jwk
        };
        let jwks = json!({"keys": [public(SigningAlg::ES256), public(SigningAlg::EdDSA), es256_enc, rsa_ps256, rsa_any, "not a key", {"kty": "nope"}]});
        let set = KeySetCache::default().registered(&jwks).unwrap();
        let algs: Vec<Vec<SigningAlg>> = set
            .keys
            .iter()
            .map(|key| SigningAlg::ALL.into_iter().filter(|alg| key.verifier(*alg).is_some()).collect())
            .collect();
        use SigningAlg::*;
        // "not a key" is left out; an unknown kty is a JWK that verifies nothing.
        assert_eq!(algs, vec![vec![ES256], vec![EdDSA], vec![], vec![PS256], vec![RS256, PS256], vec![]]);
    }

    #[test]
    fn a_document_without_keys_or_not_json_is_refused() {
        let cache = KeySetCache::default();
        assert!(cache.registered(&json!({"kes": []})).is_err());
        assert!(cache.fetched("https://rp.example/jwks", "<html>").is_err());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn it_keeps_at_most_max_sets() {
        let cache = KeySetCache::default();
        for n in 0..MAX_SETS + 3 {
            cache.registered(&json!({"keys": [], "n": n})).unwrap();
        }
        assert_eq!(cache.len(), MAX_SETS);
    }
}
