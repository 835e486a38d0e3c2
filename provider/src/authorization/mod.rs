//! The authorization endpoint's engine (RFC 6749 §4.1, OIDC Core §3.1.2).
//!
//! [`authorize`] runs the request through named steps and answers with a [`Decision`]: issue the
//! response now, or run an interaction (a prompt and its reasons). It knows nothing of HTML; the
//! built-in pages and an external login app are two consumers of the same answer.

mod issue;
mod policy;
mod request;
#[cfg(feature = "jar")]
mod request_object;

pub use policy::current_grant;
pub use policy::{Decision, decide};
pub use request::{SUPPORTED_SCOPES, check_resources, known_scope};

use crate::Provider;
use crate::model::Session;
use crate::protocol::{AuthorizationError, Params};

/// Validates an authorization request and decides what happens next.
pub async fn authorize(
    op: &Provider,
    params: &Params,
    session: Option<Session>,
) -> Result<Decision, AuthorizationError> {
    let client = request::client(op, params)?;
    let merged = match resolve_request_object(op, &client, params).await {
        Ok(merged) => merged,
        Err((code, description)) => return Err(request::early_error(op, &client, params, code, description)),
    };
    let params = merged.as_ref().unwrap_or(params);
    let redirect_uri = request::redirect_uri(&client, params)?;
    // From here on the redirect URI is trusted: errors go back to the client (RFC 6749 §4.1.2.1).
    let target = request::response_target(op, params, redirect_uri)?;
    let request = request::validate(op, &client, params, target)?;
    decide(op, &client, request, session, None).await
}

/// Merges a request object's parameters in (OIDC Core §6).
#[cfg(feature = "jar")]
async fn resolve_request_object(
    op: &Provider,
    client: &crate::clients::Client,
    params: &Params,
) -> Result<Option<Params>, (crate::protocol::ErrorCode, String)> {
    request_object::resolve(op, client, params).await
}

/// Without the `jar` feature request objects are refused as unsupported (OIDC Core §3.1.2.6).
#[cfg(not(feature = "jar"))]
async fn resolve_request_object(
    _op: &Provider,
    _client: &crate::clients::Client,
    params: &Params,
) -> Result<Option<Params>, (crate::protocol::ErrorCode, String)> {
    use crate::protocol::ErrorCode;
    match (params.get("request"), params.get("request_uri")) {
        (Some(_), _) => Err((ErrorCode::RequestNotSupported, "request objects are not supported by this build".into())),
        (_, Some(_)) => Err((ErrorCode::RequestUriNotSupported, "request_uri is not supported by this build".into())),
        _ => Ok(None),
    }
}
