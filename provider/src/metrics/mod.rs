//! Prometheus metrics: what operators watch. Counters are bumped where things happen (the route
//! wrapper in `endpoints::request_id`, the token endpoint, client authentication, the throttles, the delivery queues, the
//! storage writers); the queue depths and key ages are read when scraped. Rendering is in the
//! text format 0.0.4, which every Prometheus-compatible scraper reads.
//!
//! Each provider has its own registry; the storage backends, which know no provider, count
//! into process-wide families that every registry shows (`storage`).

pub(crate) mod storage;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::OnceLock;
use std::time::Duration;

/// Request durations, in seconds: 0.25 ms to about 16 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 3.0, 11))
}

/// A route's URI template (so that ids in paths do not multiply series), or `unmatched`; made
/// once per route and shared, so that counting an answer copies no text.
#[derive(Debug, Clone, Hash, PartialEq, Eq)]
pub(crate) struct Endpoint(pub std::sync::Arc<str>);

impl prometheus_client::encoding::EncodeLabelValue for Endpoint {
    fn encode(&self, encoder: &mut prometheus_client::encoding::LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, &self.0)
    }
}

/// One HTTP answer: the route that served it and the status.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    /// The route.
    pub endpoint: Endpoint,
    /// The HTTP status code.
    pub status: u16,
}

/// A route.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct EndpointLabels {
    /// The route.
    pub endpoint: Endpoint,
}

/// Tokens issued.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TokenLabels {
    /// The `grant_type`, or `implicit` at the authorization endpoint.
    grant_type: &'static str,
    /// `jwt` (RFC 9068) or `opaque`.
    format: &'static str,
}

/// A client authentication method, as presented.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: &'static str,
}

/// A throttle: `login`, `user_code` or `registration`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ThrottleLabels {
    throttle: &'static str,
}

/// A delivery queue and what an attempt came to.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    /// The queue: `backchannel_logout`, `ciba_ping`, `ciba_push`, ...
    queue: &'static str,
    /// `delivered`, `retry`, `refused` or `given_up`.
    outcome: &'static str,
}

/// A delivery queue.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    queue: &'static str,
}

/// A signing key.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeyLabels {
    kid: String,
    alg: &'static str,
}

#[derive(Clone, Copy)]
struct Latency;
impl MetricConstructor<Histogram> for Latency {
    fn new_metric(&self) -> Histogram {
        latency_histogram()
    }
}

/// Requests by route and status, and their durations by route.
#[derive(Debug)]
pub(crate) struct HttpMetrics {
    requests: Family<RequestLabels, Counter>,
    seconds: Family<EndpointLabels, Histogram, Latency>,
}

impl Default for HttpMetrics {
    fn default() -> Self {
        Self { requests: Family::default(), seconds: Family::new_with_constructor(Latency) }
    }
}

impl HttpMetrics {
    fn register(&self, registry: &mut Registry) {
        registry.register("http_requests", "HTTP answers, by route and status", self.requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time from request to answer, by route",
            self.seconds.clone(),
        );
    }

    /// Counts one answer of `endpoint` with `status` that no route made (a 404, a catcher's),
    /// untimed.
    pub(crate) fn answered(&self, endpoint: &Endpoint, status: u16) {
        self.requests.get_or_create(&RequestLabels { endpoint: endpoint.clone(), status }).inc();
    }

    /// Counts and times one answer of `route`'s `endpoint`, through the series `route` keeps.
    pub(crate) fn route_answered(&self, route: &RouteMetrics, endpoint: &Endpoint, status: u16, took: Duration) {
        let seconds = route
            .seconds
            .get_or_init(|| self.seconds.get_or_create(&EndpointLabels { endpoint: endpoint.clone() }).clone());
        seconds.observe(took.as_secs_f64());
        let requests = || self.requests.get_or_create(&RequestLabels { endpoint: endpoint.clone(), status });
        match KEPT_STATUSES.iter().position(|&kept| kept == status) {
            Some(at) => route.statuses[at].get_or_init(|| requests().clone()).inc(),
            None => requests().inc(),
        };
    }
}

/// The statuses whose counters a route keeps at hand; another is looked up in its family.
const KEPT_STATUSES: [u16; 12] = [200, 201, 204, 302, 303, 400, 401, 403, 404, 429, 500, 503];

