//! Pairwise subject identifiers (OIDC Core §8.1): a different, stable sub per sector.

use client_harness::browser::{Browser, callback_params};
use client_harness::flow::{self, start};
use client_harness::rp::{self, BASIC, FixtureClient, PAIRWISE};
use client_harness::{Options, TestProvider, launch, try_launch};
use openidconnect::{OAuth2TokenResponse, TokenResponse};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Signs alice in for `client` in a fresh browser; returns (ID token sub, userinfo sub, ID token).
async fn subjects(op: &TestProvider, client: FixtureClient) -> (String, String, String) {
    let rp = rp::relying_party(&op.issuer, client).await;
    let req = start(&rp, &[], true);
    let browser = Browser::new(&op.issuer);
    let params = callback_params(&browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    let id = flow::verify_id_token(&rp, &tokens, &req.nonce);
    let info = flow::userinfo(&rp, tokens.access_token()).await.unwrap();
    (id.subject().to_string(), info.subject().to_string(), tokens.id_token().unwrap().to_string())
}

#[tokio::test]
async fn pairwise_subjects_are_per_sector_stable_and_consistent() {
    let op = launch(Options::default()).await;
    let (public, _, _) = subjects(&op, BASIC).await;
    let (pairwise, userinfo_sub, _) = subjects(&op, PAIRWISE).await;
    assert_eq!(public, "248289761001");
    assert_ne!(pairwise, public, "the pairwise client must not see the account id");
    assert_eq!(userinfo_sub, pairwise, "userinfo and the ID token agree");
    let (again, _, _) = subjects(&op, PAIRWISE).await;
    assert_eq!(again, pairwise, "stable across logins");
}

#[tokio::test]
async fn id_token_hint_with_a_pairwise_sub_matches_the_session() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, PAIRWISE).await;
    let browser = Browser::new(&op.issuer);
    let req = start(&rp, &[], true);
    let params = callback_params(&browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    let hint = tokens.id_token().unwrap().to_string();
    let mut again = start(&rp, &[], true);
    again.url.query_pairs_mut().append_pair("prompt", "none").append_pair("id_token_hint", &hint);
    let params = callback_params(&browser.open(again.url.as_str()).await.callback());
    assert!(params.contains_key("code"), "{params:?}");
}

#[tokio::test]
async fn a_sector_identifier_uri_joins_hosts_into_one_sector() {
    let rp_server = MockServer::start().await;
    let uris = ["https://a.rp.example/cb", "https://b.rp.example/cb"];
    Mock::given(method("GET"))
        .and(path("/sector"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(uris)))
        .mount(&rp_server)
        .await;
    let client = json!({"client_id": "rp-sector", "client_secret": "rp-sector-secret-0123456789",
        "redirect_uris": uris, "subject_type": "pairwise", "sector_identifier_uri": format!("{}/sector", rp_server.uri())});
    let op = launch(Options { extra_clients: vec![client], ..Options::default() }).await;
    if op.is_external() {
        return eprintln!("skipped: needs its own client registered with the provider under test");
    }
    let a = FixtureClient {
        id: "rp-sector",
        secret: Some("rp-sector-secret-0123456789"),
        auth: rp::AuthStyle::Basic,
        redirect_uri: uris[0],
    };
    let b = FixtureClient { redirect_uri: uris[1], ..a };
    let (sub_a, _, _) = subjects(&op, a).await;
    let (sub_b, _, _) = subjects(&op, b).await;
    assert_eq!(sub_a, sub_b, "one sector, one sub");
    let (other_sector, _, _) = subjects(&op, PAIRWISE).await;
    assert_ne!(sub_a, other_sector);
}

#[tokio::test]
async fn a_sector_document_that_misses_a_redirect_uri_stops_the_start() {
    let rp_server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sector"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!(["https://a.rp.example/cb"])))
        .mount(&rp_server)
        .await;
    let client = json!({"client_id": "rp-sector", "client_secret": "rp-sector-secret-0123456789",
        "redirect_uris": ["https://a.rp.example/cb", "https://b.rp.example/cb"], "subject_type": "pairwise",
        "sector_identifier_uri": format!("{}/sector", rp_server.uri())});
    if std::env::var("HARNESS_ISSUER").is_ok() {
        return eprintln!("skipped: starts a provider of its own");
    }
    let err = try_launch(Options { extra_clients: vec![client], ..Options::default() }).await.err().expect("refused");
    assert!(err.contains("rp-sector") && err.contains("https://b.rp.example/cb"), "{err}");
}
