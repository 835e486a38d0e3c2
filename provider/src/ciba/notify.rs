//! Telling a ping or push client the outcome (CIBA Core §10.2, §10.3), durably through the
//! [`outbox`](crate::outbox): a ping says "ask the token endpoint now"; a push carries the
//! tokens themselves, or the error. A push's tokens are issued at each attempt and revoked if
//! the client does not take them, so no token waits in storage in the clear.

use crate::Provider;
use crate::clients::Client;
use crate::config::DeliveryMode;
use crate::model::{self, AccessToken, BackchannelRequest, BackchannelStatus, Model, RefreshToken};
use crate::outbound::PostBody;
use crate::outbox::{self, Envelope, Failure, Message};
use crate::storage::{Kind, StorageError};
use crate::tokens::{self, Issue, TokenResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// A ping or push to deliver for one backchannel authentication.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Notification {
    /// Its id, its client, and its delivery so far.
    #[serde(flatten)]
    pub envelope: Envelope,
    /// The request's storage id.
    pub request_id: String,
}

impl Model for Notification {
    const KIND: Kind = Kind::CibaNotification;
}

impl Message for Notification {
    const WHAT: &'static str = "CIBA notification";
    const QUEUE: &'static str = "ciba_notification";

    fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    fn envelope_mut(&mut self) -> &mut Envelope {
        &mut self.envelope
    }

    fn max_attempts(op: &Provider) -> u32 {
        op.config().ciba.notification_max_attempts
    }

    /// As long as a request can live: after that, its outcome is of no use to the client.
    fn max_age(op: &Provider) -> Duration {
        Duration::from_secs(op.config().ciba.max_requested_expiry)
    }

    async fn send(&self, op: &Provider) -> Result<(), Failure> {
        let retry = |e: StorageError| Failure::Retry(e.to_string());
        let found = model::find::<BackchannelRequest>(op.storage(), &self.request_id).await.map_err(retry)?;
        let found = found.ok_or_else(|| Failure::GiveUp("the request is gone".into()))?;
        if found.consumed() {
            // Pushed before (or, in ping mode, redeemed already): nothing more to tell.
            return Ok(());
        }
        let request = found.model;
        let client = op.clients().find(&request.client_id).await.map_err(|e| Failure::Retry(e.to_string()))?;
        let client = client.ok_or_else(|| Failure::GiveUp("the client is gone".into()))?;
        let (Some(endpoint), Some(notify)) =
            (client.backchannel_client_notification_endpoint.as_deref(), &request.notify)
        else {
            return Err(Failure::GiveUp("the client has no notification endpoint".into()));
        };
        let bearer = Some(notify.client_notification_token.as_str());
        match request.mode {
            // CIBA Core §10.2: the auth_req_id alone, as JSON, with the client's bearer token.
            DeliveryMode::Ping => {
                let body = json!({ "auth_req_id": notify.auth_req_id });
                judge(op.fetcher().post(endpoint, PostBody::Json(&body), bearer).await)
            }
            DeliveryMode::Push => push(op, &client, &request, endpoint, bearer).await,
            DeliveryMode::Poll => Err(Failure::GiveUp("a poll client is not notified".into())),
        }
    }
}

/// CIBA Core §10.3.1 (tokens) and §12 (an error): delivered when the client answers 2xx, and
/// then the request is used up; otherwise what was issued is revoked.
async fn push(
    op: &Provider,
    client: &Client,
    request: &BackchannelRequest,
    endpoint: &str,
    bearer: Option<&str>,
) -> Result<(), Failure> {
    let auth_req_id = request.notify.as_ref().map(|n| n.auth_req_id.as_str()).unwrap_or_default();
    let claims = match &request.status {
        BackchannelStatus::Approved { claims } => claims.as_ref().clone(),
        BackchannelStatus::Denied => {
            let body = json!({
                "error": "access_denied",
                "error_description": "the user refused",
                "auth_req_id": auth_req_id,
            });
            return judge(op.fetcher().post(endpoint, PostBody::Json(&body), bearer).await);
        }
        BackchannelStatus::Pending => return Err(Failure::GiveUp("nothing decided to push".into())),
    };
    let binding = crate::sender::bind_front_channel();
    let what = Issue::of_approval(client, claims, &binding, crate::protocol::grant_type::CIBA)
        .map_err(|e| Failure::GiveUp(e.description))?;
    let issued = tokens::issue_pushed(op, what, auth_req_id).await.map_err(|e| Failure::Retry(e.description))?;
    let mut body = serde_json::to_value(&issued).unwrap_or_default();
    body["auth_req_id"] = auth_req_id.into();
    let outcome = judge(op.fetcher().post(endpoint, PostBody::Json(&body), bearer).await);
    match &outcome {
        Ok(()) => {
            let _ = model::consume::<BackchannelRequest>(op.storage(), &request.id).await;
        }
        Err(_) => revoke(op, &issued).await,
    }
    outcome
}

/// Tokens a client did not take are revoked before the next attempt issues new ones.
async fn revoke(op: &Provider, issued: &TokenResponse) {
    let access = model::destroy::<AccessToken>(op.storage(), &issued.access_token).await;
    let refresh = match &issued.refresh_token {
        Some(token) => model::destroy::<RefreshToken>(op.storage(), token).await,
        None => Ok(()),
    };
    if let Err(e) = access.and(refresh) {
        tracing::warn!(error = %e, "cannot revoke the tokens of an undelivered CIBA push");
    }
}

/// Queues the ping or push that tells the client `request`'s outcome, if its mode has one,
/// and tries it at once in the background.
pub(crate) async fn queue_outcome(op: &Provider, request: &BackchannelRequest) -> Result<(), StorageError> {
    if request.mode == DeliveryMode::Poll || request.notify.is_none() {
        return Ok(());
    }
    let notification = Notification { envelope: Envelope::new(&request.client_id), request_id: request.id.clone() };
    let id = outbox::enqueue(op, &notification).await?;
    outbox::deliver_now::<Notification>(op, vec![id], Duration::ZERO).await;
    Ok(())
}

/// Sweeps the queue, attempting what is due; runs until dropped.
pub(crate) async fn deliver_periodically(op: Provider) {
    outbox::deliver_periodically::<Notification>(op).await;
}

/// How an answer from the client's notification endpoint counts (CIBA Core §10.2): a 2xx delivers; no answer, a 5xx
/// or a 429 is worth a retry; anything else (a redirect, which is never followed, or a refusal)
/// is given up.
fn judge(answered: Result<crate::outbound::Answered, crate::outbound::FetchError>) -> Result<(), Failure> {
    match answered {
        Ok(answer) if (200..300).contains(&answer.status) => Ok(()),
        Ok(answer) if answer.status >= 500 || answer.status == 429 => {
            Err(Failure::Retry(format!("the client answered {}", answer.status)))
        }
        Ok(answer) => Err(Failure::GiveUp(format!("the client answered {}", answer.status))),
        Err(e) => Err(Failure::Retry(e.to_string())),
    }
}
