//! The authorization code flow, end to end over HTTP, as a certified RP library drives it.

use client_harness::browser::{Browser, callback_params};
use client_harness::flow::{self, start};
use client_harness::rp::{self, BASIC, FixtureClient, NATIVE, POST};
use client_harness::{Options, launch};
use openidconnect::{OAuth2TokenResponse, TokenResponse};
use rstest::rstest;

#[rstest]
#[case::client_secret_basic_rs256(BASIC, "RS256")]
#[case::client_secret_post_es256(POST, "ES256")]
#[case::public_pkce_eddsa(NATIVE, "EdDSA")]
#[tokio::test]
async fn code_flow_with_pkce_refresh_and_userinfo(#[case] client: FixtureClient, #[case] alg: &str) {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, client).await;
    let browser = Browser::new(&op.issuer);

    // Authorization: login and consent through the provider's pages.
    let req = start(&rp, &["email", "profile", "offline_access"], true);
    let callback = browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback();
    assert!(callback.as_str().starts_with(client.redirect_uri), "{callback}");
    let params = callback_params(&callback);
    assert_eq!(params.get("state"), Some(req.state.secret()), "state is echoed");
    assert_eq!(params.get("iss"), Some(&op.issuer), "RFC 9207 iss in the response");

    // Token exchange; the ID token is validated by the openidconnect crate.
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.expect("code exchange");
    let claims = flow::verify_id_token(&rp, &tokens, &req.nonce);
    assert_eq!(claims.subject().as_str(), "248289761001");
    assert!(claims.auth_time().is_some());
    assert!(claims.access_token_hash().is_some());
    let header_alg = tokens.id_token().unwrap().signing_alg().unwrap();
    assert_eq!(serde_json::to_value(header_alg).unwrap(), alg, "signed with the client's registered alg");
    assert!(claims.email().is_none(), "OIDC Core §5.4: scope claims go to userinfo when an access token is issued");

    // Userinfo releases the consented scopes' claims.
    let info = flow::userinfo(&rp, tokens.access_token()).await.expect("userinfo");
    assert_eq!(info.subject().as_str(), "248289761001");
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));
    assert!(info.name().is_some(), "profile scope releases name");
    assert!(info.phone_number().is_none(), "phone was not asked for");

    // Refresh rotates: the new token works, the old one is spent.
    let first_refresh = tokens.refresh_token().expect("offline_access gives a refresh token").clone();
    let refreshed = flow::refresh(&rp, &first_refresh).await.expect("refresh");
    let second_refresh = refreshed.refresh_token().expect("rotated refresh token");
    assert_ne!(second_refresh.secret(), first_refresh.secret());
    flow::userinfo(&rp, refreshed.access_token()).await.expect("refreshed access token works");
    flow::refresh(&rp, second_refresh).await.expect("the rotated token works");
}

/// A fresh refresh token for alice, from a provider launched with `options`.
async fn refresh_token_of(op: &client_harness::TestProvider) -> (client_harness::rp::Rp, openidconnect::RefreshToken) {
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, &["offline_access"], true);
    let browser = Browser::new(&op.issuer);
    let params = callback_params(&browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    (rp, tokens.refresh_token().unwrap().clone())
}

#[tokio::test]
async fn a_reused_refresh_token_is_refused_and_revokes_the_grant() {
    // By default: no grace window (RFC 9700 §4.14.2).
    let op = launch(Options::default()).await;
    let (rp, old) = refresh_token_of(&op).await;
    let refreshed = flow::refresh(&rp, &old).await.unwrap();
    // RFC 9700 §4.14.2: the spent token comes back, so it leaked; everything of the grant goes.
    assert_eq!(flow::refresh(&rp, &old).await.unwrap_err(), "invalid_grant");
    assert_eq!(flow::refresh(&rp, refreshed.refresh_token().unwrap()).await.unwrap_err(), "invalid_grant");
    assert!(flow::userinfo(&rp, refreshed.access_token()).await.is_err(), "access tokens of the grant are revoked");
}

