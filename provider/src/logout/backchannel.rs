//! Back-Channel Logout 1.0 delivery, durable: each logout token to send is a record in storage
//! (a restart, or another instance, picks it up), tried at once and then again with a doubling
//! pause, until the client answers 200 (or 204), `[logout] backchannel_max_attempts` tries, or
//! `backchannel_max_age` seconds. Each attempt claims the record with a compare-and-set first,
//! so however many instances sweep the queue, one sends each attempt. Every outcome is logged.

use crate::Provider;
use crate::model::{self, Decision, Model};
use crate::outbound::PostBody;
use crate::security::random_token;
use crate::storage::{Kind, StorageError, now_ms};
use crate::tokens::logout_token::LogoutTokenClaims;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The first pause between attempts; each later one doubles, up to [`MAX_PAUSE_MS`].
const FIRST_PAUSE_MS: i64 = 1_000;
/// The longest pause between attempts.
const MAX_PAUSE_MS: i64 = 10 * 60 * 1_000;
/// How often the queue is swept for attempts that are due.
pub(crate) const SWEEP_EVERY: Duration = Duration::from_secs(2);

/// A logout token to deliver: to whom, about what, and how it has gone so far.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Notification {
    /// Its id (also the storage id).
    pub id: String,
    /// The client to tell.
    pub client_id: String,
    /// The account whose session ended.
    pub account_id: String,
    /// The session id the client knows.
    pub sid: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (milliseconds since the epoch).
    pub due_at: i64,
}

impl Model for Notification {
    const KIND: Kind = Kind::LogoutNotification;
}

/// Queues a logout token for `client` about `account_id`'s session `sid`, due now; its id.
pub async fn queue(
    op: &Provider,
    client: &crate::clients::Client,
    account_id: &str,
    sid: &str,
) -> Result<String, StorageError> {
    let notification = Notification {
        id: random_token(),
        client_id: client.client_id.clone(),
        account_id: account_id.to_string(),
        sid: sid.to_string(),
        attempts: 0,
        due_at: now_ms(),
    };
    let ttl = Duration::from_secs(op.config().logout.backchannel_max_age);
    model::save(op.storage(), &notification.id, &notification, ttl).await?;
    Ok(notification.id)
}

/// Tries each queued notification now, each in a task of its own, and waits for them at most
/// `[logout] backchannel_wait_ms`: the end-user's page does not wait on a slow client, whose
/// delivery goes on (and is retried) in the background.
pub(super) async fn deliver_now(op: &Provider, ids: Vec<String>) {
    let attempts: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let op = op.clone();
            tokio::spawn(async move { attempt(&op, &id).await })
        })
        .collect();
    let wait = Duration::from_millis(op.config().logout.backchannel_wait_ms);
    let _ = tokio::time::timeout(wait, futures_all(attempts)).await;
}

async fn futures_all(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for task in tasks {
        let _ = task.await;
    }
}

/// Sweeps the queue every [`SWEEP_EVERY`], attempting what is due; runs until dropped.
pub(crate) async fn deliver_periodically(op: Provider) {
    let mut ticks = tokio::time::interval(SWEEP_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match op.storage().list(Kind::LogoutNotification).await {
            Ok(records) => {
                let now = now_ms();
                let due = records
                    .iter()
                    .filter_map(|record| serde_json::from_str::<Notification>(&record.payload).ok())
                    .filter(|notification| notification.due_at <= now);
                for notification in due {
                    attempt(&op, &notification.id).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the back-channel logout queue"),
        }
    }
}

/// One delivery attempt of notification `id`, if it is due and this caller claims it.
pub async fn attempt(op: &Provider, id: &str) {
    let Some(notification) = claim(op, id).await else { return };
    let outcome = send(op, &notification).await;
    let policy = &op.config().logout;
    let client_id = notification.client_id.as_str();
    let attempts = notification.attempts;
    match outcome {
        Ok(()) => {
            tracing::info!(client_id, attempts, "back-channel logout delivered");
            forget(op, id).await;
        }
        Err(why) if attempts >= policy.backchannel_max_attempts => {
            tracing::warn!(client_id, attempts, %why, "back-channel logout given up");
            forget(op, id).await;
        }
        Err(why) => tracing::info!(client_id, attempts, %why, "back-channel logout failed; will retry"),
    }
}

/// Claims the next attempt: counts it and moves `due_at` past its pause, in one
/// compare-and-set, so that no other sweep sends it meanwhile. `None` if it is not due, gone,
/// or claimed by another.
async fn claim(op: &Provider, id: &str) -> Option<Notification> {
    let now = now_ms();
    let ttl = |_: &Notification| Duration::from_secs(op.config().logout.backchannel_max_age);
    let claimed = model::update::<Notification, Option<Notification>>(op.storage(), id, ttl, |found| {
        let mut next = found.model;
        if next.due_at > now {
            return Decision::Leave(None);
        }
        next.attempts += 1;
        let pause = FIRST_PAUSE_MS.saturating_mul(1 << (next.attempts - 1).min(20)).min(MAX_PAUSE_MS);
        next.due_at = now + pause;
        Decision::Write(next.clone(), Some(next))
    });
    match claimed.await {
        Ok(found) => found.flatten(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot claim a back-channel logout");
            None
        }
    }
}

/// POSTs a fresh logout token to the client (Back-Channel Logout 1.0 §2.5): delivered when it
/// answers 200 or 204 (§2.8).
async fn send(op: &Provider, notification: &Notification) -> Result<(), String> {
    let client = op.clients().find(&notification.client_id).await.map_err(|e| e.to_string())?;
    let client = client.ok_or("the client is gone")?;
    let uri = client.backchannel_logout_uri.as_deref().ok_or("the client has no backchannel_logout_uri now")?;
    let sub = op.subject(&client, &notification.account_id);
    let claims = LogoutTokenClaims::new(op, &client, sub, notification.sid.clone());
    let token = claims.sign(op, &client).await?;
    let answered = op.fetcher().post(uri, PostBody::Form(&[("logout_token", &token)]), None).await;
    match answered {
        Ok(answer) if matches!(answer.status, 200 | 204) => Ok(()),
        Ok(answer) => Err(format!("the client answered {}", answer.status)),
        Err(e) => Err(e.to_string()),
    }
}

async fn forget(op: &Provider, id: &str) {
    if let Err(e) = model::destroy::<Notification>(op.storage(), id).await {
        tracing::warn!(error = %e, "cannot remove a back-channel logout from the queue");
    }
}
