//! The test resource (`/resource`): the token checks of userinfo, every binding included, the
//! token's claims in the answer, and `x-fapi-interaction-id` echoed or made.

use client_harness::browser::{Browser, callback_params};
use client_harness::dpop::DpopKey;
use client_harness::flow::{self, start};
use client_harness::rp::{self, BASIC};
use client_harness::{Options, TestProvider, http, launch};
use openidconnect::OAuth2TokenResponse;
use reqwest::StatusCode;
use serde_json::Value;

/// An access token of rp-basic for alice.
async fn access_token(op: &TestProvider) -> String {
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, &["email"], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    flow::exchange(&rp, &params["code"], req.verifier).await.expect("tokens").access_token().secret().clone()
}

async fn get(
    op: &TestProvider,
    authorization: &str,
    headers: &[(&str, String)],
) -> (StatusCode, Value, Option<String>) {
    let mut request = http::client(false).get(format!("{}/resource", op.issuer)).header("Authorization", authorization);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.unwrap();
    let id = response.headers().get("x-fapi-interaction-id").map(|v| v.to_str().unwrap().to_string());
    (response.status(), response.json().await.unwrap_or(Value::Null), id)
}

#[tokio::test]
async fn the_resource_answers_with_the_tokens_claims_and_the_interaction_id() {
    let op = launch(Options::with("test_resource.enabled", true)).await;
    let token = access_token(&op).await;
    let id = "c770aef3-6784-41f7-8e0e-ff5f97bddb3a".to_string();
    let (status, body, echoed) = get(&op, &format!("Bearer {token}"), &[("x-fapi-interaction-id", id.clone())]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["client_id"].as_str(), body["scope"].as_str()), (Some("rp-basic"), Some("openid email")));
    assert!(body["sub"].is_string());
    assert_eq!(echoed.as_deref(), Some(id.as_str()), "echoed");
    let (_, _, made) = get(&op, &format!("Bearer {token}"), &[]).await;
    assert_eq!(made.map(|id| id.len()), Some(36), "made when absent: a UUID");
    assert_eq!(get(&op, "Bearer not-a-token", &[]).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_resource_honours_a_dpop_binding() {
    let settings = vec![("test_resource.enabled", true.into()), ("dpop.enabled", true.into())];
    let op = launch(Options { settings, ..Options::default() }).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, &[], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    let key = DpopKey::new();
    let token_url = format!("{}/token", op.issuer);
    let verifier = req.verifier.unwrap().secret().clone();
    let response = http::client(false)
        .post(&token_url)
        .basic_auth(BASIC.id, BASIC.secret)
        .header("DPoP", key.proof("POST", &token_url, None, None))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &params["code"]),
            ("redirect_uri", BASIC.redirect_uri),
            ("code_verifier", &verifier),
        ]);
    let tokens = http::json(response).await;
    let token = tokens["access_token"].as_str().unwrap();
    let at = format!("{}/resource", op.issuer);
    let (status, body, _) =
        get(&op, &format!("DPoP {token}"), &[("DPoP", key.proof("GET", &at, Some(token), None))]).await;
    assert_eq!((status, body["cnf"]["jkt"].as_str()), (StatusCode::OK, Some(key.jkt().as_str())), "{body}");
    assert_eq!(get(&op, &format!("Bearer {token}"), &[]).await.0, StatusCode::UNAUTHORIZED, "not as a bearer token");
}

#[tokio::test]
async fn the_resource_is_served_only_where_enabled() {
    let op = launch(Options::default()).await;
    assert_eq!(get(&op, "Bearer x", &[]).await.0, StatusCode::NOT_FOUND);
}
