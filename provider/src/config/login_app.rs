//! The `[login_app]` section: login, consent and logout in the operator's own application, over
//! HTTP (the pattern of Ory Hydra's login and consent apps).

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// An external login app. With `url` set, the browser goes there instead of the built-in pages,
/// with `login_challenge`, `consent_challenge` or `logout_challenge` in the query; the app reads
/// and answers the challenge at the admin API (`/admin/...`, with `secret` as its bearer token)
/// and sends the browser to the URL the answer names.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LoginAppConfig {
    /// The login app's page for every challenge: https, or http on loopback. Absent: the built-in pages.
    pub url: Option<String>,
    /// The bearer token of the admin API (`Authorization: Bearer SECRET`), at least 32 characters.
    /// Absent: the admin API is not served. Redacted by `check-config`.
    pub secret: Option<String>,
}

impl LoginAppConfig {
    /// A usable URL, and a long secret wherever there is a URL to answer.
    pub(super) fn check(&self, errors: &mut Vec<ConfigError>) {
        if let Some(url) = &self.url {
            match url::Url::parse(url) {
                Ok(parsed) => {
                    let loopback = super::validate::is_loopback(&parsed);
                    if !(parsed.scheme() == "https" || (parsed.scheme() == "http" && loopback)) {
                        errors.push(ConfigError::new("login_app.url", "must use https (http on loopback only)"));
                    }
                    if parsed.fragment().is_some() {
                        errors.push(ConfigError::new("login_app.url", "must not have a fragment"));
                    }
                }
                Err(e) => errors.push(ConfigError::new("login_app.url", e.to_string())),
            }
            if self.secret.is_none() {
                errors.push(ConfigError::new(
                    "login_app.secret",
                    "is needed with login_app.url: the app answers at the admin API",
                ));
            }
        }
        if self.secret.as_ref().is_some_and(|secret| secret.len() < 32) {
            errors.push(ConfigError::new("login_app.secret", "must be at least 32 characters"));
        }
    }
}
