//! The built-in login and consent pages: one consumer of the interaction API.
//!
//! Every POST is bound to the browser that started the interaction (the `op_interaction`
//! cookie, scoped to the interaction's path) and carries the interaction's CSRF token.

#[cfg(feature = "ciba")]
pub(crate) mod ciba;
pub(crate) mod pages;
pub(crate) mod session;

use crate::audit::{AuditEvent, AuditKind};
use crate::Provider;
use crate::authorization::Decision;
use crate::endpoints::cookies;
use pages::{ClientDisplay, Look};
use crate::endpoints::respond::Answer;
use crate::endpoints::respond::{AcceptLanguage, ErrorReply};
use crate::interaction::{ExternalDecision, deny, deny_with, details, finish_consent, finish_login, record_login, resume};
use crate::model::{Interaction, Prompt};
use crate::protocol::AuthorizationError;
use crate::protocol::ErrorCode;
use crate::protocol::Params;
use crate::security::constant_time_eq;
use crate::security::throttle::retry_after_seconds;
use rocket::http::{CookieJar, Status};
use rocket::{Route, State, get, post, routes as rocket_routes};

/// The interaction routes, to mount under the issuer's path.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![show, show_login, show_consent, login, consent, abort, continue_from_app]
}

/// Turns the engine's decision into a browser answer, binding a new interaction to this browser.
pub(crate) async fn answer(
    op: &Provider,
    jar: &CookieJar<'_>,
    decision: Result<Decision, AuthorizationError>,
) -> Answer {
    let answer = match decision {
        Ok(Decision::Issue(response)) => Answer::Response(response),
        Ok(Decision::DeviceApproved) => Answer::DeviceDone(true),
        Ok(Decision::Interact(interaction)) => {
            // Scoped to the interaction's path: its login and consent pages, and their forms.
            let cookie = cookies::hardened(
                cookies::INTERACTION,
                interaction.uid.clone(),
                op.interaction_path(&interaction.uid),
                op.config().secure_cookies(),
            );
            jar.add(cookie);
            Answer::Interact { location: op.interaction_page(&interaction.uid, interaction.prompt) }
        }
        Err(error) => Answer::Error(error),
    };
    deliver(op, answer).await
}

/// What goes to the client in a JWT-secured response mode (JARM), success or error, goes as one
/// signed (and, if the client asked, encrypted) `response`; anything else goes as it is.
pub(crate) async fn deliver(op: &Provider, answer: Answer) -> Answer {
    #[cfg(feature = "jarm")]
    {
        let response = match answer {
            Answer::Response(response) if response.target.mode.is_jwt() => response,
            Answer::Error(AuthorizationError::Redirect { target, code, description }) if target.mode.is_jwt() => {
                target.error_response(code, &description)
            }
            other => return other,
        };
        match crate::tokens::jarm::secure(op, response).await {
            Ok(secured) => Answer::Response(secured),
            Err(e) => Answer::Error(AuthorizationError::server_error(format_args!("securing a JARM response: {e}"))),
        }
    }
    #[cfg(not(feature = "jarm"))]
    {
        let _ = op;
        answer
    }
}

/// An error page with its status.
pub(crate) fn problem(status: Status, code: ErrorCode, description: &str) -> Answer {
    Answer::Problem { status, code, description: description.to_string() }
}

/// Loads the interaction and checks it belongs to this browser (and, for forms, the CSRF token).
async fn bound(
    op: &Provider,
    uid: &str,
    jar: &CookieJar<'_>,
    csrf: Option<Option<&str>>,
) -> Result<Interaction, Answer> {
    let Some(interaction) = details(op, uid).await.map_err(Answer::Error)? else {
        return Err(problem(
            Status::BadRequest,
            ErrorCode::InvalidRequest,
            "this sign-in has expired; start again from the application",
        ));
    };
    let cookie = cookies::value(jar, cookies::INTERACTION);
    if !cookie.is_some_and(|c| constant_time_eq(&c, uid)) {
        return Err(problem(
            Status::BadRequest,
            ErrorCode::InvalidRequest,
            "this sign-in was started in another browser",
        ));
    }
    if let Some(token) = csrf
        && !token.is_some_and(|t| constant_time_eq(t, &interaction.csrf))
    {
        return Err(problem(Status::Forbidden, ErrorCode::InvalidRequest, "the form has expired; reload the page"));
    }
    Ok(interaction)
}

