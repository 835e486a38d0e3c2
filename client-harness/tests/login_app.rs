//! Login, consent and logout in the operator's own app over HTTP (`[login_app]`, the pattern of
//! Hydra's login and consent apps): the example app in `examples/login-app` drives the admin API,
//! and a browser goes through its pages and back to the provider, as a person does.

use client_harness::browser::{Browser, Landing, callback_params};
use client_harness::flow::{self, start};
use client_harness::rp::{self, BASIC};
use client_harness::{Options, TestProvider, launch};
use openidconnect::OAuth2TokenResponse;
use serde_json::{Value, json};

const SECRET: &str = "login-app-secret-0123456789-abcdefghij";

/// A provider sending sign-ins to the example app, and the app, on a port of its own.
async fn with_app(settings: Vec<(&'static str, figment::value::Value)>) -> Option<(TestProvider, String)> {
    let app_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app_url = format!("http://127.0.0.1:{app_port}/");
    let mut options = Options::default();
    options.settings.extend([("login_app.url", app_url.clone().into()), ("login_app.secret", SECRET.into())]);
    options.settings.extend(settings);
    let op = launch(options).await;
    if op.is_external() {
        eprintln!("skipped: the provider under test is not configured with this login app");
        return None;
    }
    let app = login_app::rocket(login_app::Settings { provider: op.issuer.clone(), secret: SECRET.into() }, app_port);
    let app = app.ignite().await.expect("the login app");
    tokio::spawn(app.launch());
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", app_port)).await.is_ok() {
            return Some((op, app_url));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the login app did not start");
}

/// Signs carol in on the app's page and allows on its consent page.
async fn through_the_app(browser: &Browser, authorize: &str, decision: &str) -> Landing {
    let page = browser.open(authorize).await.page();
    assert!(page.url.query().is_some_and(|q| q.starts_with("login_challenge=")), "the app's login page: {}", page.url);
    let mut form = page.form("/login").expect("the app's login form");
    form.set("login", "carol").set("password", "carol-password");
    let consent = browser.submit(&form, Some(("action", "login"))).await.page();
    assert!(consent.url.query().is_some_and(|q| q.starts_with("consent_challenge=")), "{}", consent.url);
    assert!(consent.html.contains("email"), "the app shows what is asked: {}", consent.html);
    browser.submit(&consent.form("/consent").expect("the app's consent form"), Some(("decision", decision))).await
}

#[tokio::test]
async fn the_login_app_signs_the_user_in_and_its_claims_reach_the_client() {
    let Some((op, app)) = with_app(vec![]).await else { return };
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer).following(&app);
    let req = start(&rp, &["email", "profile", "offline_access"], true);
    let callback = through_the_app(&browser, req.url.as_str(), "allow").await.callback();
    let params = callback_params(&callback);
    assert_eq!(params.get("state"), Some(req.state.secret()));

    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.expect("code exchange");
    let claims = flow::verify_id_token(&rp, &tokens, &req.nonce);
    assert_eq!(claims.subject().as_str(), "carol-0001", "the subject the app passed");
    let info = flow::userinfo(&rp, tokens.access_token()).await.expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some("carol@example.com"), "the claims the app passed");
    assert_eq!(info.name().and_then(|n| n.get(None)).map(|n| n.as_str()), Some("Carol Example"));
    let refresh = tokens.refresh_token().expect("offline_access");
    flow::refresh(&rp, refresh).await.expect("the app's user stays known to refreshes");

    // Signed in already: the next authorization skips the login (single sign-on) and consent.
    let again = start(&rp, &["email"], true);
    let landed = browser.open(again.url.as_str()).await.callback();
    assert!(callback_params(&landed).contains_key("code"), "{landed}");
}

#[tokio::test]
async fn a_denial_in_the_app_reaches_the_client_as_access_denied() {
    let Some((op, app)) = with_app(vec![]).await else { return };
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer).following(&app);
    let req = start(&rp, &["email"], true);
    let params = callback_params(&through_the_app(&browser, req.url.as_str(), "deny").await.callback());
    assert_eq!(params.get("error").map(String::as_str), Some("access_denied"));
    assert_eq!(params.get("state"), Some(req.state.secret()));
}

