//! The authorization request once validated: what the interaction and the response need
//! (RFC 6749 §4.1.1, OIDC Core §3.1.2.1).

use super::claims::ClaimsRequest;
use super::response::ResponseTarget;
use super::response_type::ResponseType;
use serde::{Deserialize, Serialize};

/// A `prompt` value (OIDC Core §3.1.2.1).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PromptValue {
    /// No UI may be shown.
    None,
    /// Re-authenticate.
    Login,
    /// Ask for consent again.
    Consent,
    /// Let the user pick an account (served as a login).
    SelectAccount,
}

/// A validated authorization request: what the interaction and the response need.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthorizationRequest {
    /// Where and how to answer.
    pub target: ResponseTarget,
    /// The client.
    pub client_id: String,
    /// `response_type`.
    pub response_type: ResponseType,
    /// The scopes asked for that the provider supports and the client may have, in request order.
    pub scopes: Vec<String>,
    /// `nonce`, echoed in the ID token.
    pub nonce: Option<String>,
    /// PKCE `code_challenge` (method S256).
    pub code_challenge: Option<String>,
    /// `prompt` values.
    pub prompt: Vec<PromptValue>,
    /// `max_age` in seconds.
    pub max_age: Option<i64>,
    /// `login_hint`, prefilled on the login page.
    pub login_hint: Option<String>,
    /// The `claims` parameter (OIDC Core §5.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<ClaimsRequest>,
    /// Resource indicators asked for (RFC 8707).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// For a device authorization (RFC 8628): the device code record's id. Such a request is
    /// answered on the provider's pages, never by redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The `sub` of a valid `id_token_hint` (OIDC Core §3.1.2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_hint_sub: Option<String>,
}

impl AuthorizationRequest {
    /// Whether `prompt` contains `value`.
    pub fn has_prompt(&self, value: PromptValue) -> bool {
        self.prompt.contains(&value)
    }

    /// Whether this is an OpenID Connect request (`openid` scope).
    pub fn is_openid(&self) -> bool {
        self.scopes.iter().any(|s| s == "openid")
    }
}
