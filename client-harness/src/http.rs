//! One HTTP client for the harness: reqwest 0.13 with ring, no redirects followed.

use openidconnect::{HttpRequest, HttpResponse};
use std::future::Future;

/// Installs ring as rustls' process-wide provider (reqwest is built without one).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client that never follows redirects (the harness inspects every hop itself) and trusts the
/// fixture CA (`fixtures/tls/ca.pem`) besides the system's roots.
pub fn client(cookies: bool) -> reqwest::Client {
    install_crypto();
    let ca = std::fs::read(crate::fixtures().join("tls/ca.pem")).expect("fixture CA");
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(cookies)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("fixture CA is PEM"))
        .build()
        .expect("reqwest client")
}

/// Like [`client`], presenting the fixture client certificate `name` (`fixtures/tls/NAME.pem`
/// with its key) in the TLS handshake (RFC 8705).
pub fn client_with_certificate(name: &str) -> reqwest::Client {
    install_crypto();
    let tls = crate::fixtures().join("tls");
    let ca = std::fs::read(tls.join("ca.pem")).expect("fixture CA");
    let mut pem = std::fs::read(tls.join(format!("{name}.key"))).expect("fixture client key");
    pem.extend(std::fs::read(tls.join(format!("{name}.pem"))).expect("fixture client certificate"));
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("fixture CA is PEM"))
        .identity(reqwest::Identity::from_pem(&pem).expect("a PEM key and certificate"))
        .build()
        .expect("reqwest client")
}

/// The DER of the fixture certificate `name` (its first, the leaf).
pub fn certificate_der(name: &str) -> Vec<u8> {
    use base64::Engine as _;
    let pem = std::fs::read_to_string(crate::fixtures().join(format!("tls/{name}.pem"))).expect("fixture certificate");
    let body = pem.split("-----END CERTIFICATE-----").next().unwrap_or_default();
    let body = body.split("-----BEGIN CERTIFICATE-----").nth(1).expect("a PEM certificate");
    let base64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(base64).expect("base64 DER")
}

/// An `openidconnect` / `oauth2` async HTTP client over `client`.
pub fn oidc(
    client: reqwest::Client,
) -> impl Fn(HttpRequest) -> std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, reqwest::Error>> + Send>> {
    move |request: HttpRequest| {
        let client = client.clone();
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)?;
            let response = client.execute(request).await?;
            let mut builder = openidconnect::http::Response::builder().status(response.status().as_u16());
            for (name, value) in response.headers() {
                builder = builder.header(name.as_str(), value.as_bytes());
            }
            let body = response.bytes().await?.to_vec();
            Ok(builder.body(body).expect("a response rebuilt from a valid one"))
        })
    }
}

/// Sends a request and parses its JSON body (panicking, as a test should, if either fails).
pub async fn json(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.expect("a response").json().await.expect("a JSON body")
}

/// A response as a test reads it: its status, its JSON body (`Null` if it has none), and its
/// `WWW-Authenticate` challenge.
pub async fn answer(request: reqwest::RequestBuilder) -> (reqwest::StatusCode, serde_json::Value, Option<String>) {
    let response = request.send().await.expect("a response");
    let status = response.status();
    let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap_or_default().to_string());
    let body = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::Null), challenge)
}

/// POSTs client metadata to `issuer`'s registration endpoint (RFC 7591 §3.1), with an initial
/// access token if given: the [`answer`].
pub async fn register(
    issuer: &str,
    metadata: &serde_json::Value,
    initial_token: Option<&str>,
) -> (reqwest::StatusCode, serde_json::Value, Option<String>) {
    let mut request = client(false).post(format!("{issuer}/register")).json(metadata);
    if let Some(token) = initial_token {
        request = request.bearer_auth(token);
    }
    answer(request).await
}
