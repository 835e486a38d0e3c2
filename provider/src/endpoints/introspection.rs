//! Token introspection (RFC 7662), answered as JSON or, on request or by client metadata, as a
//! signed (and optionally encrypted) JWT (RFC 9701).

use crate::Provider;
use crate::clients::{AuthMethod, Client, ClientRequest};
use crate::endpoints::respond::{ErrorReply, Reply};
use crate::jose::SigningAlg;
use crate::model::Presented;
use crate::protocol::{OAuthError, OAuthResult};
use crate::security::now;
use crate::sender;
use crate::tokens::{access_token, sealed, self_contained};
use rocket::http::{ContentType, Header};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Route, State, post, routes as rocket_routes};
use serde_json::{Map, Value, json};

/// The route.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![introspect]
}

/// RFC 9701 §4: the media type of JWT introspection responses.
const JWT_MEDIA_TYPE: &str = "token-introspection+jwt";

/// Whether the caller's `Accept` asks for a JWT response.
pub(crate) struct AcceptsJwt(bool);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AcceptsJwt {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let accept = req.headers().get("Accept").any(|a| a.contains(&format!("application/{JWT_MEDIA_TYPE}")));
        Outcome::Success(AcceptsJwt(accept))
    }
}

/// An introspection answer: JSON or JWT, never cached.
#[derive(rocket::Responder)]
pub(crate) struct Introspection {
    body: (ContentType, String),
    cache_control: Header<'static>,
}

#[post("/introspect", data = "<request>")]
async fn introspect(
    op: &State<Provider>,
    request: Result<ClientRequest, ErrorReply>,
    accept: AcceptsJwt,
) -> Reply<Introspection> {
    let request = request?;
    if request.method == AuthMethod::None {
        // RFC 7662 §2.1: the endpoint is protected; public clients cannot use it.
        return Err(OAuthError::invalid_client("introspection needs client authentication").into());
    }
    sender::check_unbound_proof(op, &request.context).await?;
    let token = request.params.require("token")?;
    let answer = match self_contained::find_presented(op, token, request.params.get("token_type_hint")).await? {
        // A spent (rotated) refresh token is no longer active.
        Some(Presented::Refresh(found)) if found.consumed() => json!({ "active": false }),
        Some(presented) if visible_to(op, &presented, &request.client) => describe(op, &presented, token).await,
        _ => json!({ "active": false }),
    };
    let body = if accept.0 || request.client.introspection_signed_response_alg.is_some() {
        (ContentType::new("application", JWT_MEDIA_TYPE), as_jwt(op, &request.client, answer).await?)
    } else {
        (ContentType::JSON, answer.to_string())
    };
    Ok(Introspection { body, cache_control: Header::new("Cache-Control", "no-store") })
}

/// The token's client may see it, and so may the resource server it is for.
fn visible_to(op: &Provider, presented: &Presented, caller: &Client) -> bool {
    let claims = presented.claims();
    claims.client_id == caller.client_id
        || claims
            .resources
            .iter()
            .any(|r| op.config().resource_server(r).and_then(|rs| rs.client_id.as_deref()) == Some(&caller.client_id))
}

/// RFC 7662 §2.2 members of the presented `token`.
async fn describe(op: &Provider, presented: &Presented, token: &str) -> Value {
    let claims = presented.claims();
    // RFC 7662 §2.2: an access token's type follows its binding; a refresh token has none.
    let access_type = || sender::token_type(claims.cnf.as_ref()).as_str();
    let (token_type, iat, exp) = match presented {
        Presented::Access(at) => (access_type(), at.model.iat, at.model.exp),
        Presented::SelfContained(at) => (access_type(), at.iat, at.exp),
        Presented::Refresh(rt) => ("refresh_token", rt.model.iat, rt.model.iat + op.config().ttl.refresh_token as i64),
    };
    let mut body = Map::new();
    body.insert("active".into(), true.into());
    body.insert("scope".into(), claims.scopes.join(" ").into());
    body.insert("client_id".into(), claims.client_id.clone().into());
    match op.clients().find(&claims.client_id).await {
        Ok(Some(client)) => {
            body.insert("sub".into(), access_token::subject(op, &client, claims).into());
        }
        // A token outlives no client: a deleted registration's tokens are inactive (RFC 7592 §2.3).
        _ => return json!({ "active": false }),
    }
    match claims.resources.as_slice() {
        [] => {}
        [one] => {
            body.insert("aud".into(), one.clone().into());
        }
        many => {
            body.insert("aud".into(), many.to_vec().into());
        }
    }
    body.insert("iss".into(), op.issuer().into());
    body.insert("exp".into(), exp.into());
    body.insert("iat".into(), iat.into());
    body.insert("token_type".into(), token_type.into());
    // RFC 9449 §6.2, RFC 8705 §3.2: the binding, for the resource server to check.
    if let Some(cnf) = &claims.cnf {
        body.insert("cnf".into(), serde_json::to_value(cnf).unwrap_or_default());
    }
    // RFC 9396 §9.2.
    if !claims.authorization_details.is_empty() {
        body.insert("authorization_details".into(), claims.authorization_details.clone().into());
    }
    let jti = match presented {
        Presented::Access(at) => Some(at.model.jti(token)),
        Presented::SelfContained(at) => Some(at.jti.clone()),
        Presented::Refresh(_) => None,
    };
    if let Some(jti) = jti {
        body.insert("jti".into(), jti.into());
    }
    Value::Object(body)
}

/// RFC 9701 §5: `{iss, aud, iat, token_introspection}`, signed with the client's
/// `introspection_signed_response_alg` (default RS256, or the provider's first alg where it has
/// no RS256 key), then encrypted if it registered so.
async fn as_jwt(op: &Provider, client: &Client, answer: Value) -> OAuthResult<String> {
    let alg: SigningAlg = match client.introspection_signed_response_alg.as_deref() {
        Some(registered) => registered.parse().map_err(OAuthError::server_error)?,
        None => op.keys().default_alg(),
    };
    let claims = json!({ "iss": op.issuer(), "aud": client.client_id, "iat": now(), "token_introspection": answer });
    let signed = sealed::sign(op, &claims, JWT_MEDIA_TYPE, alg).await.map_err(OAuthError::server_error)?;
    let (enc_alg, enc) = (
        client.introspection_encrypted_response_alg.as_deref(),
        client.introspection_encrypted_response_enc.as_deref(),
    );
    sealed::encrypt_for(op, client, signed, enc_alg, enc, true).await.map_err(OAuthError::server_error)
}
