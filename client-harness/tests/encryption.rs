//! Signed and encrypted responses per client (OIDC Core §10): an ID token encrypted to the
//! client's RSA key, userinfo signed and then encrypted to its EC key, and symmetric encryption
//! with keys derived from the client secret (§10.2). The RP side decrypts by hand (josekit), then
//! lets the openidconnect crate validate the inner ID token.

use client_harness::browser::{Browser, callback_params};
use client_harness::flow::start;
use client_harness::http;
use client_harness::rp::{self, AuthStyle, FixtureClient};
use client_harness::{Options, TestProvider, launch};
use josekit::jwe;
use josekit::jwk::Jwk;
use openidconnect::core::{CoreIdToken, CoreJwsSigningAlgorithm};
use serde_json::Value;
use sha2::Digest;

const ENCRYPTED: FixtureClient = FixtureClient {
    id: "rp-encrypted",
    secret: Some("rp-encrypted-secret-0123456789"),
    auth: AuthStyle::Basic,
    redirect_uri: "https://rp.example.com/callback",
};
const SYMMETRIC: FixtureClient =
    FixtureClient { id: "rp-symmetric", secret: Some("rp-symmetric-secret-0123456789"), ..ENCRYPTED };

fn private_keys() -> Vec<Jwk> {
    let text = std::fs::read_to_string(client_harness::fixtures().join("keys/rp-encrypted.private.json")).unwrap();
    let set: Value = serde_json::from_str(&text).unwrap();
    set["keys"].as_array().unwrap().iter().map(|k| Jwk::from_map(k.as_object().unwrap().clone()).unwrap()).collect()
}

/// Runs the code flow by hand; returns the raw token response, the nonce and the RP.
async fn tokens(op: &TestProvider, client: FixtureClient) -> (Value, openidconnect::Nonce, rp::Rp) {
    let rp = rp::relying_party(&op.issuer, client).await;
    let req = start(&rp, &["email"], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    let response = http::client(false)
        .post(format!("{}/token", op.issuer))
        .basic_auth(client.id, client.secret)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", params["code"].as_str()),
            ("redirect_uri", client.redirect_uri),
            ("code_verifier", req.verifier.as_ref().unwrap().secret().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    (response.json().await.unwrap(), req.nonce, rp)
}

async fn userinfo(op: &TestProvider, access_token: &str) -> (String, String) {
    let response =
        http::client(false).get(format!("{}/userinfo", op.issuer)).bearer_auth(access_token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    (content_type, response.text().await.unwrap())
}

fn validate_inner_id_token(rp: &rp::Rp, inner: &str, nonce: &openidconnect::Nonce) -> String {
    let id_token: CoreIdToken = inner.parse().expect("the decrypted payload is a signed JWT");
    let verifier = rp.id_token_verifier().set_allowed_algs(vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
    id_token.claims(&verifier, nonce).expect("the inner ID token validates").subject().to_string()
}

#[tokio::test]
async fn id_token_encrypted_to_the_client_rsa_key() {
    let op = launch(Options::default()).await;
    let (body, nonce, rp) = tokens(&op, ENCRYPTED).await;
    let id_token = body["id_token"].as_str().unwrap();
    assert_eq!(id_token.split('.').count(), 5, "a compact JWE");
    let keys = private_keys();
    let decrypter = jwe::RSA_OAEP_256.decrypter_from_jwk(&keys[0]).unwrap();
    let (inner, header) = jwe::deserialize_compact(id_token, &decrypter).unwrap();
    assert_eq!(header.content_encryption(), Some("A256GCM"));
    assert_eq!(header.content_type(), Some("JWT"), "a nested JWT says so");
    assert_eq!(header.key_id(), keys[0].key_id(), "names the client's key");
    let sub = validate_inner_id_token(&rp, std::str::from_utf8(&inner).unwrap(), &nonce);
    assert_eq!(sub, "248289761001");
}

#[tokio::test]
async fn userinfo_signed_then_encrypted_to_the_client_ec_key() {
    let op = launch(Options::default()).await;
    let (body, _, _) = tokens(&op, ENCRYPTED).await;
    let (content_type, text) = userinfo(&op, body["access_token"].as_str().unwrap()).await;
    assert_eq!(content_type, "application/jwt");
    let keys = private_keys();
    let decrypter = jwe::ECDH_ES_A128KW.decrypter_from_jwk(&keys[1]).unwrap();
    let (inner, header) = jwe::deserialize_compact(&text, &decrypter).unwrap();
    assert_eq!(header.content_encryption(), Some("A128CBC-HS256"), "the default enc");
    // The inner JWT is signed ES256 with one of the provider's published keys.
    let jwks: Value = http::json(http::client(false).get(format!("{}/jwks", op.issuer))).await;
    let es256 = jwks["keys"].as_array().unwrap().iter().find(|k| k["alg"] == "ES256").unwrap();
    let verifier =
        josekit::jws::ES256.verifier_from_jwk(&Jwk::from_map(es256.as_object().unwrap().clone()).unwrap()).unwrap();
    let (payload, _) = josekit::jws::deserialize_compact(std::str::from_utf8(&inner).unwrap(), &verifier).unwrap();
    let claims: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(claims["iss"], op.issuer, "signed userinfo carries iss (OIDC Core §5.3.2)");
    assert_eq!(claims["aud"], "rp-encrypted");
    assert_eq!(claims["sub"], "248289761001");
    assert_eq!(claims["email"], "alice@example.com");
}

#[tokio::test]
async fn symmetric_encryption_uses_keys_derived_from_the_client_secret() {
    let op = launch(Options::default()).await;
    let (body, nonce, rp) = tokens(&op, SYMMETRIC).await;
    let secret = SYMMETRIC.secret.unwrap().as_bytes();
    // dir with A128CBC-HS256: a 256-bit key, the left bits of SHA-256(secret).
    let dir_key = sha2::Sha256::digest(secret).to_vec();
    let (inner, _) =
        jwe::deserialize_compact(body["id_token"].as_str().unwrap(), &jwe::Dir.decrypter_from_bytes(&dir_key).unwrap())
            .unwrap();
    validate_inner_id_token(&rp, std::str::from_utf8(&inner).unwrap(), &nonce);
    // A256KW: the same derivation, 256 bits; userinfo is encrypted JSON, not signed.
    let (_, text) = userinfo(&op, body["access_token"].as_str().unwrap()).await;
    let kw = jwe::A256KW.decrypter_from_bytes(&dir_key).unwrap();
    let (plain, header) = jwe::deserialize_compact(&text, &kw).unwrap();
    assert_eq!(header.content_type(), None, "not nested");
    let claims: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(claims["email"], "alice@example.com");
}
