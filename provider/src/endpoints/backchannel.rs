//! CIBA's endpoints: the backchannel authentication endpoint (CIBA Core §7), where an
//! authenticated client asks for a user's authentication, and the automated approval endpoint,
//! where a test suite plays the user (off unless `[ciba] approval_secret` is set).

use super::respond::{ErrorReply, Reply};
use crate::Provider;
use crate::ciba::{self, CompleteError, Outcome};
use crate::clients::ClientRequest;
use crate::protocol::{ErrorCode, OAuthError, Params};
use crate::security::constant_time_eq;
use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome as GuardOutcome, Request};
use rocket::{Route, State, post, routes as rocket_routes};
use serde_json::json;

/// The routes, mounted when `[ciba] enabled` is set.
pub(crate) fn routes(op: &Provider) -> Vec<Route> {
    let mut routes = rocket_routes![backchannel_authentication];
    if op.config().ciba.approval_secret.is_some() {
        routes.extend(rocket_routes![automated_approval]);
    }
    routes
}

/// A JSON answer, never cached.
#[derive(rocket::Responder)]
pub(crate) struct Answered {
    body: (Status, (ContentType, String)),
    cache_control: Header<'static>,
}

impl Answered {
    fn json(status: Status, body: serde_json::Value) -> Self {
        Self { body: (status, (ContentType::JSON, body.to_string())), cache_control: Header::new("Cache-Control", "no-store") }
    }
}

/// CIBA Core §7.1–7.3: the client authenticates as at the token endpoint; the answer is the
/// `auth_req_id`, its `expires_in` and, for poll and ping clients, the `interval`. Errors are
/// §13's (this provider refuses no request with `access_denied`, §13's one 403).
#[post("/backchannel", data = "<request>")]
async fn backchannel_authentication(op: &State<Provider>, request: Result<ClientRequest, ErrorReply>) -> Reply<Answered> {
    let request = request?;
    let started = ciba::start(op, request.client.clone(), request.params).await?;
    let mut body = json!({ "auth_req_id": started.auth_req_id, "expires_in": started.expires_in });
    if let Some(interval) = started.interval {
        body["interval"] = interval.into();
    }
    Ok(Answered::json(Status::Ok, body))
}

/// The approval secret, from `Authorization: Bearer` or, for a suite that can only be given a
/// URL (the conformance suite's `automated_ciba_approval_url`), the `secret` query parameter.
/// The log never shows a query.
pub(crate) struct ApprovalSecret(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for ApprovalSecret {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> GuardOutcome<Self, ()> {
        let bearer = request.headers().get_one("Authorization").and_then(|h| h.strip_prefix("Bearer ")).map(String::from);
        let query = request.query_value::<String>("secret").and_then(Result::ok);
        GuardOutcome::Success(Self(bearer.or(query)))
    }
}

/// `POST /ciba/approve` with `auth_req_id` and `action=allow|deny`, as query or form
/// parameters: plays the user's decision on a pending request. For test suites and CI only.
#[post("/ciba/approve?<auth_req_id>&<action>", data = "<form>")]
async fn automated_approval(
    op: &State<Provider>,
    secret: ApprovalSecret,
    auth_req_id: Option<String>,
    action: Option<String>,
    form: Option<Params>,
) -> Reply<Answered> {
    let configured = op.config().ciba.approval_secret.as_deref().unwrap_or_default();
    if !secret.0.is_some_and(|given| constant_time_eq(&given, configured)) {
        return Err(OAuthError::new(ErrorCode::InvalidToken, "the approval secret is missing or wrong").into());
    }
    let from_form = |name: &str| form.as_ref().and_then(|f| f.get(name).map(String::from));
    let auth_req_id = auth_req_id.or_else(|| from_form("auth_req_id"));
    let action = action.or_else(|| from_form("action"));
    let Some(auth_req_id) = auth_req_id else { return Err(OAuthError::invalid_request("auth_req_id is required").into()) };
    let outcome = match action.as_deref() {
        Some("allow") => Outcome::Approved { acr: None, amr: Vec::new() },
        Some("deny") => Outcome::Denied,
        _ => return Err(OAuthError::invalid_request("action must be allow or deny").into()),
    };
    match ciba::complete(op, &ciba::id_of(&auth_req_id), outcome).await {
        Ok(()) => Ok(Answered::json(Status::Ok, json!({ "auth_req_id": auth_req_id, "action": action }))),
        Err(CompleteError::NotPending) => {
            let error = OAuthError::invalid_request("no pending backchannel authentication has this auth_req_id");
            Err(ErrorReply::with_status(error, Status::NotFound))
        }
        Err(CompleteError::Storage(e)) => Err(OAuthError::server_error(e).into()),
    }
}
