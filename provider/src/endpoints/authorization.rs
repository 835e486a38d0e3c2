//! The authorization endpoint (RFC 6749 §3.1), GET and POST (OIDC Core §3.1.2.1).

use crate::Provider;
use crate::authorization::authorize;
use crate::endpoints::interaction::session;
use crate::endpoints::respond::Answer;
use crate::endpoints::respond::ErrorReply;
use crate::protocol::Params;
use rocket::http::uri::Origin;
use rocket::http::{CookieJar, Status};
use rocket::{Route, State, get, post, routes as rocket_routes};

/// The routes.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![authorize_get, authorize_post]
}

#[get("/authorize")]
async fn authorize_get(op: &State<Provider>, uri: &Origin<'_>, jar: &CookieJar<'_>) -> Answer {
    let params = Params::parse(uri.query().map(|q| q.as_str()).unwrap_or_default());
    run(op, params, jar).await
}

#[post("/authorize", data = "<form>")]
async fn authorize_post(op: &State<Provider>, jar: &CookieJar<'_>, form: Result<Params, ErrorReply>) -> Answer {
    match form {
        Ok(params) => run(op, params, jar).await,
        // A failure of HTTP itself keeps its status (413 for a body over the limit).
        Err(ErrorReply { status: Status::PayloadTooLarge, error, .. }) => {
            crate::endpoints::interaction::problem(Status::PayloadTooLarge, error.code, &error.description)
        }
        Err(ErrorReply { error, .. }) => Answer::Error(crate::protocol::AuthorizationError::Page {
            code: error.code,
            description: error.description,
        }),
    }
}

async fn run(op: &Provider, params: Params, jar: &CookieJar<'_>) -> Answer {
    let session = match session::load(op, jar).await {
        Ok(session) => session,
        Err(e) => return Answer::Error(e.into()),
    };
    let decision = authorize(op, params, session).await;
    crate::endpoints::interaction::answer(op, jar, decision).await
}