#[tokio::test]
async fn a_rotated_refresh_token_reused_inside_the_grace_window_still_works() {
    let op = launch(Options::with("ttl.refresh_token_grace", 1)).await;
    let (rp, old) = refresh_token_of(&op).await;
    let first = flow::refresh(&rp, &old).await.unwrap();
    // A concurrent request of the same client, a moment later: answered, grant intact.
    let second = flow::refresh(&rp, &old).await.expect("inside the grace window");
    assert_ne!(first.refresh_token().unwrap().secret(), second.refresh_token().unwrap().secret());
    flow::userinfo(&rp, first.access_token()).await.expect("the first answer still works");
    // Once the window has passed, reuse is theft again.
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    assert_eq!(flow::refresh(&rp, &old).await.unwrap_err(), "invalid_grant");
    assert!(flow::userinfo(&rp, second.access_token()).await.is_err(), "the grant is revoked");
}

#[tokio::test]
async fn a_second_authorization_uses_the_session_without_prompting() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer);
    let first = start(&rp, &["email"], true);
    browser.authorize(first.url.as_str(), "alice", "alice-password").await.callback();

    // Same browser, same scopes, prompt=none: straight back with a code (single sign-on).
    let mut second = start(&rp, &["email"], true);
    second.url.query_pairs_mut().append_pair("prompt", "none");
    let params = callback_params(&browser.open(second.url.as_str()).await.callback());
    assert!(params.contains_key("code"), "{params:?}");
    let tokens = flow::exchange(&rp, &params["code"], second.verifier).await.unwrap();
    flow::verify_id_token(&rp, &tokens, &second.nonce);
}

#[tokio::test]
async fn prompt_login_and_max_age_force_a_new_login() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer);
    let first = start(&rp, &[], true);
    browser.authorize(first.url.as_str(), "alice", "alice-password").await.callback();

    for (name, value) in [("prompt", "login"), ("max_age", "0")] {
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let mut again = start(&rp, &[], true);
        again.url.query_pairs_mut().append_pair(name, value);
        let page = browser.open(again.url.as_str()).await.page();
        let mut form = page.form("/login").unwrap_or_else(|| panic!("{name}={value} shows the login page"));
        form.set("login", "alice").set("password", "alice-password");
        let params = callback_params(&browser.submit(&form, None).await.callback());
        let tokens = flow::exchange(&rp, &params["code"], again.verifier).await.unwrap();
        let claims = flow::verify_id_token(&rp, &tokens, &again.nonce);
        let auth_time = claims.auth_time().unwrap().timestamp();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        assert!(now - auth_time <= 1, "{name}: auth_time is the new login's");
    }
}

#[tokio::test]
async fn login_hint_prefills_the_login_page() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &[], true);
    req.url.query_pairs_mut().append_pair("login_hint", "bob");
    let page = Browser::new(&op.issuer).open(req.url.as_str()).await.page();
    assert_eq!(page.form("/login").unwrap().get("login"), Some("bob"));
    // Password managers may fill the page: its fields name what they hold.
    assert!(page.html.contains(r#"name="login" value="bob" autocomplete="username""#), "{}", page.html);
    assert!(page.html.contains(r#"type="password" name="password" autocomplete="current-password""#));
    assert!(!page.html.contains(r#"autocomplete="off""#));
}

/// Login and consent each have their own URL, so browser automation (the conformance suite's
/// matches pages by URL) can tell them apart, and an out-of-date URL leads to the current page.
#[tokio::test]
async fn login_and_consent_pages_have_their_own_urls() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer);
    let req = start(&rp, &["email"], true);

    let login = browser.open(req.url.as_str()).await.page();
    assert!(login.url.path().ends_with("/login"), "the login page's URL: {}", login.url);
    let mut form = login.form("/login").expect("a login form");
    form.set("login", "alice").set("password", "alice-password");
    let consent = browser.submit(&form, None).await.page();
    assert!(consent.url.path().ends_with("/consent"), "the consent page's URL: {}", consent.url);
    assert!(consent.form("/consent").is_some(), "a consent form at {}", consent.url);

    // The login URL, and the interaction's own, now lead to the consent page.
    let interaction = consent.url.as_str().trim_end_matches("/consent").to_string();
    for stale in [format!("{interaction}/login"), interaction] {
        let page = browser.open(&stale).await.page();
        assert_eq!(page.url, consent.url, "{stale} leads to the current prompt's page");
    }
}
