//! A sweep of the provider's endpoints with a catalogue of malformed and hostile requests, each
//! with the answer the specs call for: never a 5xx, always the spec's error code and status
//! (RFC 6749 §5.2, RFC 6750 §3.1, RFC 9110 §15.5.14), and, at the authorization endpoint, never
//! a redirect to a URI the client did not register (RFC 6749 §4.1.2.1, RFC 9700 §4.1).

use base64::Engine;
use client_harness::{Options, http, launch};
use reqwest::header::{HeaderMap, HeaderValue};

/// `svc-basic:svc-basic-secret-0123456789`, a client that may use every back-channel endpoint.
fn basic(id: &str, secret: &str) -> HeaderValue {
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    HeaderValue::from_str(&format!("Basic {credentials}")).unwrap()
}

/// A malformed request: its headers and body, and the status and `error` it must get.
struct Case {
    name: &'static str,
    authorization: Option<HeaderValue>,
    content_type: &'static str,
    body: Vec<u8>,
    status: u16,
    error: &'static str,
}

/// The catalogue every endpoint that authenticates clients is swept with. `form` is a request
/// that would be valid for the endpoint, given a client.
fn client_endpoint_cases(form: &str) -> Vec<Case> {
    let good = || Some(basic("svc-basic", "svc-basic-secret-0123456789"));
    let form_type = "application/x-www-form-urlencoded";
    let case = |name, authorization, content_type, body: &[u8], status, error| Case {
        name,
        authorization,
        content_type,
        body: body.to_vec(),
        status,
        error,
    };
    let repeated = format!("{form}&{form}");
    let with_client_id = |id: &str| format!("{form}&client_id={id}");
    vec![
        case("no client authentication", None, form_type, form.as_bytes(), 401, "invalid_client"),
        case("unknown client", None, form_type, with_client_id("nobody").as_bytes(), 401, "invalid_client"),
        case("wrong secret", Some(basic("svc-basic", "wrong")), form_type, form.as_bytes(), 401, "invalid_client"),
        case("unknown client in Basic", Some(basic("nobody", "x")), form_type, form.as_bytes(), 401, "invalid_client"),
        case(
            "Basic not base64",
            Some(HeaderValue::from_static("Basic !!!")),
            form_type,
            form.as_bytes(),
            401,
            "invalid_client",
        ),
        case(
            "Basic with a non-ASCII byte",
            Some(HeaderValue::from_bytes("Basicé…".as_bytes()).unwrap()),
            form_type,
            form.as_bytes(),
            401,
            "invalid_client",
        ),
        case(
            "a garbage client assertion",
            None,
            form_type,
            format!(
                "{form}&client_id=rp-jwt&client_assertion=x.y.z\
                 &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
            )
            .as_bytes(),
            401,
            "invalid_client",
        ),
        case(
            "two authentication methods",
            good(),
            form_type,
            format!("{form}&client_secret=x").as_bytes(),
            400,
            "invalid_request",
        ),
        case("not a form", good(), "text/plain", form.as_bytes(), 400, "invalid_request"),
        case("JSON", good(), "application/json", b"{\"grant_type\": 1}", 400, "invalid_request"),
        case("a repeated parameter", good(), form_type, repeated.as_bytes(), 400, "invalid_request"),
        case("a body that is not UTF-8", good(), form_type, b"token=\xff\xfe", 400, "invalid_request"),
        case("a body over the limit", good(), form_type, &vec![b'a'; 200_000], 413, "invalid_request"),
    ]
}

