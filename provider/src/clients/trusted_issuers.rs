//! JWTs about clients signed by parties the operator trusts, each known by its `iss` and a JWK
//! set file: software statements (RFC 7591 §2.3) and client attestations.

use super::key_sets::ClientKeySet;
use super::keys::try_keys;
use crate::jose::{self, SigningAlg};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Why a JWT from an issuer was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IssuerError {
    /// Its `iss` is not one configured.
    Untrusted(String),
    /// It is not a JWT, or its signature, alg or lifetime is wrong.
    Invalid(&'static str),
}

/// The trusted issuers' key sets, parsed once at start.
#[derive(Default)]
pub(crate) struct TrustedIssuers(HashMap<String, ClientKeySet>);

impl TrustedIssuers {
    /// Reads each issuer's JWK set file (`setting` names them in errors); an unreadable or empty
    /// one stops the start.
    pub(crate) async fn load(setting: &str, files: &BTreeMap<String, PathBuf>) -> Result<Self, String> {
        let mut issuers = HashMap::new();
        for (issuer, path) in files {
            let named = |why: String| format!("{setting}.{issuer}: {}: {why}", path.display());
            let text = tokio::fs::read_to_string(path).await.map_err(|e| named(e.to_string()))?;
            let document: Value = serde_json::from_str(&text).map_err(|e| named(e.to_string()))?;
            let set = ClientKeySet::parse(&document).map_err(named)?;
            if set.keys.is_empty() {
                return Err(named("the JWK set has no usable key".into()));
            }
            issuers.insert(issuer.clone(), set);
        }
        Ok(Self(issuers))
    }

    /// The header and claims of `jwt`, if a trusted issuer signed it with one of its keys and an
    /// asymmetric alg (never `none`, never an HMAC anyone holding a secret could make), and it
    /// has not expired.
    pub(crate) fn verify(&self, jwt: &str) -> Result<(Value, Map<String, Value>), IssuerError> {
        let (header, claims) = jose::peek(jwt).map_err(|_| IssuerError::Invalid("is not a signed JWT"))?;
        let issuer = claims["iss"].as_str().ok_or(IssuerError::Invalid("has no iss"))?;
        let keys = self.0.get(issuer).ok_or_else(|| IssuerError::Untrusted(issuer.to_string()))?;
        let alg: SigningAlg =
            header["alg"].as_str().and_then(|a| a.parse().ok()).ok_or(IssuerError::Invalid("alg is not allowed"))?;
        let verified = try_keys(keys, alg, header["kid"].as_str(), jwt)
            .map_err(|_| IssuerError::Invalid("the signature does not verify with the issuer's keys"))?;
        if verified["exp"].as_i64().is_some_and(|exp| exp <= crate::security::now()) {
            return Err(IssuerError::Invalid("has expired"));
        }
        match verified {
            Value::Object(claims) => Ok((header, claims)),
            _ => Err(IssuerError::Invalid("its claims are not a JSON object")),
        }
    }
}
