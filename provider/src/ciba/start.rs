//! A backchannel authentication request, from the checked request to the stored one (CIBA Core
//! §7): its user found, its `auth_req_id` issued, its device asked.

use super::device::{HintProblem, PendingAuthentication};
use crate::Provider;
use crate::authorization::{BackchannelAsk, Hint, backchannel_request};
use crate::clients::Client;
use crate::config::DeliveryMode;
use crate::model::{self, BackchannelRequest, BackchannelStatus, NotifyWith};
use crate::protocol::{ErrorCode, OAuthError, OAuthResult, Params};
use crate::security::{now, random_token};
use std::sync::Arc;

/// The successful answer (CIBA Core §7.3).
#[derive(Debug)]
pub(crate) struct Started {
    /// The handle the client redeems.
    pub auth_req_id: String,
    /// Seconds it lives.
    pub expires_in: u64,
    /// Seconds between polls (poll and ping modes).
    pub interval: Option<u64>,
}

/// `POST /backchannel` from an authenticated client: checked, its user found, stored, and the
/// user's device asked.
pub(crate) async fn start(op: &Provider, client: Arc<Client>, params: Params) -> OAuthResult<Started> {
    let ask = backchannel_request(op, client.clone(), params).await?;
    let account_id = user(op, &client, &ask.hint).await?;
    check_user_code(op, &account_id, &ask).await?;
    let auth_req_id = random_token();
    let interval = op.config().ciba.interval;
    let request = BackchannelRequest {
        id: super::id_of(&auth_req_id),
        client_id: client.client_id.clone(),
        account_id,
        scopes: ask.scopes,
        resources: ask.resources,
        acr_values: ask.acr_values,
        binding_message: ask.binding_message,
        mode: ask.mode,
        notify: ask
            .client_notification_token
            .map(|token| NotifyWith { auth_req_id: auth_req_id.clone(), client_notification_token: token }),
        expires_at: now() + ask.expires_in as i64,
        interval,
        last_poll_ms: None,
        created_at: now(),
        status: BackchannelStatus::Pending,
    };
    model::save(op.storage(), &request.id, &request, request.remaining()).await?;
    // The device may take its time (a push to a phone): the client does not wait for it.
    let pending = PendingAuthentication::named(&request, client.display_name().to_string());
    let device_op = op.clone();
    tokio::spawn(async move { device_op.authentication_device().ask(&device_op, &pending).await });
    let interval = (ask.mode != DeliveryMode::Push).then_some(interval);
    Ok(Started { auth_req_id, expires_in: ask.expires_in, interval })
}

/// CIBA Core §7.1, §13: the user the hint names, or `unknown_user_id`.
async fn user(op: &Provider, client: &Client, hint: &Hint) -> OAuthResult<String> {
    let unknown = || OAuthError::new(ErrorCode::UnknownUserId, "the hint names no user known here");
    match hint {
        Hint::LoginHint(hint) => op.accounts().find_by_login_hint(hint).await.map(|a| a.sub).ok_or_else(unknown),
        Hint::LoginHintToken(token) => match op.authentication_device().login_hint_token(token).await {
            Ok(account_id) => Ok(account_id),
            Err(HintProblem::Unknown) => Err(unknown()),
            Err(HintProblem::Expired) => {
                Err(OAuthError::new(ErrorCode::ExpiredLoginHintToken, "the login_hint_token has expired"))
            }
        },
        Hint::IdTokenHint(token) => {
            // An ID token of ours (expired ones are fine, OIDC Core §3.1.2.1), issued to this
            // client. A pairwise `sub` cannot be turned back into its account.
            let claims = crate::tokens::verify_id_token_hint(op, token).map_err(OAuthError::invalid_request)?;
            let audience_ok = match &claims["aud"] {
                serde_json::Value::String(aud) => *aud == client.client_id,
                serde_json::Value::Array(auds) => auds.iter().any(|a| *a == client.client_id.as_str()),
                _ => false,
            };
            if !audience_ok {
                return Err(OAuthError::invalid_request("the id_token_hint was issued to another client"));
            }
            let sub = claims["sub"].as_str().unwrap_or_default();
            let account = op.accounts().find(sub).await.filter(|a| op.subject(client, &a.sub) == sub);
            account.map(|a| a.sub).ok_or_else(unknown)
        }
    }
}

/// CIBA Core §7.1: a `user_code` the client was bound to send is the user's own.
async fn check_user_code(op: &Provider, account_id: &str, ask: &BackchannelAsk) -> OAuthResult<()> {
    let Some(code) = &ask.user_code else { return Ok(()) };
    if op.authentication_device().check_user_code(account_id, code).await {
        Ok(())
    } else {
        Err(OAuthError::new(ErrorCode::InvalidUserCode, "the user_code is not the user's"))
    }
}
