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