#[tokio::test]
async fn an_answer_applies_once_in_the_browser_that_started_and_the_admin_api_needs_the_secret() {
    let Some((op, _app)) = with_app(vec![]).await else { return };
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    // This browser does not follow to the app: it stops on the app's URL with the challenge.
    let browser = Browser::new(&op.issuer);
    let req = start(&rp, &["email"], true);
    let at_app = browser.open(req.url.as_str()).await.callback();
    let challenge = callback_params(&at_app)["login_challenge"].clone();

    let http = client_harness::http::client(false);
    let admin = |path: String| format!("{}/admin/{path}", op.issuer);
    let unauthenticated = http.get(admin(format!("interactions/{challenge}"))).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert!(unauthenticated.headers().get("www-authenticate").is_some());
    let wrong = http.get(admin(format!("interactions/{challenge}"))).bearer_auth("x".repeat(40)).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let unknown = http.get(admin("interactions/nothing".into())).bearer_auth(SECRET).send().await.unwrap();
    assert_eq!(unknown.status(), 404);

    let details: Value = http
        .get(admin(format!("interactions/{challenge}")))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(details["prompt"], "login");
    assert_eq!(details["client"]["client_id"], "rp-basic");
    assert_eq!(details["scopes"], json!(["openid", "email"]));
    let consent_first =
        http.post(admin(format!("interactions/{challenge}/consent"))).bearer_auth(SECRET).send().await.unwrap();
    assert_eq!(consent_first.status(), 409, "the interaction is at login, not consent");

    let accept = || {
        http.post(admin(format!("interactions/{challenge}/login")))
            .bearer_auth(SECRET)
            .json(&json!({ "subject": "dave-0002", "acr": "urn:example:mfa", "amr": ["pwd", "otp"] }))
            .send()
    };
    let answered: Value = accept().await.unwrap().json().await.unwrap();
    let redirect_to = answered["redirect_to"].as_str().expect("where to send the browser").to_string();
    assert_eq!(accept().await.unwrap().status(), 409, "a challenge is answered once");

    // Another browser cannot use the answer; the one that started can, once.
    let stranger = Browser::new(&op.issuer).open(&redirect_to).await.page();
    assert_eq!(stranger.status, 400, "{}", stranger.html);
    let onwards = browser.open(&redirect_to).await.callback();
    assert!(callback_params(&onwards).contains_key("consent_challenge"), "on to the app's consent: {onwards}");
    assert_eq!(browser.open(&redirect_to).await.page().status, 400, "the verifier is used up");
}

#[tokio::test]
async fn the_login_app_confirms_a_logout() {
    let Some((op, app)) = with_app(vec![("logout.enabled", true.into())]).await else { return };
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer).following(&app);
    let req = start(&rp, &["email"], true);
    through_the_app(&browser, req.url.as_str(), "allow").await.callback();

    let page = browser.open(&format!("{}/session/end", op.issuer)).await.page();
    assert!(page.url.query().is_some_and(|q| q.starts_with("logout_challenge=")), "the app asks: {}", page.url);
    let done = browser.submit(&page.form("/logout").expect("the app's logout form"), Some(("decision", "yes"))).await;
    assert!(done.page().html.contains("logout-result"), "the provider's signed-out page");

    // Signed out: the next authorization asks the app for a login again.
    let next = browser.open(start(&rp, &["email"], true).url.as_str()).await.page();
    assert!(next.url.query().is_some_and(|q| q.starts_with("login_challenge=")), "{}", next.url);
}

#[tokio::test]
async fn a_device_is_approved_through_the_login_app() {
    let Some((op, app)) = with_app(vec![("device_poll_interval", 1.into())]).await else { return };
    let http = client_harness::http::client(false);
    let started: Value = http
        .post(format!("{}/device_authorization", op.issuer))
        .form(&[("client_id", "tv-app"), ("scope", "openid email")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let browser = Browser::new(&op.issuer).following(&app);
    let page = browser.open(started["verification_uri"].as_str().unwrap()).await.page();
    let mut form = page.form("/device").expect("the provider's code page");
    form.set("user_code", started["user_code"].as_str().unwrap());
    let login = browser.submit(&form, None).await.page();
    assert!(login.url.query().is_some_and(|q| q.starts_with("login_challenge=")), "on to the app: {}", login.url);
    let mut form = login.form("/login").expect("the app's login form");
    form.set("login", "carol").set("password", "carol-password");
    let consent = browser.submit(&form, Some(("action", "login"))).await.page();
    let done = browser.submit(&consent.form("/consent").expect("consent"), Some(("decision", "allow"))).await.page();
    assert!(done.html.contains("device-result"), "the provider's device page: {}", done.html);
    let tokens: Value = http
        .post(format!("{}/token", op.issuer))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", started["device_code"].as_str().unwrap()),
            ("client_id", "tv-app"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(flow::payload_of(tokens["id_token"].as_str().expect("tokens"))["sub"], "carol-0001");
}
