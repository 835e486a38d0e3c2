//! The CIBA grant at the token endpoint (CIBA Core §10.1, §11): pending, slow down, denied,
//! expired, or the tokens (once).

use crate::Provider;
use crate::clients::Client;
use crate::config::DeliveryMode;
use crate::model::{self, BackchannelRequest, BackchannelStatus, Decision, Found, TokenClaims};
use crate::protocol::{ErrorCode, OAuthError, OAuthResult, grant_type};
use crate::sender::Binding;
use crate::security::now;
use crate::storage::now_ms;
use crate::tokens::{self, Issue, TokenResponse};

/// Answers a token request with an `auth_req_id`.
pub(super) async fn exchange(
    op: &Provider,
    client: &Client,
    auth_req_id: &str,
    binding: &Binding,
) -> OAuthResult<TokenResponse> {
    let id = crate::ciba::id_of(auth_req_id);
    // A compare-and-set: a poll that records its time never overwrites a decision made
    // meanwhile; it reads the record again and answers from that.
    let polled_at = now_ms();
    let answer = model::update::<BackchannelRequest, _>(op.storage(), &id, BackchannelRequest::remaining, |found| {
        answer_poll(found, &client.client_id, polled_at)
    })
    .await?
    .ok_or_else(|| OAuthError::invalid_grant("the auth_req_id is invalid"))?;
    let claims = answer?;
    // Single use: of concurrent requests exactly one gets the tokens.
    if !model::consume::<BackchannelRequest>(op.storage(), &id).await? {
        return Err(OAuthError::invalid_grant("the auth_req_id has already been used"));
    }
    tokens::issue(op, Issue::of_approval(client, claims, binding, grant_type::CIBA)?).await
}

/// What a token request at `polled_at` (ms) is answered, from the record as read.
fn answer_poll(
    found: Found<BackchannelRequest>,
    client_id: &str,
    polled_at: i64,
) -> Decision<BackchannelRequest, OAuthResult<TokenClaims>> {
    let mut request = found.model;
    let leave = |code: ErrorCode, why: &str| Decision::Leave(Err(OAuthError::new(code, why)));
    if request.client_id != client_id {
        return leave(ErrorCode::InvalidGrant, "the auth_req_id was issued to another client");
    }
    if found.consumed_at.is_some() {
        return leave(ErrorCode::InvalidGrant, "the auth_req_id has already been used");
    }
    // CIBA Core §10.3: a push client gets its tokens pushed, never from the token endpoint.
    if request.mode == DeliveryMode::Push {
        return leave(ErrorCode::InvalidGrant, "this client's tokens are pushed to it");
    }
    if request.expires_at <= now() {
        return leave(ErrorCode::ExpiredToken, "the auth_req_id has expired");
    }
    match request.status.clone() {
        BackchannelStatus::Denied => leave(ErrorCode::AccessDenied, "the user refused"),
        BackchannelStatus::Approved { claims } => Decision::Leave(Ok(*claims)),
        BackchannelStatus::Pending => {
            let error = super::polling::pending(&mut request.last_poll_ms, &mut request.interval, polled_at);
            Decision::Write(request, Err(error))
        }
    }
}
