//! The admin API of a login app (`[login_app]`): it reads a challenge and answers it, for
//! login, consent, logout and backchannel authentications, authenticated by the configured
//! secret as a bearer token. Every answer names the URL to send the browser to.
//!
//! Mounted only when `login_app.secret` is set. It is an administrative interface: put it
//! behind the proxy's allow-list too, as Hydra's admin port is kept off the internet.

use crate::Provider;
use crate::interaction::external::{self, ChallengeError, LoginAcceptance, Rejection};
use crate::security::constant_time_eq;
use rocket::http::{Header, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::serde::json::Json;
use rocket::{Request, Response, Route, State, get, post, routes as rocket_routes};
use serde_json::{Value, json};

/// The admin routes.
pub(crate) fn routes() -> Vec<Route> {
    #[cfg_attr(not(any(feature = "logout", feature = "ciba")), allow(unused_mut))]
    let mut routes = rocket_routes![show, accept_login, accept_consent, reject];
    #[cfg(feature = "logout")]
    routes.extend(rocket_routes![show_logout, accept_logout, reject_logout]);
    #[cfg(feature = "ciba")]
    routes.extend(rocket_routes![pending_ciba, accept_ciba, reject_ciba]);
    routes
}

/// Whether the request carries the admin secret (`Authorization: Bearer SECRET`).
pub(crate) struct Admin(bool);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Admin {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let configured = request.rocket().state::<Provider>().and_then(|op| op.config().login_app.secret.clone());
        let given = request.headers().get_one("Authorization").and_then(|value| value.strip_prefix("Bearer "));
        let admitted = matches!((configured, given), (Some(secret), Some(given)) if constant_time_eq(given, &secret));
        Outcome::Success(Self(admitted))
    }
}

/// An admin answer: JSON, with the challenge for a missing or wrong secret.
pub(crate) struct Reply(Status, Value);

impl<'r> rocket::response::Responder<'r, 'static> for Reply {
    fn respond_to(self, request: &'r Request<'_>) -> rocket::response::Result<'static> {
        let mut response = Response::build_from(Json(self.1).respond_to(request)?);
        response.status(self.0).header(Header::new("Cache-Control", "no-store"));
        if self.0 == Status::Unauthorized {
            response.header(Header::new("WWW-Authenticate", "Bearer realm=\"admin\""));
        }
        response.ok()
    }
}

fn refused() -> Reply {
    Reply(Status::Unauthorized, json!({ "error": "invalid_token", "error_description": "the admin secret is missing or wrong" }))
}

fn redirect_to(answered: Result<String, ChallengeError>) -> Reply {
    match answered {
        Ok(url) => Reply(Status::Ok, json!({ "redirect_to": url })),
        Err(e) => problem(e),
    }
}

fn problem(error: ChallengeError) -> Reply {
    let (status, code) = match &error {
        ChallengeError::Unknown => (Status::NotFound, "not_found"),
        ChallengeError::Conflict(_) => (Status::Conflict, "conflict"),
        ChallengeError::Invalid(_) => (Status::BadRequest, "invalid_request"),
        ChallengeError::Storage(_) => (Status::InternalServerError, "server_error"),
    };
    let description = match &error {
        ChallengeError::Storage(_) => "the storage failed".to_string(),
        other => other.to_string(),
    };
    Reply(status, json!({ "error": code, "error_description": description }))
}

/// A JSON body that did not parse: 400, not Rocket's 422 page.
fn unreadable<T>(body: Result<Json<T>, rocket::serde::json::Error<'_>>) -> Result<T, Reply> {
    body.map(Json::into_inner).map_err(|e| problem(ChallengeError::Invalid(format!("the body: {e}"))))
}

#[get("/admin/interactions/<challenge>")]
async fn show(op: &State<Provider>, admin: Admin, challenge: &str) -> Reply {
    if !admin.0 {
        return refused();
    }
    match external::describe(op, challenge).await {
        Ok(details) => Reply(Status::Ok, details),
        Err(e) => problem(e),
    }
}

#[post("/admin/interactions/<challenge>/login", data = "<body>")]
async fn accept_login(
    op: &State<Provider>,
    admin: Admin,
    challenge: &str,
    body: Result<Json<LoginAcceptance>, rocket::serde::json::Error<'_>>,
) -> Reply {
    if !admin.0 {
        return refused();
    }
    match unreadable(body) {
        Ok(acceptance) => redirect_to(external::accept_login(op, challenge, acceptance).await),
        Err(reply) => reply,
    }
}

