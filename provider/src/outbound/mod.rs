//! Outbound HTTP: the only way the provider reaches the network. It GETs client documents
//! (`jwks_uri`, `request_uri`, `sector_identifier_uri`) and POSTs notifications (back-channel
//! logout, CIBA ping and push): forms or JSON. One client with a short timeout, a response size
//! limit, no redirects, https required (http only on loopback, and only when configured), a
//! cache that honours `Cache-Control`, and no requests to private, loopback or link-local
//! addresses unless configured: a `request_uri` is chosen by the client, so without this any RP
//! could make the provider call internal services (SSRF).

mod address;

use address::{AddressPolicy, PublicOnly, REFUSED};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Limits on what the provider fetches.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct OutboundConfig {
    /// Timeout of one fetch.
    pub timeout_ms: u64,
    /// Largest response accepted.
    pub max_bytes: usize,
    /// Allow loopback destinations, also over plain `http://` (development and tests only); otherwise https only.
    pub allow_http_loopback: bool,
    /// Allow destinations in private ranges (RFC 1918, RFC 6598, RFC 4193). Off, a name that resolves only to such
    /// addresses, or to loopback, is refused, so a client cannot make the provider call internal services through
    /// `request_uri` or `jwks_uri` (SSRF). Link-local addresses (cloud metadata) are never allowed.
    pub allow_private_networks: bool,
    /// Cache lifetime when the response's `Cache-Control` says nothing. `max-age` is honoured (capped at a day),
    /// `no-store` / `no-cache` are not cached. An unknown `kid` always triggers one fresh fetch of a `jwks_uri`.
    pub default_cache_seconds: u64,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            timeout_ms: 5000,
            max_bytes: 512 * 1024,
            allow_http_loopback: false,
            allow_private_networks: false,
            default_cache_seconds: 300,
        }
    }
}

/// A failed fetch, worded for an error description (no internals).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct FetchError(pub String);

/// The body of a POST.
#[derive(Debug, Clone, Copy)]
pub enum PostBody<'a> {
    /// `application/x-www-form-urlencoded` (a back-channel `logout_token`).
    Form(&'a [(&'a str, &'a str)]),
    /// `application/json` (a CIBA notification).
    Json(&'a serde_json::Value),
}

/// What a POST was answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The HTTP status.
    pub status: u16,
    /// The body (at most `max_bytes`).
    pub body: String,
}

struct Cached {
    body: String,
    until: Instant,
}

/// The outbound HTTP client.
pub struct Fetcher {
    client: reqwest::Client,
    config: OutboundConfig,
    cache: Mutex<HashMap<String, Cached>>,
}

impl Fetcher {
    /// A fetcher with these limits.
    pub fn new(config: OutboundConfig) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(PublicOnly { policy: AddressPolicy::from(&config) }))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_millis(config.timeout_ms))
            .user_agent(concat!("provider/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self { client, config, cache: Mutex::new(HashMap::new()) }
    }

    /// GETs a document, from the cache if fresh.
    pub async fn get(&self, url: &str) -> Result<String, FetchError> {
        if let Some(body) = self.cached(url) {
            return Ok(body);
        }
        self.get_fresh(url).await
    }

    /// GETs a document from the network (after an unknown `kid`, say), refreshing the cache.
    pub async fn get_fresh(&self, url: &str) -> Result<String, FetchError> {
        let target = self.check_url(url)?;
        let mut response = self
            .client
            .get(target)
            .send()
            .await
            .map_err(|e| FetchError(format!("{url} could not be fetched: {}", why_not(&e))))?;
        if !response.status().is_success() {
            return Err(FetchError(format!("{url} answered {}", response.status().as_u16())));
        }
        let max_age = cache_lifetime(response.headers().get("cache-control").and_then(|v| v.to_str().ok()))
            .unwrap_or(Duration::from_secs(self.config.default_cache_seconds));
        let body = self.read_body(url, &mut response).await?;
        if !max_age.is_zero()
            && let Ok(mut cache) = self.cache.lock()
        {
            cache.insert(url.to_string(), Cached { body: body.clone(), until: Instant::now() + max_age });
        }
        Ok(body)
    }

    /// POSTs a form or JSON body, with an optional bearer token (CIBA's `client_notification_token`), under the same
    /// limits as a GET; never cached. Any status is answered: what counts as delivered is the caller's to say.
    pub async fn post(&self, url: &str, body: PostBody<'_>, bearer: Option<&str>) -> Result<Answered, FetchError> {
        let target = self.check_url(url)?;
        let (content_type, payload) = match body {
            PostBody::Form(pairs) => (
                "application/x-www-form-urlencoded",
                url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish(),
            ),
            PostBody::Json(value) => ("application/json", value.to_string()),
        };
        let mut request = self.client.post(target).header(reqwest::header::CONTENT_TYPE, content_type).body(payload);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let mut response =
            request.send().await.map_err(|e| FetchError(format!("{url} could not be reached: {}", why_not(&e))))?;
        let status = response.status().as_u16();
        let body = self.read_body(url, &mut response).await?;
        Ok(Answered { status, body })
    }

    /// The response body, refused past `max_bytes` or when it is not UTF-8.
    async fn read_body(&self, url: &str, response: &mut reqwest::Response) -> Result<String, FetchError> {
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|_| FetchError(format!("{url}: the response broke off")))?
        {
            if body.len() + chunk.len() > self.config.max_bytes {
                return Err(FetchError(format!("{url}: the response is larger than {} bytes", self.config.max_bytes)));
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| FetchError(format!("{url}: the response is not UTF-8")))
    }

    fn cached(&self, url: &str) -> Option<String> {
        let cache = self.cache.lock().ok()?;
        cache.get(url).filter(|c| c.until > Instant::now()).map(|c| c.body.clone())
    }

    fn check_url(&self, url: &str) -> Result<url::Url, FetchError> {
        let parsed = url::Url::parse(url).map_err(|_| FetchError(format!("{url} is not a URL")))?;
        let ip = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        // Names are checked when they resolve (PublicOnly); address literals here.
        if let Some(ip) = ip
            && !AddressPolicy::from(&self.config).allows(ip)
        {
            return Err(FetchError(format!("{url}: fetching from a private or local address is not allowed")));
        }
        let loopback = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        match parsed.scheme() {
            "https" => Ok(parsed),
            "http" if loopback && self.config.allow_http_loopback => Ok(parsed),
            _ => Err(FetchError(format!("{url}: only https URLs are fetched"))),
        }
    }
}

