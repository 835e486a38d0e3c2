//! Guessing is throttled per client address: user codes typed on the device page (RFC 8628 §5.1)
//! and passwords on the login page. Browsers here arrive from the addresses a trusted proxy
//! reports, so two of them count apart.

use client_harness::browser::{Browser, Page};
use client_harness::http;
use client_harness::{Options, Storage, TestProvider, launch};
use serde_json::Value;

/// The defaults, behind a proxy whose `X-Real-IP` is believed.
async fn behind_proxy(settings: Vec<(&'static str, figment::value::Value)>) -> Option<TestProvider> {
    let mut options = Options::with("proxy.trust_forwarded_headers", true);
    options.settings.extend(settings);
    started(options).await
}

/// The provider, unless the harness was pointed at an external one.
async fn started(options: Options) -> Option<TestProvider> {
    let op = launch(options).await;
    if op.is_external() {
        eprintln!("skipped: the external provider's proxy and throttle settings are not the harness's to set");
        return None;
    }
    Some(op)
}

/// A user code of a new device authorization, as shown to the user.
async fn user_code(op: &TestProvider) -> String {
    let response: Value = http::json(
        http::client(false)
            .post(format!("{}/device_authorization", op.issuer))
            .form(&[("client_id", "tv-app"), ("scope", "openid")]),
    )
    .await;
    response["user_code"].as_str().expect("a user code").to_string()
}

async fn type_code(op: &TestProvider, browser: &Browser, code: &str) -> Page {
    let mut form = browser.open(&format!("{}/device", op.issuer)).await.page().form("/device").unwrap();
    form.set("user_code", code);
    browser.submit(&form, None).await.page()
}

/// A 429 page that names the wait, with `Retry-After` in seconds within `max`.
fn assert_refused(page: &Page, max: u64) {
    assert_eq!(page.status, 429, "{}", page.html);
    let retry_after: u64 = page.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=max).contains(&retry_after), "Retry-After {retry_after}");
    assert!(page.html.contains(&format!("Try again in {retry_after} seconds")), "{}", page.html);
}

#[tokio::test]
async fn wrong_user_codes_are_throttled_per_address_and_a_right_one_restores_nothing() {
    let Some(op) = behind_proxy(vec![]).await else { return };
    let code = user_code(&op).await;
    let guesser = Browser::at_address(&op.issuer, "198.51.100.7");
    // The default allowance is five wrong codes a minute; a right one in between costs nothing
    // and gives nothing back (a guesser could type a code of their own).
    for _ in 0..4 {
        assert_eq!(type_code(&op, &guesser, "BBBB-BBBB").await.status, 400);
    }
    assert!(type_code(&op, &guesser, &code).await.form("/login").is_some(), "a live code leads to the login");
    assert_eq!(type_code(&op, &guesser, "CCCC-CCCC").await.status, 400);
    // Spent: even the live code is refused now, before it is looked up (one more each 12 s).
    assert_refused(&type_code(&op, &guesser, &code).await, 12);

    let other = Browser::at_address(&op.issuer, "203.0.113.9");
    assert!(type_code(&op, &other, &code).await.form("/login").is_some(), "another address has its own allowance");
}

#[tokio::test]
async fn failed_logins_are_throttled_per_address() {
    let Some(op) = behind_proxy(vec![("throttle.login_failures", 2.into())]).await else { return };
    let url = format!(
        "{}/authorize?response_type=code&scope=openid&client_id=rp-basic&redirect_uri={}&code_challenge={}&code_challenge_method=S256",
        op.issuer, "https%3A%2F%2Frp.example.com%2Fcallback", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let login = |browser: Browser, password: &'static str| {
        let url = url.clone();
        async move {
            let mut form = browser.open(&url).await.page().form("/login").expect("the login page");
            form.set("login", "alice").set("password", password);
            browser.submit(&form, None).await.page()
        }
    };
    let guesser = "198.51.100.7";
    for _ in 0..2 {
        assert_eq!(login(Browser::at_address(&op.issuer, guesser), "wrong").await.status, 401);
    }
    // A whole minute for two failures: one more each 30 s. The right password waits too.
    let refused = login(Browser::at_address(&op.issuer, guesser), "alice-password").await;
    assert_refused(&refused, 30);
    assert!(refused.form("/login").is_some(), "the login page, to try again later");

    let other = login(Browser::at_address(&op.issuer, "2001:db8::1"), "alice-password").await;
    assert!(other.form("/consent").is_some(), "another address signs in: {}", other.html);
}

#[tokio::test]
async fn without_a_trusted_proxy_a_forged_address_header_escapes_nothing() {
    let op = launch(Options::with("throttle.user_code_failures", 1)).await;
    if op.is_external() {
        eprintln!("skipped: the external provider's throttle settings are not the harness's to set");
        return;
    }
    let code = user_code(&op).await;
    assert_eq!(type_code(&op, &Browser::at_address(&op.issuer, "198.51.100.7"), "BBBB-BBBB").await.status, 400);
    // X-Real-IP is not believed by default: both arrive from loopback, and share one allowance.
    assert_refused(&type_code(&op, &Browser::at_address(&op.issuer, "203.0.113.9"), &code).await, 60);
}

#[tokio::test]
async fn guesses_sent_at_once_are_counted_as_they_arrive() {
    // On SQLite, where each lookup waits for a pooled connection, so the guesses overlap.
    let dir = tempfile::tempdir().unwrap();
    let mut options = Options::with("throttle.user_code_failures", 3);
    options.storage = Storage::Sqlite(dir.path().join("provider.db"));
    let Some(op) = started(options).await else { return };
    let guesses = (0..10).map(|_| {
        let url = format!("{}/device", op.issuer);
        tokio::spawn(async move {
            http::client(false)
                .post(url)
                .form(&[("user_code", "BBBB-BBBB")])
                .send()
                .await
                .expect("an answer")
                .status()
                .as_u16()
        })
    });
    let mut statuses = Vec::new();
    for guess in guesses.collect::<Vec<_>>() {
        statuses.push(guess.await.unwrap());
    }
    statuses.sort();
    // Each guess is charged when it starts, so no more than the allowance is ever looked up.
    assert_eq!(statuses, [[400; 3].as_slice(), &[429; 7]].concat());
}
