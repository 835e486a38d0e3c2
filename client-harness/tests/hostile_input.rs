//! Malformed and hostile input: always the spec's error, never a 500, never a stack trace.

use client_harness::http;
use client_harness::{Options, launch};
use rstest::rstest;

#[rstest]
#[case::not_a_form("text/plain", "grant_type=authorization_code", 400, "invalid_request")]
#[case::no_grant_type("application/x-www-form-urlencoded", "client_id=rp-native", 400, "invalid_request")]
#[case::unknown_grant_type(
    "application/x-www-form-urlencoded",
    "client_id=rp-native&grant_type=password",
    400,
    "unsupported_grant_type"
)]
#[case::no_code(
    "application/x-www-form-urlencoded",
    "client_id=rp-native&grant_type=authorization_code",
    400,
    "invalid_request"
)]
#[case::repeated_parameter(
    "application/x-www-form-urlencoded",
    "client_id=rp-native&grant_type=authorization_code&code=a&code=b",
    400,
    "invalid_request"
)]
#[case::unknown_code(
    "application/x-www-form-urlencoded",
    "client_id=rp-native&grant_type=authorization_code&code=nope&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback",
    400,
    "invalid_grant"
)]
#[case::no_client("application/x-www-form-urlencoded", "grant_type=authorization_code&code=x", 401, "invalid_client")]
#[case::grant_not_registered(
    "application/x-www-form-urlencoded",
    "client_id=rp-native&grant_type=client_credentials",
    400,
    "unauthorized_client"
)]
#[case::binary_garbage("application/x-www-form-urlencoded", "%FF%FE%00=%00&&&==", 401, "invalid_client")]
#[tokio::test]
async fn token_endpoint_errors(
    #[case] content_type: &str,
    #[case] body: &str,
    #[case] status: u16,
    #[case] error: &str,
) {
    let op = launch(Options::default()).await;
    let response = http::client(false)
        .post(format!("{}/token", op.issuer))
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
}

/// A body over the form limit is 413 Content Too Large (RFC 9110 §15.5.14) at every endpoint
/// that reads a form, not a generic 400.
#[rstest]
#[case::token("/token")]
#[case::introspection("/introspect")]
#[case::revocation("/revoke")]
#[case::device_authorization("/device_authorization")]
#[case::userinfo("/userinfo")]
#[case::authorization("/authorize")]
#[tokio::test]
async fn an_oversized_body_is_413(#[case] path: &str) {
    let op = launch(Options::default()).await;
    let response = http::client(false)
        .post(format!("{}{path}", op.issuer))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=authorization_code&code={}", "a".repeat(200_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413, "{path}");
}

#[tokio::test]
async fn userinfo_without_a_token_gets_a_bare_bearer_challenge() {
    let op = launch(Options::default()).await;
    let response = http::client(false).get(format!("{}/userinfo", op.issuer)).send().await.unwrap();
    assert_eq!(response.status(), 401);
    // RFC 6750 §3.1: no error code when the request had no token at all.
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}

#[rstest]
#[case::header("Bearer not-a-token", None)]
#[case::lowercase_scheme("bearer not-a-token", None)]
#[case::form_body("", Some("access_token=not-a-token"))]
#[tokio::test]
async fn userinfo_with_a_bad_token_is_invalid_token(#[case] authorization: &str, #[case] form: Option<&str>) {
    let op = launch(Options::default()).await;
    let client = http::client(false);
    let mut request = match form {
        Some(body) => client
            .post(format!("{}/userinfo", op.issuer))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string()),
        None => client.get(format!("{}/userinfo", op.issuer)),
    };
    if !authorization.is_empty() {
        request = request.header("authorization", authorization);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_string();
    assert!(challenge.starts_with("Bearer error=\"invalid_token\""), "{challenge}");
}

/// Throws a bounded batch of odd requests at every endpoint; none may produce a 5xx or HTML
/// carrying internals.
#[tokio::test]
async fn no_endpoint_answers_odd_input_with_a_server_error() {
    let op = launch(Options::default()).await;
    let client = http::client(false);
    let odd = [
        "",
        "%",
        "%ZZ",
        "a=%00",
        "client_id=%00&redirect_uri=%00",
        "client_id=rp-basic&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback&response_type=code&scope=openid&max_age=99999999999999999999",
        "client_id=rp-basic&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback&response_type=code%20id_token%20token",
        "client_id=rp-basic&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback&response_type=code&state=%3Cscript%3E",
        "grant_type=refresh_token&refresh_token=%FF&client_id=rp-native",
        "access_token=&access_token=",
    ];
    let paths = [
        "/authorize",
        "/token",
        "/userinfo",
        "/interaction/nope",
        "/interaction/nope/login",
        "/interaction/nope/consent",
        "/nothing",
    ];
    for path in paths {
        for input in odd {
            let url = format!("{}{path}", op.issuer);
            for response in [
                client.get(format!("{url}?{input}")).send().await.unwrap(),
                client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(input)
                    .send()
                    .await
                    .unwrap(),
                client.post(&url).header("content-type", "application/json").body("{\"a\":").send().await.unwrap(),
            ] {
                let status = response.status();
                let text = response.text().await.unwrap();
                assert!(!status.is_server_error(), "{path} {input:?}: {status} {text}");
                assert!(!text.contains("panicked") && !text.contains("src/"), "{path}: leaked internals: {text}");
                assert!(!text.contains("<script>"), "{path}: reflected markup: {text}");
            }
        }
    }
}

/// A non-ASCII byte inside the `Basic ` prefix once panicked every endpoint that authenticates
/// clients (a slice of the header at byte 6). RFC 6749 §5.2: it is `invalid_client`, with a 401
/// and a challenge.
#[rstest]
#[case::token("/token", "grant_type=client_credentials")]
#[case::introspection("/introspect", "token=x")]
#[case::revocation("/revoke", "token=x")]
#[case::device_authorization("/device_authorization", "scope=openid")]
#[tokio::test]
async fn a_non_ascii_authorization_header_is_invalid_client(#[case] path: &str, #[case] form: &str) {
    let op = launch(Options::default()).await;
    let header = reqwest::header::HeaderValue::from_bytes("Basicé…".as_bytes()).unwrap();
    for body in [form.to_string(), format!("{form}&client_assertion=x&client_assertion_type=y")] {
        let response = http::client(false)
            .post(format!("{}{path}", op.issuer))
            .header("authorization", header.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let challenge = response.headers().get("www-authenticate").cloned();
        let text = response.text().await.unwrap();
        assert!(!status.is_server_error(), "{path} {body}: {status} {text}");
        let json: serde_json::Value = serde_json::from_str(&text).expect("a JSON error");
        // With an assertion beside the header, two methods at once are invalid_request (RFC 6749 §2.3).
        match json["error"].as_str() {
            Some("invalid_client") => {
                assert_eq!(status, 401, "{path} {body}");
                assert!(challenge.is_some(), "{path}: a 401 carries WWW-Authenticate");
            }
            other => assert_eq!(other, Some("invalid_request"), "{path} {body}: {text}"),
        }
    }
}
