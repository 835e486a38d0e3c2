//! OIDC Core §3.1.2.1 request parameters beyond the basics: id_token_hint and the claims
//! parameter (§5.5), with essential acr steering the login.

use client_harness::browser::{Browser, callback_params};
use client_harness::flow::{self, start};
use client_harness::rp::{self, BASIC};
use client_harness::{Options, launch};
use openidconnect::{OAuth2TokenResponse, TokenResponse};

/// Signs `username` in through the pages and returns their first ID token.
async fn sign_in(op: &client_harness::TestProvider, browser: &Browser, username: &str) -> String {
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, &[], true);
    let params = callback_params(
        &browser.authorize(req.url.as_str(), username, &format!("{username}-password")).await.callback(),
    );
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    tokens.id_token().unwrap().to_string()
}

#[tokio::test]
async fn id_token_hint_of_the_signed_in_user_allows_prompt_none() {
    let op = launch(Options::default()).await;
    let browser = Browser::new(&op.issuer);
    let hint = sign_in(&op, &browser, "alice").await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &[], true);
    req.url.query_pairs_mut().append_pair("prompt", "none").append_pair("id_token_hint", &hint);
    let params = callback_params(&browser.open(req.url.as_str()).await.callback());
    assert!(params.contains_key("code"), "{params:?}");
}

#[tokio::test]
async fn a_request_naming_a_user_is_answered_for_that_user_only() {
    // OIDC Core §3.1.2.2: named by an id_token_hint, or by a sub value asked in the claims parameter.
    let op = launch(Options::default()).await;
    let alice_hint = sign_in(&op, &Browser::new(&op.issuer), "alice").await;
    let alice = flow::payload_of(&alice_hint)["sub"].as_str().unwrap().to_string();
    let claims = serde_json::json!({"id_token": {"sub": {"value": alice}}}).to_string();
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    for (name, value) in [("id_token_hint", alice_hint.as_str()), ("claims", claims.as_str())] {
        let request = |prompt_none: bool| {
            let mut req = start(&rp, &[], true);
            req.url.query_pairs_mut().append_pair(name, value);
            if prompt_none {
                req.url.query_pairs_mut().append_pair("prompt", "none");
            }
            req
        };
        let bobs_browser = Browser::new(&op.issuer);
        sign_in(&op, &bobs_browser, "bob").await;
        let params = callback_params(&bobs_browser.open(request(true).url.as_str()).await.callback());
        assert_eq!(params["error"], "login_required", "{name} with Bob's session and prompt=none");

        // Without prompt=none the user is asked to log in; Bob again is still not Alice.
        let page = bobs_browser.open(request(false).url.as_str()).await.page();
        let mut login = page.form("/login").unwrap_or_else(|| panic!("{name}: log in as the user named"));
        login.set("login", "bob").set("password", "bob-password");
        let params = callback_params(&bobs_browser.submit(&login, None).await.callback());
        assert_eq!(params["error"], "access_denied", "{name}: Bob signed in again");

        let req = request(false);
        let landing = bobs_browser.authorize(req.url.as_str(), "alice", "alice-password").await;
        let tokens = flow::exchange(&rp, &callback_params(&landing.callback())["code"], req.verifier).await.unwrap();
        assert_eq!(flow::verify_id_token(&rp, &tokens, &req.nonce).subject().as_str(), alice, "{name}");
    }
}

#[tokio::test]
async fn a_foreign_or_forged_id_token_hint_is_invalid_request() {
    let op = launch(Options::default()).await;
    let hint = sign_in(&op, &Browser::new(&op.issuer), "alice").await;
    let mut parts: Vec<String> = hint.split('.').map(String::from).collect();
    parts[2] = parts[2].chars().rev().collect();
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    for bad in [parts.join("."), "not-a-jwt".to_string()] {
        let mut req = start(&rp, &[], true);
        req.url.query_pairs_mut().append_pair("id_token_hint", &bad);
        let params = callback_params(&Browser::new(&op.issuer).open(req.url.as_str()).await.callback());
        assert_eq!(params["error"], "invalid_request");
    }
}

#[tokio::test]
async fn claims_parameter_releases_individual_claims_where_asked() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer);
    let mut req = start(&rp, &[], true);
    let claims = r#"{"id_token": {"email": {"essential": true}, "acr": null},
                     "userinfo": {"phone_number": null, "given_name": {"essential": true}}}"#;
    req.url.query_pairs_mut().append_pair("claims", claims);
    let mut login = browser.open(req.url.as_str()).await.page().form("/login").unwrap();
    login.set("login", "alice").set("password", "alice-password");
    let consent = browser.submit(&login, None).await.page();
    for claim in ["email", "phone_number", "given_name"] {
        assert!(consent.html.contains(&format!("The claim {claim}")), "consent lists {claim}");
    }
    let form = consent.form("/consent").unwrap();
    let params = callback_params(&browser.submit(&form, Some(("decision", "allow"))).await.callback());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    let id = flow::verify_id_token(&rp, &tokens, &req.nonce);
    assert_eq!(id.email().map(|e| e.as_str()), Some("alice@example.com"), "asked for the ID token");
    assert!(id.phone_number().is_none(), "asked for userinfo only");
    let info = flow::userinfo(&rp, tokens.access_token()).await.unwrap();
    assert_eq!(info.phone_number().map(|p| p.as_str()), Some("+44 1865 000000"));
    assert!(info.given_name().is_some());
    assert!(info.email().is_none(), "neither the email scope nor a userinfo email claim was asked");

    // Consent covers the claims now: the same request passes prompt=none.
    let mut again = start(&rp, &[], true);
    again.url.query_pairs_mut().append_pair("claims", claims).append_pair("prompt", "none");
    assert!(callback_params(&browser.open(again.url.as_str()).await.callback()).contains_key("code"));
}

#[tokio::test]
async fn essential_acr_is_met_or_the_authentication_fails() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer);
    let ours = r#"{"id_token": {"acr": {"essential": true, "values": ["urn:mace:incommon:iap:bronze"]}}}"#;
    let mut req = start(&rp, &[], true);
    req.url.query_pairs_mut().append_pair("claims", ours);
    let params = callback_params(&browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    let acr = flow::verify_id_token(&rp, &tokens, &req.nonce).auth_context_ref().map(|a| a.to_string());
    assert_eq!(acr.as_deref(), Some("urn:mace:incommon:iap:bronze"));

    // An acr this provider cannot reach: the user is asked to log in, and then it fails.
    let unreachable = r#"{"id_token": {"acr": {"essential": true, "value": "urn:example:hardware-key"}}}"#;
    let mut req = start(&rp, &[], true);
    req.url.query_pairs_mut().append_pair("claims", unreachable);
    let page = browser.open(req.url.as_str()).await.page();
    let mut login = page.form("/login").expect("essential acr not met by the session: log in");
    login.set("login", "alice").set("password", "alice-password");
    let params = callback_params(&browser.submit(&login, None).await.callback());
    assert_eq!(params["error"], "access_denied");
}

#[tokio::test]
async fn a_malformed_claims_parameter_is_invalid_request() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &[], true);
    req.url.query_pairs_mut().append_pair("claims", "{\"userinfo\": [\"email\"]}");
    let params = callback_params(&Browser::new(&op.issuer).open(req.url.as_str()).await.callback());
    assert_eq!(params["error"], "invalid_request");
}
