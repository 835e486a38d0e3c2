//! The provider's own protected resources (RFC 6750), userinfo today: the access token a
//! request presents, found, live, and sent by the client it is bound to.

use crate::Provider;
use crate::model::{self, AccessToken};
use crate::protocol::{ErrorCode, OAuthError, OAuthResult};
use crate::sender::{self, Presentation, RequestContext};

/// The stored access token presented with `request`, if it is live and its sender may use it.
pub(crate) async fn authenticate(
    op: &Provider,
    presented: Option<(Presentation, String)>,
    request: &RequestContext,
) -> OAuthResult<AccessToken> {
    // RFC 6750 §3.1: a request without a token gets a bare challenge and no error code.
    let (presentation, token) = presented.ok_or_else(|| OAuthError::new(ErrorCode::InvalidToken, ""))?;
    let access = model::find::<AccessToken>(op.storage(), &token)
        .await?
        .ok_or_else(|| OAuthError::new(ErrorCode::InvalidToken, "the access token is invalid or expired"))?
        .model;
    sender::verify(op, access.claims.cnf.as_ref(), &presentation, request, &token).await?;
    Ok(access)
}
