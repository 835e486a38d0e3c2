//! The device authorization grant's endpoints (RFC 8628): the device asks for codes, the user
//! types the user code on a page, then logs in and confirms through the interaction engine.

use crate::Provider;
use crate::authorization::{confirm_device, device_request};
use crate::clients::ClientRequest;
use crate::endpoints::interaction::{pages, session};
use crate::endpoints::respond::Answer;
use crate::endpoints::respond::{AcceptLanguage, ErrorReply, Reply};
use crate::model::{self, DeviceCode, DeviceStatus, display_user_code, new_user_code, normalize_user_code};
use crate::protocol::Params;
use crate::protocol::{ErrorCode, OAuthError, grant_type};
use crate::security::throttle::retry_after_seconds;
use crate::security::{now, random_token, sha256_b64url};
use rocket::http::{CookieJar, Header, Status};
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, routes as rocket_routes};
use serde_json::{Value, json};
use std::net::IpAddr;

/// The routes.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![device_authorization, verification_page, verification_submit]
}

/// The device authorization response, never cached.
#[derive(rocket::Responder)]
pub(crate) struct DeviceAuthorization {
    body: Json<Value>,
    cache_control: Header<'static>,
}

/// RFC 8628 §3.1–3.2.
#[post("/device_authorization", data = "<request>")]
async fn device_authorization(
    op: &State<Provider>,
    request: Result<ClientRequest, ErrorReply>,
) -> Reply<DeviceAuthorization> {
    let request = request?;
    let client = request.client.clone();
    if !client.allows_grant(grant_type::DEVICE_CODE) {
        return Err(
            OAuthError::new(ErrorCode::UnauthorizedClient, "the client is not registered for the device flow").into()
        );
    }
    // The same scope and resource rules as /authorize; errors in JSON (RFC 8628 §3.2).
    let (scopes, resources) = device_request(op, client.clone(), request.params).await.map_err(OAuthError::from)?;
    let device_code = random_token();
    let lifetime = op.config().ttl.device_code;
    let record = DeviceCode {
        id: sha256_b64url(&device_code),
        client_id: client.client_id.clone(),
        scopes,
        resources,
        user_code: new_user_code(),
        expires_at: now() + lifetime as i64,
        interval: op.config().device_poll_interval,
        last_poll_ms: None,
        status: DeviceStatus::Pending,
    };
    record.save(op.storage(), record.remaining()).await?;
    let shown = display_user_code(&record.user_code);
    let verification_uri = op.endpoint("/device");
    Ok(DeviceAuthorization {
        body: Json(json!({
            "device_code": device_code,
            "user_code": shown,
            "verification_uri": verification_uri,
            "verification_uri_complete": format!("{verification_uri}?user_code={shown}"),
            "expires_in": lifetime,
            "interval": record.interval,
        })),
        cache_control: Header::new("Cache-Control", "no-store"),
    })
}

#[get("/device?<user_code>")]
fn verification_page(op: &State<Provider>, user_code: Option<&str>, languages: AcceptLanguage) -> Answer {
    let look = op.look(None, languages.0.as_deref());
    Answer::Page(Status::Ok, pages::device_entry(&look, op.base_path(), user_code.unwrap_or_default(), None))
}

/// The typed user code starts an interaction: login if needed, then confirmation.
#[post("/device", data = "<form>")]
async fn verification_submit(
    op: &State<Provider>,
    jar: &CookieJar<'_>,
    client_ip: Option<IpAddr>,
    languages: AcceptLanguage,
    form: Result<Params, ErrorReply>,
) -> Answer {
    let typed = form.ok().and_then(|f| f.get("user_code").map(String::from)).unwrap_or_default();
    let look = op.look(None, languages.0.as_deref());
    let page = |why: &str| pages::device_entry(&look, op.base_path(), &typed, Some(why));
    let retry = |key: &str| Answer::Page(Status::BadRequest, page(&look.text(key)));
    let Some(code) = normalize_user_code(&typed) else { return retry("device.invalid") };
    // RFC 8628 §5.1: user codes are short, so guesses are rate-limited; refused before the lookup.
    if let Err(wait) = op.user_code_throttle().attempt(client_ip) {
        let retry_after = retry_after_seconds(wait);
        let html = page(&look.fill("device.throttled", &[("seconds", &retry_after.to_string())]));
        return Answer::TooManyAttempts { retry_after, html };
    }
    let device = match model::find_by_user_code::<DeviceCode>(op.storage(), &code).await {
        Ok(Some(found)) if found.model.status == DeviceStatus::Pending && found.model.expires_at > now() => found.model,
        Ok(None) => return retry("device.unknown"),
        Ok(Some(_)) => return retry("device.used"),
        Err(e) => {
            op.user_code_throttle().refund(client_ip);
            return Answer::Error(e.into());
        }
    };
    op.user_code_throttle().refund(client_ip);
    if !matches!(op.clients().find(&device.client_id).await, Ok(Some(_))) {
        return retry("device.unregistered");
    }
    let session = match session::load(op, jar).await {
        Ok(session) => session,
        Err(e) => return Answer::Error(e.into()),
    };
    let decision = confirm_device(op, &device, session).await;
    crate::endpoints::interaction::answer(op, jar, decision).await
}
