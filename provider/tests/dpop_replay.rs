//! A DPoP proof is used once (RFC 9449 §11.1), however many instances share the storage: two
//! providers on one SQLite file, the same proof sent to each in turn, and to both at once.

mod common;

use common::local::{ISSUER, SVC_BASIC};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use std::sync::Arc;

/// A DPoP proof for POST /token, signed with a fresh P-256 key.
fn fresh_proof() -> String {
    use base64::Engine as _;
    let key = josekit::jwk::Jwk::generate_ec_key(josekit::jwk::alg::ec::EcCurve::P256).unwrap();
    let mut header = josekit::jws::JwsHeader::new();
    header.set_token_type("dpop+jwt");
    header.set_jwk(key.to_public_key().unwrap());
    let jti: [u8; 16] = rand::random();
    let claims = serde_json::json!({
        "htm": "POST", "htu": format!("{ISSUER}/token"), "iat": provider::security::now(),
        "jti": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(jti),
    });
    let signer = josekit::jws::ES256.signer_from_jwk(&key).unwrap();
    josekit::jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap()
}

async fn instance(db: &std::path::Path) -> Arc<Client> {
    let overrides = common::sections(&[("dpop", "enabled", true.into())]);
    let op = common::provider_with(ISSUER, &format!("sqlite:{}", db.display()), overrides).await;
    Arc::new(Client::untracked(op.rocket()).await.expect("rocket"))
}

async fn token(client: Arc<Client>, proof: String) -> (Status, serde_json::Value) {
    let response = client
        .post("/token")
        .header(ContentType::Form)
        .header(Header::new("Authorization", SVC_BASIC))
        .header(Header::new("DPoP", proof))
        .body("grant_type=client_credentials")
        .dispatch()
        .await;
    (response.status(), response.into_json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_proof_replayed_at_another_instance_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("op.db");
    let (a, b) = (instance(&db).await, instance(&db).await);
    let proof = fresh_proof();
    let (status, body) = token(a.clone(), proof.clone()).await;
    assert_eq!((status, body["token_type"].as_str()), (Status::Ok, Some("DPoP")), "{body}");
    let (status, body) = token(b.clone(), proof).await;
    assert_eq!((status, body["error"].as_str()), (Status::BadRequest, Some("invalid_dpop_proof")), "{body}");

    // Sent to both at once, many times: one of each pair is accepted.
    for run in 0..50 {
        let proof = fresh_proof();
        let (first, second) = tokio::join!(token(a.clone(), proof.clone()), token(b.clone(), proof));
        let accepted = [first.0, second.0].iter().filter(|s| **s == Status::Ok).count();
        assert_eq!(accepted, 1, "run {run}: {first:?} {second:?}");
    }
}
