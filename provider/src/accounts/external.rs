//! Accounts a login app vouches for (`[login_app]`): the host's store knows its own users; a
//! subject the login app signed in is known by the claims the app passed, kept in storage for as
//! long as the sessions and tokens that name it may ask for them (every instance sees them).

use super::{Account, AccountStore};
use crate::storage::{Adapter, Kind, Record};
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// The host's accounts, then those a login app vouched for.
pub struct WithExternalAccounts {
    inner: Arc<dyn AccountStore>,
    storage: Arc<dyn Adapter>,
}

impl WithExternalAccounts {
    /// `inner`'s accounts, and those kept in `storage`.
    pub fn new(inner: Arc<dyn AccountStore>, storage: Arc<dyn Adapter>) -> Self {
        Self { inner, storage }
    }
}

#[async_trait]
impl AccountStore for WithExternalAccounts {
    async fn authenticate(&self, login: &str, password: &str) -> Option<Account> {
        self.inner.authenticate(login, password).await
    }

    async fn find(&self, sub: &str) -> Option<Account> {
        // The login app's word is the latest: its claims win over a stale copy elsewhere.
        if let Ok(Some(record)) = self.storage.find(Kind::ExternalAccount, sub).await {
            let claims: Map<String, Value> = serde_json::from_str(&record.payload).unwrap_or_default();
            return Some(Account { sub: sub.to_string(), claims });
        }
        self.inner.find(sub).await
    }

    async fn find_by_login_hint(&self, hint: &str) -> Option<Account> {
        match self.inner.find_by_login_hint(hint).await {
            Some(account) => Some(account),
            None => self.find(hint).await,
        }
    }
}

/// Keeps the claims a login app passed for `sub`, for `ttl`.
pub(crate) async fn remember(
    storage: &dyn Adapter,
    sub: &str,
    claims: &Map<String, Value>,
    ttl: Duration,
) -> Result<(), crate::storage::StorageError> {
    storage.upsert(Kind::ExternalAccount, sub, &Record::new(&Value::Object(claims.clone())), Some(ttl)).await
}