/// One route's series, taken from their families when first used and kept, so that counting an
/// answer hashes no labels (the families hash them with SipHash, under a lock). A route's
/// series belong to the provider whose routes it is one of.
#[derive(Debug, Default)]
pub(crate) struct RouteMetrics {
    seconds: OnceLock<Histogram>,
    statuses: [OnceLock<Counter>; KEPT_STATUSES.len()],
}

/// A provider's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    http: HttpMetrics,
    tokens_issued: Family<TokenLabels, Counter>,
    client_auth_failures: Family<MethodLabels, Counter>,
    throttled: Family<ThrottleLabels, Counter>,
    deliveries: Family<DeliveryLabels, Counter>,
    queue_depth: Family<QueueLabels, Gauge>,
    key_age: Family<KeyLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let metrics = Self {
            registry: Registry::with_prefix("op"),
            http: HttpMetrics::default(),
            tokens_issued: Family::default(),
            client_auth_failures: Family::default(),
            throttled: Family::default(),
            deliveries: Family::default(),
            queue_depth: Family::default(),
            key_age: Family::default(),
        };
        let mut registry = Registry::with_prefix("op");
        metrics.http.register(&mut registry);
        registry.register("tokens_issued", "Access tokens issued, by grant and format", metrics.tokens_issued.clone());
        registry.register(
            "client_authentication_failures",
            "Failed client authentications, by the method the client presented",
            metrics.client_auth_failures.clone(),
        );
        registry.register("throttled", "Attempts refused by a throttle", metrics.throttled.clone());
        registry.register(
            "deliveries",
            "Delivery attempts to clients, by queue and outcome",
            metrics.deliveries.clone(),
        );
        registry.register("delivery_queue_depth", "Messages waiting in a delivery queue", metrics.queue_depth.clone());
        registry.register(
            "signing_key_age_seconds",
            "Seconds since a signing key was made (keys that record it: generated or rotated ones)",
            metrics.key_age.clone(),
        );
        storage::register(&mut registry);
        Self { registry, ..metrics }
    }
}

impl Metrics {
    /// The HTTP families, for the fairing.
    pub(crate) fn http(&self) -> &HttpMetrics {
        &self.http
    }

    /// Counts an access token issued under `grant_type`.
    pub(crate) fn token_issued(&self, grant_type: &'static str, access_token: &str) {
        // Our JWT access tokens are JWS compact serializations; opaque ones are base64url, no dots.
        let format = if access_token.contains('.') { "jwt" } else { "opaque" };
        self.tokens_issued.get_or_create(&TokenLabels { grant_type, format }).inc();
    }

    /// Counts a failed client authentication by the method the client presented.
    pub(crate) fn client_auth_failed(&self, method: &'static str) {
        self.client_auth_failures.get_or_create(&MethodLabels { method }).inc();
    }

    /// The counter a throttle bumps for each attempt it refuses.
    pub(crate) fn throttle_counter(&self, throttle: &'static str) -> Counter {
        self.throttled.get_or_create(&ThrottleLabels { throttle }).clone()
    }

    /// Counts a delivery attempt's outcome.
    #[cfg(any(feature = "logout", feature = "ciba"))]
    pub(crate) fn delivery(&self, queue: &'static str, outcome: &'static str) {
        self.deliveries.get_or_create(&DeliveryLabels { queue, outcome }).inc();
    }

    /// The text exposition, with the delivery queues' depths and the signing keys' ages (kid,
    /// alg, seconds) as read now.
    pub(crate) fn render(&self, depths: &[(&'static str, i64)], key_ages: Vec<(String, &'static str, i64)>) -> String {
        self.queue_depth.clear();
        for (queue, depth) in depths {
            self.queue_depth.get_or_create(&QueueLabels { queue }).set(*depth);
        }
        self.key_age.clear();
        for (kid, alg, age) in key_ages {
            self.key_age.get_or_create(&KeyLabels { kid, alg }).set(age);
        }
        let mut text = String::new();
        match prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            Ok(()) => text,
            Err(e) => format!("# the metrics could not be rendered: {e}\n"),
        }
    }
}
