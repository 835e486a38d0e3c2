//! Encrypted request objects (OIDC Core §6.1, RFC 9101 §6.1): signed, then encrypted to one of
//! the provider's `enc` keys published in its JWKS; the keys' algorithms in discovery; and the
//! refusals for what cannot be decrypted or breaks the client's registration.

use client_harness::assertion::{rp_jwt_key, sign_with_key, unsigned};
use client_harness::browser::{Browser, callback_params};
use client_harness::{Options, TestProvider, http, launch};
use josekit::jwe::{self, JweHeader};
use josekit::jwk::Jwk;
use serde_json::{Value, json};
use std::collections::HashMap;

const CALLBACK: &str = "https://rp.example.com/callback";

/// The fixture signing keys plus an RSA-OAEP-256 and an ECDH-ES encryption key, in a file kept
/// as long as the provider runs.
fn keys_with_encryption() -> tempfile::NamedTempFile {
    let fixture = std::fs::read_to_string(client_harness::fixtures().join("keys/jwks.json")).unwrap();
    let mut jwks: Value = serde_json::from_str(&fixture).unwrap();
    for alg in ["RSA-OAEP-256", "ECDH-ES"] {
        let key = provider::keys::generate_jwk(alg).unwrap();
        jwks["keys"].as_array_mut().unwrap().push(Value::Object(key));
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), jwks.to_string()).unwrap();
    file
}

async fn provider(keys: &tempfile::NamedTempFile, extra_clients: Vec<Value>) -> TestProvider {
    let settings = vec![("keys.file", keys.path().display().to_string().into())];
    launch(Options { settings, extra_clients, ..Options::default() }).await
}

/// The provider's published encryption key for `alg`.
async fn published_key(op: &TestProvider, alg: &str) -> Jwk {
    let jwks = http::json(http::client(false).get(format!("{}/jwks", op.issuer))).await;
    let key = jwks["keys"].as_array().unwrap().iter().find(|k| k["use"] == "enc" && k["alg"] == alg).unwrap();
    assert!(key.get("d").is_none(), "only the public key is published");
    Jwk::from_map(key.as_object().unwrap().clone()).unwrap()
}

/// `inner` (a JWS) encrypted with `alg` and A256GCM to `key`, as a nested JWT.
fn encrypt(inner: &str, alg: &str, key: &Jwk) -> String {
    let mut header = JweHeader::new();
    header.set_content_encryption("A256GCM");
    header.set_content_type("JWT");
    if let Some(kid) = key.key_id() {
        header.set_key_id(kid);
    }
    let encrypter: Box<dyn jwe::JweEncrypter> = match alg {
        "RSA-OAEP-256" => Box::new(jwe::RSA_OAEP_256.encrypter_from_jwk(key).unwrap()),
        _ => Box::new(jwe::ECDH_ES.encrypter_from_jwk(key).unwrap()),
    };
    jwe::serialize_compact(inner.as_bytes(), &header, &*encrypter).unwrap()
}

fn object(op: &TestProvider, client_id: &str, state: &str) -> Value {
    json!({
        "iss": client_id, "aud": op.issuer, "client_id": client_id, "response_type": "code",
        "redirect_uri": CALLBACK, "scope": "openid", "state": state, "nonce": "n",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256",
    })
}

/// Where `/authorize` with this request object sends the browser: the callback's parameters.
async fn authorize(op: &TestProvider, client_id: &str, request: &str) -> HashMap<String, String> {
    let mut url = url::Url::parse(&format!("{}/authorize", op.issuer)).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", CALLBACK)
        .append_pair("state", "q")
        .append_pair("request", request);
    callback_params(&Browser::new(&op.issuer).authorize(url.as_str(), "alice", "alice-password").await.callback())
}

#[tokio::test]
async fn a_signed_then_encrypted_request_object_is_decrypted_and_used() {
    let keys = keys_with_encryption();
    let op = provider(&keys, vec![]).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert_eq!(discovery["request_object_encryption_alg_values_supported"], json!(["RSA-OAEP-256", "ECDH-ES"]));
    assert!(
        discovery["request_object_encryption_enc_values_supported"].as_array().unwrap().contains(&json!("A256GCM"))
    );
    for alg in ["RSA-OAEP-256", "ECDH-ES"] {
        let key = published_key(&op, alg).await;
        let signed = sign_with_key(&object(&op, "rp-jwt", alg), &rp_jwt_key());
        let params = authorize(&op, "rp-jwt", &encrypt(&signed, alg, &key)).await;
        assert!(params.contains_key("code"), "{alg}: {params:?}");
        assert_eq!(params["state"], alg, "the object's parameters, from inside the encryption");
    }
}

#[tokio::test]
async fn what_cannot_be_decrypted_or_breaks_the_registration_is_refused() {
    let keys = keys_with_encryption();
    let pinned = json!({"client_id": "rp-pinned", "client_secret": "rp-pinned-secret-0123456789",
        "redirect_uris": [CALLBACK], "request_object_encryption_alg": "ECDH-ES"});
    let op = provider(&keys, vec![pinned]).await;
    let rsa = published_key(&op, "RSA-OAEP-256").await;
    let signed = sign_with_key(&object(&op, "rp-jwt", "s"), &rp_jwt_key());

    // Encrypted to a key that is not the provider's (a fresh one carrying the provider's kid).
    let mut stranger = Jwk::generate_rsa_key(2048).unwrap().to_public_key().unwrap();
    stranger.set_key_id(rsa.key_id().unwrap());
    let params = authorize(&op, "rp-jwt", &encrypt(&signed, "RSA-OAEP-256", &stranger)).await;
    assert_eq!(params["error"], "invalid_request_object", "another key: {params:?}");
    // A tampered ciphertext.
    let mut parts: Vec<String> = encrypt(&signed, "RSA-OAEP-256", &rsa).split('.').map(String::from).collect();
    parts[3] = parts[3].chars().rev().collect();
    assert_eq!(authorize(&op, "rp-jwt", &parts.join(".")).await["error"], "invalid_request_object", "tampered");
    // A client that registered ECDH-ES sends RSA-OAEP-256.
    let unsigned_inner = unsigned(&object(&op, "rp-pinned", "s"));
    let params = authorize(&op, "rp-pinned", &encrypt(&unsigned_inner, "RSA-OAEP-256", &rsa)).await;
    assert_eq!(params["error"], "invalid_request_object", "not the registered alg: {params:?}");
    let ec = published_key(&op, "ECDH-ES").await;
    assert!(authorize(&op, "rp-pinned", &encrypt(&unsigned_inner, "ECDH-ES", &ec)).await.contains_key("code"));
}

#[tokio::test]
async fn without_encryption_keys_discovery_offers_no_request_object_encryption() {
    let op = launch(Options::default()).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert!(discovery.get("request_object_encryption_alg_values_supported").is_none());
}
