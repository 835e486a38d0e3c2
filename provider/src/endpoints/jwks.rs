//! `jwks_uri`: the public signing keys (RFC 7517), serialised once at start.

use crate::Provider;
use rocket::http::ContentType;
use rocket::{Route, State, get, routes as rocket_routes};

/// The route.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![jwks]
}

#[get("/jwks")]
fn jwks(op: &State<Provider>) -> (ContentType, String) {
    let jwk_set = ContentType::new("application", "jwk-set+json");
    (jwk_set, op.keys().jwks_json().to_string())
}
