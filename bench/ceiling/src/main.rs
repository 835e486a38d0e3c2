//! The ceiling of the HTTP load benchmark: a Rocket server that does no OAuth work. It parses
//! the same urlencoded form a token request carries and answers a small JSON, and answers a
//! small JSON to a bare GET, with the provider's Rocket settings (no logging, default workers).
//! What it reaches is what the framework and the load generator leave on this machine.

use rocket::form::Form;
use rocket::serde::json::Json;
use serde::Serialize;

/// The provider binary's allocator, so the ceiling differs from it only by the OAuth work.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The fields of a client credentials token request and of an introspection request.
#[derive(rocket::FromForm)]
struct TokenForm<'r> {
    grant_type: Option<&'r str>,
    scope: Option<&'r str>,
    resource: Option<&'r str>,
    token: Option<&'r str>,
}

/// A body the size and shape of a token response.
#[derive(Serialize)]
struct Answer<'r> {
    grant_type: &'r str,
    scope: &'r str,
    resource: &'r str,
    token_type: &'static str,
    expires_in: u32,
}

#[rocket::post("/form", data = "<form>")]
fn form<'r>(form: Form<TokenForm<'r>>) -> Json<Answer<'r>> {
    let form = form.into_inner();
    Json(Answer {
        grant_type: form.grant_type.unwrap_or_default(),
        scope: form.scope.unwrap_or_default(),
        resource: form.resource.or(form.token).unwrap_or_default(),
        token_type: "Bearer",
        expires_in: 3600,
    })
}

#[rocket::get("/get")]
fn get() -> Json<Answer<'static>> {
    Json(Answer { grant_type: "", scope: "", resource: "", token_type: "Bearer", expires_in: 3600 })
}

#[rocket::launch]
fn launch() -> _ {
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8300);
    let figment = rocket::Config::figment()
        .merge(("address", "127.0.0.1"))
        .merge(("port", port))
        .merge(("ident", false))
        .merge(("log_level", rocket::config::LogLevel::Off))
        .merge(("cli_colors", false));
    rocket::custom(figment).mount("/", rocket::routes![form, get])
}
