//! Behind a TLS-terminating proxy: every published URL comes from the issuer, whatever the
//! forwarded headers say, and the proxy's client-address header is believed only when the
//! configuration says the proxy is trusted; so is its client-certificate header.

mod common;

use provider::sender::RequestContext;
use rocket::http::Header;
use rocket::local::asynchronous::Client;
use std::net::IpAddr;

const ISSUER: &str = "https://op.example.com";

#[rocket::get("/whoami")]
fn whoami(client_ip: Option<IpAddr>) -> String {
    client_ip.map(|ip| ip.to_string()).unwrap_or_default()
}

/// What the sender-constraint checks would see of the request.
#[rocket::post("/context")]
fn context(context: RequestContext) -> String {
    let certificate = context.client_certificate.map(|der| format!("{der:02x?}")).unwrap_or_default();
    format!("{} {} {:?} {certificate}", context.method, context.url, context.dpop)
}

/// A client of the provider as mounted by `Provider::rocket`, plus routes that show the client
/// address Rocket settled on and the request context.
async fn client(trust_forwarded_headers: bool) -> Client {
    let mut proxy = figment::value::Dict::new();
    proxy.insert("trust_forwarded_headers".into(), trust_forwarded_headers.into());
    proxy.insert("client_certificate_header".into(), "X-SSL-Client-Cert".into());
    let mut overrides = figment::value::Dict::new();
    overrides.insert("proxy".into(), proxy.into());
    let op = common::provider_with(ISSUER, "memory:", overrides).await;
    let rocket = op.rocket().mount("/", rocket::routes![whoami, context]);
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

#[tokio::test]
async fn the_request_context_takes_a_forwarded_certificate_only_from_a_trusted_proxy() {
    let pem = "-----BEGIN%20CERTIFICATE-----%0AMIIB%0A-----END%20CERTIFICATE-----%0A";
    let seen = |client: Client| async move {
        let request = client
            .post("/context?ignored=1")
            .header(Header::new("X-SSL-Client-Cert", pem))
            .header(Header::new("DPoP", "first"))
            .header(Header::new("DPoP", "second"));
        request.dispatch().await.into_string().await.unwrap()
    };
    assert_eq!(
        seen(client(true).await).await,
        "POST https://op.example.com/context [\"first\", \"second\"] [30, 82, 01]",
        "the method, the URL from the issuer without the query, every DPoP header, the certificate"
    );
    assert_eq!(
        seen(client(false).await).await,
        "POST https://op.example.com/context [\"first\", \"second\"] ",
        "an untrusted proxy's certificate header is ignored"
    );
}
