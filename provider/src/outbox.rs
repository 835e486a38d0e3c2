//! Durable deliveries to clients: back-channel logout tokens, CIBA pings and pushes. Each message
//! is a record in storage (a restart, or another instance, picks it up), tried at once and then
//! again with a doubling pause, until the client takes it, its kind gives up on an answer, the
//! kind's most attempts, or its age. Each attempt claims the record with a compare-and-set
//! first, so however many instances sweep the queue, one sends each attempt. Every outcome is
//! logged, naming the client and never the message's content.

#![cfg(any(feature = "logout", feature = "ciba"))]

use crate::Provider;
use crate::model::{self, Decision, Model};
use crate::security::random_token;
use crate::storage::{StorageError, now_ms};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::time::Duration;

/// The first pause between attempts; each later one doubles, up to [`MAX_PAUSE_MS`].
const FIRST_PAUSE_MS: i64 = 1_000;
/// The longest pause between attempts.
const MAX_PAUSE_MS: i64 = 10 * 60 * 1_000;
/// How often a queue is swept for attempts that are due.
const SWEEP_EVERY: Duration = Duration::from_secs(2);

/// What every queued message carries: its id, its client, and how its delivery has gone so far.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Envelope {
    /// The message's id (also its storage id).
    pub id: String,
    /// The client it goes to.
    pub client_id: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due (milliseconds since the epoch).
    pub due_at: i64,
}

impl Envelope {
    /// A new message's envelope, to `client_id`, due now.
    pub(crate) fn new(client_id: &str) -> Self {
        Self { id: random_token(), client_id: client_id.to_string(), attempts: 0, due_at: now_ms() }
    }
}

/// Why an attempt did not deliver.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Worth another attempt later (no answer, a 5xx, a 429).
    Retry(String),
    /// Not worth another (the client refused the message, or it no longer applies).
    GiveUp(String),
}

/// A kind of message the provider delivers durably.
pub(crate) trait Message: Model + Clone + 'static {
    /// Its name in the log.
    const WHAT: &'static str;
    /// Its queue's name in the metrics.
    const QUEUE: &'static str;
    /// Its envelope.
    fn envelope(&self) -> &Envelope;
    /// Its envelope, to count an attempt.
    fn envelope_mut(&mut self) -> &mut Envelope;
    /// Most attempts before it is given up.
    fn max_attempts(op: &Provider) -> u32;
    /// How long it is kept, undelivered, before it is given up.
    fn max_age(op: &Provider) -> Duration;
    /// One attempt to deliver it.
    fn send(&self, op: &Provider) -> impl Future<Output = Result<(), Failure>> + Send;
}

/// Queues `message`, due now; its id.
pub(crate) async fn enqueue<M: Message>(op: &Provider, message: &M) -> Result<String, StorageError> {
    let id = message.envelope().id.clone();
    model::save(op.storage(), &id, message, M::max_age(op)).await?;
    Ok(id)
}

/// Tries each queued message now, each in a task of its own, and waits for them at most `wait`:
/// whoever waits does not wait on a slow client, whose delivery goes on (and is retried) in the
/// background.
pub(crate) async fn deliver_now<M: Message>(op: &Provider, ids: Vec<String>, wait: Duration) {
    let attempts: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let op = op.clone();
            tokio::spawn(async move { attempt::<M>(&op, &id).await })
        })
        .collect();
    let _ = tokio::time::timeout(wait, async {
        for task in attempts {
            let _ = task.await;
        }
    })
    .await;
}

/// Sweeps the queue of `M` every [`SWEEP_EVERY`], attempting what is due; runs until dropped.
pub(crate) async fn deliver_periodically<M: Message>(op: Provider) {
    let mut ticks = tokio::time::interval(SWEEP_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match op.storage().list(M::KIND).await {
            Ok(records) => {
                let now = now_ms();
                let due = records
                    .iter()
                    .filter_map(|record| serde_json::from_str::<M>(&record.payload).ok())
                    .filter(|message| message.envelope().due_at <= now);
                for message in due {
                    attempt::<M>(&op, &message.envelope().id).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, what = M::WHAT, "cannot read a delivery queue"),
        }
    }
}

/// How many messages wait in `M`'s queue (for the metrics; reads the whole queue).
pub(crate) async fn depth<M: Message>(op: &Provider) -> Option<(&'static str, i64)> {
    let records = op.storage().list(M::KIND).await.ok()?;
    Some((M::QUEUE, i64::try_from(records.len()).unwrap_or(i64::MAX)))
}

/// One delivery attempt of message `id`, if it is due and this caller claims it.
pub(crate) async fn attempt<M: Message>(op: &Provider, id: &str) {
    let Some(message) = claim::<M>(op, id).await else { return };
    let outcome = message.send(op).await;
    let (client_id, attempts) = (message.envelope().client_id.as_str(), message.envelope().attempts);
    let what = M::WHAT;
    match outcome {
        Ok(()) => {
            op.metrics().delivery(M::QUEUE, "delivered");
            tracing::info!(client_id, attempts, what, "delivered");
            forget::<M>(op, id).await;
        }
        Err(Failure::GiveUp(why)) => {
            op.metrics().delivery(M::QUEUE, "refused");
            tracing::warn!(client_id, attempts, what, %why, "delivery refused; given up");
            forget::<M>(op, id).await;
        }
        Err(Failure::Retry(why)) if attempts >= M::max_attempts(op) => {
            op.metrics().delivery(M::QUEUE, "given_up");
            tracing::warn!(client_id, attempts, what, %why, "delivery given up");
            forget::<M>(op, id).await;
        }
        Err(Failure::Retry(why)) => {
            op.metrics().delivery(M::QUEUE, "retry");
            tracing::info!(client_id, attempts, what, %why, "delivery failed; will retry");
        }
    }
}

/// Claims the next attempt: counts it and moves `due_at` past its pause, in one
/// compare-and-set, so that no other sweep sends it meanwhile. `None` if it is not due, gone,
/// or claimed by another.
async fn claim<M: Message>(op: &Provider, id: &str) -> Option<M> {
    let now = now_ms();
    let ttl = |_: &M| M::max_age(op);
    let claimed = model::update::<M, Option<M>>(op.storage(), id, ttl, |found| {
        let mut next = found.model;
        let envelope = next.envelope_mut();
        if envelope.due_at > now {
            return Decision::Leave(None);
        }
        envelope.attempts += 1;
        let pause = FIRST_PAUSE_MS.saturating_mul(1 << (envelope.attempts - 1).min(20)).min(MAX_PAUSE_MS);
        envelope.due_at = now + pause;
        Decision::Write(next.clone(), Some(next))
    });
    match claimed.await {
        Ok(found) => found.flatten(),
        Err(e) => {
            tracing::warn!(error = %e, what = M::WHAT, "cannot claim a delivery");
            None
        }
    }
}

async fn forget<M: Message>(op: &Provider, id: &str) {
    if let Err(e) = model::destroy::<M>(op.storage(), id).await {
        tracing::warn!(error = %e, what = M::WHAT, "cannot remove a delivery from its queue");
    }
}
