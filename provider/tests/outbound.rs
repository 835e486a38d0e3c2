//! The outbound client's POST (back-channel notifications): forms and JSON, a bearer token,
//! any status answered, and the same limits as a GET.

use provider::outbound::{Answered, Fetcher, OutboundConfig, PostBody};
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn loopback() -> Fetcher {
    Fetcher::new(OutboundConfig { allow_http_loopback: true, max_bytes: 64, ..OutboundConfig::default() })
}

#[tokio::test]
async fn a_form_is_posted_urlencoded() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/logout"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("logout_token=a.b+c%26d"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let url = format!("{}/logout", server.uri());
    let answered = loopback().post(&url, PostBody::Form(&[("logout_token", "a.b c&d")]), None).await.unwrap();
    assert_eq!(answered, Answered { status: 200, body: String::new() });
}

#[tokio::test]
async fn json_is_posted_with_a_bearer_token_and_any_status_is_answered() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("content-type", "application/json"))
        .and(header("authorization", "Bearer notification-token"))
        .and(body_string(r#"{"auth_req_id":"r1"}"#))
        .respond_with(ResponseTemplate::new(503).set_body_string("later"))
        .mount(&server)
        .await;
    let body = serde_json::json!({ "auth_req_id": "r1" });
    let answered = loopback().post(&server.uri(), PostBody::Json(&body), Some("notification-token")).await.unwrap();
    assert_eq!(answered, Answered { status: 503, body: "later".into() });
}

#[tokio::test]
async fn a_post_keeps_the_limits_of_a_get() {
    let server = MockServer::start().await;
    let large = ResponseTemplate::new(200).set_body_string("x".repeat(65));
    Mock::given(method("POST")).and(path("/large")).respond_with(large).mount(&server).await;
    let url = format!("{}/large", server.uri());
    let too_large = loopback().post(&url, PostBody::Form(&[]), None).await.unwrap_err();
    assert!(too_large.0.contains("larger than 64 bytes"), "{too_large}");
    let strict = Fetcher::new(OutboundConfig::default());
    let refused = strict.post("http://93.184.216.34/notify", PostBody::Form(&[]), None).await.unwrap_err();
    assert!(refused.0.contains("only https"), "{refused}");
    let refused = strict.post(&server.uri(), PostBody::Form(&[]), None).await.unwrap_err();
    assert!(refused.0.contains("private or local address"), "loopback needs the test setting: {refused}");
    Mock::given(method("POST"))
        .and(path("/moved"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "http://127.0.0.1:9/elsewhere"))
        .mount(&server)
        .await;
    let moved = loopback().post(&format!("{}/moved", server.uri()), PostBody::Form(&[]), None).await.unwrap();
    assert_eq!(moved.status, 307, "redirects are not followed");
}
