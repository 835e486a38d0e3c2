//! A login app's side of a logout (`[login_app]`): it reads the logout challenge, then the
//! end-user confirms or stays signed in; the answer is kept on the logout request with a fresh
//! single-use verifier, and only the browser that asked (its cookie) with that verifier applies
//! it (`endpoints::logout`, `/session/end/continue`).

use super::request::{ExternalLogoutAnswer, LogoutRequest};
use crate::Provider;
use crate::interaction::external::ChallengeError;
use crate::model::{self, Decision};
use crate::security::random_token;
use serde_json::{Value, json};
use std::time::Duration;

/// What the app needs to ask the end-user: the client asking, and the user the hint names.
pub(crate) async fn describe(op: &Provider, challenge: &str) -> Result<Value, ChallengeError> {
    let found = model::find::<LogoutRequest>(op.storage(), challenge).await?;
    let request = found.filter(|found| !found.consumed()).ok_or(ChallengeError::Unknown)?.model;
    let client = match &request.client_id {
        Some(id) => op.clients().find(id).await.ok().flatten(),
        None => None,
    };
    Ok(json!({
        "challenge": request.id,
        "client_id": request.client_id,
        "client_name": client.as_ref().map(|c| c.display_name().to_string()),
        "subject": request.hint_sub,
        "ui_locales": request.ui_locales,
    }))
}

/// Keeps the end-user's answer (`confirmed`: sign out) with a fresh verifier, once; returns where
/// the app sends the browser.
pub(crate) async fn answer(op: &Provider, challenge: &str, confirmed: bool) -> Result<String, ChallengeError> {
    let verifier = random_token();
    let ttl = Duration::from_secs(op.config().logout.confirmation_ttl);
    let answered = model::update::<LogoutRequest, Result<(), ChallengeError>>(op.storage(), challenge, |_| ttl, |found| {
        if found.consumed_at.is_some() {
            return Decision::Leave(Err(ChallengeError::Unknown));
        }
        let mut request = found.model;
        if request.external.is_some() {
            return Decision::Leave(Err(ChallengeError::Conflict("the challenge was answered already".into())));
        }
        request.external = Some(ExternalLogoutAnswer { verifier: verifier.clone(), confirmed });
        Decision::Write(request, Ok(()))
    });
    answered.await?.ok_or(ChallengeError::Unknown)??;
    Ok(format!("{}{}/session/end/continue?logout_request={challenge}&verifier={verifier}", op.origin(), op.base_path()))
}
