//! Single-use grant credentials (authorization codes, refresh tokens): redeemed exactly once, and
//! a second redemption is treated as theft, revoking everything of the grant
//! (RFC 6749 §4.1.2 for codes, RFC 9700 §4.14.2 for rotated refresh tokens).

use crate::Provider;
use crate::clients::Client;
use crate::error::{OAuthError, OAuthResult};
use crate::model::{self, AuthorizationCode, Model, RefreshToken, TokenClaims};

/// A model that is a single-use credential of a grant.
pub trait Credential: Model {
    /// What to call it in error descriptions.
    const NAME: &'static str;
    /// The authorization it carries.
    fn claims(&self) -> &TokenClaims;
}

impl Credential for AuthorizationCode {
    const NAME: &'static str = "code";
    fn claims(&self) -> &TokenClaims {
        &self.claims
    }
}

impl Credential for RefreshToken {
    const NAME: &'static str = "refresh token";
    fn claims(&self) -> &TokenClaims {
        &self.claims
    }
}

/// Loads an unspent credential issued to `client`; a spent one is a replay.
pub async fn load<C: Credential>(op: &Provider, value: &str, client: &Client) -> OAuthResult<C> {
    let found = model::find::<C>(op.storage(), value)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant(format!("the {} is invalid or expired", C::NAME)))?;
    if found.model.claims().client_id != client.client_id {
        return Err(OAuthError::invalid_grant(format!("the {} was issued to another client", C::NAME)));
    }
    if found.consumed {
        return Err(replayed(op, &found.model).await);
    }
    Ok(found.model)
}

/// Spends the credential atomically: of two concurrent redemptions exactly one succeeds, and the
/// other is a replay.
pub async fn spend<C: Credential>(op: &Provider, value: &str, credential: &C) -> OAuthResult<()> {
    if model::consume::<C>(op.storage(), value).await? { Ok(()) } else { Err(replayed(op, credential).await) }
}

async fn replayed<C: Credential>(op: &Provider, credential: &C) -> OAuthError {
    let claims = credential.claims();
    if let Err(e) = op.storage().revoke_by_grant_id(&claims.grant_id).await {
        return OAuthError::server_error(e);
    }
    tracing::warn!(client_id = %claims.client_id, credential = C::NAME, "single-use credential replayed; grant revoked");
    OAuthError::invalid_grant(format!("the {} has already been used", C::NAME))
}