/// A form POST to an interaction: a readable form, from the bound browser, with the CSRF token.
async fn bound_form(
    op: &Provider,
    uid: &str,
    jar: &CookieJar<'_>,
    form: Result<Params, ErrorReply>,
) -> Result<(Params, Interaction), Answer> {
    let form = form.map_err(|e| problem(e.status, e.error.code, &e.error.description))?;
    let interaction = bound(op, uid, jar, Some(form.get("csrf"))).await?;
    Ok((form, interaction))
}

async fn client_display(op: &Provider, interaction: &Interaction, look: &Look) -> ClientDisplay {
    match op.clients().find(&interaction.request.client_id).await {
        Ok(Some(client)) => ClientDisplay::of(&client, look.lang()),
        _ => ClientDisplay::unknown(&interaction.request.client_id),
    }
}

/// The interaction itself: sends the browser to the page of its current prompt.
#[get("/interaction/<uid>")]
async fn show(op: &State<Provider>, uid: &str, jar: &CookieJar<'_>) -> Answer {
    match bound(op, uid, jar, None).await {
        Ok(interaction) => Answer::Interact { location: op.interaction_page(uid, interaction.prompt) },
        Err(answer) => answer,
    }
}

#[get("/interaction/<uid>/login")]
async fn show_login(op: &State<Provider>, uid: &str, jar: &CookieJar<'_>, languages: AcceptLanguage) -> Answer {
    show_page(op, uid, jar, Prompt::Login, languages).await
}

#[get("/interaction/<uid>/consent")]
async fn show_consent(op: &State<Provider>, uid: &str, jar: &CookieJar<'_>, languages: AcceptLanguage) -> Answer {
    show_page(op, uid, jar, Prompt::Consent, languages).await
}

/// The look of an interaction's pages: the request's `ui_locales` first, then the browser's.
fn look_for(op: &Provider, interaction: &Interaction, languages: &AcceptLanguage) -> Look {
    op.look(interaction.request.ui_locales.as_deref(), languages.0.as_deref())
}

/// The page for `prompt`, or a redirect to the page of the prompt the interaction is at (with
/// a login app, always to the app).
async fn show_page(op: &Provider, uid: &str, jar: &CookieJar<'_>, prompt: Prompt, languages: AcceptLanguage) -> Answer {
    let interaction = match bound(op, uid, jar, None).await {
        Ok(i) => i,
        Err(answer) => return answer,
    };
    if interaction.prompt != prompt || op.config().login_app.url.is_some() {
        return Answer::Interact { location: op.interaction_page(uid, interaction.prompt) };
    }
    let look = look_for(op, &interaction, &languages);
    let client = client_display(op, &interaction, &look).await;
    let html = match prompt {
        Prompt::Login => pages::login(&look, &interaction, &client, op.base_path(), None),
        Prompt::Consent => pages::consent(&look, &interaction, &client, op.base_path()),
    };
    Answer::Page(Status::Ok, html)
}

#[post("/interaction/<uid>/login", data = "<form>")]
async fn login(
    op: &State<Provider>,
    uid: &str,
    jar: &CookieJar<'_>,
    client_ip: Option<std::net::IpAddr>,
    languages: AcceptLanguage,
    form: Result<Params, ErrorReply>,
) -> Answer {
    if op.config().login_app.url.is_some() {
        return built_in_pages_off();
    }
    let (form, mut interaction) = match bound_form(op, uid, jar, form).await {
        Ok(bound) => bound,
        Err(answer) => return answer,
    };
    let look = look_for(op, &interaction, &languages);
    let client = client_display(op, &interaction, &look).await;
    let page = |error: &str| pages::login(&look, &interaction, &client, op.base_path(), Some(error));
    // Refused before the password is even hashed: the refusal tells a guesser nothing.
    if let Err(wait) = op.login_throttle().attempt(client_ip) {
        tracing::debug!(client_ip = ?client_ip, "login refused: too many failures from this address");
        let retry_after = retry_after_seconds(wait);
        let html = page(&look.fill("sign_in.throttled", &[("seconds", &retry_after.to_string())]));
        return Answer::TooManyAttempts { retry_after, html };
    }
    let (login, password) = (form.get("login").unwrap_or_default(), form.get("password").unwrap_or_default());
    let Some(account) = op.accounts().authenticate(login, password).await else {
        // The address is the proxy's word only when trusted. The login typed is not recorded
        // (a password typed into the login field by mistake would land in the audit trail).
        let event = AuditEvent::new(AuditKind::LoginFailed).client(&interaction.request.client_id).address(client_ip);
        op.audit(event.detail("unknown login or wrong password"));
        return Answer::Page(Status::Unauthorized, page(&look.text("sign_in.invalid")));
    };
    op.login_throttle().refund(client_ip);
    let result = async {
        let current = session::load(op, jar).await?;
        let session = finish_login(op, &mut interaction, &account, current).await?;
        session::save(op, jar, &session).await?;
        resume(op, interaction, Some(session)).await
    }
    .await;
    answer(op, jar, result).await
}

