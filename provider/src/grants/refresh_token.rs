//! The refresh token grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2).

use crate::Provider;
use crate::clients::Client;
use crate::error::{ErrorCode, OAuthError, OAuthResult};
use crate::model::{self, Grant, RefreshToken};
use crate::tokens::{self, Issue, TokenResponse};

/// Exchanges a refresh token for new tokens; the old refresh token stops working.
pub async fn exchange(op: &Provider, client: &Client, value: &str, scope: Option<&str>) -> OAuthResult<TokenResponse> {
    let found = model::find::<RefreshToken>(op.storage(), value)
        .await?
        .ok_or_else(|| OAuthError::invalid_grant("the refresh token is invalid or expired"))?;
    let record = found.model;
    if record.claims.client_id != client.client_id {
        return Err(OAuthError::invalid_grant("the refresh token was issued to another client"));
    }
    if found.consumed {
        return Err(reused(op, &record).await);
    }
    let mut claims = record.claims.clone();
    if let Some(scope) = scope {
        // RFC 6749 §6: the scope may narrow, never widen.
        let asked: Vec<String> = scope.split_whitespace().map(String::from).collect();
        if let Some(extra) = asked.iter().find(|s| !record.claims.has_scope(s)) {
            return Err(OAuthError::new(ErrorCode::InvalidScope, format!("scope {extra} was not granted")));
        }
        claims.scopes = asked;
    }
    if model::find::<Grant>(op.storage(), &record.claims.grant_id).await?.is_none() {
        return Err(OAuthError::invalid_grant("the grant has been revoked"));
    }
    if op.accounts().find(&record.claims.account_id).await.is_none() {
        return Err(OAuthError::invalid_grant("the account no longer exists"));
    }
    if !model::consume::<RefreshToken>(op.storage(), value).await? {
        return Err(reused(op, &record).await);
    }
    let mut response = tokens::issue(op, Issue { client, claims, nonce: None, refresh: false }).await?;
    response.refresh_token = Some(rotate(op, &record).await?);
    Ok(response)
}

/// The next refresh token keeps the original scopes, so a narrowed refresh can widen again later.
async fn rotate(op: &Provider, record: &RefreshToken) -> OAuthResult<String> {
    let value = crate::security::random_token();
    let next = RefreshToken { claims: record.claims.clone(), iat: crate::security::now() };
    let ttl = std::time::Duration::from_secs(op.config().ttl.refresh_token);
    model::save(op.storage(), &value, &next, ttl).await?;
    Ok(value)
}

/// RFC 9700 §4.14.2: reuse of a rotated refresh token means it leaked; revoke the whole grant.
async fn reused(op: &Provider, record: &RefreshToken) -> OAuthError {
    if let Err(e) = op.storage().revoke_by_grant_id(&record.claims.grant_id).await {
        return OAuthError::server_error(e);
    }
    tracing::warn!(client_id = %record.claims.client_id, "rotated refresh token reused; grant revoked");
    OAuthError::invalid_grant("the refresh token has already been used")
}
