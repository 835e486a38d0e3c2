//! Back-Channel Logout 1.0 delivery, durable: each logout token to send is a message in the
//! [`outbox`](crate::outbox), tried at once and then again with a doubling pause, until the
//! client answers 200 (or 204), `[logout] backchannel_max_attempts` tries, or
//! `backchannel_max_age` seconds.

use crate::Provider;
use crate::model::Model;
use crate::outbound::PostBody;
use crate::outbox::{self, Envelope, Failure, Message};
use crate::storage::{Kind, StorageError};
use crate::tokens::logout_token::LogoutTokenClaims;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A logout token to deliver: to whom, about what, and how it has gone so far.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Notification {
    /// Its id, its client, and its delivery so far.
    #[serde(flatten)]
    pub envelope: Envelope,
    /// The account whose session ended.
    pub account_id: String,
    /// The session id the client knows.
    pub sid: String,
}

impl Model for Notification {
    const KIND: Kind = Kind::LogoutNotification;
}

impl Message for Notification {
    const WHAT: &'static str = "back-channel logout";
    const QUEUE: &'static str = "backchannel_logout";

    fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    fn envelope_mut(&mut self) -> &mut Envelope {
        &mut self.envelope
    }

    fn max_attempts(op: &Provider) -> u32 {
        op.config().logout.backchannel_max_attempts
    }

    fn max_age(op: &Provider) -> Duration {
        Duration::from_secs(op.config().logout.backchannel_max_age)
    }

    /// POSTs a fresh logout token to the client (Back-Channel Logout 1.0 §2.5): delivered when
    /// it answers 200 or 204 (§2.8); any other answer is retried.
    async fn send(&self, op: &Provider) -> Result<(), Failure> {
        let retry = |why: String| Failure::Retry(why);
        let client = op.clients().find(&self.envelope.client_id).await.map_err(|e| retry(e.to_string()))?;
        let client = client.ok_or_else(|| Failure::GiveUp("the client is gone".into()))?;
        let Some(uri) = client.backchannel_logout_uri.as_deref() else {
            return Err(Failure::GiveUp("the client has no backchannel_logout_uri now".into()));
        };
        let sub = op.subject(&client, &self.account_id);
        let claims = LogoutTokenClaims::new(op, &client, sub, self.sid.clone());
        let token = claims.sign(op, &client).await.map_err(retry)?;
        match op.fetcher().post(uri, PostBody::Form(&[("logout_token", &token)]), None).await {
            Ok(answer) if matches!(answer.status, 200 | 204) => Ok(()),
            Ok(answer) => Err(retry(format!("the client answered {}", answer.status))),
            Err(e) => Err(retry(e.to_string())),
        }
    }
}

/// Queues a logout token for `client` about `account_id`'s session `sid`, due now; its id.
pub async fn queue(
    op: &Provider,
    client: &crate::clients::Client,
    account_id: &str,
    sid: &str,
) -> Result<String, StorageError> {
    let notification = Notification {
        envelope: Envelope::new(&client.client_id),
        account_id: account_id.to_string(),
        sid: sid.to_string(),
    };
    outbox::enqueue(op, &notification).await
}

/// Tries each queued logout token now, waiting for them at most `[logout] backchannel_wait_ms`:
/// the end-user's page does not wait on a slow client.
pub(super) async fn deliver_now(op: &Provider, ids: Vec<String>) {
    let wait = Duration::from_millis(op.config().logout.backchannel_wait_ms);
    outbox::deliver_now::<Notification>(op, ids, wait).await;
}

/// Sweeps the queue, attempting what is due; runs until dropped.
pub(crate) async fn deliver_periodically(op: Provider) {
    outbox::deliver_periodically::<Notification>(op).await;
}

/// One delivery attempt of logout token `id`, if it is due and this caller claims it (the race
/// tests drive attempts one by one).
#[cfg(feature = "internals")]
pub async fn attempt(op: &Provider, id: &str) {
    outbox::attempt::<Notification>(op, id).await;
}