#[post("/interaction/<uid>/consent", data = "<form>")]
async fn consent(op: &State<Provider>, uid: &str, jar: &CookieJar<'_>, form: Result<Params, ErrorReply>) -> Answer {
    if op.config().login_app.url.is_some() {
        return built_in_pages_off();
    }
    let (form, interaction) = match bound_form(op, uid, jar, form).await {
        Ok(bound) => bound,
        Err(answer) => return answer,
    };
    if interaction.prompt != Prompt::Consent {
        return Answer::Interact { location: op.interaction_page(uid, interaction.prompt) };
    }
    if form.get("decision") != Some("allow") {
        // OIDC Core §3.1.2.6: the end-user denied the request.
        return match deny(op, &interaction, "the end-user denied the request").await {
            Ok(error) | Err(error) => deliver(op, Answer::Error(error)).await,
        };
    }
    let result = consented(op, jar, interaction).await;
    answer(op, jar, result).await
}

/// The end-user consented: the browser's session keeps the grant, and the authorization goes on.
async fn consented(
    op: &Provider,
    jar: &CookieJar<'_>,
    mut interaction: Interaction,
) -> Result<Decision, AuthorizationError> {
    let mut session = session::load(op, jar).await?;
    let signed_in = interaction.result.login.as_ref().map(|l| l.account_id.clone());
    match &mut session {
        Some(s) if signed_in.as_ref().is_none_or(|a| *a == s.account_id) => {
            finish_consent(op, &mut interaction, s).await?;
            session::update(op, jar, s).await?;
        }
        _ => return Err(interaction.request.error(ErrorCode::LoginRequired, "the session ended during consent")),
    }
    resume(op, interaction, session).await
}

/// With a login app, the built-in forms take nothing: the app is where users sign in.
fn built_in_pages_off() -> Answer {
    problem(Status::NotFound, ErrorCode::InvalidRequest, "sign-in happens in the login app")
}

/// Where a login app sends the browser with its answer (`[login_app]`): bound to the browser
/// that started the interaction, with the answer's single-use verifier. The answer is applied
/// through the same calls as the built-in pages'.
#[get("/interaction/<uid>/continue?<verifier>")]
async fn continue_from_app(op: &State<Provider>, uid: &str, verifier: &str, jar: &CookieJar<'_>) -> Answer {
    if let Err(answer) = bound(op, uid, jar, None).await {
        return answer;
    }
    let (mut interaction, decision) = match crate::interaction::external::take(op, uid, verifier).await {
        Ok(taken) => taken,
        Err(e) => return problem(Status::BadRequest, ErrorCode::InvalidRequest, &e.to_string()),
    };
    let result = match decision {
        ExternalDecision::Login { subject, acr, amr } => {
            let acr = acr.unwrap_or_else(|| op.config().acr.clone());
            async {
                let current = session::load(op, jar).await?;
                let session = record_login(op, &mut interaction, &subject, acr, amr, current).await?;
                session::save(op, jar, &session).await?;
                resume(op, interaction, Some(session)).await
            }
            .await
        }
        ExternalDecision::Consent => consented(op, jar, interaction).await,
        ExternalDecision::Reject { error, description } => {
            let code = crate::interaction::external::rejection_code(Some(&error)).unwrap_or(ErrorCode::AccessDenied);
            return match deny_with(op, &interaction, code, &description).await {
                Ok(error) | Err(error) => deliver(op, Answer::Error(error)).await,
            };
        }
    };
    answer(op, jar, result).await
}

#[get("/interaction/<uid>/abort")]
async fn abort(op: &State<Provider>, uid: &str, jar: &CookieJar<'_>) -> Answer {
    let interaction = match bound(op, uid, jar, None).await {
        Ok(i) => i,
        Err(answer) => return answer,
    };
    match deny(op, &interaction, "the end-user cancelled the sign-in").await {
        Ok(error) | Err(error) => deliver(op, Answer::Error(error)).await,
    }
}
