//! Pushed authorization requests (RFC 9126): a client pushes its request, gets a `request_uri`,
//! and sends the browser to `/authorize` with it; every rejection is JSON at the push, and a
//! page or a redirect at `/authorize`.

use client_harness::browser::{Browser, callback_params};
use client_harness::http::{self, answer};
use client_harness::rp::{self, BASIC};
use client_harness::{Options, TestProvider, flow, launch};
use openidconnect::{AuthorizationCode, PkceCodeVerifier};
use reqwest::StatusCode;
use serde_json::{Value, json};

const REDIRECT: &str = "https://rp.example.com/callback";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn par(mut settings: Vec<(&'static str, figment::value::Value)>) -> Options {
    settings.push(("par.enabled", true.into()));
    Options { settings, ..Options::default() }
}

/// An authorization request of rp-basic, as form pairs.
fn request() -> Vec<(&'static str, &'static str)> {
    vec![
        ("response_type", "code"),
        ("client_id", "rp-basic"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid email"),
        ("state", "pushed-state"),
        ("nonce", "pushed-nonce"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

/// Pushes `form` as rp-basic (client_secret_basic): the status, the JSON and any Location.
async fn push(op: &TestProvider, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let request = http::client(false).post(format!("{}/par", op.issuer)).basic_auth(BASIC.id, BASIC.secret).form(form);
    let (status, body, _) = answer(request).await;
    (status, body)
}

fn authorize_url(op: &TestProvider, client_id: &str, request_uri: &str) -> String {
    reqwest::Url::parse_with_params(
        &format!("{}/authorize", op.issuer),
        [("client_id", client_id), ("request_uri", request_uri)],
    )
    .unwrap()
    .to_string()
}

#[tokio::test]
async fn a_pushed_request_is_authorized_by_its_request_uri_once() {
    let op = launch(par(vec![])).await;
    let (status, pushed) = push(&op, &request()).await;
    assert_eq!(status, StatusCode::CREATED, "{pushed}");
    let request_uri = pushed["request_uri"].as_str().unwrap();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"), "RFC 9126 §2.2: {request_uri}");
    assert_eq!(pushed["expires_in"], 60);

    let url = authorize_url(&op, "rp-basic", request_uri);
    let browser = Browser::new(&op.issuer);
    // §4: a browser that retries before the authorization completes still gets there.
    assert!(browser.open(&url).await.page().html.contains("login-submit"));
    let callback = browser.authorize(&url, "alice", "alice-password").await.callback();
    let params = callback_params(&callback);
    assert_eq!(params["state"], "pushed-state", "the pushed parameters are the request");
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let verifier = Some(PkceCodeVerifier::new(VERIFIER.into()));
    let tokens = flow::exchange(&rp, AuthorizationCode::new(params["code"].clone()).secret(), verifier).await;
    let tokens = serde_json::to_value(tokens.expect("the code redeems with the pushed PKCE challenge")).unwrap();
    assert_eq!(flow::payload_of(tokens["id_token"].as_str().unwrap())["nonce"], "pushed-nonce");

    // Used up once the authorization completed: the error goes to the pushed request's redirect
    // URI, which was validated when it was pushed (RFC 6749 §4.1.2.1).
    let params = callback_params(&browser.open(&url).await.callback());
    assert_eq!(
        (params["error"].as_str(), params["state"].as_str()),
        ("invalid_request_uri", "pushed-state"),
        "{params:?}"
    );
    assert!(params.contains_key("iss"), "RFC 9207");
}

#[tokio::test]
async fn a_bad_push_is_answered_in_json_never_redirected() {
    let op = launch(par(vec![])).await;
    let with = |name: &'static str, value: &'static str| {
        let mut form: Vec<_> = request().into_iter().filter(|(n, _)| *n != name).collect();
        form.push((name, value));
        form
    };
    let mut repeated = request();
    repeated.push(("scope", "openid"));
    type Case = (&'static str, Vec<(&'static str, &'static str)>, &'static str);
    let cases: Vec<Case> = vec![
        ("an unregistered redirect_uri", with("redirect_uri", "https://evil.example/cb"), "invalid_request"),
        ("an unsupported response_type", with("response_type", "token"), "unsupported_response_type"),
        ("PKCE plain", with("code_challenge_method", "plain"), "invalid_request"),
        ("a request_uri", with("request_uri", "https://rp.example.com/request.jwt"), "invalid_request"),
        ("a repeated parameter", repeated, "invalid_request"),
    ];
    for (case, form, error) in cases {
        let (status, body) = push(&op, &form).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some(error)), "{case}: {body}");
    }
    let anonymous = http::client(false).post(format!("{}/par", op.issuer)).form(&request());
    let (status, body, challenge) = answer(anonymous).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client")),
        "§2: authenticated"
    );
    assert!(challenge.is_some(), "with a WWW-Authenticate challenge");
    let get = http::client(false).get(format!("{}/par", op.issuer)).send().await.unwrap();
    assert!(get.status().is_client_error(), "§2.1: POST only");
}

#[tokio::test]
async fn a_request_uri_is_bound_to_its_client_and_expires() {
    let op = launch(par(vec![("par.request_uri_lifetime", 5.into())])).await;
    let (_, pushed) = push(&op, &request()).await;
    let request_uri = pushed["request_uri"].as_str().unwrap();
    let browser = Browser::new(&op.issuer);
    let page = browser.open(&authorize_url(&op, "rp-post", request_uri)).await.page();
    assert_eq!((page.status, page.text_of("error").as_deref()), (400, Some("invalid_request_uri")), "another client's");
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let page = browser.open(&authorize_url(&op, "rp-basic", request_uri)).await.page();
    assert_eq!((page.status, page.text_of("error").as_deref()), (400, Some("invalid_request_uri")), "expired");
}

#[tokio::test]
async fn where_pushing_is_required_an_ordinary_request_is_refused() {
    // Server-wide.
    let op = launch(par(vec![("par.required", true.into())])).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert_eq!(discovery["require_pushed_authorization_requests"], true);
    assert_eq!(discovery["pushed_authorization_request_endpoint"], json!(format!("{}/par", op.issuer)));
    let url = reqwest::Url::parse_with_params(&format!("{}/authorize", op.issuer), request()).unwrap();
    let params = callback_params(&Browser::new(&op.issuer).open(url.as_str()).await.callback());
    assert_eq!(params["error"], "invalid_request", "{params:?}");

    // Per client (RFC 9126 §6): one client requires it, the others do not.
    let strict = json!({
        "client_id": "rp-strict", "client_secret": "rp-strict-secret-0123456789",
        "redirect_uris": [REDIRECT], "require_pushed_authorization_requests": true,
    });
    let op = launch(Options { extra_clients: vec![strict], ..par(vec![]) }).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert_eq!(discovery["require_pushed_authorization_requests"], false);
    let url = reqwest::Url::parse_with_params(&format!("{}/authorize", op.issuer), request()).unwrap();
    let strict_url = url.as_str().replace("client_id=rp-basic", "client_id=rp-strict");
    let params = callback_params(&Browser::new(&op.issuer).open(&strict_url).await.callback());
    assert_eq!(params["error"], "invalid_request");
    let page = Browser::new(&op.issuer).open(url.as_str()).await.page();
    assert!(page.html.contains("login-submit"), "another client may still send its request directly");
}

#[tokio::test]
async fn the_endpoint_is_served_and_published_only_where_enabled() {
    let op = launch(Options::default()).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert!(discovery.get("pushed_authorization_request_endpoint").is_none());
    assert_eq!(push(&op, &request()).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_signed_request_object_is_pushed_by_a_client_authenticating_with_its_key() {
    use client_harness::assertion::{claims, rp_jwt_key, sign_with_key};
    let op = launch(par(vec![])).await;
    let object = json!({
        "iss": "rp-jwt", "aud": op.issuer, "client_id": "rp-jwt", "response_type": "code",
        "redirect_uri": REDIRECT, "scope": "openid", "state": "from-the-object", "nonce": "n-1",
        "code_challenge": CHALLENGE, "code_challenge_method": "S256",
    });
    let request_object = sign_with_key(&object, &rp_jwt_key());
    let assertion = sign_with_key(&claims("rp-jwt", &op.issuer), &rp_jwt_key());
    let form = [
        ("client_id", "rp-jwt"),
        ("request", request_object.as_str()),
        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
        ("client_assertion", assertion.as_str()),
    ];
    let (status, pushed, _) = answer(http::client(false).post(format!("{}/par", op.issuer)).form(&form)).await;
    assert_eq!(status, StatusCode::CREATED, "{pushed}");
    let url = authorize_url(&op, "rp-jwt", pushed["request_uri"].as_str().unwrap());
    let params = callback_params(&Browser::new(&op.issuer).authorize(&url, "alice", "alice-password").await.callback());
    assert_eq!(params["state"], "from-the-object", "the request object's parameters are the request");
    assert!(params.contains_key("code"));
}
