//! A protected resource to test against (`/resource`, `[test_resource] enabled`): it checks the
//! access token exactly as userinfo does, every binding included, and answers with what the
//! token says. It echoes `x-fapi-interaction-id`, or makes one (FAPI 1.0 Part 2 §6.2.1 (11)),
//! as the conformance suite's FAPI plans expect of a resource.

use super::guards::PresentedToken;
use super::respond::{ErrorReply, Reply};
use crate::Provider;
use crate::protocol::{ErrorCode, OAuthError, Params};
use crate::sender::{Presentation, RequestContext};
use crate::tokens::resource;
use rocket::http::Header;
use rocket::request::{FromRequest, Outcome};
use rocket::serde::json::Json;
use rocket::{Request, Route, State, get, post, routes as rocket_routes};
use serde_json::{Value, json};

/// The routes, mounted when `[test_resource] enabled` is set.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![resource_get, resource_post]
}

/// The `x-fapi-interaction-id` the request carried, or a fresh one.
pub(crate) struct InteractionId(String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for InteractionId {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let given = req.headers().get_one("x-fapi-interaction-id").filter(|id| !id.is_empty() && id.len() <= 128);
        Outcome::Success(Self(given.map(String::from).unwrap_or_else(fresh_interaction_id)))
    }
}

/// An RFC 4122 version 4 UUID, as FAPI asks an interaction id to be.
fn fresh_interaction_id() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// What the resource answers: the token's claims, never cached, with the interaction id.
#[derive(rocket::Responder)]
pub(crate) struct Answered {
    body: Json<Value>,
    interaction_id: Header<'static>,
    cache_control: Header<'static>,
}

#[get("/resource")]
async fn resource_get(
    op: &State<Provider>,
    header: PresentedToken,
    context: RequestContext,
    id: InteractionId,
) -> Reply<Answered> {
    answer(op, header.in_header(), &context, id).await
}

#[post("/resource", data = "<form>")]
async fn resource_post(
    op: &State<Provider>,
    header: PresentedToken,
    context: RequestContext,
    id: InteractionId,
    form: Result<Params, ErrorReply>,
) -> Reply<Answered> {
    answer(op, header.or_in_form(form)?, &context, id).await
}

async fn answer(
    op: &Provider,
    presented: Option<(Presentation, String)>,
    context: &RequestContext,
    id: InteractionId,
) -> Reply<Answered> {
    let access = resource::authenticate(op, presented, context).await?;
    let claims = &access.claims;
    let client = op.clients().find(&claims.client_id).await?.ok_or_else(|| {
        OAuthError::new(ErrorCode::InvalidToken, "the client is no longer registered")
    })?;
    let sub = op.subject(&client, &claims.account_id);
    let body = json!({
        "sub": sub,
        "client_id": claims.client_id,
        "scope": claims.scopes.join(" "),
        "resources": claims.resources,
        "exp": access.exp,
        "cnf": claims.cnf,
        "authorization_details": claims.authorization_details,
    });
    Ok(Answered {
        body: Json(body),
        interaction_id: Header::new("x-fapi-interaction-id", id.0),
        cache_control: Header::new("Cache-Control", "no-store"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_interaction_id_is_a_version_4_uuid() {
        let id = fresh_interaction_id();
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "{id}");
        assert!(parts[2].starts_with('4') && matches!(&parts[3][..1], "8" | "9" | "a" | "b"), "{id}");
        assert_ne!(fresh_interaction_id(), id);
    }
}
