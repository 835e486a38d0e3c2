//! The refresh token grant (RFC 6749 §6) with rotation (RFC 9700 §4.14.2) and a grace window for
//! concurrent requests, or without rotation (`refresh_token_rotation = false`).

use super::{Asked, credential};
use crate::Provider;
use crate::clients::Client;
use crate::model::{self, Grant, RefreshToken};
use crate::protocol::{ErrorCode, OAuthError, OAuthResult, grant_type};
use crate::sender::Binding;
use crate::tokens::{self, Issue, TokenResponse, access_token};

/// Exchanges a refresh token for new tokens; the old refresh token stops working.
pub(super) async fn exchange(
    op: &Provider,
    client: &Client,
    value: &str,
    scope: Option<&str>,
    mut asked: Asked,
    binding: &Binding,
) -> OAuthResult<TokenResponse> {
    let found = credential::load::<RefreshToken>(op, value, client).await?;
    let record = found.model;
    if let Some(consumed_at) = found.consumed_at
        && !within_grace(op, consumed_at)
    {
        return Err(credential::replayed(op, value, &record).await);
    }
    // RFC 9449 §5: a refresh token bound to a DPoP key is used only with a proof by that key.
    if let Some(bound) = record.claims.cnf.as_ref().and_then(|cnf| cnf.jkt.as_ref())
        && binding.cnf.as_ref().and_then(|cnf| cnf.jkt.as_ref()) != Some(bound)
    {
        return Err(OAuthError::invalid_grant("the refresh token is bound to a DPoP key this request does not prove"));
    }
    // Attestation-based client auth §10.2: one bound to a client instance needs that instance's key.
    if record.claims.client_instance.is_some() && binding.instance != record.claims.client_instance {
        return Err(OAuthError::invalid_grant("the refresh token is bound to another client instance"));
    }
    // RFC 8705 §4: a public client's refresh token bound to its certificate needs that certificate.
    if let Some(bound) = record.claims.cnf.as_ref().and_then(|cnf| cnf.x5t_s256.as_ref())
        && binding.cnf.as_ref().and_then(|cnf| cnf.x5t_s256.as_ref()) != Some(bound)
    {
        return Err(OAuthError::invalid_grant("the refresh token is bound to a certificate this request does not present"));
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
    // RFC 8707 §2.2: a refresh may narrow the audience to one of the granted resources.
    let audience = access_token::audience(&record.claims, &asked.resource)?;
    // RFC 9396 §6.1: and to some of the granted authorization details.
    let claims = asked.narrow(&claims)?.unwrap_or(claims);
    if model::find::<Grant>(op.storage(), &record.claims.grant_id).await?.is_none() {
        return Err(OAuthError::invalid_grant("the grant has been revoked"));
    }
    if op.accounts().find(&record.claims.account_id).await.is_none() {
        return Err(OAuthError::invalid_grant("the account no longer exists"));
    }
    if !op.config().refresh_token_rotation {
        // FAPI 2.0 Security Profile §5.3.2.1 (9): the same refresh token, again, so a client
        // that lost this response can retry.
        let grant_type = grant_type::REFRESH_TOKEN;
        let issue = Issue { client, claims, nonce: None, refresh: false, audience, binding, access_claims: None, grant_type };
        let mut response = tokens::issue(op, issue).await?;
        response.refresh_token = Some(value.to_string());
        return Ok(response);
    }
    if found.consumed_at.is_none() && !credential::spend::<RefreshToken>(op, value).await? {
        // A concurrent request rotated it a moment ago: that is within the grace window or not.
        let spent = credential::load::<RefreshToken>(op, value, client).await?;
        if !spent.consumed_at.is_some_and(|at| within_grace(op, at)) {
            return Err(credential::replayed(op, value, &record).await);
        }
    }
    // Concurrent, so the two writes can share a commit (see `tokens::issue`).
    let grant_type = grant_type::REFRESH_TOKEN;
    let issue = Issue { client, claims, nonce: None, refresh: false, audience, binding, access_claims: None, grant_type };
    let issue = tokens::issue(op, issue);
    // The next refresh token keeps the original scopes and resources, so a narrowed refresh can
    // widen again later.
    let (mut response, next) = tokio::try_join!(issue, tokens::store_refresh_token(op, &record.claims))?;
    // RFC 9700 §4.14.2: a replay that raced this rotation revokes what it issued too.
    credential::confirm_not_replayed(op, value, &record).await?;
    response.refresh_token = Some(next);
    Ok(response)
}

/// Whether a refresh token spent at `consumed_at` (ms) may still be used by its client.
fn within_grace(op: &Provider, consumed_at: i64) -> bool {
    let grace_ms = op.config().ttl.refresh_token_grace as i64 * 1000;
    grace_ms > 0 && crate::storage::now_ms() - consumed_at <= grace_ms
}
