//! Clients' JWK sets parsed into verifiers once per version, not per request: building a
//! verifier from a JWK costs about as much as an ES256 signature, and a client authenticating
//! with `private_key_jwt` presents an assertion with every token request.

use crate::jose::SigningAlg;
use josekit::jwk::Jwk;
use josekit::jws::JwsVerifier;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How many sources' sets are kept at most (clients are registered at start; this bounds the
/// cache should they ever not be).
const MAX_SETS: usize = 4096;

/// One public key of a client: its JWK, and a verifier for each algorithm it may verify.
pub(crate) struct ClientKey {
    /// The key as registered.
    pub jwk: Jwk,
    verifiers: Vec<(SigningAlg, Box<dyn JwsVerifier>)>,
}

impl ClientKey {
    /// Its verifier for `alg`, if it may verify with it (RFC 7517 §4.2 to §4.4: `use`,
    /// `key_ops` and `alg` allow it, and its type and curve are `alg`'s).
    pub(crate) fn verifier(&self, alg: SigningAlg) -> Option<&dyn JwsVerifier> {
        self.verifiers.iter().find(|(a, _)| *a == alg).map(|(_, v)| &**v)
    }
}

/// A client's JWK set, parsed. Members that are not JWK objects are left out.
pub(crate) struct ClientKeySet {
    /// Its keys, in the set's order.
    pub keys: Vec<ClientKey>,
}

impl ClientKeySet {
    /// Parses a JWK set document (`{"keys": [...]}`).
    pub(crate) fn parse(document: &serde_json::Value) -> Result<Self, String> {
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

/// Checks a registered JWK set (`jwks`) at start: every member must be a key the provider can
/// use, to verify the client's signatures or to encrypt to it. An unusable key would otherwise
/// be dropped when the set is parsed, and every authentication with it fail without a word.
pub(super) fn check_registered(document: &serde_json::Value) -> Result<(), String> {
    let members = document["keys"].as_array().ok_or("must be a JWK set with a keys array")?;
    for (i, member) in members.iter().enumerate() {
        let jwk = member
            .as_object()
            .and_then(|map| Jwk::from_map(map.clone()).ok())
            .ok_or_else(|| format!("keys[{i}] is not a JWK"))?;
        let verifies = SigningAlg::ALL.into_iter().any(|alg| alg.verifier(&jwk).is_ok());
        if !verifies && !crate::jose::encrypt::encrypts_to(&jwk) {
            return Err(format!(
                "keys[{i}] (kty {:?}) can neither verify a signature nor be encrypted to: a public key is incomplete or of an unsupported type",
                jwk.key_type()
            ));
        }
    }
    Ok(())
}

/// Where a JWK set comes from: what a newer version replaces.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Source {
    /// A client's registered `jwks`, by `client_id`.
    Registered(String),
    /// A `jwks_uri`.
    Fetched(String),
}

/// The parsed JWK set of each source, with the SHA-256 of the JSON it was parsed from: a set is
/// parsed once however many requests it verifies, and a changed one (a key rolled at a
/// `jwks_uri`) is parsed afresh and replaces it. One set per source keeps the memory bounded by
/// the registered clients, whatever a `jwks_uri` serves.
#[derive(Default)]
pub(crate) struct KeySetCache {
    sets: Mutex<HashMap<Source, Parsed>>,
}

/// A parsed set and the SHA-256 of the JSON it was parsed from.
struct Parsed {
    from: [u8; 32],
    set: Arc<ClientKeySet>,
}

impl KeySetCache {
    /// The parsed form of `client_id`'s registered `jwks`.
    pub(crate) fn registered(&self, client_id: &str, jwks: &serde_json::Value) -> Result<Arc<ClientKeySet>, String> {
        let text = serde_json::to_vec(jwks).map_err(|e| e.to_string())?;
        self.get_or_parse(Source::Registered(client_id.into()), &text, || Ok(jwks.clone()))
    }

    /// The parsed form of the JWK set `uri` served.
    pub(crate) fn fetched(&self, uri: &str, body: &str) -> Result<Arc<ClientKeySet>, String> {
        let document = || serde_json::from_str(body).map_err(|_| format!("{uri} is not a JWK set"));
        self.get_or_parse(Source::Fetched(uri.into()), body.as_bytes(), document)
    }

