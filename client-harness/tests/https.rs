//! HTTPS served by the provider itself, with the fixture PKI (`fixtures/tls`).

use client_harness::browser::{Browser, callback_params};
use client_harness::flow::{self, start};
use client_harness::rp::{self, BASIC};
use client_harness::{Options, http, launch};

#[tokio::test]
async fn the_provider_serves_https_and_publishes_https_endpoints() {
    let op = launch(Options { tls: true, ..Options::default() }).await;
    assert!(op.issuer.starts_with("https://"));
    let doc: serde_json::Value = http::client(false)
        .get(format!("{}/.well-known/openid-configuration", op.issuer))
        .send()
        .await
        .expect("a TLS handshake with the fixture certificate")
        .json()
        .await
        .unwrap();
    for (name, value) in doc.as_object().unwrap() {
        if let Some(url) = value.as_str().filter(|v| v.contains("://")) {
            assert!(url.starts_with("https://"), "{name} is not https: {url}");
        }
    }
    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = http::client(false).get(format!("http://127.0.0.1:{}/jwks", op.port)).send().await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}

#[tokio::test]
async fn the_code_flow_over_https_sets_secure_cookies() {
    let op = launch(Options { tls: true, ..Options::default() }).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, &["email"], true);
    let first = http::client(false).get(req.url.as_str()).send().await.unwrap();
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly"), "{cookie}");
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    flow::verify_id_token(&rp, &tokens, &req.nonce);
}
