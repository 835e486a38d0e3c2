//! Outbound HTTP: the only way the provider fetches from the network (client `jwks_uri`,
//! `request_uri`, `sector_identifier_uri`). One client with a short timeout, a response size
//! limit, no redirects, https required (http only on loopback, and only when configured), a
//! cache that honours `Cache-Control`, and no requests to private, loopback or link-local
//! addresses unless configured: a `request_uri` is chosen by the client, so without this any RP
//! could make the provider call internal services (SSRF).

use crate::config::OutboundConfig;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
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

/// What the resolver says when every address of a name is off limits.
const REFUSED: &str = "it resolves only to private or local addresses";

/// Which destination addresses the fetcher may connect to.
#[derive(Debug, Clone, Copy)]
struct AddressPolicy {
    loopback: bool,
    private: bool,
}

impl AddressPolicy {
    fn from(config: &OutboundConfig) -> Self {
        Self { loopback: config.allow_http_loopback, private: config.allow_private_networks }
    }

    fn allows(self, ip: IpAddr) -> bool {
        match classify(ip) {
            Reach::Public => true,
            Reach::Loopback => self.loopback,
            Reach::Private => self.private,
            Reach::Never => false,
        }
    }
}

/// Where an address leads.
#[derive(Debug, PartialEq, Eq)]
enum Reach {
    Public,
    Loopback,
    /// RFC 1918, shared (RFC 6598) and unique-local (RFC 4193) ranges.
    Private,
    /// Link-local (cloud metadata lives at 169.254.169.254), unspecified, broadcast, multicast.
    Never,
}

fn classify(ip: IpAddr) -> Reach {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Reach::Loopback
            } else if v4.is_private() || (a == 100 && (64..128).contains(&b)) {
                Reach::Private
            } else if v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast() || v4.is_multicast() || a == 0 {
                Reach::Never
            } else {
                Reach::Public
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Reach::Loopback
            } else if (first & 0xfe00) == 0xfc00 {
                Reach::Private
            } else if (first & 0xffc0) == 0xfe80 || v6.is_unspecified() || v6.is_multicast() {
                Reach::Never
            } else {
                Reach::Public
            }
        }
    }
}

/// Resolves names, then keeps only the addresses the policy allows, so a public name cannot be
/// pointed at an internal address.
struct PublicOnly {
    policy: AddressPolicy,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved.into_iter().filter(|a| policy.allows(a.ip())).collect();
            if allowed.is_empty() {
                return Err(REFUSED.into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
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
    fn address_classes() {
        let reach = |s: &str| classify(s.parse().unwrap());
        assert_eq!(reach("93.184.216.34"), Reach::Public);
        assert_eq!(reach("127.0.0.1"), Reach::Loopback);
        assert_eq!(reach("::1"), Reach::Loopback);
        for private in ["10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "fd00::1", "::ffff:10.0.0.1"] {
            assert_eq!(reach(private), Reach::Private, "{private}");
        }
        for never in ["169.254.169.254", "0.0.0.0", "255.255.255.255", "224.0.0.1", "fe80::1", "::"] {
            assert_eq!(reach(never), Reach::Never, "{never}");
        }
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
