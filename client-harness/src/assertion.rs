//! Client assertions (RFC 7523) for `private_key_jwt` and `client_secret_jwt`, built by hand:
//! the `openidconnect` / `oauth2` crates send them but do not make them.

use josekit::jwk::Jwk;
use josekit::jws::{self, JwsHeader, JwsSigner};
use serde_json::{Value, json};

/// The standard claims of an assertion for `client_id` to `audience`, valid for a minute.
pub fn claims(client_id: &str, audience: &str) -> Value {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let jti: [u8; 16] = rand::random();
    json!({
        "iss": client_id, "sub": client_id, "aud": audience,
        "iat": now, "exp": now + 60,
        "jti": base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, jti),
    })
}

/// Signs claims with a private JWK (its `alg` and `kid` go in the header).
pub fn sign_with_key(claims: &Value, key: &Jwk) -> String {
    let alg = key.algorithm().expect("the key names its alg");
    let signer: Box<dyn JwsSigner> = match alg {
        "ES256" => Box::new(jws::ES256.signer_from_jwk(key).unwrap()),
        "RS256" => Box::new(jws::RS256.signer_from_jwk(key).unwrap()),
        "PS256" => Box::new(jws::PS256.signer_from_jwk(key).unwrap()),
        "EdDSA" => Box::new(jws::EdDSA.signer_from_jwk(key).unwrap()),
        other => panic!("unsupported alg {other}"),
    };
    let mut header = JwsHeader::new();
    header.set_token_type("JWT");
    if let Some(kid) = key.key_id() {
        header.set_key_id(kid);
    }
    jws::serialize_compact(claims.to_string().as_bytes(), &header, &*signer).unwrap()
}

/// Signs claims with HS256 keyed by the client secret.
pub fn sign_with_secret(claims: &Value, secret: &str) -> String {
    let signer = jws::HS256.signer_from_bytes(secret.as_bytes()).unwrap();
    let mut header = JwsHeader::new();
    header.set_token_type("JWT");
    jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap()
}

/// The private key of the `rp-jwt` fixture client.
pub fn rp_jwt_key() -> Jwk {
    let text = std::fs::read_to_string(crate::fixtures().join("keys/rp-jwt.private.json")).unwrap();
    let set: Value = serde_json::from_str(&text).unwrap();
    Jwk::from_map(set["keys"][0].as_object().unwrap().clone()).unwrap()
}

/// A fresh ES256 key pair with this `kid`: (private, public).
pub fn fresh_key(kid: &str) -> (Jwk, Value) {
    let mut key = Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256).unwrap();
    key.set_algorithm("ES256");
    key.set_key_id(kid);
    let mut public = key.to_public_key().unwrap();
    public.set_algorithm("ES256");
    public.set_key_id(kid);
    (key, Value::Object(public.as_ref().clone()))
}

/// An unsigned JWT (`alg: none`, empty signature), as OIDC Core §6.1 allows for request objects.
pub fn unsigned(claims: &Value) -> String {
    let b64 = |v: &Value| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, v.to_string());
    format!("{}.{}.", b64(&json!({"alg": "none"})), b64(claims))
}
