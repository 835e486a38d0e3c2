//! Liveness and readiness, for a load balancer or an orchestrator: live while the process
//! answers; ready while the storage can keep what the provider acknowledges (not, say, once the
//! SQLite file was deleted under it) and a signing key serves each configured algorithm.
//! Neither says more than that to the caller; the log says why. `/healthz` and `/readyz` are
//! the names Kubernetes' conventions use; `/health/live` and `/health/ready` stay as they were.

use crate::Provider;
use rocket::http::Status;
use rocket::{Route, State, get, routes as rocket_routes};

/// The health routes.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![live, ready, healthz, readyz]
}

#[get("/health/live")]
fn live() -> &'static str {
    "live"
}

#[get("/healthz")]
fn healthz() -> &'static str {
    "live"
}

#[get("/health/ready")]
async fn ready(op: &State<Provider>) -> (Status, &'static str) {
    readiness(op).await
}

#[get("/readyz")]
async fn readyz(op: &State<Provider>) -> (Status, &'static str) {
    readiness(op).await
}

async fn readiness(op: &Provider) -> (Status, &'static str) {
    if let Err(e) = op.storage().ready().await {
        tracing::debug!(error = %e, "not ready");
        return (Status::ServiceUnavailable, "not ready: storage");
    }
    let keys = op.keys();
    let configured = op.config().keys.signing_algs.iter().filter_map(|alg| alg.parse().ok());
    if !configured.into_iter().all(|alg| keys.signing_key(alg).is_some()) {
        tracing::debug!("not ready: a configured algorithm has no signing key");
        return (Status::ServiceUnavailable, "not ready: keys");
    }
    (Status::Ok, "ready")
}
