//! DPoP proofs (RFC 9449 §4) as a client makes them, by hand: the `openidconnect` and `oauth2`
//! crates do not. Each proof is fresh (`jti`, `iat`); `claims` and `header` let a test break one
//! rule at a time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::Jwk;
use josekit::jws::{self, JwsHeader};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A client's DPoP key (ES256).
pub struct DpopKey {
    private: Jwk,
    /// The public key, as the proofs carry it.
    pub public: Value,
}

impl Default for DpopKey {
    fn default() -> Self {
        Self::new()
    }
}

impl DpopKey {
    /// A fresh P-256 key.
    pub fn new() -> Self {
        let private = Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256).unwrap();
        let public = Value::Object(private.to_public_key().unwrap().as_ref().clone());
        Self { private, public }
    }

    /// The key's RFC 7638 thumbprint (`jkt`).
    pub fn jkt(&self) -> String {
        let canonical = format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            self.public["crv"].as_str().unwrap(),
            self.public["x"].as_str().unwrap(),
            self.public["y"].as_str().unwrap()
        );
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
    }

    /// The claims of a proof for `htm` at `htu`, issued now.
    pub fn claims(&self, htm: &str, htu: &str) -> Value {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let jti: [u8; 16] = rand::random();
        json!({ "htm": htm, "htu": htu, "iat": now, "jti": URL_SAFE_NO_PAD.encode(jti) })
    }

    /// A proof for `htm` at `htu`, with `ath` for `access_token` and `nonce` if given.
    pub fn proof(&self, htm: &str, htu: &str, access_token: Option<&str>, nonce: Option<&str>) -> String {
        let mut claims = self.claims(htm, htu);
        if let Some(token) = access_token {
            claims["ath"] = URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())).into();
        }
        if let Some(nonce) = nonce {
            claims["nonce"] = nonce.into();
        }
        self.sign(&claims, &self.header())
    }

    /// The header of a proof: `typ` `dpop+jwt`, `alg` ES256, the public key.
    pub fn header(&self) -> Value {
        json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": self.public })
    }

    /// `claims` signed by this key under `header` (which may lie about the key or the type).
    pub fn sign(&self, claims: &Value, header: &Value) -> String {
        let header = JwsHeader::from_map(header.as_object().unwrap().clone()).unwrap();
        let signer = jws::ES256.signer_from_jwk(&self.private).unwrap();
        jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap()
    }

    /// `claims` under this key's header but MACed with HS256 (an alg a proof may not use).
    pub fn sign_hs256(&self, claims: &Value) -> String {
        let mut header = self.header();
        header["alg"] = "HS256".into();
        let header = JwsHeader::from_map(header.as_object().unwrap().clone()).unwrap();
        let signer = jws::HS256.signer_from_bytes(b"a-shared-secret-of-32-bytes-long").unwrap();
        jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap()
    }

    /// The private key (for a proof that wrongly carries it).
    pub fn private_jwk(&self) -> Value {
        Value::Object(self.private.as_ref().clone())
    }
}
