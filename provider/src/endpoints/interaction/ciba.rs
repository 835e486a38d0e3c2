//! The built-in authentication device (CIBA Core §2): at `/ciba` a user signs in and finds the
//! backchannel authentications waiting for them, each with its client, scopes and binding
//! message, and approves or denies each. Its forms carry a CSRF token bound to the browser by a
//! path-scoped cookie (double submit); signing in is throttled like the login page.

use super::pages::{Look, escape, layout};
use super::session;
use crate::Provider;
use crate::ciba::{self, CompleteError, Outcome, PendingAuthentication};
use crate::endpoints::cookies;
use crate::endpoints::respond::{AcceptLanguage, Answer, ErrorReply};
use crate::model::Session;
use crate::protocol::Params;
use crate::security::throttle::retry_after_seconds;
use crate::security::{constant_time_eq, now, random_token};
use rocket::http::{CookieJar, Status};
use rocket::{Route, State, get, post, routes as rocket_routes};
use std::net::IpAddr;

/// The page's routes, mounted when `[ciba] enabled` is set.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![show, sign_in, decide]
}

/// The CSRF cookie, scoped to the page's path.
const CSRF: &str = "op_ciba";

/// The browser's CSRF token, made on first sight.
fn csrf(op: &Provider, jar: &CookieJar<'_>) -> String {
    cookies::value(jar, CSRF).unwrap_or_else(|| {
        let token = random_token();
        jar.add(cookies::hardened(CSRF, token.clone(), format!("{}/ciba", op.base_path()), op.config().secure_cookies()));
        token
    })
}

/// Whether a form carries this browser's token.
fn csrf_ok(jar: &CookieJar<'_>, form: &Params) -> bool {
    match (cookies::value(jar, CSRF), form.get("csrf")) {
        (Some(expected), Some(given)) => constant_time_eq(given, &expected),
        _ => false,
    }
}

#[get("/ciba")]
async fn show(op: &State<Provider>, jar: &CookieJar<'_>, languages: AcceptLanguage) -> Answer {
    let look = op.look(None, languages.0.as_deref());
    page(op, jar, &look, None).await
}

/// The sign-in form without a session; the pending requests with one. `notice` is a text key.
async fn page(op: &Provider, jar: &CookieJar<'_>, look: &Look, notice: Option<&str>) -> Answer {
    let token = csrf(op, jar);
    let session = match session::load(op, jar).await {
        Ok(session) => session,
        Err(e) => return Answer::Error(e.into()),
    };
    let Some(session) = session else { return Answer::Page(Status::Ok, sign_in_page(look, op.base_path(), &token, notice)) };
    match ciba::pending_for(op, &session.account_id).await {
        Ok(pending) => Answer::Page(Status::Ok, pending_page(look, op.base_path(), &token, &pending, notice)),
        Err(e) => Answer::Error(e.into()),
    }
}

#[post("/ciba/login", data = "<form>")]
async fn sign_in(
    op: &State<Provider>,
    jar: &CookieJar<'_>,
    client_ip: Option<IpAddr>,
    languages: AcceptLanguage,
    form: Result<Params, ErrorReply>,
) -> Answer {
    let look = op.look(None, languages.0.as_deref());
    let Some(form) = form.ok().filter(|form| csrf_ok(jar, form)) else {
        return page(op, jar, &look, Some("ciba.expired_form")).await;
    };
    if let Err(wait) = op.login_throttle().attempt(client_ip) {
        let retry_after = retry_after_seconds(wait);
        let html = sign_in_page(&look, op.base_path(), &csrf(op, jar), Some("ciba.throttled"));
        return Answer::TooManyAttempts { retry_after, html };
    }
    let (login, password) = (form.get("login").unwrap_or_default(), form.get("password").unwrap_or_default());
    let Some(account) = op.accounts().authenticate(login, password).await else {
        tracing::warn!(client_ip = ?client_ip, "login failed at the backchannel authentication page");
        let html = sign_in_page(&look, op.base_path(), &csrf(op, jar), Some("sign_in.invalid"));
        return Answer::Page(Status::Unauthorized, html);
    };
    op.login_throttle().refund(client_ip);
    let session = Session {
        sid: random_token(),
        account_id: account.sub,
        auth_time: now(),
        acr: op.config().acr.clone(),
        amr: vec!["pwd".into()],
        grants: Default::default(),
    };
    if let Err(e) = session::save(op, jar, &session).await {
        return Answer::Error(e.into());
    }
    Answer::Interact { location: format!("{}/ciba", op.base_path()) }
}