    fn get_or_parse(
        &self,
        source: Source,
        text: &[u8],
        document: impl FnOnce() -> Result<serde_json::Value, String>,
    ) -> Result<Arc<ClientKeySet>, String> {
        let digest: [u8; 32] = Sha256::digest(text).into();
        let cached =
            self.sets.lock().ok().and_then(|sets| {
                sets.get(&source).filter(|parsed| parsed.from == digest).map(|parsed| parsed.set.clone())
            });
        if let Some(set) = cached {
            return Ok(set);
        }
        // Parsed outside the lock: two requests may both parse a new set, and one copy is kept.
        let set = Arc::new(ClientKeySet::parse(&document()?)?);
        if let Ok(mut sets) = self.sets.lock() {
            if sets.len() >= MAX_SETS
                && !sets.contains_key(&source)
                && let Some(any) = sets.keys().next().cloned()
            {
                sets.remove(&any);
            }
            sets.insert(source, Parsed { from: digest, set: set.clone() });
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
    fn a_set_is_parsed_once_and_a_changed_set_afresh_in_its_place() {
        let cache = KeySetCache::default();
        let jwks = json!({"keys": [public(SigningAlg::ES256)]});
        let first = cache.registered("rp", &jwks).unwrap();
        assert!(Arc::ptr_eq(&first, &cache.registered("rp", &jwks).unwrap()), "not parsed again");
        let rolled = json!({"keys": [public(SigningAlg::ES256)]});
        let second = cache.registered("rp", &rolled).unwrap();
        assert!(!Arc::ptr_eq(&first, &second), "a changed set is parsed");
        assert_eq!(cache.len(), 1, "and replaces the older one");
        assert!(Arc::ptr_eq(&second, &cache.registered("rp", &rolled).unwrap()), "which is kept");

        let uri = "https://rp.example/jwks";
        let body = serde_json::to_string(&jwks).unwrap();
        let fetched = cache.fetched(uri, &body).unwrap();
        assert!(Arc::ptr_eq(&fetched, &cache.fetched(uri, &body).unwrap()));
        assert!(!Arc::ptr_eq(&fetched, &first), "each source has its own");
        // Whatever a jwks_uri serves next, it holds one set.
        for _ in 0..3 {
            let served = serde_json::to_string(&json!({"keys": [public(SigningAlg::EdDSA)]})).unwrap();
            cache.fetched(uri, &served).unwrap();
        }
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
        let set = KeySetCache::default().registered("rp", &jwks).unwrap();
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
        assert!(cache.registered("rp", &json!({"kes": []})).is_err());
        assert!(cache.fetched("https://rp.example/jwks", "<html>").is_err());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_registered_set_with_an_unusable_key_is_refused() {
        use SigningAlg::{ES256, EdDSA, RS256};
        assert_eq!(check_registered(&json!({"keys": [public(ES256), public(EdDSA), public(RS256)]})), Ok(()));
        // Encryption keys, held to their own `alg` (which josekit enforces).
        let mut ecdh = public(ES256);
        ecdh["alg"] = "ECDH-ES+A128KW".into();
        ecdh["use"] = "enc".into();
        assert_eq!(check_registered(&json!({"keys": [ecdh]})), Ok(()));
        assert!(check_registered(&json!({"keys": [public(ES256), {"kty": "EC"}]})).unwrap_err().starts_with("keys[1]"));
        assert!(check_registered(&json!({"keys": ["not a key"]})).unwrap_err().contains("not a JWK"));
        assert!(check_registered(&json!({"keys": [{"kty": "XYZ", "x": "a"}]})).is_err());
        assert!(check_registered(&json!({"kes": []})).is_err());
    }

    #[test]
    fn it_keeps_at_most_max_sets() {
        let cache = KeySetCache::default();
        for n in 0..MAX_SETS + 3 {
            cache.registered(&format!("rp-{n}"), &json!({"keys": []})).unwrap();
        }
        assert_eq!(cache.len(), MAX_SETS);
    }
}
