//! The authorization request once validated: what the interaction and the response need
//! (RFC 6749 §4.1.1, OIDC Core §3.1.2.1).

use super::claims::ClaimsRequest;
use super::errors::ErrorCode;
use super::response::{AuthorizationError, ResponseTarget};
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

/// Where an authorization's outcome goes. The door a request came in by chooses it, and with it
/// how the request's errors are delivered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", tag = "completion")]
pub enum Completion {
    /// To the client's redirect URI (RFC 6749 §4.1.2), carrying what `response_type` asks for;
    /// errors too, with `state` and `iss` (RFC 6749 §4.1.2.1, RFC 9207).
    Redirect {
        /// Where and how to answer.
        target: ResponseTarget,
        /// `response_type`.
        response_type: ResponseType,
    },
    /// Recorded on a device authorization, whose next poll collects the tokens (RFC 8628 §3.3,
    /// §3.5). The user sees the outcome on a page.
    Device {
        /// The device code record's id.
        id: String,
    },
}

/// A validated authorization request: what the interaction and the response need.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthorizationRequest {
    /// Where the outcome goes.
    #[serde(flatten)]
    pub completion: Completion,
    /// The client.
    pub client_id: String,
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
    /// `authorization_details` asked for, checked (RFC 9396).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_details: Vec<serde_json::Value>,
    /// The `sub` of a valid `id_token_hint` (OIDC Core §3.1.2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token_hint_sub: Option<String>,
    /// The thumbprint of the DPoP key the code is bound to (RFC 9449 §10: `dpop_jkt`, or the
    /// key of the proof sent with a pushed request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
    /// The pushed request this came from (RFC 9126), used up when the authorization completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed: Option<String>,
    /// `ui_locales`: the end-user's preferred languages for the pages, in order (OIDC Core §3.1.2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui_locales: Option<String>,
    /// `acr_values`: the authentication context classes asked for, in order (OIDC Core §3.1.2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr_values: Option<String>,
}

impl AuthorizationRequest {
    /// A request of `client_id` with nothing asked for yet.
    pub fn new(client_id: impl Into<String>, completion: Completion) -> Self {
        Self {
            completion,
            client_id: client_id.into(),
            scopes: Vec::new(),
            nonce: None,
            code_challenge: None,
            prompt: Vec::new(),
            max_age: None,
            login_hint: None,
            claims: None,
            resources: Vec::new(),
            authorization_details: Vec::new(),
            id_token_hint_sub: None,
            dpop_jkt: None,
            pushed: None,
            ui_locales: None,
            acr_values: None,
        }
    }

    /// Whether `prompt` contains `value`.
    pub fn has_prompt(&self, value: PromptValue) -> bool {
        self.prompt.contains(&value)
    }

    /// Whether this is an OpenID Connect request (`openid` scope).
    pub fn is_openid(&self) -> bool {
        self.scopes.iter().any(|s| s == "openid")
    }

    /// Whether a device is being authorized (RFC 8628).
    pub fn is_device(&self) -> bool {
        matches!(self.completion, Completion::Device { .. })
    }

    /// An error, delivered where the outcome would have gone.
    pub fn error(&self, code: ErrorCode, description: impl Into<String>) -> AuthorizationError {
        match &self.completion {
            Completion::Redirect { target, .. } => target.error(code, description),
            Completion::Device { .. } => AuthorizationError::Shown { code, description: description.into() },
        }
    }
}
