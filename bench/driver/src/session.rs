//! A signed-in browser: the session and consent the code-flow scenario starts from, made by
//! filling in whatever login and consent forms the server shows (the Rust provider's pages and
//! the peer's development pages both work), and the endpoints its discovery names.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Client, StatusCode, header};
use scraper::{Html, Selector};
use sha2::{Digest, Sha256};
use url::Url;

/// The benchmark's client (`bench/clients.json`).
pub const CLIENT_ID: &str = "bench-client";
/// Its secret.
pub const CLIENT_SECRET: &str = "bench-client-secret-0123456789";
/// Its redirect URI: nothing listens there, the code is read off the `Location`.
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/cb";
/// The user who signs in (`fixtures/users.json`).
const USERNAME: &str = "alice";
const PASSWORD: &str = "alice-password";

/// The endpoints a server's discovery document names.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `/.well-known/openid-configuration` itself.
    pub discovery: String,
    pub authorization: String,
    pub token: String,
    pub userinfo: String,
    pub introspection: String,
    pub jwks: String,
}

impl Endpoints {
    /// Reads the discovery document under `base`.
    pub async fn discover(http: &Client, base: &str) -> Result<Self, String> {
        let discovery = format!("{base}/.well-known/openid-configuration");
        let doc: serde_json::Value = http
            .get(&discovery)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("{discovery}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("{discovery}: {e}"))?;
        let field =
            |name: &str| doc[name].as_str().map(String::from).ok_or_else(|| format!("{discovery} has no {name}"));
        Ok(Self {
            authorization: field("authorization_endpoint")?,
            token: field("token_endpoint")?,
            userinfo: field("userinfo_endpoint")?,
            introspection: field("introspection_endpoint")?,
            jwks: field("jwks_uri")?,
            discovery,
        })
    }
}

/// A client credentials request of the bench client for an opaque token.
pub fn opaque_token_request(http: &Client, token_endpoint: &str) -> reqwest::RequestBuilder {
    let resource = crate::scenarios::TokenFormat::Opaque.resource();
    http.post(token_endpoint).basic_auth(CLIENT_ID, Some(CLIENT_SECRET)).form(&[
        ("grant_type", "client_credentials"),
        ("scope", "read"),
        ("resource", resource),
    ])
}

/// An HTTP client that keeps cookies and never follows redirects (the flow reads them).
pub fn browser() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .build()
        .expect("an HTTP client with default settings builds")
}

/// A PKCE pair (RFC 7636 §4.1, §4.2: S256).
pub fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The authorization request of the code flow.
pub fn authorization_url(endpoints: &Endpoints, challenge: &str) -> String {
    let mut url = Url::parse(&endpoints.authorization).expect("discovery URLs parse");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "openid profile email")
        .append_pair("state", "bench")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    url.into()
}

/// The `code` of a redirect to the client, if `location` is one.
pub fn code_from(location: &str) -> Option<String> {
    location.strip_prefix(REDIRECT_URI)?;
    Url::parse(location).ok()?.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned())
}

/// Exchanges a code; returns the access token.
pub async fn redeem(http: &Client, endpoints: &Endpoints, code: &str, verifier: &str) -> Result<String, String> {
    let response = http
        .post(&endpoints.token)
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    match body["access_token"].as_str() {
        Some(token) if status == StatusCode::OK => Ok(token.into()),
        _ => Err(format!("token endpoint answered {status}: {body}")),
    }
}

/// Signs in and consents in `http`'s cookie jar, then completes one code flow and returns its
/// access token (for the userinfo scenario).
pub async fn sign_in(http: &Client, endpoints: &Endpoints) -> Result<String, String> {
    let (verifier, challenge) = pkce();
    let mut next = http.get(authorization_url(endpoints, &challenge));
    // Login, consent and the redirects between them; a few more steps than either server takes.
    for _ in 0..12 {
        let response = next.send().await.map_err(|e| e.to_string())?;
        let url = response.url().clone();
        if let Some(location) = response.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()) {
            let target = url.join(location).map_err(|e| format!("{location}: {e}"))?;
            if let Some(code) = code_from(target.as_str()) {
                return redeem(http, endpoints, &code, &verifier).await;
            }
            next = http.get(target);
            continue;
        }
        let status = response.status();
        let page = response.text().await.map_err(|e| e.to_string())?;
        let (action, fields) =
            fill_form(&url, &page).ok_or_else(|| format!("{url} answered {status} without a form or redirect"))?;
        next = http.post(action).form(&fields);
    }
    Err("no code after twelve steps of sign-in".into())
}

/// The first form on a page, filled in: hidden fields kept, the username and password typed,
/// and the first named submit button (the "allow" of a consent page) pressed.
fn fill_form(page_url: &Url, page: &str) -> Option<(Url, Vec<(String, String)>)> {
    let html = Html::parse_document(page);
    let form = html.select(&Selector::parse("form").ok()?).next()?;
    let action = page_url.join(form.value().attr("action").unwrap_or_default()).ok()?;
    let mut fields = Vec::new();
    for input in form.select(&Selector::parse("input").ok()?) {
        let Some(name) = input.value().attr("name") else { continue };
        let value = match (input.value().attr("type").unwrap_or("text"), name) {
            ("password", _) => PASSWORD.to_string(),
            (_, "login" | "username") => USERNAME.to_string(),
            _ => input.value().attr("value").unwrap_or_default().to_string(),
        };
        fields.push((name.to_string(), value));
    }
    if let Some(button) = form.select(&Selector::parse("button[name]").ok()?).next() {
        let value = button.value().attr("value").unwrap_or_default();
        fields.push((button.value().attr("name")?.to_string(), value.to_string()));
    }
    Some((action, fields))
}