#[post("/admin/interactions/<challenge>/consent")]
async fn accept_consent(op: &State<Provider>, admin: Admin, challenge: &str) -> Reply {
    if !admin.0 {
        return refused();
    }
    redirect_to(external::accept_consent(op, challenge).await)
}

#[post("/admin/interactions/<challenge>/reject", data = "<body>")]
async fn reject(
    op: &State<Provider>,
    admin: Admin,
    challenge: &str,
    body: Option<Json<Rejection>>,
) -> Reply {
    if !admin.0 {
        return refused();
    }
    redirect_to(external::reject(op, challenge, body.map(Json::into_inner).unwrap_or_default()).await)
}

#[cfg(feature = "logout")]
#[get("/admin/logout/<challenge>")]
async fn show_logout(op: &State<Provider>, admin: Admin, challenge: &str) -> Reply {
    if !admin.0 {
        return refused();
    }
    match crate::logout::external::describe(op, challenge).await {
        Ok(details) => Reply(Status::Ok, details),
        Err(e) => problem(e),
    }
}

#[cfg(feature = "logout")]
#[post("/admin/logout/<challenge>/accept")]
async fn accept_logout(op: &State<Provider>, admin: Admin, challenge: &str) -> Reply {
    if !admin.0 {
        return refused();
    }
    redirect_to(crate::logout::external::answer(op, challenge, true).await)
}

#[cfg(feature = "logout")]
#[post("/admin/logout/<challenge>/reject")]
async fn reject_logout(op: &State<Provider>, admin: Admin, challenge: &str) -> Reply {
    if !admin.0 {
        return refused();
    }
    redirect_to(crate::logout::external::answer(op, challenge, false).await)
}

/// The backchannel authentications waiting for `subject`, each with its `id` to answer.
#[cfg(feature = "ciba")]
#[get("/admin/ciba?<subject>")]
async fn pending_ciba(op: &State<Provider>, admin: Admin, subject: &str) -> Reply {
    if !admin.0 {
        return refused();
    }
    match crate::ciba::pending_for(op, subject).await {
        Ok(pending) => {
            let shown: Vec<Value> = pending
                .iter()
                .map(|p| {
                    json!({
                        "id": p.id, "client_id": p.client_id, "client_name": p.client_name, "subject": p.account_id,
                        "scopes": p.scopes, "binding_message": p.binding_message, "acr_values": p.acr_values,
                        "expires_at": p.expires_at,
                    })
                })
                .collect();
            Reply(Status::Ok, json!({ "pending": shown }))
        }
        Err(_) => problem(ChallengeError::Storage(String::new())),
    }
}

/// How the user approved a backchannel authentication.
#[cfg(feature = "ciba")]
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CibaApproval {
    #[serde(default)]
    acr: Option<String>,
    #[serde(default)]
    amr: Vec<String>,
}

#[cfg(feature = "ciba")]
#[post("/admin/ciba/<id>/accept", data = "<body>")]
async fn accept_ciba(op: &State<Provider>, admin: Admin, id: &str, body: Option<Json<CibaApproval>>) -> Reply {
    if !admin.0 {
        return refused();
    }
    let approval = body.map(Json::into_inner).unwrap_or_default();
    decided(crate::ciba::complete(op, id, crate::ciba::Outcome::Approved { acr: approval.acr, amr: approval.amr }).await)
}

#[cfg(feature = "ciba")]
#[post("/admin/ciba/<id>/reject")]
async fn reject_ciba(op: &State<Provider>, admin: Admin, id: &str) -> Reply {
    if !admin.0 {
        return refused();
    }
    decided(crate::ciba::complete(op, id, crate::ciba::Outcome::Denied).await)
}

#[cfg(feature = "ciba")]
fn decided(outcome: Result<(), crate::ciba::CompleteError>) -> Reply {
    match outcome {
        Ok(()) => Reply(Status::Ok, json!({ "decided": true })),
        Err(crate::ciba::CompleteError::NotPending) => problem(ChallengeError::Unknown),
        Err(crate::ciba::CompleteError::Storage(e)) => problem(ChallengeError::Storage(e.to_string())),
    }
}
