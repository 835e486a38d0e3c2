//! Outbound HTTP: the only way the provider fetches from the network (client `jwks_uri`,
//! `request_uri`, `sector_identifier_uri`). One client with a short timeout, a response size
//! limit, no redirects, https required (http only on loopback, and only when configured), and a
//! cache that honours `Cache-Control`.

use crate::config::OutboundConfig;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A failed fetch, worded for an error description (no internals).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct FetchError(pub String);

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
        let mut response = self.client.get(target).send().await.map_err(|e| {
            FetchError(format!(
                "{url} could not be fetched: {}",
                if e.is_timeout() { "timed out" } else { "connection failed" }
            ))
        })?;
        if !response.status().is_success() {
            return Err(FetchError(format!("{url} answered {}", response.status().as_u16())));
        }
        let max_age = cache_lifetime(response.headers().get("cache-control").and_then(|v| v.to_str().ok()))
            .unwrap_or(Duration::from_secs(self.config.default_cache_seconds));
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|_| FetchError(format!("{url}: the response broke off")))?
        {
            if body.len() + chunk.len() > self.config.max_bytes {
                return Err(FetchError(format!("{url}: the response is larger than {} bytes", self.config.max_bytes)));
            }
            body.extend_from_slice(&chunk);
        }
        let body = String::from_utf8(body).map_err(|_| FetchError(format!("{url}: the response is not UTF-8")))?;
        if !max_age.is_zero()
            && let Ok(mut cache) = self.cache.lock()
        {
            cache.insert(url.to_string(), Cached { body: body.clone(), until: Instant::now() + max_age });
        }
        Ok(body)
    }

    fn cached(&self, url: &str) -> Option<String> {
        let cache = self.cache.lock().ok()?;
        cache.get(url).filter(|c| c.until > Instant::now()).map(|c| c.body.clone())
    }

    fn check_url(&self, url: &str) -> Result<url::Url, FetchError> {
        let parsed = url::Url::parse(url).map_err(|_| FetchError(format!("{url} is not a URL")))?;
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
