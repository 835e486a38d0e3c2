//! A login / consent interaction in progress.

use super::Model;
use crate::protocol::AuthorizationRequest;
use crate::storage::Kind;
use serde::{Deserialize, Serialize};

/// What the end-user must do before the authorization can be answered.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Prompt {
    /// Authenticate.
    Login,
    /// Consent to the requested scopes.
    Consent,
}

impl Prompt {
    /// The name used in URLs and the interaction API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Consent => "consent",
        }
    }
}

/// An interaction: the validated request, what is asked and why, and what has been done so far.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Interaction {
    /// The interaction id (in its URL).
    pub uid: String,
    /// The authorization request being served.
    pub request: AuthorizationRequest,
    /// The prompt the user is asked now.
    pub prompt: Prompt,
    /// Why (`no_session`, `login_prompt`, `max_age`, `scopes_missing`, `consent_prompt`, ...).
    pub reasons: Vec<String>,
    /// The anti-CSRF token every form of this interaction must echo.
    pub csrf: String,
    /// What the user has done in this interaction.
    pub result: InteractionResult,
    /// When the interaction started (seconds since the epoch).
    pub created_at: i64,
    /// A login app's answer to the current prompt, until the browser comes back with its verifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalAnswer>,
}

/// A login app's answer to a challenge (`[login_app]`), kept until the browser that started the
/// interaction comes back with the verifier, once.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExternalAnswer {
    /// The single-use value the browser must bring back.
    pub verifier: String,
    /// What the app decided.
    pub decision: ExternalDecision,
}

/// What a login app decided.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ExternalDecision {
    /// The user signed in as `subject`.
    Login {
        /// The account (`sub`).
        subject: String,
        /// The authentication context class reached, if not the configured `acr`.
        acr: Option<String>,
        /// The authentication methods (RFC 8176).
        amr: Vec<String>,
    },
    /// The user consented to what the interaction asks.
    Consent,
    /// The user (or the app) refused: the client gets this error.
    Reject {
        /// An OAuth error code (`access_denied`, `login_required`, ...).
        error: String,
        /// Its description.
        description: String,
    },
}

/// The outcome of the prompts completed so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct InteractionResult {
    /// The completed login, if any.
    pub login: Option<LoginResult>,
    /// Whether consent was given in this interaction.
    pub consented: bool,
}

/// A completed login.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoginResult {
    /// The account (`sub`).
    pub account_id: String,
    /// When it happened.
    pub auth_time: i64,
    /// The authentication methods (RFC 8176).
    pub amr: Vec<String>,
}

impl Model for Interaction {
    const KIND: Kind = Kind::Interaction;
}
