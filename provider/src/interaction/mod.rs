//! Interactions: what the end-user does between an authorization request and its response.
//!
//! The functions here are the interaction API: the built-in pages (`endpoints::interaction`) use them, and a
//! host application with its own login UI can use them the same way (read the interaction with
//! [`details`], then record the outcome with [`finish_login`] / [`finish_consent`] and [`resume`]).

pub mod external;

pub use crate::authorization::Decision;
pub use crate::model::{
    ExternalAnswer, ExternalDecision, Interaction, InteractionResult, LoginResult, Prompt, Session,
};

use crate::Provider;
use crate::accounts::Account;
use crate::audit::{AuditEvent, AuditKind};
use crate::model::{self, DeviceCode, DeviceStatus, Grant};
use crate::protocol::ErrorCode;
use crate::protocol::{AuthorizationError, Completion};
use crate::security::{now, random_token};
use std::collections::BTreeSet;
use std::time::Duration;

/// The interaction with this uid, if it is still pending.
pub async fn details(op: &Provider, uid: &str) -> Result<Option<Interaction>, AuthorizationError> {
    Ok(model::find::<Interaction>(op.storage(), uid).await?.map(|f| f.model))
}

/// Records a successful login in the interaction and returns the session to use from now on.
/// The same account keeps its session (and consents) with a fresh `auth_time`; another account
/// gets a new session.
pub async fn finish_login(
    op: &Provider,
    interaction: &mut Interaction,
    account: &Account,
    current: Option<Session>,
) -> Result<Session, AuthorizationError> {
    let acr = op.config().acr.clone();
    record_login(op, interaction, &account.sub, acr, vec!["pwd".to_string()], current).await
}

/// Records a login of `sub` with `acr` and `amr` (see [`finish_login`]), however the user signed in.
pub async fn record_login(
    op: &Provider,
    interaction: &mut Interaction,
    sub: &str,
    acr: String,
    amr: Vec<String>,
    current: Option<Session>,
) -> Result<Session, AuthorizationError> {
    let auth_time = now();
    interaction.result.login = Some(LoginResult { account_id: sub.to_string(), auth_time, amr: amr.clone() });
    let session = match current {
        Some(s) if s.account_id == sub => Session { auth_time, amr, acr, ..s },
        _ => Session {
            sid: random_token(),
            account_id: sub.to_string(),
            auth_time,
            acr,
            amr,
            grants: Default::default(),
        },
    };
    save_interaction(op, interaction).await?;
    let event = AuditEvent::new(AuditKind::LoginSucceeded).client(&interaction.request.client_id);
    op.audit(event.subject(sub).session(Some(&session.sid)).detail(session.amr.join(" ")));
    Ok(session)
}

/// Records consent to the interaction's scopes in the session's grant for the client.
pub async fn finish_consent(
    op: &Provider,
    interaction: &mut Interaction,
    session: &mut Session,
) -> Result<(), AuthorizationError> {
    let client_id = interaction.request.client_id.clone();
    let existing = crate::authorization::current_grant(op, session, &client_id).await?;
    let mut grant = existing.unwrap_or_else(|| Grant {
        id: random_token(),
        account_id: session.account_id.clone(),
        client_id: client_id.clone(),
        scopes: BTreeSet::new(),
        claims: BTreeSet::new(),
    });
    grant.scopes.extend(interaction.request.scopes.iter().cloned());
    grant.claims.extend(interaction.request.claims.iter().flat_map(|c| c.end_user_claims()));
    model::save(op.storage(), &grant.id, &grant, Duration::from_secs(op.config().ttl.grant)).await?;
    let event = AuditEvent::new(AuditKind::ConsentGiven).client(&client_id).subject(&grant.account_id);
    let event = event.grant(&grant.id).session(Some(&session.sid));
    session.grants.insert(client_id, grant.id);
    interaction.result.consented = true;
    save_interaction(op, interaction).await?;
    op.audit(event.detail(interaction.request.scopes.join(" ")));
    Ok(())
}

/// Re-runs the policy for an interaction with the session it now has.
pub async fn resume(
    op: &Provider,
    interaction: Interaction,
    session: Option<Session>,
) -> Result<Decision, AuthorizationError> {
    crate::authorization::resume(op, interaction, session).await
}

/// Ends an interaction with `access_denied` (the user cancelled or refused).
pub async fn deny(
    op: &Provider,
    interaction: &Interaction,
    why: &str,
) -> Result<AuthorizationError, AuthorizationError> {
    deny_with(op, interaction, ErrorCode::AccessDenied, why).await
}

/// Ends an interaction with the error `code` (a login app's rejection, OIDC Core §3.1.2.6).
pub async fn deny_with(
    op: &Provider,
    interaction: &Interaction,
    code: ErrorCode,
    why: &str,
) -> Result<AuthorizationError, AuthorizationError> {
    model::destroy::<Interaction>(op.storage(), &interaction.uid).await?;
    if let Completion::Device { id } = &interaction.request.completion {
        // RFC 8628 §3.5: the device's next poll gets access_denied. A compare-and-set, so a
        // poll writing its time meanwhile does not undo the denial.
        model::update::<DeviceCode, _>(op.storage(), id, DeviceCode::remaining, |found| {
            let mut device = found.model;
            if found.consumed_at.is_some() || device.status != DeviceStatus::Pending {
                return model::Decision::Leave(());
            }
            device.status = DeviceStatus::Denied;
            model::Decision::Write(device, ())
        })
        .await?;
    }
    Ok(interaction.request.error(code, why))
}

async fn save_interaction(op: &Provider, interaction: &Interaction) -> Result<(), AuthorizationError> {
    let ttl = Duration::from_secs(op.config().ttl.interaction);
    Ok(model::save(op.storage(), &interaction.uid, interaction, ttl).await?)
}
