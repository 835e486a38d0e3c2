//! Client-Initiated Backchannel Authentication (CIBA Core 1.0): the backchannel authentication
//! endpoint, the CIBA grant in poll mode, pings and pushes to a wiremock notification endpoint
//! (and a ping to an endpoint that is down, delivered once it is back), the built-in approval
//! page, the automated approval endpoint, and each error the spec names.

use client_harness::assertion::{fresh_key, sign_with_key};
use client_harness::browser::Browser;
use client_harness::flow::payload_of;
use client_harness::http::{self, answer};
use client_harness::{Options, Storage, TestProvider, launch};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "approval-secret-0123456789";
const ALICE: &str = "248289761001";

/// A CIBA client in `mode`, pinged or pushed at `endpoint`.
fn client(id: &str, mode: &str, endpoint: Option<&str>) -> Value {
    let mut client = json!({
        "client_id": id,
        "client_secret": format!("{id}-secret-0123456789"),
        "grant_types": ["urn:openid:params:grant-type:ciba", "refresh_token"],
        "response_types": [],
        "backchannel_token_delivery_mode": mode,
    });
    if let Some(endpoint) = endpoint {
        client["backchannel_client_notification_endpoint"] = endpoint.into();
    }
    client
}

fn options(extra_clients: Vec<Value>) -> Options {
    let mut options = Options::profile("ciba");
    options.extra_clients = [vec![client("ciba-poll", "poll", None)], extra_clients].concat();
    options.settings.push(("ciba.approval_secret", SECRET.into()));
    options
}

async fn provider(extra_clients: Vec<Value>) -> TestProvider {
    launch(options(extra_clients)).await
}

/// POSTs `form` to `path` as client `id`: the [`answer`].
async fn post_as(op: &TestProvider, id: &str, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let request = http::client(false)
        .post(format!("{}{path}", op.issuer))
        .basic_auth(id, Some(format!("{id}-secret-0123456789")))
        .form(form);
    let (status, body, _) = answer(request).await;
    (status, body)
}

/// A backchannel authentication request for alice.
async fn ask(op: &TestProvider, id: &str, extra: &[(&str, &str)]) -> (StatusCode, Value) {
    let form = [&[("scope", "openid offline_access"), ("login_hint", "alice")], extra].concat();
    post_as(op, id, "/backchannel", &form).await
}

async fn poll(op: &TestProvider, id: &str, auth_req_id: &str) -> (StatusCode, Value) {
    post_as(op, id, "/token", &[("grant_type", "urn:openid:params:grant-type:ciba"), ("auth_req_id", auth_req_id)])
        .await
}

/// The automated approval endpoint, as the conformance suite calls it.
async fn decide(op: &TestProvider, auth_req_id: &str, action: &str, secret: &str) -> StatusCode {
    let url = format!("{}/ciba/approve?auth_req_id={auth_req_id}&action={action}&secret={secret}", op.issuer);
    http::client(false).post(url).send().await.unwrap().status()
}

