//! An example login app for the provider's `[login_app]`: the pages a team that does not write
//! Rust would write in its own stack, here in about two hundred lines. The provider sends the
//! browser here with `login_challenge`, `consent_challenge` or `logout_challenge`; the app reads
//! the challenge at the provider's admin API, asks the user, answers the challenge, and sends
//! the browser to the URL the answer names.
//!
//! Its users are a fixed list ([`USERS`]); a real app checks its own user database, and passes
//! the claims it wants in the ID token and at userinfo with the login.

use rocket::form::{Form, FromForm};
use rocket::http::{ContentType, Status};
use rocket::response::Redirect;
use rocket::{Build, Rocket, State, get, post, routes};
use serde_json::{Value, json};

/// One user: login, password, subject and claims.
pub struct User {
    /// What the user types.
    pub login: &'static str,
    /// The password (an example: a real app stores a hash).
    pub password: &'static str,
    /// The subject identifier the provider puts in `sub`.
    pub subject: &'static str,
    /// Name and e-mail, as JSON.
    pub claims: fn() -> Value,
}

/// The example's users.
pub const USERS: [User; 1] = [User {
    login: "carol",
    password: "carol-password",
    subject: "carol-0001",
    claims: || json!({ "name": "Carol Example", "email": "carol@example.com", "email_verified": true }),
}];

/// Where the provider is, and the admin API's secret.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The provider's issuer (its admin API is below it).
    pub provider: String,
    /// The admin API's bearer secret (`login_app.secret`).
    pub secret: String,
}

/// The app, to launch on the port `login_app.url` names.
pub fn rocket(settings: Settings, port: u16) -> Rocket<Build> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let figment =
        rocket::Config::figment().merge(("port", port)).merge(("address", "127.0.0.1")).merge(("log_level", "off"));
    rocket::custom(figment)
        .manage(settings)
        .manage(reqwest::Client::new())
        .mount("/", routes![page, login, consent, logout])
}

/// A call to the provider's admin API: its JSON answer, or what went wrong.
async fn admin(
    http: &reqwest::Client,
    settings: &Settings,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let url = format!("{}/admin/{path}", settings.provider.trim_end_matches('/'));
    let mut request = http.request(method, url).bearer_auth(&settings.secret);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let answer: Value = response.json().await.map_err(|e| e.to_string())?;
    if status.is_success() { Ok(answer) } else { Err(format!("{status}: {answer}")) }
}

