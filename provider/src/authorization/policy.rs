//! Which prompt, if any, stands between a request and its response (OIDC Core §3.1.2.3–4).
//! Prompts and their reasons are data, so `prompt=none` can turn them into errors and an
//! external login app can read them.

use crate::Provider;
use crate::clients::Client;
use crate::model::{self, Grant, Interaction, InteractionResult, Prompt, Session};
use crate::protocol::ErrorCode;
use crate::protocol::{AuthorizationError, AuthorizationResponse};
use crate::protocol::{AuthorizationRequest, Completion, PromptValue};
use crate::security::{now, random_token};
use std::time::Duration;

/// What the engine answers.
#[derive(Debug)]
pub enum Decision {
    /// Send this response to the client.
    Issue(AuthorizationResponse),
    /// The end-user must act first.
    Interact(Box<Interaction>),
    /// A device authorization was approved; the device's next poll gets its tokens.
    DeviceApproved,
}

/// Decides between issuing and interacting, given the session and what the current interaction
/// (if resuming one) has already done.
pub(crate) async fn decide(
    op: &Provider,
    client: &Client,
    request: AuthorizationRequest,
    session: Option<Session>,
    interaction: Option<Interaction>,
) -> Result<Decision, AuthorizationError> {
    let session = live_session(op, session).await;
    let grant = match &session {
        Some(s) => current_grant(op, s, &client.client_id).await?,
        None => None,
    };
    let done = interaction.as_ref().map(|i| i.result.clone()).unwrap_or_default();
    let other_user = session.as_ref().and_then(|s| names_another_user(&request, || op.subject(client, &s.account_id)));
    let needed = required_prompt(&request, session.as_ref(), grant.as_ref(), &done, other_user);
    match (needed, session) {
        (Some((prompt, reasons)), _) => {
            if request.has_prompt(PromptValue::None) {
                // OIDC Core §3.1.2.6: prompt=none turns a needed prompt into its error.
                let code = match prompt {
                    Prompt::Login => ErrorCode::LoginRequired,
                    Prompt::Consent => ErrorCode::ConsentRequired,
                };
                return Err(request.error(code, format!("{} required: {}", prompt.as_str(), reasons.join(", "))));
            }
            let interaction = start_interaction(op, request, interaction, prompt, reasons).await?;
            Ok(Decision::Interact(Box::new(interaction)))
        }
        (None, Some(_)) if let Some(named_by) = other_user => {
            // OIDC Core §3.1.2.2: never a response for a user other than the one the request names,
            // even one who has just signed in.
            Err(request.error(
                ErrorCode::AccessDenied,
                format!("the user who signed in is not the one the request names ({named_by})"),
            ))
        }
        (None, Some(session)) => {
            let grant = grant.ok_or_else(|| request.error(ErrorCode::ServerError, "no grant"))?;
            // The outcome goes where the door that took the request chose.
            let decision = match &request.completion {
                Completion::Redirect { target, response_type } => {
                    let to = super::issue::Redirect { target, response_type: *response_type };
                    Decision::Issue(super::issue::issue(op, client, &request, to, &session, &grant).await?)
                }
                Completion::Device { id } => {
                    super::issue::approve_device(op, id, &request, &session, &grant).await?;
                    Decision::DeviceApproved
                }
            };
            if let Some(done) = interaction {
                model::destroy::<Interaction>(op.storage(), &done.uid).await?;
            }
            Ok(decision)
        }
        (None, None) => Err(request.error(ErrorCode::ServerError, "no session after login")),
    }
}