#[tokio::test]
async fn poll_mode_gets_the_tokens_once_after_approval() {
    let op = provider(vec![]).await;
    let (status, started) = ask(&op, "ciba-poll", &[("binding_message", "W4SCT")]).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let auth_req_id = started["auth_req_id"].as_str().unwrap();
    assert!(auth_req_id.len() >= 32, "CIBA Core §7.3: at least 128 bits");
    assert_eq!(started["expires_in"], 120);
    assert_eq!(started["interval"], 5);
    // CIBA Core §11: pending, then (polled again at once) slow down.
    let (status, pending) = poll(&op, "ciba-poll", auth_req_id).await;
    assert_eq!((status, pending["error"].as_str()), (StatusCode::BAD_REQUEST, Some("authorization_pending")));
    let (_, fast) = poll(&op, "ciba-poll", auth_req_id).await;
    assert_eq!(fast["error"], "slow_down");
    assert_eq!(decide(&op, auth_req_id, "allow", SECRET).await, StatusCode::OK);
    let (status, tokens) = poll(&op, "ciba-poll", auth_req_id).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let id_token = payload_of(tokens["id_token"].as_str().unwrap());
    assert_eq!((id_token["sub"].as_str(), id_token["aud"].as_str()), (Some(ALICE), Some("ciba-poll")));
    assert!(id_token["at_hash"].is_string() && tokens["refresh_token"].is_string());
    // Issued once.
    let (status, again) = poll(&op, "ciba-poll", auth_req_id).await;
    assert_eq!((status, again["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    // Decided once.
    assert_eq!(decide(&op, auth_req_id, "deny", SECRET).await, StatusCode::NOT_FOUND);
    op.stop().await;
}

#[tokio::test]
async fn a_denial_an_expiry_and_another_clients_id_are_refused() {
    let op = provider(vec![client("ciba-other", "poll", None)]).await;
    let (_, denied) = ask(&op, "ciba-poll", &[]).await;
    let denied = denied["auth_req_id"].as_str().unwrap();
    let (_, other) = poll(&op, "ciba-other", denied).await;
    assert_eq!(other["error"], "invalid_grant", "an auth_req_id is bound to its client");
    assert_eq!(decide(&op, denied, "deny", SECRET).await, StatusCode::OK);
    assert_eq!(poll(&op, "ciba-poll", denied).await.1["error"], "access_denied");
    let (_, short) = ask(&op, "ciba-poll", &[("requested_expiry", "1")]).await;
    assert_eq!(short["expires_in"], 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(poll(&op, "ciba-poll", short["auth_req_id"].as_str().unwrap()).await.1["error"], "expired_token");
    assert_eq!(poll(&op, "ciba-poll", "no-such-id").await.1["error"], "invalid_grant");
    // The automated approval endpoint needs its secret.
    let (_, pending) = ask(&op, "ciba-poll", &[]).await;
    assert_eq!(
        decide(&op, pending["auth_req_id"].as_str().unwrap(), "allow", "wrong-secret").await,
        StatusCode::UNAUTHORIZED
    );
    op.stop().await;
}

#[tokio::test]
async fn bad_requests_get_the_errors_of_ciba_core_13() {
    let op = provider(vec![client("ciba-ping", "ping", Some("https://rp.example.com/cb"))]).await;
    let error = |answer: (StatusCode, Value)| (answer.0, answer.1["error"].as_str().unwrap_or_default().to_string());
    let no_hint = post_as(&op, "ciba-poll", "/backchannel", &[("scope", "openid")]).await;
    assert_eq!(error(no_hint), (StatusCode::BAD_REQUEST, "invalid_request".into()));
    let two_hints = ask(&op, "ciba-poll", &[("id_token_hint", "a.b.c")]).await;
    assert_eq!(error(two_hints), (StatusCode::BAD_REQUEST, "invalid_request".into()));
    let unknown = post_as(&op, "ciba-poll", "/backchannel", &[("scope", "openid"), ("login_hint", "nobody")]).await;
    assert_eq!(error(unknown), (StatusCode::BAD_REQUEST, "unknown_user_id".into()));
    let no_openid = post_as(&op, "ciba-poll", "/backchannel", &[("scope", "profile"), ("login_hint", "alice")]).await;
    assert_eq!(error(no_openid), (StatusCode::BAD_REQUEST, "invalid_scope".into()));
    let long = "x".repeat(65);
    let message = ask(&op, "ciba-poll", &[("binding_message", &long)]).await;
    assert_eq!(error(message), (StatusCode::BAD_REQUEST, "invalid_binding_message".into()));
    let expiry = ask(&op, "ciba-poll", &[("requested_expiry", "soon")]).await;
    assert_eq!(error(expiry), (StatusCode::BAD_REQUEST, "invalid_request".into()));
    let ping_without_token = ask(&op, "ciba-ping", &[]).await;
    assert_eq!(error(ping_without_token), (StatusCode::BAD_REQUEST, "invalid_request".into()));
    // A client without the grant; a client that does not authenticate.
    let not_ciba = post_as(&op, "rp-basic", "/backchannel", &[("scope", "openid"), ("login_hint", "alice")]).await;
    assert_eq!(error(not_ciba), (StatusCode::BAD_REQUEST, "unauthorized_client".into()));
    let anonymous = http::client(false)
        .post(format!("{}/backchannel", op.issuer))
        .form(&[("scope", "openid"), ("login_hint", "alice")]);
    assert_eq!(answer(anonymous).await.0, StatusCode::UNAUTHORIZED);
    op.stop().await;
}

#[tokio::test]
async fn ping_mode_notifies_with_the_bearer_token_then_the_client_redeems() {
    let rp = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/ciba"))
        .and(header("authorization", "Bearer ping-token-1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&rp)
        .await;
    let op = provider(vec![client("ciba-ping", "ping", Some(&format!("{}/ciba", rp.uri())))]).await;
    let (status, started) = ask(&op, "ciba-ping", &[("client_notification_token", "ping-token-1")]).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let auth_req_id = started["auth_req_id"].as_str().unwrap();
    assert_eq!(decide(&op, auth_req_id, "allow", SECRET).await, StatusCode::OK);
    let ping = wait_for_request(&rp).await;
    // CIBA Core §10.2: JSON holding the auth_req_id alone.
    assert_eq!(ping.headers.get("content-type").unwrap(), "application/json");
    assert_eq!(serde_json::from_slice::<Value>(&ping.body).unwrap(), json!({ "auth_req_id": auth_req_id }));
    let (status, tokens) = poll(&op, "ciba-ping", auth_req_id).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    op.stop().await;
}

#[tokio::test]
async fn push_mode_delivers_the_tokens_and_the_token_endpoint_refuses_them() {
    let rp = MockServer::start().await;
    Mock::given(method("POST")).and(path("/ciba")).respond_with(ResponseTemplate::new(200)).mount(&rp).await;
    let op = provider(vec![client("ciba-push", "push", Some(&format!("{}/ciba", rp.uri())))]).await;
    let (status, started) = ask(&op, "ciba-push", &[("client_notification_token", "push-token-1")]).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert!(started.get("interval").is_none(), "a push client does not poll");
    let auth_req_id = started["auth_req_id"].as_str().unwrap();
    assert_eq!(decide(&op, auth_req_id, "allow", SECRET).await, StatusCode::OK);
    let push = wait_for_request(&rp).await;
    assert_eq!(push.headers.get("authorization").unwrap(), "Bearer push-token-1");
    let body: Value = serde_json::from_slice(&push.body).unwrap();
    assert_eq!(body["auth_req_id"], auth_req_id);
    // CIBA Core §10.3.1: the ID token names the request and hashes both tokens.
    let id_token = payload_of(body["id_token"].as_str().unwrap());
    assert_eq!(id_token["urn:openid:params:jwt:claim:auth_req_id"], auth_req_id);
    assert!(id_token["at_hash"].is_string() && id_token["urn:openid:params:jwt:claim:rt_hash"].is_string());
    // The pushed access token works.
    let userinfo =
        http::client(false).get(format!("{}/userinfo", op.issuer)).bearer_auth(body["access_token"].as_str().unwrap());
    assert_eq!(answer(userinfo).await.1["sub"], ALICE);
    assert_eq!(poll(&op, "ciba-push", auth_req_id).await.1["error"], "invalid_grant");
    op.stop().await;
}

#[tokio::test]
async fn a_ping_to_an_endpoint_that_is_down_arrives_once_it_is_back() {
    // A port nothing listens on yet.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let endpoint = format!("http://{address}/ciba");
    let mut options = options(vec![client("ciba-ping", "ping", Some(&endpoint))]);
    options.settings.extend([("metrics.enabled", true.into()), ("metrics.public_listener", true.into())]);
    let op = launch(options).await;
    let (_, started) = ask(&op, "ciba-ping", &[("client_notification_token", "ping-token-2")]).await;
    let auth_req_id = started["auth_req_id"].as_str().unwrap();
    assert_eq!(decide(&op, auth_req_id, "allow", SECRET).await, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The metrics show the ping waiting, and the failed attempt.
    let waiting = metrics(&op).await;
    assert!(waiting.contains(r#"op_delivery_queue_depth{queue="ciba_notification"} 1"#), "{waiting}");
    assert!(waiting.contains(r#"op_deliveries_total{queue="ciba_notification",outcome="retry"} 1"#), "{waiting}");
    let listener = std::net::TcpListener::bind(address).unwrap();
    let rp = MockServer::builder().listener(listener).start().await;
    Mock::given(method("POST")).and(path("/ciba")).respond_with(ResponseTemplate::new(204)).mount(&rp).await;
    let ping = wait_for_request(&rp).await;
    assert_eq!(serde_json::from_slice::<Value>(&ping.body).unwrap()["auth_req_id"], auth_req_id);
    // Once delivered, the ping leaves the queue.
    for _ in 0..50 {
        let now = metrics(&op).await;
        if now.contains(r#"op_delivery_queue_depth{queue="ciba_notification"} 0"#) {
            assert!(now.contains(r#"op_deliveries_total{queue="ciba_notification",outcome="delivered"} 1"#));
            op.stop().await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the delivered ping stayed queued: {}", metrics(&op).await);
}

/// The provider's metrics (served on its own listener in these tests).
async fn metrics(op: &TestProvider) -> String {
    http::client(false).get(format!("{}/metrics", op.issuer)).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn the_user_approves_on_the_built_in_page_and_only_their_own_requests() {
    let op = provider(vec![]).await;
    let (_, started) = ask(&op, "ciba-poll", &[("binding_message", "W4SCT")]).await;
    let auth_req_id = started["auth_req_id"].as_str().unwrap();
    // Bob signs in and sees nothing of alice's.
    let bob = Browser::new(&op.issuer);
    sign_in(&op, &bob, "bob", "bob-password").await;
    let page = bob.open(&format!("{}/ciba", op.issuer)).await.page();
    assert!(page.text_of("ciba-none").is_some(), "{}", page.html);
    // Alice signs in, sees the client and the binding message, and approves.
    let alice = Browser::new(&op.issuer);
    let page = sign_in(&op, &alice, "alice", "alice-password").await;
    assert!(page.html.contains("W4SCT") && page.html.contains("ciba-poll"), "{}", page.html);
    let form = page.form("/ciba").expect("an approval form");
    let done = alice.submit(&form, Some(("action", "allow"))).await.page();
    assert!(done.text_of("ciba-notice").unwrap().starts_with("Approved"), "{}", done.html);
    let (status, tokens) = poll(&op, "ciba-poll", auth_req_id).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(payload_of(tokens["id_token"].as_str().unwrap())["sub"], ALICE);
    op.stop().await;
}

#[tokio::test]
async fn a_signed_request_carries_every_parameter_and_is_checked() {
    let (key, public) = fresh_key("ciba-key");
    let mut signed = client("ciba-signed", "poll", None);
    signed["jwks"] = json!({ "keys": [public] });
    signed["backchannel_authentication_request_signing_alg"] = "ES256".into();
    let op = provider(vec![signed]).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let claims = |jti: &str| {
        json!({
            "iss": "ciba-signed", "aud": op.issuer, "iat": now, "nbf": now, "exp": now + 300, "jti": jti,
            "scope": "openid", "login_hint": "alice", "binding_message": "SIGNED-1", "requested_expiry": 90,
        })
    };
    // CIBA Core §7.1.1: only the object's parameters count; bob, outside it, is not asked.
    let object = sign_with_key(&claims("jti-1"), &key);
    let (status, started) =
        post_as(&op, "ciba-signed", "/backchannel", &[("request", &object), ("login_hint", "bob")]).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["expires_in"], 90, "requested_expiry as a JSON number");
    let auth_req_id = started["auth_req_id"].as_str().unwrap();
    assert_eq!(decide(&op, auth_req_id, "allow", SECRET).await, StatusCode::OK);
    assert_eq!(payload_of(poll(&op, "ciba-signed", auth_req_id).await.1["id_token"].as_str().unwrap())["sub"], ALICE);
    let refused =
        |answer: (StatusCode, Value)| answer.0 == StatusCode::BAD_REQUEST && answer.1["error"] == "invalid_request";
    // A jti is used once.
    assert!(refused(post_as(&op, "ciba-signed", "/backchannel", &[("request", &object)]).await));
    // The client registered a signing alg: it must sign.
    assert!(refused(ask(&op, "ciba-signed", &[]).await));
    // Each of iss, aud, exp, iat, nbf and jti is required.
    for missing in ["iss", "aud", "exp", "iat", "nbf", "jti"] {
        let mut incomplete = claims(&format!("jti-{missing}"));
        incomplete.as_object_mut().unwrap().remove(missing);
        let answer =
            post_as(&op, "ciba-signed", "/backchannel", &[("request", &sign_with_key(&incomplete, &key))]).await;
        assert!(refused(answer.clone()), "without {missing}: {answer:?}");
    }
    // Another key's signature.
    let (other, _) = fresh_key("ciba-key");
    assert!(refused(
        post_as(&op, "ciba-signed", "/backchannel", &[("request", &sign_with_key(&claims("jti-2"), &other))]).await
    ));
    op.stop().await;
}

#[tokio::test]
async fn a_queued_ping_survives_a_restart_on_sqlite() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let mut options = options(vec![client("ciba-ping", "ping", Some(&format!("http://{address}/ciba")))]);
    options.storage = Storage::Sqlite(dir.path().join("provider.db"));
    let op = launch(options.clone()).await;
    let (_, started) = ask(&op, "ciba-ping", &[("client_notification_token", "ping-token-3")]).await;
    let auth_req_id = started["auth_req_id"].as_str().unwrap().to_string();
    // Approved while the client's endpoint is down: the first attempt fails.
    assert_eq!(decide(&op, &auth_req_id, "allow", SECRET).await, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let port = op.port;
    op.stop().await;
    let rp = MockServer::builder().listener(std::net::TcpListener::bind(address).unwrap()).start().await;
    Mock::given(method("POST")).and(path("/ciba")).respond_with(ResponseTemplate::new(204)).mount(&rp).await;
    let op = launch(Options { port: Some(port), ..options }).await;
    let ping = wait_for_request(&rp).await;
    assert_eq!(serde_json::from_slice::<Value>(&ping.body).unwrap()["auth_req_id"], auth_req_id.as_str());
    assert_eq!(poll(&op, "ciba-ping", &auth_req_id).await.0, StatusCode::OK, "the approval survived too");
    op.stop().await;
}

/// Signs in on the `/ciba` page: the page with the user's pending requests.
async fn sign_in(
    op: &TestProvider,
    browser: &Browser,
    username: &str,
    password: &str,
) -> client_harness::browser::Page {
    let page = browser.open(&format!("{}/ciba", op.issuer)).await.page();
    let mut form = page.form("/ciba/login").expect("the sign-in form");
    form.set("login", username).set("password", password);
    browser.submit(&form, None).await.page()
}

/// The first request the mock received, waiting up to 15 seconds for it.
async fn wait_for_request(rp: &MockServer) -> wiremock::Request {
    for _ in 0..150 {
        if let Some(request) = rp.received_requests().await.unwrap_or_default().into_iter().next() {
            return request;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no notification arrived");
}

/// A login app approves backchannel authentications at the admin API (`[login_app]`): it lists a
/// user's pending requests and accepts one, with the acr it reached.
#[tokio::test]
async fn a_login_app_approves_at_the_admin_api() {
    const ADMIN: &str = "login-app-secret-0123456789-abcdefghij";
    let mut options = options(vec![]);
    options.settings.push(("login_app.secret", ADMIN.into()));
    let op = launch(options).await;
    let (_, started) = ask(&op, "ciba-poll", &[("binding_message", "K7PQ2")]).await;
    let auth_req_id = started["auth_req_id"].as_str().unwrap();
    let http = http::client(false);
    let url = |path: &str| format!("{}/admin/ciba{path}", op.issuer);
    let refused = http.get(url(&format!("?subject={ALICE}"))).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let listed: Value =
        http.get(url(&format!("?subject={ALICE}"))).bearer_auth(ADMIN).send().await.unwrap().json().await.unwrap();
    let pending = listed["pending"].as_array().expect("pending requests");
    assert_eq!(pending.len(), 1, "{listed}");
    assert_eq!(
        (pending[0]["client_id"].as_str(), pending[0]["binding_message"].as_str()),
        (Some("ciba-poll"), Some("K7PQ2"))
    );
    let id = pending[0]["id"].as_str().unwrap();
    let approve = || {
        http.post(url(&format!("/{id}/accept"))).bearer_auth(ADMIN).json(&json!({ "acr": "urn:example:app" })).send()
    };
    assert_eq!(approve().await.unwrap().status(), StatusCode::OK);
    assert_eq!(approve().await.unwrap().status(), StatusCode::NOT_FOUND, "decided once");
    let (status, tokens) = poll(&op, "ciba-poll", auth_req_id).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(payload_of(tokens["id_token"].as_str().unwrap())["acr"], "urn:example:app");
    op.stop().await;
}
