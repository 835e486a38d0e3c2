//! Prometheus metrics: counted where things happen and rendered in the text format; served on
//! the provider's listener only when configured so (the binary's own metrics listener is in
//! tests/cli.rs).

mod common;

use common::local::{ISSUER, SVC_BASIC};
use common::sections;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;

/// The value of the sample `name{labels}` in `text`, if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics(client: &Client) -> String {
    let response = client.get("/metrics").dispatch().await;
    assert_eq!(response.status(), Status::Ok);
    let kind = response.content_type().expect("a content type").to_string();
    assert!(kind.starts_with("text/plain") && kind.contains("version=0.0.4"), "{kind}");
    response.into_string().await.unwrap()
}

#[tokio::test]
async fn requests_tokens_authentication_failures_throttles_storage_and_keys_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let storage = format!("sqlite:{}", dir.path().join("op.db").display());
    let keys = dir.path().join("keys.json");
    let overrides = sections(&[
        ("metrics", "enabled", true.into()),
        ("metrics", "public_listener", true.into()),
        ("registration", "enabled", true.into()),
        ("registration", "per_address", 1.into()),
    ]);
    let mut config = common::fixture_config(ISSUER, &storage, None, overrides);
    // Generated keys record when they were made, so their ages are known.
    (config.keys.file, config.keys.generate) = (keys, true);
    let op = provider::Provider::new(config).await.unwrap();
    let client = Client::untracked(op.rocket()).await.unwrap();
    let token = |authorization: &'static str| {
        client
            .post("/token")
            .header(ContentType::Form)
            .header(Header::new("Authorization", authorization))
            .body("grant_type=client_credentials")
            .dispatch()
    };
    for _ in 0..2 {
        assert_eq!(token(SVC_BASIC).await.status(), Status::Ok);
    }
    assert_eq!(token("Basic c3ZjLWJhc2ljOndyb25n").await.status(), Status::Unauthorized, "svc-basic:wrong");
    let register = || {
        client
            .post("/register")
            .header(ContentType::JSON)
            .body(r#"{"redirect_uris": ["https://rp.example.com/cb"]}"#)
            .dispatch()
    };
    assert_eq!(register().await.status(), Status::Created);
    assert_eq!(register().await.status(), Status::TooManyRequests, "one registration per address");

    assert_eq!(client.get("/nowhere").dispatch().await.status(), Status::NotFound);
    let text = metrics(&client).await;
    let value = |series: &str| sample(&text, series).unwrap_or_else(|| panic!("no {series} in\n{text}"));
    assert_eq!(value(r#"op_http_requests_total{endpoint="/token",status="200"}"#), 2.0);
    assert_eq!(value(r#"op_http_requests_total{endpoint="/token",status="401"}"#), 1.0);
    assert_eq!(value(r#"op_http_request_duration_seconds_count{endpoint="/token"}"#), 3.0);
    assert_eq!(value(r#"op_http_requests_total{endpoint="unmatched",status="404"}"#), 1.0);
    assert_eq!(value(r#"op_tokens_issued_total{grant_type="client_credentials",format="opaque"}"#), 2.0);
    assert_eq!(value(r#"op_client_authentication_failures_total{method="client_secret_basic"}"#), 1.0);
    assert_eq!(value(r#"op_throttled_total{throttle="registration"}"#), 1.0);
    assert!(value(r#"op_storage_group_size_count{backend="sqlite",operation="write"}"#) >= 3.0, "{text}");
    let kid = op.keys().signing_keys()[0].kid.clone();
    let alg = op.keys().signing_keys()[0].alg.as_str();
    let age = value(&format!(r#"op_signing_key_age_seconds{{kid="{kid}",alg="{alg}"}}"#));
    assert!((0.0..60.0).contains(&age), "a key generated at start is young: {age}");
    assert!(text.ends_with("# EOF\n"), "OpenMetrics' terminator closes the exposition");
}

#[tokio::test]
async fn the_public_listener_serves_no_metrics_unless_configured_to() {
    for settings in [vec![], vec![("metrics", "enabled", true.into())]] {
        let op = common::provider_with(ISSUER, "memory:", sections(&settings)).await;
        let client = Client::untracked(op.rocket()).await.unwrap();
        assert_eq!(client.get("/metrics").dispatch().await.status(), Status::NotFound, "{settings:?}");
    }
}

#[tokio::test]
async fn healthz_and_readyz_answer_on_the_provider_and_the_metrics_listener() {
    let overrides = sections(&[("metrics", "enabled", true.into())]);
    let op = common::provider_with(ISSUER, "memory:", overrides).await;
    let public = Client::untracked(op.rocket()).await.unwrap();
    let own = Client::untracked(op.metrics_rocket().expect("a listener of its own")).await.unwrap();
    for client in [&public, &own] {
        assert_eq!(client.get("/healthz").dispatch().await.into_string().await.as_deref(), Some("live"));
        assert_eq!(client.get("/readyz").dispatch().await.into_string().await.as_deref(), Some("ready"));
    }
    assert_eq!(public.get("/token").dispatch().await.status(), Status::NotFound, "GET: no route");
    // One /healthz on each listener.
    assert!(metrics(&own).await.contains(r#"op_http_requests_total{endpoint="/healthz",status="200"} 2"#));
    assert_eq!(own.get("/token").dispatch().await.status(), Status::NotFound, "only metrics and health");
}
