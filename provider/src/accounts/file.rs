//! Accounts from a JSON file: an array of `{ "sub", "username", "password_hash", ...claims }`.

use super::{Account, AccountStore, verify_password_capped};
use async_trait::async_trait;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

#[derive(Deserialize)]
struct UserEntry {
    sub: String,
    username: String,
    password_hash: String,
    #[serde(flatten)]
    claims: Map<String, Value>,
}

struct User {
    password_hash: String,
    account: Account,
}

/// Accounts loaded once from a JSON file.
#[derive(Default)]
pub struct FileAccountStore {
    by_username: HashMap<String, Arc<User>>,
    by_sub: HashMap<String, Arc<User>>,
}

impl FileAccountStore {
    /// Loads and checks the file: unique `sub` and `username`, parseable argon2 hashes.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("users file {}: {e}", path.display()))?;
        Self::from_json(&text).map_err(|e| format!("users file {}: {e}", path.display()))
    }

    /// Parses the JSON array.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let entries: Vec<UserEntry> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut store = Self::default();
        for entry in entries {
            if argon2::password_hash::PasswordHash::new(&entry.password_hash).is_err() {
                return Err(format!(
                    "user {:?}: password_hash is not a PHC string (use `provider hash-password`)",
                    entry.username
                ));
            }
            let user = Arc::new(User {
                password_hash: entry.password_hash,
                account: Account { sub: entry.sub.clone(), claims: entry.claims },
            });
            if store.by_sub.insert(entry.sub.clone(), user.clone()).is_some() {
                return Err(format!("sub {:?} appears twice", entry.sub));
            }
            if store.by_username.insert(entry.username.clone(), user).is_some() {
                return Err(format!("username {:?} appears twice", entry.username));
            }
        }
        Ok(store)
    }

    /// How many accounts there are.
    pub fn len(&self) -> usize {
        self.by_sub.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_sub.is_empty()
    }
}

/// A hash to verify against for unknown usernames, so both answers take the same time.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| super::hash_password("decoy password").unwrap_or_default())
}

#[async_trait]
impl AccountStore for FileAccountStore {
    async fn authenticate(&self, login: &str, password: &str) -> Option<Account> {
        let user = self.by_username.get(login).cloned();
        let hash = user.as_ref().map_or_else(|| decoy_hash().to_string(), |u| u.password_hash.clone());
        // argon2 costs tens of milliseconds of CPU and 19 MiB: off the async workers, and a few
        // at a time however many logins arrive.
        let ok = verify_password_capped(password.to_string(), hash).await;
        user.filter(|_| ok).map(|u| u.account.clone())
    }

    async fn find(&self, sub: &str) -> Option<Account> {
        self.by_sub.get(sub).map(|u| u.account.clone())
    }

    /// The `sub` or the username.
    async fn find_by_login_hint(&self, hint: &str) -> Option<Account> {
        self.by_sub.get(hint).or_else(|| self.by_username.get(hint)).map(|u| u.account.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> FileAccountStore {
        let hash = super::super::hash_password("pw").unwrap();
        FileAccountStore::from_json(&format!(
            r#"[{{"sub": "s1", "username": "alice", "password_hash": "{hash}", "email": "a@x"}}]"#
        ))
        .unwrap()
    }

    #[tokio::test]
    async fn authenticate_checks_the_password() {
        let store = store();
        let account = store.authenticate("alice", "pw").await.unwrap();
        assert_eq!(account.sub, "s1");
        assert_eq!(account.claims["email"], "a@x");
        assert!(store.authenticate("alice", "nope").await.is_none());
        assert!(store.authenticate("bob", "pw").await.is_none());
        assert!(store.find("s1").await.is_some());
    }

    #[test]
    fn plain_text_passwords_are_refused() {
        let err =
            FileAccountStore::from_json(r#"[{"sub": "s", "username": "u", "password_hash": "secret"}]"#).err().unwrap();
        assert!(err.contains("hash-password"), "{err}");
    }
}
