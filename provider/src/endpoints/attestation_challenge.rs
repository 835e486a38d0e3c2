//! The challenge endpoint (draft-ietf-oauth-attestation-based-client-auth-06 §8): a client
//! instance POSTs for a fresh challenge to put in its next Client Attestation PoP.

use crate::Provider;
use rocket::http::{ContentType, Header};
use rocket::{Route, State, post, routes as rocket_routes};
use serde_json::json;

/// The route, mounted with `[attestation] require_challenge`.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![challenge]
}

/// A challenge, never cached (§8).
#[derive(rocket::Responder)]
pub(crate) struct Challenge {
    body: (ContentType, String),
    cache_control: Header<'static>,
}

/// §8: `200` with `attestation_challenge`. The challenge is stateless (an HMAC of the time
/// window), so handing one out costs no storage.
#[post("/challenge")]
fn challenge(op: &State<Provider>) -> Challenge {
    let body = json!({ "attestation_challenge": op.attestation_challenges().current() }).to_string();
    Challenge { body: (ContentType::JSON, body), cache_control: Header::new("Cache-Control", "no-store") }
}
