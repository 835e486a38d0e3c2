//! Single-use grant credentials (authorization codes, refresh tokens): redeemed exactly once, and
//! a second redemption is treated as theft, revoking everything of the grant
//! (RFC 6749 §4.1.2 for codes, RFC 9700 §4.14.2 for rotated refresh tokens).
//!
//! A replay can race the redemption it repeats: the replay's revocation may run before the
//! winner has stored its tokens. So a replay leaves a mark on the credential before it revokes,
//! and the winner, once its tokens are stored, looks for the mark ([`confirm_not_replayed`]) and
//! revokes them itself. Whichever order the two requests take, nothing issued survives.

use crate::audit::AuditKind;
use crate::Provider;
use crate::clients::Client;
use crate::model::{self, AuthorizationCode, Found, Model, RefreshToken, TokenClaims};
use crate::protocol::{OAuthError, OAuthResult};
use crate::storage::{Kind, Record};
use std::time::Duration;

/// How long a replay mark is kept: longer than any token request takes.
const REPLAY_MARK_TTL: Duration = Duration::from_secs(300);

/// A model that is a single-use credential of a grant.
pub(super) trait Credential: Model {
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

/// Loads a credential issued to `client`, spent or not: the caller decides what a spent one means.
pub(super) async fn load<C: Credential>(op: &Provider, value: &str, client: &Client) -> OAuthResult<Found<C>> {
    let found = model::find::<C>(op.storage(), value)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant(format!("the {} is invalid or expired", C::NAME)))?;
    if found.model.claims().client_id != client.client_id {
        return Err(OAuthError::invalid_grant(format!("the {} was issued to another client", C::NAME)));
    }
    Ok(found)
}

/// Spends the credential atomically. `Ok(false)` if another request spent it first.
pub(super) async fn spend<C: Credential>(op: &Provider, value: &str) -> OAuthResult<bool> {
    Ok(model::consume::<C>(op.storage(), value).await?)
}

/// A spent credential came back: mark it replayed, then revoke everything of its grant.
pub(super) async fn replayed<C: Credential>(op: &Provider, value: &str, credential: &C) -> OAuthError {
    let claims = credential.claims();
    let (mark, record) = (replay_mark::<C>(value), Record::new(&serde_json::Value::Null));
    // Already marked by another replay is as good.
    if let Err(e) = op.storage().insert_new(Kind::ReplayDetection, &mark, &record, REPLAY_MARK_TTL).await {
        return OAuthError::server_error(e);
    }
    if let Err(e) = op.storage().revoke_by_grant_id(&claims.grant_id).await {
        return OAuthError::server_error(e);
    }
    op.audit(claims.audit(AuditKind::ReplayDetected).detail(C::NAME));
    OAuthError::invalid_grant(format!("the {} has already been used", C::NAME))
}

/// Called by the request that spent the credential, once its tokens are stored: if a replay
/// came meanwhile, its revocation may have run before those tokens existed, so revoke again.
pub(super) async fn confirm_not_replayed<C: Credential>(op: &Provider, value: &str, credential: &C) -> OAuthResult<()> {
    if op.storage().find(Kind::ReplayDetection, &replay_mark::<C>(value)).await?.is_none() {
        return Ok(());
    }
    let claims = credential.claims();
    op.storage().revoke_by_grant_id(&claims.grant_id).await?;
    let event = claims.audit(AuditKind::ReplayDetected);
    op.audit(event.detail(format!("{}, replayed while being redeemed", C::NAME)));
    Err(OAuthError::invalid_grant(format!("the {} has already been used", C::NAME)))
}

/// The id of a credential's replay mark: its kind and storage id, among the replay records.
fn replay_mark<C: Credential>(value: &str) -> String {
    format!("{}:{}", C::KIND.as_str(), model::storage_id::<C>(value))
}
