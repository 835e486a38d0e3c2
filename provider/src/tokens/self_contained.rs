//! Self-contained access tokens: the RFC 9068 JWTs of client credentials grants are not stored.
//!
//! Such a token has no end-user and no grant that could be revoked as a whole, and its claims
//! say everything introspection needs, so issuing one costs a signature and no write (the npm
//! `oidc-provider` does not store its JWT access tokens either). A durable write per token would
//! cap issuance at the database's commit rate. What storage still does for them:
//! revoking one records its `jti` until it expires (RFC 7009 §2), and introspection verifies the
//! signature, then checks that record.

use crate::Provider;
use crate::config::TokenFormat;
use crate::model::{self, AccessToken, Presented, RevokedAccessToken, TokenClaims};
use crate::protocol::{OAuthResult, typ};
use crate::security::now;
use crate::sender::Confirmation;
use serde::Deserialize;
use std::time::Duration;

/// Whether an access token of `format` for these claims is self-contained (not stored).
pub(crate) fn applies(claims: &TokenClaims, format: TokenFormat) -> bool {
    format == TokenFormat::Jwt && claims.is_client_credentials()
}

/// The claims of our JWT access tokens that describe a client credentials grant.
#[derive(Deserialize)]
struct JwtClaims {
    iss: String,
    exp: i64,
    iat: i64,
    aud: String,
    sub: String,
    client_id: String,
    jti: String,
    #[serde(default)]
    scope: String,
    /// RFC 9068 §2.2.1: present when an end-user authenticated, which makes the token a stored one.
    auth_time: Option<i64>,
    /// The sender binding, if the token has one.
    #[serde(default)]
    cnf: Option<Confirmation>,
}

impl JwtClaims {
    /// No end-user, and the client its own subject: a client credentials token, never stored.
    /// Any other access token of ours is stored.
    fn is_self_contained(&self) -> bool {
        self.auth_time.is_none() && self.sub == self.client_id
    }
}

/// A presented token: a live self-contained access token, or one found in storage (access, then
/// refresh, or the other way round per the `hint`). A self-contained token is never stored, and a
/// stored one never claims to be self-contained, so the claims, read before they are verified,
/// say where to look: one storage round-trip for either, where trying both took three.
pub async fn find_presented(op: &Provider, value: &str, hint: Option<&str>) -> OAuthResult<Option<Presented>> {
    if unverified_claims(value).is_some_and(|jwt| jwt.is_self_contained()) {
        return Ok(verify(op, value).await?.map(Presented::SelfContained));
    }
    Ok(model::find_presented(op.storage(), value, hint).await?)
}

/// The claims of a value shaped like one of our JWT access tokens, NOT verified: only for choosing
/// where to look for it.
fn unverified_claims(value: &str) -> Option<JwtClaims> {
    let (_header, payload) = crate::jose::peek(value).ok()?;
    serde_json::from_value(payload).ok()
}

/// The token, if it is a self-contained access token that we signed, that has not expired and
/// that was not revoked.
pub async fn verify(op: &Provider, value: &str) -> OAuthResult<Option<AccessToken>> {
    if value.split('.').count() != 3 {
        return Ok(None);
    }
    // RFC 9068 §4: only a JWS typed at+jwt is an access token.
    let Ok(payload) = op.keys().verify_own_typed(value, typ::ACCESS_TOKEN) else { return Ok(None) };
    let Ok(jwt) = serde_json::from_value::<JwtClaims>(payload) else { return Ok(None) };
    // A stored JWT access token that is gone (revoked with its grant) verifies too: only a
    // client credentials one, with no end-user, stands on its own.
    if !jwt.is_self_contained() || jwt.iss != op.issuer() || jwt.exp <= now() {
        return Ok(None);
    }
    if model::find::<RevokedAccessToken>(op.storage(), &jwt.jti).await?.is_some() {
        return Ok(None);
    }
    let scopes = jwt.scope.split_whitespace().map(String::from).collect();
    let mut claims = TokenClaims::client_credentials(&jwt.client_id, scopes, vec![jwt.aud]);
    claims.auth_time = jwt.iat;
    claims.cnf = jwt.cnf;
    Ok(Some(AccessToken { claims, iat: jwt.iat, exp: jwt.exp, jti: jwt.jti }))
}

/// Revokes a self-contained access token: its `jti` is refused until the token expires.
pub async fn revoke(op: &Provider, token: &AccessToken) -> OAuthResult<()> {
    let remaining = Duration::from_secs(token.exp.saturating_sub(now()).max(1) as u64);
    let record = RevokedAccessToken { exp: token.exp };
    model::save(op.storage(), &token.jti, &record, remaining).await?;
    Ok(())
}
