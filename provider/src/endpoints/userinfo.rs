//! The UserInfo endpoint (OIDC Core §5.3), a protected resource (RFC 6750).

use crate::Provider;
use crate::clients::Client;
use crate::endpoints::guards::PresentedToken;
use crate::endpoints::respond::{ErrorReply, Reply};
use crate::jose::SigningAlg;
use crate::protocol::Params;
use crate::protocol::{ErrorCode, OAuthError};
use crate::sender::{Presentation, RequestContext};
use crate::tokens::{resource, sealed};
use rocket::http::ContentType;
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, routes as rocket_routes};
use serde_json::{Map, Value};

/// The routes.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![userinfo_get, userinfo_post]
}

/// A response that intermediaries must not cache: userinfo is personal data.
#[derive(rocket::Responder)]
pub(crate) struct NoStore<T> {
    inner: T,
    cache_control: rocket::http::Header<'static>,
}

impl<T> NoStore<T> {
    fn new(inner: T) -> Self {
        Self { inner, cache_control: rocket::http::Header::new("Cache-Control", "no-store") }
    }
}

#[get("/userinfo")]
async fn userinfo_get(
    op: &State<Provider>,
    header: PresentedToken,
    context: RequestContext,
) -> Reply<NoStore<UserinfoBody>> {
    userinfo(op, header.in_header(), &context).await
}

#[post("/userinfo", data = "<form>")]
async fn userinfo_post(
    op: &State<Provider>,
    header: PresentedToken,
    context: RequestContext,
    form: Result<Params, ErrorReply>,
) -> Reply<NoStore<UserinfoBody>> {
    userinfo(op, header.or_in_form(form)?, &context).await
}

async fn userinfo(
    op: &Provider,
    presented: Option<(Presentation, String)>,
    context: &RequestContext,
) -> Reply<NoStore<UserinfoBody>> {
    let access = resource::authenticate(op, presented, context).await?;
    if !access.claims.resources.is_empty() {
        // RFC 8707: a token for a resource server is not for userinfo.
        return Err(OAuthError::new(ErrorCode::InvalidToken, "the access token is for another audience").into());
    }
    if !access.claims.has_scope("openid") {
        return Err(OAuthError::new(ErrorCode::InsufficientScope, "the access token lacks the openid scope").into());
    }
    let account = op
        .accounts()
        .find(&access.claims.account_id)
        .await
        .ok_or_else(|| OAuthError::new(ErrorCode::InvalidToken, "the account no longer exists"))?;
    let client = op
        .clients()
        .find(&access.claims.client_id)
        .await?
        .ok_or_else(|| OAuthError::new(ErrorCode::InvalidToken, "the client is no longer registered"))?;
    let requested = access.claims.claims.iter().flat_map(|c| c.userinfo_names());
    let mut claims = account.released(access.claims.scopes.iter().map(String::as_str), requested);
    claims.insert("sub".into(), Value::String(op.subject(&client, &account.sub)));
    respond(op, &client, claims).await.map(NoStore::new)
}

/// The userinfo response as the client registered it: JSON, a signed JWT (with `iss` and `aud`,
/// OIDC Core §5.3.2), encrypted JSON, or a signed-then-encrypted JWT.
async fn respond(op: &Provider, client: &Client, mut claims: Map<String, Value>) -> Reply<UserinfoBody> {
    let signing: Option<SigningAlg> = client.userinfo_signed_response_alg.as_deref().and_then(|a| a.parse().ok());
    let encryption = client.userinfo_encrypted_response_alg.as_deref();
    if signing.is_none() && encryption.is_none() {
        return Ok(UserinfoBody::Json(Json(claims)));
    }
    let payload = match signing {
        Some(alg) => {
            claims.insert("iss".into(), op.issuer().into());
            claims.insert("aud".into(), client.client_id.clone().into());
            sealed::sign(op, &claims, "JWT", alg).await.map_err(OAuthError::server_error)?
        }
        None => Value::Object(claims).to_string(),
    };
    let enc = client.userinfo_encrypted_response_enc.as_deref();
    let body = sealed::encrypt_for(op, client, payload, encryption, enc, signing.is_some())
        .await
        .map_err(OAuthError::server_error)?;
    Ok(UserinfoBody::Jwt((ContentType::new("application", "jwt"), body)))
}

/// A userinfo body: JSON, or a JWT (`application/jwt`).
#[derive(rocket::Responder)]
pub(crate) enum UserinfoBody {
    /// Plain claims.
    Json(Json<Map<String, Value>>),
    /// Signed and/or encrypted claims.
    Jwt((ContentType, String)),
}
