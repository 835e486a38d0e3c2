//! What the provider answers to mistakes and attacks: the spec's error, at the right place.

use client_harness::browser::{Browser, Landing, callback_params};
use client_harness::flow::{self, start};
use client_harness::http;
use client_harness::rp::{self, BASIC, NATIVE, POST};
use client_harness::{Options, TestProvider, launch};
use openidconnect::OAuth2TokenResponse;
use rstest::rstest;

async fn op_and_browser() -> (TestProvider, Browser) {
    let op = launch(Options::default()).await;
    let browser = Browser::new(&op.issuer);
    (op, browser)
}

/// Runs a full authorization for `rp-basic` and returns the code and the PKCE verifier.
async fn authorized_code(op: &TestProvider) -> (rp::Rp, String, openidconnect::PkceCodeVerifier) {
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, &["email"], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    (rp, params["code"].clone(), req.verifier.unwrap())
}

#[tokio::test]
async fn a_reused_code_is_invalid_grant_and_revokes_the_first_tokens() {
    let op = launch(Options::default()).await;
    let (rp, code, verifier) = authorized_code(&op).await;
    let secret = verifier.secret().clone();
    let tokens = flow::exchange(&rp, &code, Some(verifier)).await.unwrap();
    flow::userinfo(&rp, tokens.access_token()).await.expect("first tokens work");
    let again = flow::exchange(&rp, &code, Some(openidconnect::PkceCodeVerifier::new(secret))).await;
    assert_eq!(again.unwrap_err(), "invalid_grant");
    assert!(
        flow::userinfo(&rp, tokens.access_token()).await.is_err(),
        "RFC 6749 §4.1.2: tokens of a replayed code are revoked"
    );
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_invalid_grant() {
    let op = launch(Options::default()).await;
    let (rp, code, _) = authorized_code(&op).await;
    let wrong = openidconnect::PkceCodeVerifier::new("x".repeat(43));
    assert_eq!(flow::exchange(&rp, &code, Some(wrong)).await.unwrap_err(), "invalid_grant");
}

#[tokio::test]
async fn a_missing_pkce_verifier_is_invalid_grant() {
    let op = launch(Options::default()).await;
    let (rp, code, _) = authorized_code(&op).await;
    assert_eq!(flow::exchange(&rp, &code, None).await.unwrap_err(), "invalid_grant");
}

#[tokio::test]
async fn a_code_of_another_client_is_invalid_grant() {
    let op = launch(Options::default()).await;
    let (_, code, verifier) = authorized_code(&op).await;
    let other = rp::relying_party(&op.issuer, POST).await;
    assert_eq!(flow::exchange(&other, &code, Some(verifier)).await.unwrap_err(), "invalid_grant");
}

#[tokio::test]
async fn a_wrong_client_secret_is_401_invalid_client_with_basic_challenge() {
    let op = launch(Options::default()).await;
    let (_, code, verifier) = authorized_code(&op).await;
    let wrong = client_harness::rp::FixtureClient { secret: Some("not-the-secret-at-all"), ..BASIC };
    let rp = rp::relying_party(&op.issuer, wrong).await;
    assert_eq!(flow::exchange(&rp, &code, Some(verifier)).await.unwrap_err(), "invalid_client");

    let response = http::client(false)
        .post(format!("{}/token", op.issuer))
        .basic_auth("rp-basic", Some("not-the-secret-at-all"))
        .form(&[("grant_type", "authorization_code"), ("code", "x"), ("redirect_uri", BASIC.redirect_uri)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

#[rstest]
#[case::unregistered_redirect_uri("client_id=rp-basic&redirect_uri=https%3A%2F%2Fevil.example%2Fcb", "invalid_request")]
#[case::unknown_client("client_id=nobody&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback", "invalid_client")]
#[case::no_client("redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback", "invalid_request")]
#[case::repeated_redirect_uri(
    "client_id=rp-basic&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
    "invalid_request"
)]
#[tokio::test]
async fn untrusted_redirects_get_an_error_page_never_a_redirect(#[case] query: &str, #[case] error: &str) {
    let (op, browser) = op_and_browser().await;
    let url = format!("{}/authorize?response_type=code&scope=openid&{query}", op.issuer);
    let response = http::client(false).get(&url).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none(), "no redirect to an untrusted URI");
    let page = browser.open(&url).await.page();
    assert_eq!(page.text_of("error").as_deref(), Some(error));
}

#[rstest]
#[case::public_client_without_pkce(NATIVE, "", "invalid_request")]
#[case::plain_pkce(
    BASIC,
    "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=plain",
    "invalid_request"
)]
#[case::challenge_without_method(
    BASIC,
    "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    "invalid_request"
)]
#[case::bad_response_mode(BASIC, "&response_mode=jwt_magic", "invalid_request")]
#[case::bad_prompt(BASIC, "&prompt=none+login", "invalid_request")]
#[case::bad_max_age(BASIC, "&max_age=-5", "invalid_request")]
#[case::repeated_scope(BASIC, "&scope=email", "invalid_request")]
#[tokio::test]
async fn invalid_requests_are_redirected_with_iss_and_state(
    #[case] client: rp::FixtureClient,
    #[case] extra: &str,
    #[case] error: &str,
) {
    let (op, browser) = op_and_browser().await;
    let redirect = url::form_urlencoded::byte_serialize(client.redirect_uri.as_bytes()).collect::<String>();
    let url = format!(
        "{}/authorize?response_type=code&scope=openid&client_id={}&redirect_uri={redirect}&state=xyz{extra}",
        op.issuer, client.id
    );
    let params = callback_params(&browser.open(&url).await.callback());
    assert_eq!(params.get("error").map(String::as_str), Some(error), "{params:?}");
    assert_eq!(params.get("state").map(String::as_str), Some("xyz"));
    assert_eq!(params.get("iss"), Some(&op.issuer));
}

