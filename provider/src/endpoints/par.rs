//! The pushed authorization request endpoint (RFC 9126 §2): an authenticated client POSTs what
//! it would send to `/authorize`, and gets a `request_uri` for it.

use super::respond::{ErrorReply, Reply};
use crate::Provider;
use crate::authorization::push;
use crate::clients::ClientRequest;
use rocket::http::{ContentType, Header, Status};
use rocket::{Route, State, post, routes as rocket_routes};
use serde_json::json;

/// The routes, mounted when `[par] enabled` is set.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![pushed_authorization_request]
}

/// A `201 Created` with the `request_uri`, never cached.
#[derive(rocket::Responder)]
pub(crate) struct Pushed {
    body: (Status, (ContentType, String)),
    cache_control: Header<'static>,
}

/// RFC 9126 §2.1 (POST only; any other method is not routed, so 405 or 404): the client
/// authenticates as at the token endpoint (§2), and the parameters are checked as at
/// `/authorize`, including no parameter given twice. §2.2: `201` with `request_uri` and
/// `expires_in`; §2.3: errors in JSON.
#[post("/par", data = "<request>")]
async fn pushed_authorization_request(op: &State<Provider>, request: Result<ClientRequest, ErrorReply>) -> Reply<Pushed> {
    let request = request?;
    let (request_uri, expires_in) = push(op, request.client.clone(), request.params, &request.context).await?;
    let body = json!({ "request_uri": request_uri, "expires_in": expires_in }).to_string();
    Ok(Pushed { body: (Status::Created, (ContentType::JSON, body)), cache_control: Header::new("Cache-Control", "no-store") })
}
