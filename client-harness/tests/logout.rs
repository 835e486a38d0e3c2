//! Sessions and logout: RP-Initiated Logout 1.0 at the end-session endpoint, Back-Channel
//! Logout 1.0 (logout tokens POSTed to every client of the session, durably) and Front-Channel
//! Logout 1.0 (iframes on the signed-out page).

use client_harness::browser::{Browser, Landing, callback_params};
use client_harness::flow::{self, start};
use client_harness::http::{self, answer};
use client_harness::{Options, Storage, TestProvider, launch, rp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const REDIRECT: &str = "https://rp.example.com/callback";
const AFTER_LOGOUT: &str = "https://rp.example.com/signed-out";
const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// A client of the session: its registration and the tokens it got.
struct SignedIn {
    client_id: String,
    id_token: String,
    access_token: String,
    refresh_token: Option<openidconnect::RefreshToken>,
    secret: String,
}

/// Registers a client with the logout metadata, its back channel at `backchannel` (if any).
async fn register(op: &TestProvider, backchannel: Option<String>, frontchannel: Option<&str>) -> Value {
    let mut metadata = json!({
        "redirect_uris": [REDIRECT],
        "post_logout_redirect_uris": [AFTER_LOGOUT],
        "grant_types": ["authorization_code", "refresh_token"],
    });
    if let Some(uri) = backchannel {
        metadata["backchannel_logout_uri"] = uri.into();
        metadata["backchannel_logout_session_required"] = true.into();
    }
    if let Some(uri) = frontchannel {
        metadata["frontchannel_logout_uri"] = uri.into();
        metadata["frontchannel_logout_session_required"] = true.into();
    }
    let (status, body, _) = http::register(&op.issuer, &metadata, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// Signs alice in at a registered client in `browser` (a login the first time, single sign-on
/// after), asking for `scopes` besides `openid`.
async fn sign_in_with(op: &TestProvider, browser: &Browser, registered: &Value, scopes: &[&str]) -> SignedIn {
    let (client_id, secret) =
        (registered["client_id"].as_str().unwrap(), registered["client_secret"].as_str().unwrap());
    let rp = rp::registered_party(&op.issuer, client_id, Some(secret), REDIRECT).await;
    let req = start(&rp, scopes, true);
    let params = callback_params(&browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.expect("tokens");
    let id_token = serde_json::to_value(&tokens).unwrap()["id_token"].as_str().unwrap().to_string();
    use openidconnect::OAuth2TokenResponse;
    SignedIn {
        client_id: client_id.into(),
        id_token,
        access_token: tokens.access_token().secret().clone(),
        refresh_token: tokens.refresh_token().cloned(),
        secret: secret.into(),
    }
}

async fn sign_in(op: &TestProvider, browser: &Browser, registered: &Value) -> SignedIn {
    sign_in_with(op, browser, registered, &[]).await
}

/// Opens the end-session endpoint with `params`; confirms on the page if `confirm`.
async fn logout(op: &TestProvider, browser: &Browser, params: &[(&str, &str)], confirm: bool) -> Landing {
    let url = reqwest::Url::parse_with_params(&format!("{}/session/end", op.issuer), params).unwrap();
    let landing = browser.open(url.as_str()).await;
    if !confirm {
        return landing;
    }
    let page = landing.page();
    assert_eq!(page.status, 200, "{}", page.html);
    let form = page.form("/session/end/confirm").expect("the confirmation form");
    browser.submit(&form, Some(("logout", "yes"))).await
}

async fn active(op: &TestProvider, client: &SignedIn) -> bool {
    let request = http::client(false)
        .post(format!("{}/introspect", op.issuer))
        .basic_auth(&client.client_id, Some(&client.secret))
        .form(&[("token", client.access_token.as_str())]);
    answer(request).await.1["active"] == true
}

/// The logout tokens `server` received, verified against the provider's keys.
async fn logout_tokens(op: &TestProvider, server: &MockServer) -> Vec<(Value, Value)> {
    let jwks = http::json(http::client(false).get(format!("{}/jwks", op.issuer))).await;
    let mut tokens = Vec::new();
    for request in server.received_requests().await.unwrap_or_default() {
        let form: std::collections::HashMap<String, String> =
            url::form_urlencoded::parse(&request.body).into_owned().collect();
        let token = form.get("logout_token").expect("a logout_token form field");
        let header = flow::payload_of(&format!("x.{}", token.split('.').next().unwrap()));
        let key = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header["kid"]).expect("a published key");
        let jwk = josekit::jwk::Jwk::from_map(key.as_object().unwrap().clone()).unwrap();
        let verifier = josekit::jws::RS256.verifier_from_jwk(&jwk).unwrap();
        let (payload, _) = josekit::jws::deserialize_compact(token, &verifier).expect("the signature verifies");
        tokens.push((header, serde_json::from_slice(&payload).unwrap()));
    }
    tokens
}

/// Waits until `server` has received `n` requests, or `within`.
async fn received(server: &MockServer, n: usize, within: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let got = server.received_requests().await.unwrap_or_default().len();
        if got >= n || tokio::time::Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn back_channel() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/backchannel")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    server
}

#[tokio::test]
async fn logging_out_at_one_client_tells_every_client_of_the_session() {
    let op = launch(Options::profile("backchannel-logout")).await;
    let (first_rp, second_rp) = (back_channel().await, back_channel().await);
    let first = register(&op, Some(format!("{}/backchannel", first_rp.uri())), None).await;
    let second = register(&op, Some(format!("{}/backchannel", second_rp.uri())), None).await;
    let browser = Browser::new(&op.issuer);
    let first = sign_in(&op, &browser, &first).await;
    // The second client asks for offline access: its refresh token is meant to outlive the session.
    let second = sign_in_with(&op, &browser, &second, &["offline_access"]).await;
    assert!(active(&op, &first).await && active(&op, &second).await);
    let offline = second.refresh_token.clone().expect("a refresh token with offline_access");

    let params =
        [("id_token_hint", first.id_token.as_str()), ("post_logout_redirect_uri", AFTER_LOGOUT), ("state", "s-42")];
    let back = logout(&op, &browser, &params, true).await.callback();
    assert_eq!(back.as_str(), format!("{AFTER_LOGOUT}?state=s-42"), "RP-Initiated Logout §3: back with the state");

    // Back-Channel Logout 1.0 §2.4: a verified logout token at each client, every claim rule.
    for (client, server) in [(&first, &first_rp), (&second, &second_rp)] {
        assert_eq!(received(server, 1, Duration::from_secs(5)).await, 1, "{} got one logout token", client.client_id);
        let id_token = flow::payload_of(&client.id_token);
        let tokens = logout_tokens(&op, server).await;
        let (header, claims) = &tokens[0];
        assert_eq!(header["typ"], "logout+jwt");
        assert_eq!((&claims["iss"], &claims["aud"]), (&json!(op.issuer), &json!(client.client_id)));
        assert_eq!(
            (&claims["sub"], &claims["sid"]),
            (&id_token["sub"], &id_token["sid"]),
            "the session the client knows"
        );
        assert_eq!(claims["events"], json!({ EVENT: {} }), "exactly the back-channel logout event");
        assert!(claims.get("nonce").is_none(), "§2.4: a logout token never carries a nonce");
        assert!(claims["jti"].is_string() && claims["iat"].is_i64());
        assert!(claims["exp"].as_i64() > claims["iat"].as_i64());
    }
    assert_ne!(flow::payload_of(&first.id_token)["sid"], flow::payload_of(&second.id_token)["sid"], "a sid per client");

    // The session's tokens without offline_access are revoked, and the session is gone.
    assert!(!active(&op, &first).await, "the first client's access token died with the session");
    let second_rp = rp::registered_party(&op.issuer, &second.client_id, Some(&second.secret), REDIRECT).await;
    flow::refresh(&second_rp, &offline).await.expect("Back-Channel Logout §2.7: offline access outlives the session");
    let registered = rp::registered_party(&op.issuer, &first.client_id, Some(&first.secret), REDIRECT).await;
    let mut req = start(&registered, &[], true);
    req.url.query_pairs_mut().append_pair("prompt", "none");
    let params = callback_params(&browser.open(req.url.as_str()).await.callback());
    assert_eq!(params["error"], "login_required", "prompt=none after logout");
}

#[tokio::test]
async fn a_logout_request_that_cannot_be_trusted_gets_an_error_page_and_never_a_redirect() {
    let op = launch(Options::profile("rp-logout")).await;
    let (one, other) = (register(&op, None, None).await, register(&op, None, None).await);
    let browser = Browser::new(&op.issuer);
    let signed_in = sign_in(&op, &browser, &one).await;
    let mut tampered = signed_in.id_token.clone();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    let other_id = other["client_id"].as_str().unwrap();
    let cases: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "an unregistered redirect",
            vec![("id_token_hint", &signed_in.id_token), ("post_logout_redirect_uri", "https://evil.example/")],
        ),
        ("a tampered hint", vec![("id_token_hint", &tampered), ("post_logout_redirect_uri", AFTER_LOGOUT)]),
        (
            "another client's hint",
            vec![
                ("id_token_hint", &signed_in.id_token),
                ("client_id", other_id),
                ("post_logout_redirect_uri", AFTER_LOGOUT),
            ],
        ),
        ("a redirect without hint or client", vec![("post_logout_redirect_uri", AFTER_LOGOUT)]),
    ];
    for (case, params) in cases {
        let page = logout(&op, &browser, &params, false).await.page();
        assert_eq!(page.status, 400, "{case}: {}", page.html);
        assert_eq!(page.text_of("error").as_deref(), Some("invalid_request"), "{case}");
    }
    // No hint at all: the end-user confirms, and sees the signed-out page.
    let page = logout(&op, &browser, &[], false).await.page();
    assert!(page.html.contains("logout-confirm"), "no hint: the confirmation is asked");
    let form = page.form("/session/end/confirm").unwrap();
    let done = browser.submit(&form, Some(("logout", "yes"))).await.page();
    assert_eq!(done.text_of("logout-result").as_deref(), Some("Signed out"));
    // The form is used once, and only with its CSRF token.
    assert_eq!(browser.submit(&form, Some(("logout", "yes"))).await.page().status, 400, "a replayed confirmation");
    let mut forged = logout(&op, &browser, &[], false).await.page().form("/session/end/confirm").unwrap();
    forged.set("csrf", "not-the-token");
    assert_eq!(browser.submit(&forged, Some(("logout", "yes"))).await.page().status, 403);
}

#[tokio::test]
async fn the_signed_out_page_loads_each_clients_front_channel_logout() {
    let op = launch(Options::profile("frontchannel-logout")).await;
    let registered = register(&op, None, Some("https://rp.example.com/frontchannel")).await;
    let browser = Browser::new(&op.issuer);
    let signed_in = sign_in(&op, &browser, &registered).await;
    let params = [("id_token_hint", signed_in.id_token.as_str()), ("post_logout_redirect_uri", AFTER_LOGOUT)];
    let page = logout(&op, &browser, &params, true).await.page();
    let sid = flow::payload_of(&signed_in.id_token)["sid"].as_str().unwrap().to_string();
    let iss = url::form_urlencoded::byte_serialize(op.issuer.as_bytes()).collect::<String>();
    let frame = format!("https://rp.example.com/frontchannel?iss={iss}&amp;sid={sid}");
    assert!(page.html.contains(&frame), "Front-Channel Logout §2: an iframe with iss and sid:\n{}", page.html);
    assert!(page.html.contains(AFTER_LOGOUT), "then on to the client's post-logout URI");
}

#[tokio::test]
async fn a_client_that_is_down_gets_its_logout_token_once_it_is_back_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let options =
        Options { storage: Storage::Sqlite(dir.path().join("provider.db")), ..Options::profile("backchannel-logout") };
    let op = launch(options.clone()).await;
    if op.is_external() {
        eprintln!("skipped: HARNESS_ISSUER points at an external provider, which the harness cannot restart");
        return;
    }
    let server = MockServer::start().await;
    // Down: every attempt before the restart fails.
    Mock::given(method("POST")).and(path("/backchannel")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let registered = register(&op, Some(format!("{}/backchannel", server.uri())), None).await;
    let browser = Browser::new(&op.issuer);
    let signed_in = sign_in(&op, &browser, &registered).await;
    let params = [("id_token_hint", signed_in.id_token.as_str()), ("post_logout_redirect_uri", AFTER_LOGOUT)];
    logout(&op, &browser, &params, true).await.callback();
    assert!(received(&server, 1, Duration::from_secs(5)).await >= 1, "attempted at once");

    let port = op.port;
    op.stop().await;
    server.reset().await;
    Mock::given(method("POST")).and(path("/backchannel")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let op = launch(Options { port: Some(port), ..options }).await;
    assert_eq!(received(&server, 1, Duration::from_secs(15)).await, 1, "retried after the restart, and delivered");
    let (_, claims) = &logout_tokens(&op, &server).await[0];
    assert_eq!(claims["sid"], flow::payload_of(&signed_in.id_token)["sid"]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "delivered once, then forgotten");
}