#[tokio::test]
async fn unsupported_response_type_is_redirected() {
    let (op, browser) = op_and_browser().await;
    let url = format!(
        "{}/authorize?response_type=token&scope=openid&client_id=rp-basic&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback",
        op.issuer
    );
    // `token` defaults to the fragment (Multiple Response Types §5).
    let callback = browser.open(&url).await.callback();
    assert!(callback.fragment().is_some());
    assert_eq!(callback_params(&callback)["error"], "unsupported_response_type");
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required_with_iss() {
    let (op, browser) = op_and_browser().await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &[], true);
    req.url.query_pairs_mut().append_pair("prompt", "none");
    let params = callback_params(&browser.open(req.url.as_str()).await.callback());
    assert_eq!(params["error"], "login_required");
    assert_eq!(params["iss"], op.issuer);
    assert_eq!(params.get("state"), Some(req.state.secret()));
}

#[tokio::test]
async fn prompt_none_without_consent_is_consent_required() {
    let (op, browser) = op_and_browser().await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    browser.authorize(start(&rp, &[], true).url.as_str(), "alice", "alice-password").await.callback();
    let mut more = start(&rp, &["phone"], true);
    more.url.query_pairs_mut().append_pair("prompt", "none");
    let params = callback_params(&browser.open(more.url.as_str()).await.callback());
    assert_eq!(params["error"], "consent_required");
}

#[tokio::test]
async fn denying_consent_is_access_denied() {
    let (op, browser) = op_and_browser().await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, &["email"], true);
    let mut form = browser.open(req.url.as_str()).await.page().form("/login").unwrap();
    form.set("login", "alice").set("password", "alice-password");
    let consent = browser.submit(&form, None).await.page().form("/consent").expect("consent page");
    let params = callback_params(&browser.submit(&consent, Some(("decision", "deny"))).await.callback());
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["iss"], op.issuer);
}

#[tokio::test]
async fn cancelling_the_login_is_access_denied() {
    let (op, browser) = op_and_browser().await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let page = browser.open(start(&rp, &[], true).url.as_str()).await.page();
    let cancel = page.link("Cancel").expect("a cancel link");
    let params = callback_params(&browser.open(cancel.as_str()).await.callback());
    assert_eq!(params["error"], "access_denied");
}

#[tokio::test]
async fn a_wrong_password_shows_the_login_page_again() {
    let (op, browser) = op_and_browser().await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut form = browser.open(start(&rp, &[], true).url.as_str()).await.page().form("/login").unwrap();
    form.set("login", "alice").set("password", "wrong");
    let page = browser.submit(&form, None).await.page();
    assert_eq!(page.status, 401);
    assert!(page.html.contains("Invalid username or password"));
    assert!(page.form("/login").is_some());
}

#[tokio::test]
async fn interaction_forms_need_the_csrf_token_and_the_same_browser() {
    let (op, browser) = op_and_browser().await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut form = browser.open(start(&rp, &[], true).url.as_str()).await.page().form("/login").unwrap();
    form.set("login", "alice").set("password", "alice-password");

    let mut forged = form.clone();
    forged.set("csrf", "forged");
    assert_eq!(browser.submit(&forged, None).await.page().status, 403);

    // Another browser (without the interaction cookie) cannot complete this login.
    let other = Browser::new(&op.issuer);
    let page = other.submit(&form, None).await.page();
    assert_eq!(page.status, 400);
    assert!(page.text_of("error").is_some());

    // The rightful browser still can.
    assert!(matches!(browser.submit(&form, None).await, Landing::Page(p) if p.form("/consent").is_some()));
}

#[tokio::test]
async fn session_and_interaction_cookies_are_hardened() {
    let op = launch(Options::default()).await;
    let client = http::client(false);
    let url = format!(
        "{}/authorize?response_type=code&scope=openid&client_id=rp-basic&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback",
        op.issuer
    );
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("op_interaction="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "http issuer: no Secure flag");
}
