//! End-user accounts: the [`AccountStore`] a host application can replace, a JSON-file store,
//! password hashing, and the standard claims released per scope (OIDC Core §5.4).

pub(crate) mod external;
mod file;
mod password;

pub use external::WithExternalAccounts;
pub use file::FileAccountStore;
pub use password::{hash_password, verify_password, verify_password_capped};

use async_trait::async_trait;
use serde_json::{Map, Value};

/// An authenticated end-user and their claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// The subject identifier (`sub`).
    pub sub: String,
    /// Standard and custom claims, by name.
    pub claims: Map<String, Value>,
}

/// Where accounts come from. Implement it to plug in your own users.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Checks a login and password; `None` if either is wrong (without saying which). Verify an
    /// argon2 hash with [`verify_password_capped`], which keeps the hashing off the async workers
    /// and a few at a time.
    async fn authenticate(&self, login: &str, password: &str) -> Option<Account>;
    /// The account with this `sub`, if it still exists.
    async fn find(&self, sub: &str) -> Option<Account>;

    /// The account a `login_hint` names (a backchannel authentication's user, CIBA Core §7.1).
    /// By default the hint is taken for a `sub`; a store may also know usernames or e-mail
    /// addresses.
    async fn find_by_login_hint(&self, hint: &str) -> Option<Account> {
        self.find(hint).await
    }
}

/// The claims each scope releases (OIDC Core §5.4).
pub fn scope_claims(scope: &str) -> &'static [&'static str] {
    match scope {
        "profile" => &[
            "name",
            "family_name",
            "given_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "updated_at",
        ],
        "email" => &["email", "email_verified"],
        "address" => &["address"],
        "phone" => &["phone_number", "phone_number_verified"],
        _ => &[],
    }
}

/// Every standard claim the scopes can release, for discovery's `claims_supported`.
pub fn supported_claims() -> Vec<&'static str> {
    let mut claims = vec!["sub"];
    for scope in ["profile", "email", "address", "phone"] {
        claims.extend_from_slice(scope_claims(scope));
    }
    claims
}

impl Account {
    /// `sub` plus the claims released by `scopes` that the account has.
    pub fn claims_for_scopes<'a>(&self, scopes: impl IntoIterator<Item = &'a str>) -> Map<String, Value> {
        self.released(scopes, std::iter::empty())
    }

    /// `sub` plus the claims released by `scopes` and the individually `named` ones
    /// (the `claims` parameter) that the account has. Missing claims are simply absent (§5.5).
    pub fn released<'a>(
        &self,
        scopes: impl IntoIterator<Item = &'a str>,
        named: impl IntoIterator<Item = &'a str>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        out.insert("sub".into(), Value::String(self.sub.clone()));
        let names = scopes.into_iter().flat_map(|scope| scope_claims(scope).iter().copied()).chain(named);
        for name in names {
            if name == "sub" {
                continue;
            }
            if let Some(value) = self.claims.get(name) {
                out.insert(name.into(), value.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_follow_scopes() {
        let account = Account {
            sub: "s1".into(),
            claims: json!({"name": "Alice", "email": "a@x", "email_verified": true, "phone_number": "+1"})
                .as_object()
                .unwrap()
                .clone(),
        };
        let claims = account.claims_for_scopes(["openid", "email"]);
        assert_eq!(Value::Object(claims), json!({"sub": "s1", "email": "a@x", "email_verified": true}));
        let claims = account.claims_for_scopes(["profile"]);
        assert_eq!(claims.get("name"), Some(&json!("Alice")));
        assert!(claims.get("email").is_none());
    }
}
