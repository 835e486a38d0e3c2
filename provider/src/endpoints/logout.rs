//! The end-session endpoint (RP-Initiated Logout 1.0 §2) and its confirmation form: the request
//! is checked, the end-user confirms on a page of ours (bound to this browser, with a CSRF
//! token), the session ends, and the browser goes back to the client or sees a signed-out page,
//! after loading the clients' front-channel logout URLs.

use super::cookies;
use super::interaction::{pages, problem, session};
use super::respond::{AcceptLanguage, Answer, ErrorReply};
use crate::Provider;
use crate::logout::{self, LogoutRequest};
use crate::model;
use crate::protocol::{ErrorCode, Params};
use crate::security::constant_time_eq;
use rocket::http::uri::Origin;
use rocket::http::{Cookie, CookieJar, Status};
use rocket::{Route, State, get, post, routes as rocket_routes};
use std::time::Duration;

/// The routes, mounted when `[logout] enabled` is set.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![end_session_get, end_session_post, confirm, continue_from_app]
}

/// The path the logout cookie and form live under.
fn logout_path(op: &Provider) -> String {
    format!("{}/session/end", op.base_path())
}

/// §2: the end-session endpoint takes GET.
#[get("/session/end")]
async fn end_session_get(op: &State<Provider>, uri: &Origin<'_>, jar: &CookieJar<'_>, languages: AcceptLanguage) -> Answer {
    let params = Params::parse(uri.query().map(|q| q.as_str()).unwrap_or_default());
    ask(op, params, jar, languages).await
}

/// §2: and POST, with a form.
#[post("/session/end", data = "<form>")]
async fn end_session_post(
    op: &State<Provider>,
    jar: &CookieJar<'_>,
    languages: AcceptLanguage,
    form: Result<Params, ErrorReply>,
) -> Answer {
    match form {
        Ok(params) => ask(op, params, jar, languages).await,
        Err(e) => problem(e.status, e.error.code, &e.error.description),
    }
}

/// Checks the request, keeps it, and asks the end-user to confirm (§2: the OP SHOULD ask).
async fn ask(op: &Provider, params: Params, jar: &CookieJar<'_>, languages: AcceptLanguage) -> Answer {
    let (request, client) = match logout::check(op, &params).await {
        Ok(checked) => checked,
        Err(description) => return problem(Status::BadRequest, ErrorCode::InvalidRequest, &description),
    };
    let ttl = Duration::from_secs(op.config().logout.confirmation_ttl);
    if let Err(e) = model::save(op.storage(), &request.id, &request, ttl).await {
        return Answer::Error(e.into());
    }
    jar.add(cookies::hardened(cookies::LOGOUT, request.id.clone(), logout_path(op), op.config().secure_cookies()));
    if let Some(location) = op.login_app_url("logout_challenge", &request.id) {
        return Answer::Interact { location };
    }
    let client = client.as_ref().map(|client| client.display_name());
    let look = op.look(request.ui_locales.as_deref(), languages.0.as_deref());
    Answer::Page(Status::Ok, pages::logout_confirm(&look, &request, client, op.base_path()))
}

/// The confirmation form: bound to the browser that asked, with its CSRF token, used once.
#[post("/session/end/confirm", data = "<form>")]
async fn confirm(
    op: &State<Provider>,
    jar: &CookieJar<'_>,
    languages: AcceptLanguage,
    form: Result<Params, ErrorReply>,
) -> Answer {
    let form = match form {
        Ok(form) => form,
        Err(e) => return problem(e.status, e.error.code, &e.error.description),
    };
    let request = match bound(op, jar, &form).await {
        Ok(request) => request,
        Err(answer) => return answer,
    };
    let look = op.look(request.ui_locales.as_deref(), languages.0.as_deref());
    conclude(op, jar, &look, &request, form.get("logout") == Some("yes")).await
}

