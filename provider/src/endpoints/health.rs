//! Liveness and readiness, for a load balancer or an orchestrator: live while the process
//! answers; ready while the storage can keep what the provider acknowledges (not, say, once the
//! SQLite file was deleted under it). Neither says more than that to the caller; the log says why.

use crate::Provider;
use rocket::http::Status;
use rocket::{Route, State, get, routes as rocket_routes};

/// The health routes.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![live, ready]
}

#[get("/health/live")]
fn live() -> &'static str {
    "live"
}

#[get("/health/ready")]
async fn ready(op: &State<Provider>) -> (Status, &'static str) {
    match op.storage().ready().await {
        Ok(()) => (Status::Ok, "ready"),
        Err(e) => {
            tracing::debug!(error = %e, "not ready");
            (Status::ServiceUnavailable, "not ready: storage")
        }
    }
}