#[post("/ciba", data = "<form>")]
async fn decide(
    op: &State<Provider>,
    jar: &CookieJar<'_>,
    languages: AcceptLanguage,
    form: Result<Params, ErrorReply>,
) -> Answer {
    let look = op.look(None, languages.0.as_deref());
    let Some(form) = form.ok().filter(|form| csrf_ok(jar, form)) else {
        return page(op, jar, &look, Some("ciba.expired_form")).await;
    };
    let session = match session::load(op, jar).await {
        Ok(Some(session)) => session,
        Ok(None) => return page(op, jar, &look, Some("ciba.sign_in_first")).await,
        Err(e) => return Answer::Error(e.into()),
    };
    let id = form.get("id").unwrap_or_default();
    let outcome = match form.get("action") {
        Some("allow") => Outcome::Approved { acr: Some(session.acr.clone()), amr: session.amr.clone() },
        _ => Outcome::Denied,
    };
    let approved = matches!(outcome, Outcome::Approved { .. });
    // Only the user the request names may decide it.
    let notice = match ciba::complete_as(op, id, &session.account_id, outcome).await {
        Ok(()) if approved => "ciba.approved",
        Ok(()) => "ciba.denied",
        Err(CompleteError::NotPending) => "ciba.not_pending",
        Err(CompleteError::Storage(e)) => return Answer::Error(e.into()),
    };
    page(op, jar, &look, Some(notice)).await
}

fn notice_html(look: &Look, notice: Option<&str>) -> String {
    notice.map(|key| format!("<p id=\"ciba-notice\" role=\"status\">{}</p>", look.text(key))).unwrap_or_default()
}

/// Sign in to see the requests waiting for you.
fn sign_in_page(look: &Look, base: &str, csrf: &str, notice: Option<&str>) -> String {
    let title = look.text("sign_in.title");
    layout(
        look,
        &title,
        &format!(
            "<h1>{title}</h1><p>{why}</p>{notice}\
             <form method=\"post\" action=\"{base}/ciba/login\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <label for=\"login\">{username}</label>\
             <input id=\"login\" name=\"login\" autocomplete=\"username\" required autofocus>\
             <label for=\"password\">{password}</label>\
             <input id=\"password\" type=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\" class=\"login-submit\">{submit}</button></form>",
            why = look.text("ciba.sign_in"),
            notice = notice_html(look, notice),
            csrf = escape(csrf),
            username = look.text("sign_in.username"),
            password = look.text("sign_in.password"),
            submit = look.text("sign_in.submit"),
        ),
    )
}

/// Each pending request: who asks, for what, with the message both devices show.
fn pending_page(look: &Look, base: &str, csrf: &str, pending: &[PendingAuthentication], notice: Option<&str>) -> String {
    let items: String = pending
        .iter()
        .map(|request| {
            let message = request
                .binding_message
                .as_deref()
                .map(|m| format!("<p>{} <strong class=\"binding-message\">{}</strong></p>", look.text("ciba.shows"), escape(m)))
                .unwrap_or_default();
            let scopes: String = request.scopes.iter().map(|s| format!("<li><code>{}</code></li>", escape(s))).collect();
            format!(
                "<li class=\"ciba-request\"><p>{asks}</p>{message}\
                 <ul>{scopes}</ul><form method=\"post\" action=\"{base}/ciba\" class=\"row\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
                 <input type=\"hidden\" name=\"id\" value=\"{id}\">\
                 <button type=\"submit\" name=\"action\" value=\"allow\" class=\"ciba-allow\">{approve}</button>\
                 <button type=\"submit\" name=\"action\" value=\"deny\" class=\"ciba-deny secondary\">{deny}</button></form></li>",
                asks = look.fill("ciba.asks", &[("client", &request.client_name)]),
                csrf = escape(csrf),
                id = escape(&request.id),
                approve = look.text("ciba.approve"),
                deny = look.text("ciba.deny"),
            )
        })
        .collect();
    let list = if pending.is_empty() {
        format!("<p id=\"ciba-none\">{}</p>", look.text("ciba.none"))
    } else {
        format!("<ul id=\"ciba-pending\">{items}</ul>")
    };
    let title = look.text("ciba.title");
    layout(look, &title, &format!("<h1>{title}</h1>{}{list}", notice_html(look, notice)))
}
