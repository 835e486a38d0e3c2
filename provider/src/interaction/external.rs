//! A login app's side of an interaction (`[login_app]`): it reads the challenge, then accepts
//! the login or the consent, or rejects; each answer is kept on the interaction with a fresh
//! single-use verifier, and the app sends the browser to the URL returned. Only the browser that
//! started the interaction (its cookie) with that verifier applies the answer
//! (`endpoints::interaction`, `/interaction/<uid>/continue`), through the same calls the
//! built-in pages make.

use super::{ExternalAnswer, ExternalDecision, Interaction, Prompt};
use crate::Provider;
use crate::model::{self, Decision as Write};
use crate::protocol::ErrorCode;
use crate::security::random_token;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Why a login app's call was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChallengeError {
    /// No pending interaction has this challenge (unknown, expired or finished).
    #[error("no pending interaction has this challenge")]
    Unknown,
    /// The interaction is at another prompt, or was answered already.
    #[error("{0}")]
    Conflict(String),
    /// The answer is malformed.
    #[error("{0}")]
    Invalid(String),
    /// Storage failed.
    #[error("{0}")]
    Storage(String),
}

impl From<crate::storage::StorageError> for ChallengeError {
    fn from(e: crate::storage::StorageError) -> Self {
        Self::Storage(e.to_string())
    }
}

/// A login the app accepts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginAcceptance {
    /// The account (`sub`).
    pub subject: String,
    /// The authentication context class reached; the configured `acr` if absent.
    #[serde(default)]
    pub acr: Option<String>,
    /// The authentication methods used (RFC 8176); `["pwd"]` if absent.
    #[serde(default)]
    pub amr: Option<Vec<String>>,
    /// The claims of the account (`email`, `name`, ...), released per scope like those of the
    /// host's own accounts; kept for as long as its sessions and refresh tokens live.
    #[serde(default)]
    pub claims: Option<Map<String, Value>>,
}

/// A rejection.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// `access_denied` (the default), `login_required`, `consent_required`,
    /// `interaction_required` or `account_selection_required` (OIDC Core §3.1.2.6).
    #[serde(default)]
    pub error: Option<String>,
    /// A description for the client.
    #[serde(default)]
    pub error_description: Option<String>,
}

/// The codes an app may reject with (OIDC Core §3.1.2.6, RFC 6749 §4.1.2.1).
pub(crate) fn rejection_code(error: Option<&str>) -> Result<ErrorCode, ChallengeError> {
    match error.unwrap_or("access_denied") {
        "access_denied" => Ok(ErrorCode::AccessDenied),
        "login_required" => Ok(ErrorCode::LoginRequired),
        "consent_required" => Ok(ErrorCode::ConsentRequired),
        "interaction_required" => Ok(ErrorCode::InteractionRequired),
        "account_selection_required" => Ok(ErrorCode::AccountSelectionRequired),
        other => Err(ChallengeError::Invalid(format!("error {other:?} is not one a login app may answer with"))),
    }
}

/// What the app needs to show the challenge: the prompt, the client, what is asked and the hints.
pub async fn describe(op: &Provider, challenge: &str) -> Result<Value, ChallengeError> {
    let interaction = pending(op, challenge).await?;
    let request = &interaction.request;
    let client = op.clients().find(&request.client_id).await.ok().flatten();
    let extra = |name: &str| client.as_ref().and_then(|c| c.extra.get(name).cloned());
    Ok(json!({
        "challenge": interaction.uid,
        "prompt": interaction.prompt.as_str(),
        "reasons": interaction.reasons,
        "client": {
            "client_id": request.client_id,
            "client_name": client.as_ref().map(|c| c.display_name().to_string()),
            "logo_uri": extra("logo_uri"),
            "policy_uri": extra("policy_uri"),
            "tos_uri": extra("tos_uri"),
        },
        "scopes": request.scopes,
        "claims": request.claims.as_ref().map(|c| c.end_user_claims()),
        "authorization_details": request.authorization_details,
        "requested_prompt": request.prompt,
        "login_hint": request.login_hint,
        "id_token_hint_subject": request.id_token_hint_sub,
        "ui_locales": request.ui_locales,
        "acr_values": request.acr_values,
        "max_age": request.max_age,
        "device": request.is_device(),
        "subject": interaction.result.login.as_ref().map(|l| l.account_id.clone()),
    }))
}

