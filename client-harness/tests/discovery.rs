//! The discovery document: exactly what the server does, and what RPs read from it.

use client_harness::http;
use client_harness::{Options, launch};

#[rstest::rstest]
#[case("basic")]
#[case("implicit")]
#[case("hybrid")]
#[case("config")]
#[case("dynamic")]
#[case("formpost")]
#[case("3rdparty-init")]
#[case("ciba")]
#[tokio::test]
async fn discovery_document_snapshot(#[case] profile: &str) {
    let op = launch(Options::profile(profile)).await;
    let doc: serde_json::Value =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert_eq!(doc["issuer"], op.issuer, "issuer is exact (OIDC Discovery §4.3)");
    let text = serde_json::to_string_pretty(&doc).unwrap().replace(&op.issuer, "[issuer]");
    insta::assert_snapshot!(format!("discovery_{profile}"), text);
}

#[tokio::test]
async fn rfc8414_metadata_matches_openid_configuration() {
    let op = launch(Options::default()).await;
    let client = http::client(false);
    let get = |path: &'static str| {
        let client = client.clone();
        let url = format!("{}{path}", op.issuer);
        async move { client.get(url).send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    assert_eq!(get("/.well-known/oauth-authorization-server").await, get("/.well-known/openid-configuration").await);
}

#[tokio::test]
async fn jwks_publishes_public_keys_with_thumbprint_kids() {
    let op = launch(Options::default()).await;
    let response = http::client(false).get(format!("{}/jwks", op.issuer)).send().await.unwrap();
    assert_eq!(response.headers()["content-type"], "application/jwk-set+json");
    let jwks: serde_json::Value = response.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    let algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert_eq!(algs, ["RS256", "PS256", "ES256", "EdDSA"]);
    for key in keys {
        assert!(key.get("d").is_none(), "private member published: {key}");
        let kid = key["kid"].as_str().unwrap();
        assert_eq!(kid, provider::keys::thumbprint(key.as_object().unwrap()).unwrap());
    }
}
