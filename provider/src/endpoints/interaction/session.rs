//! The browser session cookie and its record.

use crate::Provider;
use crate::endpoints::cookies;
use crate::model::{self, Session};
use crate::security::{random_token, sha256_b64url};
use crate::storage::StorageError;
use rocket::http::CookieJar;
use std::time::Duration;

/// The session of the browser sending `jar`, if any.
pub(crate) async fn load(op: &Provider, jar: &CookieJar<'_>) -> Result<Option<Session>, StorageError> {
    let Some(secret) = cookies::value(jar, cookies::SESSION) else {
        return Ok(None);
    };
    Ok(model::find_by_uid::<Session>(op.storage(), &sha256_b64url(&secret)).await?.map(|f| f.model))
}

/// Stores the session under a fresh cookie secret and sets the cookie. A new secret on every
/// login prevents session fixation.
pub(crate) async fn save(op: &Provider, jar: &CookieJar<'_>, session: &Session) -> Result<(), StorageError> {
    let secret = random_token();
    store(op, session, &secret).await?;
    jar.add(cookies::hardened(cookies::SESSION, secret, op.cookie_path(), op.config().secure_cookies()));
    Ok(())
}

/// Updates the stored session (its grants) without changing the cookie.
pub(crate) async fn update(op: &Provider, jar: &CookieJar<'_>, session: &Session) -> Result<(), StorageError> {
    match cookies::value(jar, cookies::SESSION) {
        Some(secret) => store(op, session, &secret).await,
        None => save(op, jar, session).await,
    }
}

/// Stores the session, found by the SHA-256 of the cookie secret.
async fn store(op: &Provider, session: &Session, secret: &str) -> Result<(), StorageError> {
    let ttl = Duration::from_secs(op.config().ttl.session);
    model::save_keyed(op.storage(), &session.sid, session, Some(sha256_b64url(secret)), None, ttl).await
}