/// Where a login app sends the browser with its answer (`[login_app]`): bound to the browser
/// that asked, with the answer's single-use verifier.
#[get("/session/end/continue?<logout_request>&<verifier>")]
async fn continue_from_app(
    op: &State<Provider>,
    jar: &CookieJar<'_>,
    languages: AcceptLanguage,
    logout_request: &str,
    verifier: &str,
) -> Answer {
    let expired = || problem(Status::BadRequest, ErrorCode::InvalidRequest, "this sign-out has expired or was done already");
    let found = match model::find::<LogoutRequest>(op.storage(), logout_request).await {
        Ok(found) => found.filter(|found| !found.consumed()),
        Err(e) => return Answer::Error(e.into()),
    };
    let Some(request) = found.map(|found| found.model) else { return expired() };
    if !cookies::value(jar, cookies::LOGOUT).is_some_and(|c| constant_time_eq(&c, &request.id)) {
        return problem(Status::BadRequest, ErrorCode::InvalidRequest, "this sign-out was started in another browser");
    }
    let Some(answer) = request.external.clone().filter(|a| constant_time_eq(&a.verifier, verifier)) else {
        return expired();
    };
    // Once, as the confirmation form.
    match model::consume::<LogoutRequest>(op.storage(), logout_request).await {
        Ok(true) => {
            let look = op.look(request.ui_locales.as_deref(), languages.0.as_deref());
            conclude(op, jar, &look, &request, answer.confirmed).await
        }
        Ok(false) => expired(),
        Err(e) => Answer::Error(e.into()),
    }
}

/// Ends the session if the end-user confirmed (`yes`), then sends the browser on.
async fn conclude(op: &Provider, jar: &CookieJar<'_>, look: &pages::Look, request: &LogoutRequest, yes: bool) -> Answer {
    jar.remove(Cookie::build(cookies::LOGOUT).path(logout_path(op)));
    if !yes {
        return Answer::Page(Status::Ok, pages::signed_out(look, false));
    }
    let frontchannel = match end_current_session(op, jar).await {
        Ok(urls) => urls,
        Err(e) => return Answer::Error(e.into()),
    };
    let next = request.redirect();
    match (frontchannel.is_empty(), next) {
        (true, Some(location)) => Answer::Interact { location },
        (true, None) => Answer::Page(Status::Ok, pages::signed_out(look, true)),
        (false, next) => Answer::Page(Status::Ok, pages::frontchannel_logout(look, &frontchannel, next.as_deref())),
    }
}

/// The logout request the form names, if this browser asked for it, the CSRF token is its own,
/// and it was not used before.
async fn bound(op: &Provider, jar: &CookieJar<'_>, form: &Params) -> Result<LogoutRequest, Answer> {
    let expired = || problem(Status::BadRequest, ErrorCode::InvalidRequest, "this sign-out has expired or was done already");
    let id = form.get("logout_request").ok_or_else(expired)?;
    let found = model::find::<LogoutRequest>(op.storage(), id).await.map_err(|e| Answer::Error(e.into()))?;
    let request = found.filter(|found| !found.consumed()).ok_or_else(expired)?.model;
    let cookie = cookies::value(jar, cookies::LOGOUT);
    if !cookie.is_some_and(|c| constant_time_eq(&c, &request.id)) {
        return Err(problem(Status::BadRequest, ErrorCode::InvalidRequest, "this sign-out was started in another browser"));
    }
    if !form.get("csrf").is_some_and(|token| constant_time_eq(token, &request.csrf)) {
        return Err(problem(Status::Forbidden, ErrorCode::InvalidRequest, "the form has expired; reload the page"));
    }
    // Once: a second submission (a double click, a replay) finds it used.
    match model::consume::<LogoutRequest>(op.storage(), id).await {
        Ok(true) => Ok(request),
        Ok(false) => Err(expired()),
        Err(e) => Err(Answer::Error(e.into())),
    }
}

/// Ends this browser's session, if it has one, and forgets its cookie.
async fn end_current_session(op: &Provider, jar: &CookieJar<'_>) -> Result<Vec<String>, crate::storage::StorageError> {
    let current = session::load(op, jar).await?;
    jar.remove(Cookie::build(cookies::SESSION).path(op.cookie_path()));
    match current {
        Some(current) => logout::end_session(op, &current).await,
        None => Ok(Vec::new()),
    }
}
