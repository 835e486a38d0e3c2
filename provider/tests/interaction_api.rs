//! The engine without the built-in pages: what an external login app does, and the cookies the
//! built-in pages set on an https issuer (in-process, no socket).

mod common;

use provider::authorization::{Decision, authorize};
use provider::interaction::{details, finish_consent, finish_login, resume};
use provider::model::Prompt;
use provider::protocol::Params;
use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::Client;

const REQUEST: &str = "response_type=code&client_id=rp-basic&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback\
    &scope=openid%20email&state=s1&nonce=n1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
    &code_challenge_method=S256";

#[tokio::test]
async fn an_external_login_app_completes_an_interaction_through_the_api() {
    let op = common::provider("https://op.example").await;
    let Decision::Interact(interaction) = authorize(&op, Params::parse(REQUEST), None).await.unwrap() else {
        panic!("a request without a session needs an interaction");
    };
    assert_eq!(interaction.prompt, Prompt::Login);
    assert_eq!(interaction.reasons, ["no_session"]);

    // The app reads the interaction, authenticates the user its own way, and reports back.
    let mut pending = details(&op, &interaction.uid).await.unwrap().expect("stored");
    assert_eq!(pending.request.client_id, "rp-basic");
    let account = op.accounts().find("248289761001").await.unwrap();
    let session = finish_login(&op, &mut pending, &account, None).await.unwrap();
    let Decision::Interact(next) = resume(&op, pending, Some(session.clone())).await.unwrap() else {
        panic!("consent is still needed");
    };
    assert_eq!(next.prompt, Prompt::Consent);
    assert_eq!(next.reasons, ["scopes_missing"]);

    let mut pending = details(&op, &next.uid).await.unwrap().unwrap();
    let mut session = session;
    finish_consent(&op, &mut pending, &mut session).await.unwrap();
    let Decision::Issue(response) = resume(&op, pending, Some(session)).await.unwrap() else {
        panic!("login and consent done: the response is issued");
    };
    let url = response.redirect_url();
    assert!(url.starts_with("https://rp.example.com/callback?code="), "{url}");
    assert!(url.contains("state=s1") && url.contains("iss=https%3A%2F%2Fop.example"), "{url}");
    assert!(details(&op, &next.uid).await.unwrap().is_none(), "a finished interaction is gone");
}

#[tokio::test]
async fn cookies_on_an_https_issuer_are_secure_httponly_and_lax() {
    let op = common::provider("https://op.example").await;
    let client = Client::untracked(op.mount(rocket::build(), "/")).await.unwrap();

    let start = client.get(format!("/authorize?{REQUEST}")).dispatch().await;
    assert_eq!(start.status(), Status::SeeOther);
    let location = start.headers().get_one("Location").unwrap().to_string();
    let interaction_cookie = start.cookies().get("op_interaction").expect("interaction cookie").clone();
    let path = location.trim_start_matches("https://op.example").to_string();
    let interaction = path.strip_suffix("/login").expect("the login page");
    assert_eq!(interaction_cookie.path(), Some(interaction), "scoped to its interaction's pages");

    let page = client.get(path.clone()).cookie(interaction_cookie.clone()).dispatch().await;
    let html = page.into_string().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();

    let login = client
        .post(path.clone())
        .header(ContentType::Form)
        .cookie(interaction_cookie)
        .body(format!("csrf={csrf}&login=alice&password=alice-password"))
        .dispatch()
        .await;
    assert_eq!(login.status(), Status::SeeOther, "on to consent");
    let headers: Vec<String> = login.headers().get("Set-Cookie").map(String::from).collect();
    let session = headers.iter().find(|h| h.starts_with("op_session=")).expect("session cookie set at login");
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(session.contains(flag), "{flag} missing in {session}");
    }
}