/// Sends a case to `url`; the status, the headers and the JSON body.
async fn send(url: &str, case: &Case) -> (u16, HeaderMap, serde_json::Value, String) {
    let mut request = http::client(false).post(url).header("content-type", case.content_type).body(case.body.clone());
    if let Some(authorization) = &case.authorization {
        request = request.header("authorization", authorization.clone());
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let text = response.text().await.unwrap();
    (status, headers, serde_json::from_str(&text).unwrap_or_default(), text)
}

#[tokio::test]
async fn every_endpoint_that_authenticates_clients_answers_each_malformed_request_as_the_spec_says() {
    let op = launch(Options::default()).await;
    let endpoints = [
        ("/token", "grant_type=client_credentials"),
        ("/introspect", "token=abc"),
        ("/revoke", "token=abc"),
        ("/device_authorization", "scope=openid"),
    ];
    let mut wrong = Vec::new();
    for (path, form) in endpoints {
        for case in client_endpoint_cases(form) {
            let (status, headers, json, text) = send(&format!("{}{path}", op.issuer), &case).await;
            assert!(status < 500, "{path}, {}: {status} {text}", case.name);
            if (status, json["error"].as_str()) != (case.status, Some(case.error)) {
                wrong.push(format!("{path}, {}: {status} {text} (expected {} {})", case.name, case.status, case.error));
            }
            // RFC 6749 §5.2: a 401 for a failed client authentication carries a challenge.
            if status == 401 && !headers.contains_key("www-authenticate") {
                wrong.push(format!("{path}, {}: a 401 without WWW-Authenticate", case.name));
            }
            // RFC 6749 §5.1: token endpoint answers, errors too, are not cached.
            if path == "/token" && headers.get("cache-control").is_none_or(|v| v != "no-store") {
                wrong.push(format!("{path}, {}: no Cache-Control: no-store", case.name));
            }
        }
    }
    assert!(wrong.is_empty(), "answers not as the spec says:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn userinfo_answers_each_malformed_request_as_rfc_6750_says() {
    let op = launch(Options::default()).await;
    let url = format!("{}/userinfo", op.issuer);
    let client = http::client(false);
    // (name, request, status, the challenge's start)
    let cases = [
        ("no token", client.get(&url), 401, "Bearer"),
        ("a token that is not ours", client.get(&url).bearer_auth("nope"), 401, "Bearer error=\"invalid_token\""),
        ("an empty token", client.get(&url).header("authorization", "Bearer "), 401, "Bearer"),
        ("another scheme", client.get(&url).header("authorization", "Basic eDp5"), 401, "Bearer"),
        (
            "a token in the header and the body",
            client
                .post(&url)
                .bearer_auth("a")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("access_token=b"),
            400,
            "",
        ),
        (
            "a token in the query",
            client.get(format!("{url}?access_token=abc")),
            // RFC 6750 §2.3 is not supported (RFC 9700 §4.3.2): the request has no token.
            401,
            "Bearer",
        ),
        (
            "a body over the limit",
            client.post(&url).header("content-type", "application/x-www-form-urlencoded").body(vec![b'a'; 200_000]),
            413,
            "",
        ),
    ];
    for (name, request, status, challenge) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{name}");
        let given = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
        if !challenge.is_empty() {
            let given = given.unwrap_or_else(|| panic!("{name}: no challenge"));
            assert!(given.starts_with(challenge), "{name}: {given}");
        }
    }
}

/// Redirect URIs a client did not register, as an attacker would try them against
/// `rp-basic` (registered: `https://rp.example.com/callback`, `http://127.0.0.1:8080/callback`).
const REDIRECT_TRICKS: &[&str] = &[
    "https://evil.example/callback",
    "https://rp.example.com/callback/",
    "https://rp.example.com/Callback",
    "https://RP.EXAMPLE.COM/callback",
    "https://rp.example.com:443/callback",
    "https://rp.example.com/callback?next=https://evil.example",
    "https://rp.example.com/callback#fragment",
    "https://rp.example.com/callback/../evil",
    "https://rp.example.com/callback%2F..%2Fevil",
    "https://rp.example.com.evil.example/callback",
    "https://rp.example.com@evil.example/callback",
    "https://evil.example/?https://rp.example.com/callback",
    "http://rp.example.com/callback",
    "//evil.example/callback",
    "/callback",
    " https://rp.example.com/callback",
    "https://rp.example.com/callback\u{0}",
    "https://rp.example.com/callback\r\nLocation: https://evil.example",
    "javascript:alert(1)//https://rp.example.com/callback",
    "data:text/html,<script>alert(1)</script>",
    "http://127.0.0.1:8081/callback",
    "http://localhost:8080/callback",
    "http://[::1]:8080/callback",
];

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_an_error_page_and_never_a_redirect() {
    let op = launch(Options::default()).await;
    let client = http::client(false);
    for trick in REDIRECT_TRICKS {
        let redirect: String = url::form_urlencoded::byte_serialize(trick.as_bytes()).collect();
        // Otherwise valid, and with an error of its own (an unknown response type) that would be
        // redirected if the URI were trusted.
        for response_type in ["code", "token%20bogus"] {
            let url = format!(
                "{}/authorize?response_type={response_type}&scope=openid&client_id=rp-basic&state=s\
                 &redirect_uri={redirect}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
                 &code_challenge_method=S256",
                op.issuer
            );
            for request in [
                client.get(&url),
                client
                    .post(format!("{}/authorize", op.issuer))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(url.split_once('?').unwrap().1.to_string()),
            ] {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let location = response.headers().get("location").map(|l| l.to_str().unwrap_or("?").to_string());
                assert!(location.is_none(), "{trick:?}: redirected to {location:?}");
                assert_eq!(status, 400, "{trick:?}: an error page");
                let html = response.text().await.unwrap();
                assert!(html.contains("invalid_request"), "{trick:?}: {html}");
                assert!(!html.contains("<script>"), "{trick:?}: reflected markup");
            }
        }
    }
}
