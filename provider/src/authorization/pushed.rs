//! Pushed authorization requests (RFC 9126): the door that validates a request pushed by an
//! authenticated client and keeps it under a `request_uri`, and the way `/authorize` takes it
//! back. The request is validated by the same steps as at `/authorize`, once, when it is pushed.

use super::pipeline::{Door, Flow};
use crate::Provider;
use crate::clients::Client;
use crate::model::{self, Model};
use crate::protocol::{AuthorizationRequest, ErrorCode, OAuthError, OAuthResult, Params};
use crate::security::random_token;
use crate::storage::{Kind, StorageError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// RFC 9126 §2.2: the prefix of the `request_uri`s this provider hands out.
pub(crate) const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// A pushed request, validated, kept until its `request_uri` is used up or expires.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct PushedRequest {
    /// The id in its `request_uri` (also the storage id).
    pub id: String,
    /// The validated request.
    pub request: AuthorizationRequest,
}

impl Model for PushedRequest {
    const KIND: Kind = Kind::PushedAuthorizationRequest;
}

/// `POST /par` (RFC 9126 §2.1), for an authenticated `client`: the request validated as
/// `/authorize` would, then kept. Returns the `request_uri` and its lifetime in seconds. Errors
/// are JSON (§2.3), never redirects.
pub async fn push(
    op: &Provider,
    client: Arc<Client>,
    params: Params,
    context: &crate::sender::RequestContext,
) -> OAuthResult<(String, u64)> {
    // §2.1: "The request_uri authorization request parameter is prohibited."
    if params.get("request_uri").is_some() {
        return Err(OAuthError::invalid_request("request_uri cannot be pushed"));
    }
    let flow = Flow::new(op, Door::Push, params).with_client(client).run().await.map_err(OAuthError::from)?;
    let mut request = flow.into_request().map_err(OAuthError::from)?;
    bind_to_dpop_key(op, &mut request, context).await?;
    let id = random_token();
    request.pushed = Some(id.clone());
    let lifetime = op.config().par.request_uri_lifetime;
    let pushed = PushedRequest { id: id.clone(), request };
    model::save(op.storage(), &id, &pushed, Duration::from_secs(lifetime)).await?;
    Ok((format!("{REQUEST_URI_PREFIX}{id}"), lifetime))
}

/// RFC 9449 §10.1: a DPoP proof sent with the push binds the code to its key; a `dpop_jkt` sent
/// beside it must name that key.
async fn bind_to_dpop_key(
    op: &Provider,
    request: &mut AuthorizationRequest,
    context: &crate::sender::RequestContext,
) -> OAuthResult<()> {
    #[cfg(feature = "dpop")]
    if op.config().dpop.enabled
        && let Some(proof) = crate::sender::dpop::check(op, context, None).await?
    {
        if request.dpop_jkt.as_ref().is_some_and(|jkt| *jkt != proof.jkt) {
            return Err(OAuthError::new(ErrorCode::InvalidDpopProof, "dpop_jkt is not the key of the DPoP proof"));
        }
        request.dpop_jkt = Some(proof.jkt);
    }
    let _ = (op, request, context);
    Ok(())
}

/// Whether `/authorize` was given a `request_uri` of ours (rather than one to fetch, RFC 9101).
pub(crate) fn is_pushed(params: &Params) -> bool {
    params.get("request_uri").is_some_and(|uri| uri.starts_with(REQUEST_URI_PREFIX))
}

/// What a `request_uri` of ours names, for the client `/authorize` names (§4).
pub(super) enum TakenBack {
    /// A pushed request still to be authorized.
    Live(AuthorizationRequest),
    /// One whose authorization has completed: its request, whose redirect URI was validated
    /// when it was pushed, so its error can be redirected there.
    UsedUp(AuthorizationRequest),
    /// Nothing this client may use: unknown, expired, or another client's.
    Unknown,
}

/// The pushed request `request_uri` names, for the client `client_id`.
pub(super) async fn take_back(op: &Provider, request_uri: &str, client_id: &str) -> Result<TakenBack, StorageError> {
    let Some(id) = request_uri.strip_prefix(REQUEST_URI_PREFIX) else { return Ok(TakenBack::Unknown) };
    let found = model::find::<PushedRequest>(op.storage(), id).await?;
    Ok(match found.filter(|f| f.model.request.client_id == client_id) {
        Some(f) if f.consumed() => TakenBack::UsedUp(f.model.request),
        Some(f) => TakenBack::Live(f.model.request),
        None => TakenBack::Unknown,
    })
}

/// Uses up a pushed request once its authorization completes (§4: a `request_uri` is one-time
/// use; until then a browser may retry with it).
pub(super) async fn use_up(op: &Provider, id: &str) {
    if let Err(e) = model::consume::<PushedRequest>(op.storage(), id).await {
        tracing::warn!(error = %e, "cannot use up a pushed authorization request");
    }
}

/// The error for an authorization request that must be pushed and was not (§5, §6).
pub(super) fn required(op: &Provider, client: &Client) -> Option<(ErrorCode, &'static str)> {
    (op.config().par.required || client.require_pushed_authorization_requests)
        .then_some((ErrorCode::InvalidRequest, "this client must push its authorization requests (PAR)"))
}
