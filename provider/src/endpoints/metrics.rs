//! `/metrics`: the Prometheus text exposition, on the metrics listener (or the provider's own,
//! when `metrics.public_listener` says so); and the fairing that counts and times each answer.

use crate::Provider;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::ContentType;
use rocket::{Data, Request, Response, Route, State, get, routes as rocket_routes};
use std::time::Instant;

/// The route.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![metrics]
}

/// The exposition format's own media type (Prometheus text format 0.0.4).
fn text_format() -> ContentType {
    ContentType::new("text", "plain").with_params([("version", "0.0.4"), ("charset", "utf-8")])
}

#[get("/metrics")]
async fn metrics(op: &State<Provider>) -> (ContentType, String) {
    (text_format(), op.render_metrics().await)
}

/// When a request arrived, kept in its local cache.
struct Arrived(Instant);

/// The fairing that feeds the HTTP metrics (attached only when metrics are enabled).
pub(crate) struct CountRequests(pub Provider);

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
        let endpoint = request.route().map_or_else(|| "unmatched".to_string(), |route| route.uri.origin.path().to_string());
        self.0.metrics().http().answered(endpoint, response.status().code, took);
    }
}
