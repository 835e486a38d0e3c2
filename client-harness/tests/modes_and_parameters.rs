//! Request and response variants of the code flow: POST requests, response modes, prompts,
//! unknown parameters, userinfo by form body, and the ID token's claim set.

use client_harness::browser::{Browser, Form, callback_params};
use client_harness::flow::{self, start};
use client_harness::http;
use client_harness::rp::{self, BASIC};
use client_harness::{Options, launch};
use openidconnect::OAuth2TokenResponse;

#[tokio::test]
async fn authorization_by_post_works_like_get() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer);
    let req = start(&rp, &["email"], true);
    let mut endpoint = req.url.clone();
    endpoint.set_query(None);
    let form = Form { action: endpoint, method: "post".into(), fields: req.url.query_pairs().into_owned().collect() };
    let mut landing = browser.submit(&form, None).await;
    let mut login = landing.page().form("/login").expect("login page");
    login.set("login", "alice").set("password", "alice-password");
    landing = browser.submit(&login, None).await;
    let consent = landing.page().form("/consent").expect("consent page");
    let params = callback_params(&browser.submit(&consent, Some(("decision", "allow"))).await.callback());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    flow::verify_id_token(&rp, &tokens, &req.nonce);
}

#[tokio::test]
async fn fragment_response_mode_puts_the_code_in_the_fragment() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &[], true);
    req.url.query_pairs_mut().append_pair("response_mode", "fragment");
    let callback = Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback();
    assert!(callback.query().is_none(), "{callback}");
    let params = callback_params(&callback);
    assert_eq!(params["iss"], op.issuer);
    flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
}

#[tokio::test]
async fn form_post_response_mode_posts_an_auto_submitting_form() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &[], true);
    req.url.query_pairs_mut().append_pair("response_mode", "form_post");
    let page = Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.page();
    assert_eq!(page.status, 200);
    assert!(page.html.contains("onload=\"document.forms[0].submit()\""), "submits itself with JavaScript");
    assert!(page.html.contains("<noscript><button"), "and by hand without it");
    let form = page.form(BASIC.redirect_uri).expect("a form posting to the redirect URI");
    assert_eq!(form.method, "post");
    assert_eq!(form.get("state"), Some(req.state.secret().as_str()));
    assert_eq!(form.get("iss"), Some(op.issuer.as_str()));
    flow::exchange(&rp, form.get("code").unwrap(), req.verifier).await.unwrap();
}

#[tokio::test]
async fn prompt_consent_asks_again_even_when_granted() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer);
    browser.authorize(start(&rp, &["email"], true).url.as_str(), "alice", "alice-password").await.callback();
    let mut again = start(&rp, &["email"], true);
    again.url.query_pairs_mut().append_pair("prompt", "consent");
    let page = browser.open(again.url.as_str()).await.page();
    let consent = page.form("/consent").expect("prompt=consent shows the consent page");
    let params = callback_params(&browser.submit(&consent, Some(("decision", "allow"))).await.callback());
    assert!(params.contains_key("code"));
}

#[tokio::test]
async fn unknown_parameters_are_ignored() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &["email"], true);
    req.url.query_pairs_mut().append_pair("frobnicate", "yes").append_pair("ui_hint", "dark");
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    assert!(params.contains_key("code"), "{params:?}");
}

/// rp-basic's tokens for alice, by the code flow with PKCE, asking for `scopes`.
async fn code_flow_tokens(
    op: &client_harness::TestProvider,
    scopes: &[&str],
) -> openidconnect::core::CoreTokenResponse {
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, scopes, true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    flow::exchange(&rp, &params["code"], req.verifier).await.unwrap()
}

#[tokio::test]
async fn userinfo_accepts_the_token_in_a_form_body() {
    let op = launch(Options::default()).await;
    let tokens = code_flow_tokens(&op, &["email"]).await;
    let client = http::client(false);
    let url = format!("{}/userinfo", op.issuer);
    let response =
        client.post(&url).form(&[("access_token", tokens.access_token().secret().as_str())]).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["email"], "alice@example.com");
    // RFC 6750 §2: one method per request.
    let both = client
        .post(&url)
        .bearer_auth(tokens.access_token().secret())
        .form(&[("access_token", tokens.access_token().secret().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), 400);
}

#[tokio::test]
async fn id_token_claim_set() {
    let op = launch(Options::with("logout.enabled", true)).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, &["email", "offline_access"], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    flow::verify_id_token(&rp, &tokens, &req.nonce);
    // The raw claim set as signed (the RP library's view drops claims it has no field for, like sid).
    let id_token = openidconnect::TokenResponse::id_token(&tokens).unwrap().to_string();
    let decode = |part: &str| -> serde_json::Value {
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, part).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    let parts: Vec<&str> = id_token.split('.').collect();
    let (header, mut json) = (decode(parts[0]), decode(parts[1]));
    assert!(header["kid"].is_string(), "every ID token names its key");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(json["nonce"], req.nonce.secret().as_str());
    assert_eq!(json["exp"].as_i64().unwrap() - json["iat"].as_i64().unwrap(), 3600);
    assert!(json["sid"].is_string(), "sid for logout (Front-Channel Logout §3, Back-Channel Logout §2.1)");
    json["iss"] = "[issuer]".into();
    let token_response: serde_json::Value = serde_json::to_value(&tokens).unwrap();
    insta::assert_json_snapshot!("id_token_claims_code_flow", json, {
        ".exp" => "[exp]", ".iat" => "[iat]", ".auth_time" => "[auth_time]",
        ".nonce" => "[nonce]", ".sid" => "[sid]", ".s_hash" => "[s_hash]", ".at_hash" => "[at_hash]",
    });
    insta::assert_json_snapshot!("token_response_code_flow", token_response, {
        ".access_token" => "[access_token]", ".refresh_token" => "[refresh_token]", ".id_token" => "[id_token]",
    });
}

#[tokio::test]
async fn without_logout_the_id_token_has_no_sid() {
    let op = launch(Options::default()).await;
    let tokens = code_flow_tokens(&op, &["email"]).await;
    let id_token = openidconnect::TokenResponse::id_token(&tokens).unwrap().to_string();
    let claims = flow::payload_of(&id_token);
    assert!(claims["sub"].is_string() && claims.get("sid").is_none(), "{claims}");
}

#[tokio::test]
async fn cors_is_allowed_where_browsers_call_and_nowhere_else() {
    let op = launch(Options::default()).await;
    let client = http::client(false);
    let origin = "https://spa.example";
    let preflight = client
        .request(reqwest::Method::OPTIONS, format!("{}/token", op.issuer))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    assert!(preflight.headers()["access-control-allow-headers"].to_str().unwrap().contains("Authorization"));
    let jwks = client.get(format!("{}/jwks", op.issuer)).header("origin", origin).send().await.unwrap();
    assert_eq!(jwks.headers()["access-control-allow-origin"], "*");
    let authorize = client.get(format!("{}/authorize", op.issuer)).header("origin", origin).send().await.unwrap();
    assert!(authorize.headers().get("access-control-allow-origin").is_none());
}