/// Follows an admin answer's `redirect_to`.
fn onwards(answer: Result<Value, String>) -> Result<Redirect, (Status, String)> {
    let answer = answer.map_err(|e| (Status::BadGateway, e))?;
    let to = answer["redirect_to"].as_str().ok_or((Status::BadGateway, "no redirect_to".to_string()))?;
    Ok(Redirect::to(to.to_string()))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn html(title: &str, body: &str) -> (ContentType, String) {
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    (ContentType::HTML, page)
}

/// Every challenge comes to this one page.
#[get("/?<login_challenge>&<consent_challenge>&<logout_challenge>")]
async fn page(
    settings: &State<Settings>,
    http: &State<reqwest::Client>,
    login_challenge: Option<&str>,
    consent_challenge: Option<&str>,
    logout_challenge: Option<&str>,
) -> Result<(ContentType, String), (Status, String)> {
    if let Some(challenge) = login_challenge {
        let details = admin(http, settings, reqwest::Method::GET, &format!("interactions/{challenge}"), None)
            .await
            .map_err(|e| (Status::BadGateway, e))?;
        let client = details["client"]["client_name"].as_str().unwrap_or_default();
        let hint = details["login_hint"].as_str().unwrap_or_default();
        let body = format!(
            "<p>to continue to <strong>{client}</strong></p><form method=\"post\" action=\"/login\">\
             <input type=\"hidden\" name=\"challenge\" value=\"{challenge}\">\
             <label for=\"login\">Username</label><input id=\"login\" name=\"login\" value=\"{hint}\">\
             <label for=\"password\">Password</label><input id=\"password\" type=\"password\" name=\"password\">\
             <button name=\"action\" value=\"login\">Sign in</button><button name=\"action\" value=\"cancel\">Cancel</button></form>",
            client = escape(client),
            challenge = escape(challenge),
            hint = escape(hint)
        );
        return Ok(html("Sign in", &body));
    }
    if let Some(challenge) = consent_challenge {
        let details = admin(http, settings, reqwest::Method::GET, &format!("interactions/{challenge}"), None)
            .await
            .map_err(|e| (Status::BadGateway, e))?;
        let client = details["client"]["client_name"].as_str().unwrap_or_default();
        let scopes: String = details["scopes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|scope| format!("<li>{}</li>", escape(scope)))
            .collect();
        let body = format!(
            "<p><strong>{client}</strong> asks for:</p><ul>{scopes}</ul><form method=\"post\" action=\"/consent\">\
             <input type=\"hidden\" name=\"challenge\" value=\"{challenge}\">\
             <button name=\"decision\" value=\"allow\">Allow</button><button name=\"decision\" value=\"deny\">Deny</button></form>",
            client = escape(client),
            challenge = escape(challenge)
        );
        return Ok(html("Authorize", &body));
    }
    if let Some(challenge) = logout_challenge {
        admin(http, settings, reqwest::Method::GET, &format!("logout/{challenge}"), None)
            .await
            .map_err(|e| (Status::BadGateway, e))?;
        let body = format!(
            "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"challenge\" value=\"{}\">\
             <button name=\"decision\" value=\"yes\">Sign out</button><button name=\"decision\" value=\"no\">Stay signed in</button></form>",
            escape(challenge)
        );
        return Ok(html("Sign out?", &body));
    }
    Err((Status::BadRequest, "no challenge".into()))
}

/// The login form.
#[derive(FromForm)]
struct Login<'r> {
    challenge: &'r str,
    login: &'r str,
    password: &'r str,
    action: &'r str,
}

#[post("/login", data = "<form>")]
async fn login(
    settings: &State<Settings>,
    http: &State<reqwest::Client>,
    form: Form<Login<'_>>,
) -> Result<Result<Redirect, (ContentType, String)>, (Status, String)> {
    let path = |verb: &str| format!("interactions/{}/{verb}", form.challenge);
    if form.action == "cancel" {
        let answer = admin(http, settings, reqwest::Method::POST, &path("reject"), Some(json!({}))).await;
        return onwards(answer).map(Ok);
    }
    let Some(user) = USERS.iter().find(|u| u.login == form.login && u.password == form.password) else {
        return Ok(Err(html("Sign in", "<p role=\"alert\">Wrong username or password. Go back and try again.</p>")));
    };
    let acceptance = json!({ "subject": user.subject, "amr": ["pwd"], "claims": (user.claims)() });
    onwards(admin(http, settings, reqwest::Method::POST, &path("login"), Some(acceptance)).await).map(Ok)
}

/// The consent and logout forms.
#[derive(FromForm)]
struct Decision<'r> {
    challenge: &'r str,
    decision: &'r str,
}

#[post("/consent", data = "<form>")]
async fn consent(
    settings: &State<Settings>,
    http: &State<reqwest::Client>,
    form: Form<Decision<'_>>,
) -> Result<Redirect, (Status, String)> {
    let verb = if form.decision == "allow" { "consent" } else { "reject" };
    let body = (verb == "reject").then(|| json!({ "error": "access_denied" }));
    onwards(
        admin(http, settings, reqwest::Method::POST, &format!("interactions/{}/{verb}", form.challenge), body).await,
    )
}

#[post("/logout", data = "<form>")]
async fn logout(
    settings: &State<Settings>,
    http: &State<reqwest::Client>,
    form: Form<Decision<'_>>,
) -> Result<Redirect, (Status, String)> {
    let verb = if form.decision == "yes" { "accept" } else { "reject" };
    onwards(admin(http, settings, reqwest::Method::POST, &format!("logout/{}/{verb}", form.challenge), None).await)
}
