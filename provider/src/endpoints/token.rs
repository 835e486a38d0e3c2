//! The token endpoint (RFC 6749 §3.2).

use crate::Provider;
use crate::clients::ClientRequest;
use crate::endpoints::respond::{ErrorReply, Reply};
use crate::tokens::TokenResponse;
use rocket::{Route, State, post, routes as rocket_routes};

/// The route.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![token]
}

#[post("/token", data = "<request>")]
async fn token(op: &State<Provider>, request: Result<ClientRequest, ErrorReply>) -> Reply<TokenResponse> {
    Ok(crate::grants::exchange(op, request?).await?)
}