/// The prompt still needed, with its reasons; `None` when the response can be issued.
pub(super) fn required_prompt(
    request: &AuthorizationRequest,
    session: Option<&Session>,
    grant: Option<&Grant>,
    done: &InteractionResult,
    other_user: Option<&str>,
) -> Option<(Prompt, Vec<String>)> {
    let logged_in_now = done.login.is_some();
    let mut login = Vec::new();
    match session {
        None => login.push("no_session".to_string()),
        Some(session) if !logged_in_now => {
            if request.has_prompt(PromptValue::Login) || request.has_prompt(PromptValue::SelectAccount) {
                login.push("login_prompt".into());
            }
            // OIDC Core §3.1.2.1: re-authenticate once the elapsed time exceeds max_age. Times are
            // whole seconds, so an elapsed count that has reached max_age has (almost surely)
            // exceeded it; max_age=0 always re-authenticates.
            if request.max_age.is_some_and(|max| now() - session.auth_time >= max) {
                login.push("max_age".into());
            }
            if let Some(named_by) = other_user {
                login.push(named_by.into());
            }
            let essential = request.claims.as_ref().and_then(|c| c.essential_acrs());
            if essential.is_some_and(|acrs| !acrs.contains(&session.acr)) {
                login.push("essential_acr".into());
            }
        }
        Some(_) => {}
    }
    if !login.is_empty() {
        return Some((Prompt::Login, login));
    }
    let mut consent = Vec::new();
    let claims = request.claims.as_ref().map(|c| c.end_user_claims()).unwrap_or_default();
    if !grant.is_some_and(|g| g.covers(request.scopes.iter(), &claims)) {
        consent.push("scopes_missing".to_string());
    }
    if request.has_prompt(PromptValue::Consent) && !done.consented {
        consent.push("consent_prompt".into());
    }
    if !request.authorization_details.is_empty() && !done.consented {
        // RFC 9396 §3: the user approves these details themselves; consent to scopes remembered
        // from an earlier authorization does not cover them.
        consent.push("authorization_details".into());
    }
    if request.is_device() && !done.consented {
        // RFC 8628 §5.4: the user confirms the device (and its user code) every time.
        consent.push("device_confirmation".into());
    }
    (!consent.is_empty()).then_some((Prompt::Consent, consent))
}

/// What in the request names a user other than `subject` (as the client sees them, pairwise or
/// not), if anything does: an `id_token_hint`, or a `sub` value asked for the ID token. The
/// subject (a hash for pairwise clients) is worked out only for a request that could name one.
fn names_another_user(request: &AuthorizationRequest, subject: impl FnOnce() -> String) -> Option<&'static str> {
    if request.id_token_hint_sub.is_none() && request.claims.is_none() {
        return None;
    }
    let subject = subject();
    if request.id_token_hint_sub.as_deref().is_some_and(|hint| hint != subject) {
        Some("id_token_hint")
    } else if request.claims.as_ref().is_some_and(|claims| !claims.allows_sub(&subject)) {
        Some("claims_sub")
    } else {
        None
    }
}

/// A session whose account still exists.
async fn live_session(op: &Provider, session: Option<Session>) -> Option<Session> {
    let session = session?;
    op.accounts().find(&session.account_id).await.map(|_| session)
}

/// The session's consent grant for this client, if still stored.
pub(crate) async fn current_grant(
    op: &Provider,
    session: &Session,
    client_id: &str,
) -> Result<Option<Grant>, AuthorizationError> {
    let Some(grant_id) = session.grants.get(client_id) else {
        return Ok(None);
    };
    let grant = model::find::<Grant>(op.storage(), grant_id).await?.map(|f| f.model);
    Ok(grant.filter(|g| g.account_id == session.account_id && g.client_id == client_id))
}

