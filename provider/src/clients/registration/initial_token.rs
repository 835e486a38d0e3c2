//! Initial access tokens (RFC 7591 §3): the bearer token a registration presents where the
//! provider does not register just anyone. One may be configured; operators mint more with
//! `provider registration-token`, each stored only as its SHA-256, with a lifetime, and
//! optionally good for one registration.

use crate::Provider;
use crate::protocol::{ErrorCode, OAuthError, OAuthResult};
use crate::security::{constant_time_eq, random_token, sha256_b64url};
use crate::storage::{Adapter, Kind, Record, StorageError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A minted token as stored, under its hash.
#[derive(Serialize, Deserialize)]
struct Minted {
    /// Used up by the first registration that presents it.
    single_use: bool,
}

/// Mints an initial access token valid for `ttl` (forever if `None`), and returns it: the
/// storage keeps only its hash, so this is the one time it is seen.
pub(crate) async fn mint(storage: &dyn Adapter, ttl: Option<Duration>, single_use: bool) -> Result<String, StorageError> {
    let token = random_token();
    let payload = serde_json::to_string(&Minted { single_use }).map_err(|e| StorageError(e.to_string()))?;
    let record = Record { payload, grant_id: None, uid: None, user_code: None, consumed_at: None };
    storage.upsert(Kind::InitialAccessToken, &sha256_b64url(&token), &record, ttl).await?;
    Ok(token)
}

/// RFC 7591 §3: where registration needs an initial access token (one is configured, or
/// `require_initial_access_token`), only a request presenting the configured one or a live
/// minted one may register. Open registration ignores what a request presents.
pub(super) async fn check(op: &Provider, presented: Option<&str>) -> OAuthResult<()> {
    let config = &op.config().registration;
    if config.initial_access_token.is_none() && !config.require_initial_access_token {
        return Ok(());
    }
    let Some(token) = presented else { return Err(OAuthError::new(ErrorCode::InvalidToken, "")) };
    if config.initial_access_token.as_deref().is_some_and(|expected| constant_time_eq(token, expected)) {
        return Ok(());
    }
    if minted_and_usable(op.storage(), token).await? {
        return Ok(());
    }
    Err(OAuthError::new(ErrorCode::InvalidToken, "the initial access token is not valid"))
}

/// Whether `token` was minted and is still usable: live, and (if single-use) used now, by
/// exactly one of any concurrent registrations presenting it.
async fn minted_and_usable(storage: &dyn Adapter, token: &str) -> Result<bool, StorageError> {
    let id = sha256_b64url(token);
    let Some(record) = storage.find(Kind::InitialAccessToken, &id).await? else { return Ok(false) };
    let minted: Minted = serde_json::from_str(&record.payload).map_err(|e| StorageError(e.to_string()))?;
    if minted.single_use {
        return storage.consume(Kind::InitialAccessToken, &id).await;
    }
    Ok(!record.consumed())
}