/// Accepts the login: the browser's session becomes `acceptance.subject`'s. Returns where the
/// app sends the browser.
pub async fn accept_login(
    op: &Provider,
    challenge: &str,
    acceptance: LoginAcceptance,
) -> Result<String, ChallengeError> {
    if acceptance.subject.is_empty() {
        return Err(ChallengeError::Invalid("subject is empty".into()));
    }
    let kept = match acceptance.claims {
        Some(claims) => Some(claims),
        // An account no store knows would have no session: keep it, with no claims.
        None if op.accounts().find(&acceptance.subject).await.is_none() => Some(Map::new()),
        None => None,
    };
    if let Some(claims) = kept {
        // Kept as long as anything that names the subject may ask for its claims.
        let ttl = op.config().ttl.session.max(op.config().ttl.refresh_token).max(op.config().ttl.grant);
        crate::accounts::external::remember(op.storage(), &acceptance.subject, &claims, Duration::from_secs(ttl))
            .await?;
    }
    let amr = acceptance.amr.unwrap_or_else(|| vec!["pwd".into()]);
    let decision = ExternalDecision::Login { subject: acceptance.subject, acr: acceptance.acr, amr };
    answer(op, challenge, Some(Prompt::Login), decision).await
}

/// Accepts the consent to everything the interaction asks. Returns where the app sends the browser.
pub async fn accept_consent(op: &Provider, challenge: &str) -> Result<String, ChallengeError> {
    answer(op, challenge, Some(Prompt::Consent), ExternalDecision::Consent).await
}

/// Rejects the interaction at whatever prompt it is: the client gets the error. Returns where
/// the app sends the browser.
pub async fn reject(op: &Provider, challenge: &str, rejection: Rejection) -> Result<String, ChallengeError> {
    let code = rejection_code(rejection.error.as_deref())?;
    let description = rejection.error_description.unwrap_or_else(|| "the end-user denied the request".into());
    answer(op, challenge, None, ExternalDecision::Reject { error: code.as_str().into(), description }).await
}

/// Keeps `decision` on the pending interaction at `prompt` (any prompt for `None`), with a fresh
/// verifier, in one compare-and-set: a challenge is answered once.
async fn answer(
    op: &Provider,
    challenge: &str,
    prompt: Option<Prompt>,
    decision: ExternalDecision,
) -> Result<String, ChallengeError> {
    let verifier = random_token();
    let ttl = Duration::from_secs(op.config().ttl.interaction);
    let outcome = model::update::<Interaction, Result<(), ChallengeError>>(
        op.storage(),
        challenge,
        |_| ttl,
        |found| {
            let mut interaction = found.model;
            if interaction.external.is_some() {
                return Write::Leave(Err(ChallengeError::Conflict("the challenge was answered already".into())));
            }
            if let Some(prompt) = prompt.filter(|p| *p != interaction.prompt) {
                let why = format!("the interaction is at {}, not {}", interaction.prompt.as_str(), prompt.as_str());
                return Write::Leave(Err(ChallengeError::Conflict(why)));
            }
            interaction.external = Some(ExternalAnswer { verifier: verifier.clone(), decision: decision.clone() });
            Write::Write(interaction, Ok(()))
        },
    );
    outcome.await?.ok_or(ChallengeError::Unknown)??;
    Ok(format!("{}{}/continue?verifier={verifier}", op.origin(), op.interaction_path(challenge)))
}

/// The pending interaction `challenge` names.
async fn pending(op: &Provider, challenge: &str) -> Result<Interaction, ChallengeError> {
    super::details(op, challenge)
        .await
        .map_err(|e| ChallengeError::Storage(format!("{e:?}")))?
        .ok_or(ChallengeError::Unknown)
}

/// Takes the app's answer the browser came back with: once, and only with its verifier.
pub(crate) async fn take(
    op: &Provider,
    uid: &str,
    verifier: &str,
) -> Result<(Interaction, ExternalDecision), ChallengeError> {
    let ttl = Duration::from_secs(op.config().ttl.interaction);
    let taken = model::update::<Interaction, Option<(Interaction, ExternalDecision)>>(
        op.storage(),
        uid,
        |_| ttl,
        |found| {
            let mut interaction = found.model;
            let matches = interaction
                .external
                .as_ref()
                .is_some_and(|answer| crate::security::constant_time_eq(&answer.verifier, verifier));
            if !matches {
                return Write::Leave(None);
            }
            let decision = interaction.external.take().map(|answer| answer.decision);
            Write::Write(interaction.clone(), decision.map(|d| (interaction, d)))
        },
    );
    taken
        .await?
        .flatten()
        .ok_or(ChallengeError::Conflict("this answer was used already, or is not this sign-in's".into()))
}
