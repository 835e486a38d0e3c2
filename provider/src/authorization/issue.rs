//! Issuing the authorization response: a code, an access token and/or an ID token, as the
//! response type asks (OIDC Core §3.1.2.5, §3.2.2.5, §3.3.2.5).

use crate::audit::AuditKind;
use crate::Provider;
use crate::clients::Client;
use crate::model::{self, AuthorizationCode, Decision, DeviceCode, DeviceStatus, Grant, Session, TokenClaims};
use crate::protocol::ErrorCode;
use crate::protocol::{AuthorizationError, AuthorizationResponse};
use crate::protocol::{AuthorizationRequest, ResponseTarget, ResponseType};
use crate::security::{now, time_ordered_token};
use crate::sender;
use crate::tokens::{self, IdTokenClaims};
use std::time::Duration;

/// Where a redirected response goes, and what it carries.
pub(super) struct Redirect<'a> {
    /// The redirect URI, mode, `state` and `iss`.
    pub target: &'a ResponseTarget,
    /// What to issue.
    pub response_type: ResponseType,
}

/// Issues what the request's response type asks for and builds the response.
pub(super) async fn issue(
    op: &Provider,
    client: &Client,
    request: &AuthorizationRequest,
    to: Redirect<'_>,
    session: &Session,
    grant: &Grant,
) -> Result<AuthorizationResponse, AuthorizationError> {
    let claims = claims_for(request, session, grant);
    if let Some(acrs) = request.claims.as_ref().and_then(|c| c.essential_acrs())
        && !acrs.contains(&claims.acr)
    {
        // OIDC Core §5.5.1.1: an essential acr that cannot be met is a failed authentication.
        return Err(to.target.error(ErrorCode::AccessDenied, "the requested authentication context cannot be met"));
    }
    let rt = to.response_type;
    let mut params = Vec::new();
    let code = if rt.code { Some(issue_code(op, request, to.target, &claims).await?) } else { None };
    let access_token = if rt.token {
        // From the front channel, a token can only be for the one resource asked for, if any.
        let audience = match claims.resources.as_slice() {
            [] => None,
            [one] => Some(one.as_str()),
            _ => return Err(to.target.error(ErrorCode::InvalidTarget, "an access token has one audience")),
        };
        let binding = sender::bind_front_channel();
        let access = tokens::access_token::issue(op, client, &claims, audience, binding.cnf.as_ref())
            .await
            .map_err(server_error)?;
        op.metrics().token_issued("implicit", &access.value);
        op.audit(claims.audit(AuditKind::TokenIssued).detail("implicit"));
        params.push(("access_token".into(), access.value.clone()));
        params.push(("token_type".into(), binding.token_type.as_str().into()));
        params.push(("expires_in".into(), access.expires_in.to_string()));
        Some(access.value)
    } else {
        None
    };
    if rt.id_token {
        let alg = client.id_token_alg();
        let mut id_token = IdTokenClaims::new(op, client, &claims, request.nonce.as_deref(), now());
        if let Some(code) = &code {
            id_token.c_hash = Some(alg.half_hash(code));
        }
        if let Some(token) = &access_token {
            id_token.at_hash = Some(alg.half_hash(token));
        }
        // FAPI 1.0 Advanced §5.2.2.1 (5): the ID token as detached signature protects `state`
        // too, as node-oidc-provider does for every front-channel ID token.
        if let Some(state) = &to.target.state {
            id_token.s_hash = Some(alg.half_hash(state));
        }
        // OIDC Core §5.4: scope claims go in the ID token only when no access token is issued at
        // all (`response_type=id_token`). A code is exchanged for one, so `code id_token` keeps
        // them for userinfo, like `id_token token`.
        let no_access_token = !rt.code && !rt.token;
        id_token.add_end_user_claims(op, &claims, no_access_token).await;
        params.push(("id_token".into(), id_token.seal(op, client).await.map_err(server_error)?));
    }
    if let Some(code) = code {
        params.insert(0, ("code".into(), code));
    }
    Ok(to.target.respond(params))
}

/// What the tokens of this authorization will say.
fn claims_for(request: &AuthorizationRequest, session: &Session, grant: &Grant) -> TokenClaims {
    TokenClaims {
        client_id: request.client_id.clone(),
        account_id: session.account_id.clone(),
        scopes: request.scopes.clone(),
        grant_id: grant.id.clone(),
        sid: Some(session.sid_for(&request.client_id)),
        auth_time: session.auth_time,
        acr: session.acr.clone(),
        amr: session.amr.clone(),
        claims: request.claims.clone(),
        resources: request.resources.clone(),
        authorization_details: request.authorization_details.clone(),
        client_instance: None,
        cnf: None,
    }
}

/// Approves a device authorization (RFC 8628 §3.3): its next poll gets tokens for these claims.
pub(super) async fn approve_device(
    op: &Provider,
    id: &str,
    request: &AuthorizationRequest,
    session: &Session,
    grant: &Grant,
) -> Result<(), AuthorizationError> {
    let claims = claims_for(request, session, grant);
    // A compare-and-set: a poll writing its time meanwhile does not undo the approval.
    let approved = model::update::<DeviceCode, _>(op.storage(), id, DeviceCode::remaining, |found| {
        let mut device = found.model;
        if found.consumed_at.is_some() || device.status != DeviceStatus::Pending || device.expires_at <= now() {
            return Decision::Leave(false);
        }
        device.status = DeviceStatus::Approved { claims: Box::new(claims.clone()) };
        Decision::Write(device, true)
    })
    .await?;
    if approved != Some(true) {
        return Err(request.error(ErrorCode::ExpiredToken, "the device code has expired; start again on the device"));
    }
    Ok(())
}

/// An authorization code (RFC 6749 §4.1.2): single-use, short-lived, stored as a hash.
async fn issue_code(
    op: &Provider,
    request: &AuthorizationRequest,
    target: &ResponseTarget,
    claims: &TokenClaims,
) -> Result<String, AuthorizationError> {
    let code = time_ordered_token();
    let record = AuthorizationCode {
        claims: claims.clone(),
        redirect_uri: target.redirect_uri.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        dpop_jkt: request.dpop_jkt.clone(),
    };
    let ttl = Duration::from_secs(op.config().ttl.authorization_code);
    model::save(op.storage(), &code, &record, ttl).await?;
    op.audit_with(AuditKind::CodeIssued, |kind| claims.audit(kind));
    Ok(code)
}

fn server_error(e: impl std::fmt::Display) -> AuthorizationError {
    AuthorizationError::server_error(format_args!("issuing the authorization response failed: {e}"))
}
