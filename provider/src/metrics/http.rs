//! HTTP metrics: a fairing that counts each answer by route and status and times it.

use super::{EndpointLabels, RequestLabels};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Request, Response};
use std::time::Instant;

#[derive(Clone, Copy)]
struct Latency;
impl MetricConstructor<Histogram> for Latency {
    fn new_metric(&self) -> Histogram {
        super::latency_histogram()
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
    pub(super) fn register(&self, registry: &mut Registry) {
        registry.register("http_requests", "HTTP answers, by route and status", self.requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time from request to answer, by route",
            self.seconds.clone(),
        );
    }
}

/// When a request arrived, kept in its local cache.
struct Arrived(Instant);

/// The fairing that feeds [`HttpMetrics`] (attached only when metrics are enabled).
pub(crate) struct CountRequests(pub crate::Provider);

#[rocket::async_trait]
impl Fairing for CountRequests {
    fn info(&self) -> Info {
        Info { name: "metrics", kind: Kind::Request | Kind::Response }
    }

    async fn on_request(&self, request: &mut Request<'_>, _: &mut Data<'_>) {
        request.local_cache(|| Arrived(Instant::now()));
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let took = request.local_cache(|| Arrived(Instant::now())).0.elapsed();
        // The route's template, not the path: `/interaction/<uid>/login` is one series.
        let endpoint = request.route().map_or_else(|| "unmatched".to_string(), |route| route.uri.to_string());
        let http = self.0.metrics().http();
        http.seconds.get_or_create(&EndpointLabels { endpoint: endpoint.clone() }).observe(took.as_secs_f64());
        http.requests.get_or_create(&RequestLabels { endpoint, status: response.status().code }).inc();
    }
}
