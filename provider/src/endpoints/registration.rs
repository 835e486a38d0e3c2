//! The registration endpoint (RFC 7591 §3, OIDC Registration §3) and the client configuration
//! endpoint (RFC 7592 §2): JSON in, JSON out, never cached.

use super::guards::{JsonBody, PresentedToken};
use super::respond::{ErrorReply, Reply};
use crate::Provider;
use crate::clients::registration;
use crate::protocol::{ErrorCode, OAuthError, TokenType};
use crate::security::throttle::retry_after_seconds;
use rocket::http::{ContentType, Header, Status};
use rocket::{Route, State, delete, get, post, put, routes as rocket_routes};
use serde_json::Value;
use std::net::IpAddr;

/// The routes, mounted when `[registration] enabled` is set.
pub fn routes() -> Vec<Route> {
    rocket_routes![register, read, update, remove]
}

/// A registration answer: the client's metadata and credentials.
#[derive(rocket::Responder)]
pub struct Registered {
    body: (Status, (ContentType, String)),
    cache_control: Header<'static>,
    pragma: Header<'static>,
}

impl Registered {
    fn new(status: Status, body: Value) -> Self {
        Self {
            body: (status, (ContentType::JSON, body.to_string())),
            // RFC 7591 §3.2.1: the answer carries credentials.
            cache_control: Header::new("Cache-Control", "no-store"),
            pragma: Header::new("Pragma", "no-cache"),
        }
    }
}

/// A bearer token from the `Authorization` header.
fn bearer(token: PresentedToken) -> Option<String> {
    token.0.filter(|(scheme, _)| *scheme == TokenType::Bearer).map(|(_, token)| token)
}

/// RFC 7591 §3.1: `201 Created` with the registered metadata.
#[post("/register", data = "<body>")]
async fn register(
    op: &State<Provider>,
    token: PresentedToken,
    client_ip: Option<IpAddr>,
    body: Result<JsonBody, ErrorReply>,
) -> Reply<Registered> {
    // Counted before anything else, as each registration stores a record.
    if let Err(wait) = op.registration_throttle().attempt(client_ip) {
        let seconds = retry_after_seconds(wait);
        let description = format!("too many registrations from this address; try again in {seconds} seconds");
        let error = OAuthError::new(ErrorCode::TemporarilyUnavailable, description);
        return Err(ErrorReply { retry_after: Some(seconds), ..ErrorReply::with_status(error, Status::TooManyRequests) });
    }
    let token = bearer(token);
    let registrant = registration::Registrant::Request(token.as_deref());
    let registered = registration::register(op, registrant, body?.0).await?;
    Ok(Registered::new(Status::Created, registered))
}

/// RFC 7592 §2.1.
#[get("/register/<client_id>")]
async fn read(op: &State<Provider>, client_id: &str, token: PresentedToken) -> Reply<Registered> {
    Ok(Registered::new(Status::Ok, registration::read(op, client_id, bearer(token).as_deref()).await?))
}

/// RFC 7592 §2.2.
#[put("/register/<client_id>", data = "<body>")]
async fn update(
    op: &State<Provider>,
    client_id: &str,
    token: PresentedToken,
    body: Result<JsonBody, ErrorReply>,
) -> Reply<Registered> {
    let token = bearer(token);
    let updated = registration::update(op, client_id, token.as_deref(), body?.0).await?;
    Ok(Registered::new(Status::Ok, updated))
}

/// RFC 7592 §2.3: `204 No Content`.
#[delete("/register/<client_id>")]
async fn remove(op: &State<Provider>, client_id: &str, token: PresentedToken) -> Reply<Status> {
    registration::delete(op, client_id, bearer(token).as_deref()).await?;
    Ok(Status::NoContent)
}
