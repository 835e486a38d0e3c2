//! Implicit and hybrid flows (OIDC Core §3.2, §3.3): front-channel ID tokens with their hashes
//! verified by the RP library, default response modes, and the rules around them.

use client_harness::browser::{Browser, callback_params};
use client_harness::flow::{self, start_flow};
use client_harness::rp::{self, HYBRID, IMPLICIT};
use client_harness::{Options, launch};
use openidconnect::core::{CoreAuthenticationFlow, CoreResponseType};
use openidconnect::{AccessToken, OAuth2TokenResponse};
use rstest::rstest;

#[tokio::test]
async fn implicit_id_token_only_carries_the_scope_claims() {
    let op = launch(Options::profile("implicit")).await;
    let rp = rp::relying_party(&op.issuer, IMPLICIT).await;
    let req = start_flow(&rp, CoreAuthenticationFlow::Implicit(false), &["email"], false);
    let callback = Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback();
    assert!(callback.query().is_none(), "fragment by default: {callback}");
    let params = callback_params(&callback);
    assert!(!params.contains_key("access_token") && !params.contains_key("code"));
    let claims = flow::verify_front_channel_id_token(&rp, &params["id_token"], &req.nonce, None, None);
    let mut raw = flow::payload_of(&params["id_token"]);
    raw["iss"] = "[issuer]".into();
    insta::assert_json_snapshot!("implicit_id_token_only", raw, {
        ".exp" => "[exp]", ".iat" => "[iat]", ".auth_time" => "[auth_time]", ".nonce" => "[nonce]", ".sid" => "[sid]", ".s_hash" => "[s_hash]",
    });
    // OIDC Core §5.4: no access token was issued, so the scope's claims are in the ID token.
    assert_eq!(claims.email().map(|e| e.as_str()), Some("alice@example.com"));
    assert_eq!(params["iss"], op.issuer);
}

#[tokio::test]
async fn implicit_with_token_has_at_hash_and_a_working_access_token() {
    let op = launch(Options::profile("implicit")).await;
    let rp = rp::relying_party(&op.issuer, IMPLICIT).await;
    let req = start_flow(&rp, CoreAuthenticationFlow::Implicit(true), &["email"], false);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    assert_eq!(params["token_type"], "Bearer");
    assert_eq!(params["expires_in"], "3600");
    let token = &params["access_token"];
    let claims = flow::verify_front_channel_id_token(&rp, &params["id_token"], &req.nonce, None, Some(token));
    let mut raw = flow::payload_of(&params["id_token"]);
    raw["iss"] = "[issuer]".into();
    insta::assert_json_snapshot!("implicit_id_token_token", raw, {
        ".exp" => "[exp]", ".iat" => "[iat]", ".auth_time" => "[auth_time]", ".nonce" => "[nonce]",
        ".sid" => "[sid]", ".s_hash" => "[s_hash]", ".at_hash" => "[at_hash]",
    });
    assert!(claims.email().is_none(), "an access token was issued, so email goes to userinfo");
    let info = flow::userinfo(&rp, &AccessToken::new(token.clone())).await.unwrap();
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));
}

#[rstest]
#[case::code_id_token(vec![CoreResponseType::Code, CoreResponseType::IdToken])]
#[case::code_token(vec![CoreResponseType::Code, CoreResponseType::Token])]
#[case::code_id_token_token(vec![CoreResponseType::Code, CoreResponseType::IdToken, CoreResponseType::Token])]
#[tokio::test]
async fn hybrid_flows(#[case] response_types: Vec<CoreResponseType>) {
    let op = launch(Options::profile("hybrid")).await;
    let rp = rp::relying_party(&op.issuer, HYBRID).await;
    let front_id_token = response_types.contains(&CoreResponseType::IdToken);
    let req = start_flow(&rp, CoreAuthenticationFlow::Hybrid(response_types), &["email", "offline_access"], true);
    let callback = Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback();
    assert!(callback.query().is_none(), "hybrid responses default to the fragment");
    let params = callback_params(&callback);
    let code = params["code"].clone();
    if front_id_token {
        let mut claims = flow::payload_of(&params["id_token"]);
        // OIDC Core §5.4: the code is exchanged for an access token, so the email scope's claims
        // are for userinfo, not the front-channel ID token (`code id_token` included).
        assert!(claims.get("email").is_none(), "scope claims leaked into the ID token: {claims}");
        claims["iss"] = "[issuer]".into();
        let name = format!("front_channel_id_token_{}", params.contains_key("access_token"));
        insta::assert_json_snapshot!(name, claims, {
            ".exp" => "[exp]", ".iat" => "[iat]", ".auth_time" => "[auth_time]", ".nonce" => "[nonce]",
            ".sid" => "[sid]", ".s_hash" => "[s_hash]", ".at_hash" => "[at_hash]", ".c_hash" => "[c_hash]",
        });
    }
    let front_sub = front_id_token.then(|| {
        let claims = flow::verify_front_channel_id_token(
            &rp,
            &params["id_token"],
            &req.nonce,
            Some(&code),
            params.get("access_token").map(String::as_str),
        );
        claims.subject().clone()
    });
    // The code still exchanges at the token endpoint, and the ID token there names the same user.
    let tokens = flow::exchange(&rp, &code, req.verifier).await.expect("exchange");
    let back = flow::verify_id_token(&rp, &tokens, &req.nonce);
    if let Some(sub) = front_sub {
        assert_eq!(back.subject(), &sub, "OIDC Core §3.3.3.6: same sub in both ID tokens");
    }
    assert!(tokens.refresh_token().is_some());
    let info = flow::userinfo(&rp, tokens.access_token()).await.expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"), "userinfo releases the scope's claims");
}

