//! Behind a TLS-terminating proxy: every published URL comes from the issuer, whatever the
//! forwarded headers say, and the proxy's client-address header is believed only when the
//! configuration says the proxy is trusted.

mod common;

use rocket::http::Header;
use rocket::local::asynchronous::Client;
use std::net::IpAddr;

const ISSUER: &str = "https://op.example.com";

#[rocket::get("/whoami")]
fn whoami(client_ip: Option<IpAddr>) -> String {
    client_ip.map(|ip| ip.to_string()).unwrap_or_default()
}

/// A client of the provider as mounted by `Provider::rocket`, plus a route that shows the
/// client address Rocket settled on.
async fn client(trust_forwarded_headers: bool) -> Client {
    let mut proxy = figment::value::Dict::new();
    proxy.insert("trust_forwarded_headers".into(), trust_forwarded_headers.into());
    let mut overrides = figment::value::Dict::new();
    overrides.insert("proxy".into(), proxy.into());
    let op = common::provider_with(ISSUER, "memory:", overrides).await;
    let rocket = op.rocket().mount("/", rocket::routes![whoami]);
    Client::untracked(rocket).await.unwrap()
}

async fn seen_address(client: &Client) -> String {
    let request =
        client.get("/whoami").remote("192.0.2.1:5000".parse().unwrap()).header(Header::new("X-Real-IP", "203.0.113.9"));
    request.dispatch().await.into_string().await.unwrap()
}

#[tokio::test]
async fn the_client_address_header_is_ignored_unless_the_proxy_is_trusted() {
    assert_eq!(seen_address(&client(false).await).await, "192.0.2.1", "off by default: the socket's address");
    assert_eq!(seen_address(&client(true).await).await, "203.0.113.9", "trusted: the proxy's header");
}

#[tokio::test]
async fn discovery_over_plain_http_behind_a_proxy_publishes_only_the_https_issuer() {
    let client = client(true).await;
    let response = client
        .get("/.well-known/openid-configuration")
        .header(Header::new("Host", "internal:8080"))
        .header(Header::new("X-Forwarded-Proto", "http"))
        .header(Header::new("X-Forwarded-Host", "attacker.example"))
        .dispatch()
        .await;
    let document: serde_json::Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    let urls: Vec<&str> =
        document.as_object().unwrap().values().filter_map(|v| v.as_str()).filter(|s| s.contains("://")).collect();
    assert!(urls.len() >= 6, "{urls:?}");
    for url in urls {
        assert!(url == ISSUER || url.starts_with(&format!("{ISSUER}/")), "{url}");
    }
}
