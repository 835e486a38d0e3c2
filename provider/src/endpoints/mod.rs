//! One module per endpoint; each handler reads as a short list of named steps.

pub mod authorization;
pub mod cookies;
pub mod cors;
#[cfg(feature = "device-flow")]
pub mod device;
pub mod discovery;
pub mod guards;
pub mod health;
pub mod interaction;
pub mod introspection;
pub mod jwks;
pub mod respond;
pub mod revocation;
pub mod tasks;
pub mod token;
pub mod userinfo;

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{Request, catch};

/// Paths (below the issuer's) that browser-based clients call with `fetch`, so they allow CORS.
pub const CORS_PATHS: [&str; 6] = [
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

/// Every route of the provider.
pub fn routes() -> Vec<rocket::Route> {
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
    routes
}

/// Catchers that answer in OAuth's JSON error shape instead of Rocket's HTML, without internals.
pub fn catchers() -> Vec<rocket::Catcher> {
    rocket::catchers![default_catcher]
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