#[tokio::test]
async fn an_id_token_without_nonce_is_invalid_request() {
    let op = launch(Options::profile("implicit")).await;
    let url = format!(
        "{}/authorize?response_type=id_token&scope=openid&client_id=rp-implicit&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback&state=s",
        op.issuer
    );
    let callback = Browser::new(&op.issuer).open(&url).await.callback();
    assert!(callback.fragment().is_some(), "the error uses the fragment");
    let params = callback_params(&callback);
    assert_eq!(params["error"], "invalid_request");
    assert_eq!(params["state"], "s");
}

#[tokio::test]
async fn tokens_are_never_sent_in_the_query() {
    let op = launch(Options::profile("implicit")).await;
    let url = format!(
        "{}/authorize?response_type=id_token%20token&response_mode=query&nonce=n&scope=openid&client_id=rp-implicit&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback",
        op.issuer
    );
    let callback = Browser::new(&op.issuer).open(&url).await.callback();
    assert!(callback.query().is_none(), "{callback}");
    assert_eq!(callback_params(&callback)["error"], "invalid_request");
}

#[tokio::test]
async fn an_unregistered_response_type_is_unauthorized_client() {
    let op = launch(Options::profile("config")).await;
    let url = format!(
        "{}/authorize?response_type=code&nonce=n&scope=openid&client_id=rp-implicit&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback",
        op.issuer
    );
    let params = callback_params(&Browser::new(&op.issuer).open(&url).await.callback());
    assert_eq!(params["error"], "unauthorized_client");
}

#[tokio::test]
async fn implicit_with_form_post() {
    let op = launch(Options::profile("formpost")).await;
    let rp = rp::relying_party(&op.issuer, IMPLICIT).await;
    let mut req = start_flow(&rp, CoreAuthenticationFlow::Implicit(true), &[], false);
    req.url.query_pairs_mut().append_pair("response_mode", "form_post");
    let page = Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.page();
    let form = page.form(IMPLICIT.redirect_uri).expect("auto-submitting form");
    flow::verify_front_channel_id_token(&rp, form.get("id_token").unwrap(), &req.nonce, None, form.get("access_token"));
}

/// Re-signs `id_token` with the provider's own fixture key after `edit`, so only the hash
/// checks can tell: proves the RP really verifies c_hash and at_hash.
fn forge(id_token: &str, edit: impl Fn(&mut serde_json::Value)) -> String {
    let text = std::fs::read_to_string(client_harness::fixtures().join("keys/jwks.json")).unwrap();
    let set: serde_json::Value = serde_json::from_str(&text).unwrap();
    let es256 = set["keys"].as_array().unwrap().iter().find(|k| k["alg"] == "ES256").unwrap();
    let mut key = josekit::jwk::Jwk::from_map(es256.as_object().unwrap().clone()).unwrap();
    key.set_key_id(provider::keys::thumbprint(es256.as_object().unwrap()).unwrap());
    let mut claims = flow::payload_of(id_token);
    edit(&mut claims);
    client_harness::assertion::sign_with_key(&claims, &key)
}

#[tokio::test]
async fn a_wrong_c_hash_or_at_hash_is_caught_by_the_rp() {
    let op = launch(Options::profile("hybrid")).await;
    let rp = rp::relying_party(&op.issuer, HYBRID).await;
    let flow_type = vec![CoreResponseType::Code, CoreResponseType::IdToken, CoreResponseType::Token];
    let req = start_flow(&rp, CoreAuthenticationFlow::Hybrid(flow_type), &[], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    let (id_token, code, token) = (&params["id_token"], &params["code"], &params["access_token"]);
    // The genuine token passes, and so does an untouched re-signing (the forgery is sound).
    flow::verify_front_channel_id_token(&rp, id_token, &req.nonce, Some(code), Some(token));
    flow::verify_front_channel_id_token(&rp, &forge(id_token, |_| {}), &req.nonce, Some(code), Some(token));
    for claim in ["c_hash", "at_hash"] {
        let forged = forge(id_token, |c| c[claim] = "AAAAAAAAAAAAAAAAAAAAAA".into());
        let caught = std::panic::catch_unwind(|| {
            flow::verify_front_channel_id_token(&rp, &forged, &req.nonce, Some(code), Some(token));
        });
        assert!(caught.is_err(), "a wrong {claim} must be rejected");
    }
}

/// RFC 7636 protects a code; `id_token` and `id_token token` issue none (OIDC Core §3.2.2.1), so
/// PKCE is not asked of them, even where the provider requires it of every code request.
#[tokio::test]
async fn implicit_requests_need_no_pkce_even_when_every_code_request_does() {
    let options = Options { settings: vec![("pkce.required", "all".into())], ..Options::profile("implicit") };
    let op = launch(options).await;
    for response_type in ["id_token", "id_token%20token"] {
        let url = format!(
            "{}/authorize?response_type={response_type}&scope=openid&client_id=rp-implicit&nonce=n&state=s\
             &redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback",
            op.issuer
        );
        let page = Browser::new(&op.issuer).open(&url).await.page();
        assert!(page.form("/login").is_some(), "{response_type}: on to the login page, not an error: {}", page.html);
    }
}