/// A short reason for a failed request: the address policy's refusal, a timeout, or a failed
/// connection (no internals).
fn why_not(error: &reqwest::Error) -> &'static str {
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(e) = source {
        if e.to_string().contains(REFUSED) {
            return REFUSED;
        }
        source = e.source();
    }
    if error.is_timeout() { "timed out" } else { "connection failed" }
}

/// The lifetime `Cache-Control` allows: `None` when it says nothing, zero for `no-store`/`no-cache`.
fn cache_lifetime(header: Option<&str>) -> Option<Duration> {
    let header = header?;
    let mut lifetime = None;
    for directive in header.split(',').map(|d| d.trim().to_ascii_lowercase()) {
        if directive == "no-store" || directive == "no-cache" {
            return Some(Duration::ZERO);
        }
        if let Some(seconds) = directive.strip_prefix("max-age=").and_then(|v| v.parse::<u64>().ok()) {
            // A day at most: keys rotate, and a stale cache is refreshed on an unknown kid anyway.
            lifetime = Some(Duration::from_secs(seconds.min(86_400)));
        }
    }
    lifetime
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_directives() {
        assert_eq!(cache_lifetime(None), None);
        assert_eq!(cache_lifetime(Some("public, max-age=60")), Some(Duration::from_secs(60)));
        assert_eq!(cache_lifetime(Some("max-age=60, no-store")), Some(Duration::ZERO));
        assert_eq!(cache_lifetime(Some("max-age=99999999")), Some(Duration::from_secs(86_400)));
    }

    #[test]
    fn internal_address_literals_are_refused() {
        let fetcher = Fetcher::new(OutboundConfig::default());
        for url in ["https://10.0.0.5/jwks", "https://169.254.169.254/latest/meta-data", "https://[fd00::1]/x"] {
            assert!(fetcher.check_url(url).is_err(), "{url}");
        }
        let lan = Fetcher::new(OutboundConfig { allow_private_networks: true, ..OutboundConfig::default() });
        assert!(lan.check_url("https://10.0.0.5/jwks").is_ok());
        assert!(lan.check_url("https://169.254.169.254/latest/meta-data").is_err(), "link-local never");
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_unless_allowed() {
        let fetcher = Fetcher::new(OutboundConfig::default());
        let err = fetcher.get_fresh("https://localhost:9/jwks").await.unwrap_err();
        assert!(err.0.ends_with(REFUSED), "the resolver refuses: {err}");
        let dev = Fetcher::new(OutboundConfig { allow_http_loopback: true, ..OutboundConfig::default() });
        let err = dev.get_fresh("https://localhost:9/jwks").await.unwrap_err();
        assert!(err.0.ends_with("connection failed"), "allowed, so only the connection fails: {err}");
    }

    #[test]
    fn only_https_or_configured_loopback_http() {
        let strict = Fetcher::new(OutboundConfig::default());
        assert!(strict.check_url("https://rp.example/jwks").is_ok());
        assert!(strict.check_url("http://127.0.0.1:8080/jwks").is_err());
        assert!(strict.check_url("file:///etc/passwd").is_err());
        let dev = Fetcher::new(OutboundConfig { allow_http_loopback: true, ..OutboundConfig::default() });
        assert!(dev.check_url("http://127.0.0.1:8080/jwks").is_ok());
        assert!(dev.check_url("http://[::1]/jwks").is_ok());
        assert!(dev.check_url("http://rp.example/jwks").is_err());
    }
}
