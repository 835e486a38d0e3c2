//! The refresh token grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2).

use super::credential;
use crate::Provider;
use crate::clients::Client;
use crate::error::{ErrorCode, OAuthError, OAuthResult};
use crate::model::{self, Grant, RefreshToken};
use crate::tokens::{self, Issue, TokenResponse};

/// Exchanges a refresh token for new tokens; the old refresh token stops working.
pub async fn exchange(op: &Provider, client: &Client, value: &str, scope: Option<&str>) -> OAuthResult<TokenResponse> {
    let record: RefreshToken = credential::load(op, value, client).await?;
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
    credential::spend(op, value, &record).await?;
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