async fn start_interaction(
    op: &Provider,
    request: AuthorizationRequest,
    existing: Option<Interaction>,
    prompt: Prompt,
    reasons: Vec<String>,
) -> Result<Interaction, AuthorizationError> {
    let interaction = match existing {
        Some(existing) => Interaction { prompt, reasons, ..existing },
        None => Interaction {
            uid: random_token(),
            request,
            prompt,
            reasons,
            csrf: random_token(),
            result: InteractionResult::default(),
            created_at: now(),
            external: None,
        },
    };
    let ttl = Duration::from_secs(op.config().ttl.interaction);
    model::save(op.storage(), &interaction.uid, &interaction, ttl).await?;
    Ok(interaction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LoginResult;
    use crate::protocol::{ResponseMode, ResponseTarget};
    use std::collections::{BTreeMap, BTreeSet};

    fn request(prompt: Vec<PromptValue>, max_age: Option<i64>) -> AuthorizationRequest {
        let target = ResponseTarget {
            redirect_uri: "https://rp.example/cb".into(),
            mode: ResponseMode::Query,
            state: None,
            issuer: "https://op.example".into(),
            client_id: "c".into(),
        };
        let response_type = crate::protocol::ResponseType::parse("code").unwrap();
        let mut request = AuthorizationRequest::new("c", Completion::Redirect { target, response_type });
        request.scopes = vec!["openid".into(), "email".into()];
        request.prompt = prompt;
        request.max_age = max_age;
        request
    }

    fn session(auth_time: i64) -> Session {
        Session {
            sid: "s".into(),
            account_id: "a".into(),
            auth_time,
            acr: "0".into(),
            amr: vec![],
            grants: BTreeMap::new(),
        }
    }

    fn grant(scopes: &[&str]) -> Grant {
        Grant {
            id: "g".into(),
            account_id: "a".into(),
            client_id: "c".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
            claims: BTreeSet::new(),
        }
    }

    fn reasons(r: Option<(Prompt, Vec<String>)>) -> Option<(Prompt, Vec<String>)> {
        r
    }

    #[test]
    fn no_session_needs_login() {
        let needed = required_prompt(&request(vec![], None), None, None, &InteractionResult::default(), None);
        assert_eq!(reasons(needed), Some((Prompt::Login, vec!["no_session".into()])));
    }

    #[test]
    fn max_age_exceeded_needs_login_until_logged_in_here() {
        let req = request(vec![], Some(60));
        let old = session(now() - 120);
        let full = grant(&["openid", "email"]);
        let needed = required_prompt(&req, Some(&old), Some(&full), &InteractionResult::default(), None);
        assert_eq!(needed.unwrap().1, ["max_age"]);
        let done = InteractionResult {
            login: Some(LoginResult { account_id: "a".into(), auth_time: now(), amr: vec![] }),
            consented: false,
        };
        assert_eq!(required_prompt(&req, Some(&old), Some(&full), &done, None), None);
    }

    #[test]
    fn max_age_counts_whole_seconds_inclusively() {
        let full = grant(&["openid", "email"]);
        let one_second_ago = session(now() - 1);
        let needed = required_prompt(
            &request(vec![], Some(1)),
            Some(&one_second_ago),
            Some(&full),
            &InteractionResult::default(),
            None,
        );
        assert_eq!(needed.unwrap().1, ["max_age"]);
        let just_now = session(now());
        let needed = required_prompt(
            &request(vec![], Some(0)),
            Some(&just_now),
            Some(&full),
            &InteractionResult::default(),
            None,
        );
        assert_eq!(needed.unwrap().1, ["max_age"], "max_age=0 always re-authenticates");
        assert_eq!(
            required_prompt(
                &request(vec![], Some(60)),
                Some(&just_now),
                Some(&full),
                &InteractionResult::default(),
                None
            ),
            None
        );
    }

    #[test]
    fn missing_scopes_and_prompt_consent_need_consent() {
        let s = session(now());
        let needed = required_prompt(
            &request(vec![], None),
            Some(&s),
            Some(&grant(&["openid"])),
            &InteractionResult::default(),
            None,
        );
        assert_eq!(needed, Some((Prompt::Consent, vec!["scopes_missing".into()])));
        let full = grant(&["openid", "email"]);
        assert_eq!(
            required_prompt(&request(vec![], None), Some(&s), Some(&full), &InteractionResult::default(), None),
            None
        );
        let needed = required_prompt(
            &request(vec![PromptValue::Consent], None),
            Some(&s),
            Some(&full),
            &InteractionResult::default(),
            None,
        );
        assert_eq!(needed, Some((Prompt::Consent, vec!["consent_prompt".into()])));
    }
}
