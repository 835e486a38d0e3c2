//! One module per endpoint; each handler reads as a short list of named steps.

#[cfg(feature = "attestation")]
pub(crate) mod attestation_challenge;
pub(crate) mod admin;
pub(crate) mod authorization;
#[cfg(feature = "ciba")]
pub(crate) mod backchannel;
pub(crate) mod cookies;
pub(crate) mod cors;
#[cfg(feature = "device-flow")]
pub(crate) mod device;
pub(crate) mod discovery;
pub(crate) mod guards;
pub(crate) mod health;
pub(crate) mod interaction;
pub(crate) mod introspection;
pub(crate) mod jwks;
#[cfg(feature = "logout")]
pub(crate) mod logout;
pub(crate) mod metrics;
#[cfg(feature = "par")]
pub(crate) mod par;
#[cfg(feature = "registration")]
pub(crate) mod registration;
pub(crate) mod request_id;
pub(crate) mod respond;
pub(crate) mod revocation;
pub(crate) mod tasks;
pub(crate) mod test_resource;
pub(crate) mod token;
pub(crate) mod userinfo;

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Request, catch};

/// Paths (below the issuer's) that browser-based clients call with `fetch`, so they allow CORS.
pub(crate) const CORS_PATHS: [&str; 6] = [
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
    "/jwks",
    "/token",
    "/userinfo",
    "/revoke",
];

/// Answers CORS preflights with 204; the CORS fairing adds the headers on CORS paths only.
#[rocket::options("/<_..>")]
fn preflight() -> Status {
    Status::NoContent
}

/// Every route of the provider, as configured.
pub(crate) fn routes(op: &crate::Provider) -> Vec<rocket::Route> {
    let mut routes = rocket::routes![preflight];
    routes.extend(discovery::routes());
    routes.extend(jwks::routes());
    routes.extend(authorization::routes());
    routes.extend(token::routes());
    routes.extend(introspection::routes());
    routes.extend(revocation::routes());
    #[cfg(feature = "device-flow")]
    routes.extend(device::routes());
    routes.extend(userinfo::routes());
    routes.extend(interaction::routes());
    routes.extend(health::routes());
    if op.config().metrics.enabled && op.config().metrics.public_listener {
        routes.extend(metrics::routes());
    }
    if op.config().test_resource.enabled {
        routes.extend(test_resource::routes());
    }
    #[cfg(feature = "registration")]
    if op.config().registration.enabled {
        routes.extend(registration::routes());
    }
    #[cfg(feature = "logout")]
    if op.config().logout.enabled {
        routes.extend(logout::routes());
    }
    #[cfg(feature = "par")]
    if op.config().par.enabled {
        routes.extend(par::routes());
    }
    #[cfg(feature = "ciba")]
    if op.config().ciba.enabled {
        routes.extend(backchannel::routes(op));
        routes.extend(interaction::ciba::routes());
    }
    #[cfg(feature = "attestation")]
    if op.config().attestation.enabled && op.config().attestation.require_challenge {
        routes.extend(attestation_challenge::routes());
    }
    if op.config().login_app.secret.is_some() {
        routes.extend(admin::routes());
    }
    // Each handler runs with its request's id in scope, for the audit events it records.
    routes.into_iter().map(request_id::InRequest::wrap).collect()
}

/// The routes of the metrics listener: `/metrics`, `/healthz`, `/readyz` (and the older names).
pub(crate) fn metrics_listener_routes() -> Vec<rocket::Route> {
    metrics::routes().into_iter().chain(health::routes()).map(request_id::InRequest::wrap).collect()
}

/// Catchers that answer in OAuth's JSON error shape instead of Rocket's HTML, without internals.
pub(crate) fn catchers() -> Vec<rocket::Catcher> {
    rocket::catchers![default_catcher].into_iter().map(request_id::InCatcher::wrap).collect()
}

#[catch(default)]
fn default_catcher(status: Status, request: &Request<'_>) -> (Status, Json<serde_json::Value>) {
    // The path alone: a query can hold a token (`logging` hides Rocket's own line, which has it).
    tracing::debug!(method = %request.method(), path = %request.uri().path(), status = status.code, "answered by the error catcher");
    let error = match status.code {
        404 => "not_found",
        405 => "invalid_request",
        500..=599 => "server_error",
        _ => "invalid_request",
    };
    (status, Json(serde_json::json!({ "error": error, "error_description": status.reason_lossy() })))
}
