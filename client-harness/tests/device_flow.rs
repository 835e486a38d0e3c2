//! The device authorization grant (RFC 8628), driven by the `oauth2` crate on the device side and
//! the browser on the user's side.

use client_harness::browser::Browser;
use client_harness::http;
use client_harness::{Options, TestProvider, launch};
use oauth2::StandardDeviceAuthorizationResponse;
use oauth2::basic::BasicClient;
use oauth2::{ClientId, DeviceAuthorizationUrl, Scope, TokenResponse, TokenUrl};
use serde_json::Value;

fn options() -> Options {
    Options { settings: vec![("device_poll_interval", 1.into())], ..Options::default() }
}

async fn start(op: &TestProvider, scopes: &[&str]) -> StandardDeviceAuthorizationResponse {
    let http = http::oidc(http::client(false));
    let client = BasicClient::new(ClientId::new("tv-app".into())).set_device_authorization_url(
        DeviceAuthorizationUrl::new(format!("{}/device_authorization", op.issuer)).unwrap(),
    );
    let mut request = client.exchange_device_code();
    for scope in scopes {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    request.request_async(&http).await.expect("device authorization")
}

/// The user types the code and signs in; `decision` is allow or deny.
async fn user_approves(op: &TestProvider, details: &StandardDeviceAuthorizationResponse, decision: &str) -> String {
    let browser = Browser::new(&op.issuer);
    let page = browser.open(details.verification_uri().as_str()).await.page();
    let mut form = page.form("/device").expect("a form to type the code");
    form.set("user_code", &details.user_code().secret().to_lowercase());
    let mut login = browser.submit(&form, None).await.page().form("/login").expect("login");
    login.set("login", "alice").set("password", "alice-password");
    let consent = browser.submit(&login, None).await.page();
    assert!(consent.html.contains("Check that your device shows the code"), "the user confirms the device");
    let form = consent.form("/consent").expect("confirmation");
    let done = browser.submit(&form, Some(("decision", decision))).await.page();
    done.text_of("device-result").unwrap_or_default()
}

async fn poll(op: &TestProvider, device_code: &str) -> Value {
    http::json(http::client(false).post(format!("{}/token", op.issuer)).form(&[
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", device_code),
        ("client_id", "tv-app"),
    ]))
    .await
}

#[tokio::test]
async fn the_device_gets_tokens_once_the_user_approves() {
    let op = launch(options()).await;
    let details = start(&op, &["openid", "email", "offline_access"]).await;
    let code = details.user_code().secret();
    assert_eq!(code.len(), 9, "XXXX-XXXX");
    assert!(code.chars().all(|c| c == '-' || "BCDFGHJKLMNPQRSTVWXZ".contains(c)), "RFC 8628 §6.1 alphabet: {code}");
    let complete = details.verification_uri_complete().expect("verification_uri_complete");
    assert!(complete.secret().ends_with(code.as_str()));
    assert_eq!(poll(&op, details.device_code().secret()).await["error"], "authorization_pending");

    assert_eq!(user_approves(&op, &details, "allow").await, "Device connected");
    let http = http::oidc(http::client(false));
    let client = BasicClient::new(ClientId::new("tv-app".into()))
        .set_token_uri(TokenUrl::new(format!("{}/token", op.issuer)).unwrap());
    let tokens = client
        .exchange_device_access_token(&details)
        .request_async(&http, tokio::time::sleep, Some(std::time::Duration::from_secs(20)))
        .await
        .expect("tokens after approval");
    assert!(tokens.refresh_token().is_some(), "offline_access was granted");
    let info: Value = http::json(
        http::client(false).get(format!("{}/userinfo", op.issuer)).bearer_auth(tokens.access_token().secret()),
    )
    .await;
    assert_eq!(info["email"], "alice@example.com");
    assert_eq!(
        poll(&op, details.device_code().secret()).await["error"],
        "invalid_grant",
        "a device code is single-use"
    );
}

#[tokio::test]
async fn polling_too_fast_is_slowed_down() {
    let op = launch(options()).await;
    let details = start(&op, &["openid"]).await;
    assert_eq!(poll(&op, details.device_code().secret()).await["error"], "authorization_pending");
    let fast = poll(&op, details.device_code().secret()).await;
    assert_eq!(fast["error"], "slow_down");
    assert!(fast["error_description"].as_str().unwrap().contains("6 seconds"), "the interval grows by 5: {fast}");
}

#[tokio::test]
async fn a_refusal_reaches_the_device_as_access_denied() {
    let op = launch(options()).await;
    let details = start(&op, &["openid"]).await;
    assert_eq!(user_approves(&op, &details, "deny").await, "Device not connected");
    assert_eq!(poll(&op, details.device_code().secret()).await["error"], "access_denied");
}

#[tokio::test]
async fn an_expired_device_code_is_expired_token() {
    let op = launch(Options { settings: vec![("ttl.device_code", 1.into())], ..Options::default() }).await;
    let details = start(&op, &["openid"]).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(poll(&op, details.device_code().secret()).await["error"], "expired_token");
    // The user can no longer use its code either.
    let browser = Browser::new(&op.issuer);
    let mut form = browser.open(&format!("{}/device", op.issuer)).await.page().form("/device").unwrap();
    form.set("user_code", details.user_code().secret());
    let page = browser.submit(&form, None).await.page();
    assert!(page.html.contains("expired"), "{}", page.html);
}

#[tokio::test]
async fn device_flow_errors() {
    let op = launch(options()).await;
    // A client not registered for the device grant.
    let response: Value = http::json(
        http::client(false)
            .post(format!("{}/device_authorization", op.issuer))
            .basic_auth("rp-basic", Some("rp-basic-secret-0123456789"))
            .form(&[("scope", "openid")]),
    )
    .await;
    assert_eq!(response["error"], "unauthorized_client");
    // A mistyped code shows the page again.
    let browser = Browser::new(&op.issuer);
    let mut form = browser.open(&format!("{}/device", op.issuer)).await.page().form("/device").unwrap();
    form.set("user_code", "WXYZ-1234");
    let page = browser.submit(&form, None).await.page();
    assert_eq!(page.status, 400);
    assert!(page.form("/device").is_some());
    // An unknown device code.
    assert_eq!(poll(&op, "nope").await["error"], "invalid_grant");
}

/// The user approves while the device polls: the poll's write of its time must never undo the
/// approval (a compare-and-set on the record). Run 200 times on each backend, with the
/// approval and several polls truly in parallel; the device always gets its tokens.
async fn approval_races_polls(storage: client_harness::Storage) {
    let op = launch(Options { storage, ..options() }).await;
    for run in 0..200 {
        let details = start(&op, &["openid"]).await;
        let browser = Browser::new(&op.issuer);
        let page = browser.open(details.verification_uri().as_str()).await.page();
        let mut form = page.form("/device").expect("a form to type the code");
        form.set("user_code", details.user_code().secret());
        let mut login = browser.submit(&form, None).await.page().form("/login").expect("login");
        login.set("login", "alice").set("password", "alice-password");
        let consent = browser.submit(&login, None).await.page().form("/consent").expect("confirmation");

        let device_code = details.device_code().secret().clone();
        let polls: Vec<_> = (0..4)
            .map(|_| {
                let (issuer, device_code) = (op.issuer.clone(), device_code.clone());
                tokio::spawn(async move {
                    http::json(http::client(false).post(format!("{issuer}/token")).form(&[
                        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                        ("device_code", device_code.as_str()),
                        ("client_id", "tv-app"),
                    ]))
                    .await
                })
            })
            .collect();
        let done = browser.submit(&consent, Some(("decision", "allow"))).await.page();
        assert_eq!(done.text_of("device-result").as_deref(), Some("Device connected"), "run {run}");
        let mut issued = 0;
        for answer in polls {
            let answer = answer.await.unwrap();
            issued += usize::from(answer.get("access_token").is_some());
        }
        if issued == 0 {
            let answer = poll(&op, &device_code).await;
            assert!(answer.get("access_token").is_some(), "run {run}: the approval was lost: {answer}");
        } else {
            assert_eq!(issued, 1, "run {run}: tokens are issued once");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_approval_racing_polls_is_never_lost_on_memory() {
    approval_races_polls(client_harness::Storage::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_approval_racing_polls_is_never_lost_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    approval_races_polls(client_harness::Storage::Sqlite(dir.path().join("op.db"))).await;
}
