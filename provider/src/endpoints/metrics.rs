//! `/metrics`: the Prometheus text exposition, on the metrics listener (or the provider's own,
//! when `metrics.public_listener` says so). Answers are counted and timed where each route's
//! handler runs (`request_id::InRequest`).

use crate::Provider;
use rocket::http::ContentType;
use rocket::{Route, State, get, routes as rocket_routes};

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

