//! Client-Initiated Backchannel Authentication (CIBA Core 1.0): a client asks for a user's
//! authentication without a browser; the user approves or denies on their authentication
//! device; the client gets the outcome in the mode it registered (poll, ping or push).
//!
//! The authentication device is the host's: an [`AuthenticationDevice`] is asked to reach the
//! user, and whatever the user decides comes back through [`complete`]. Two ship with the
//! provider: the built-in page at `/ciba`, where a signed-in user sees their pending requests
//! (the default device, [`WebPage`], only logs that one waits), and the automated approval
//! endpoint `POST /ciba/approve` for test suites (off unless `[ciba] approval_secret` is set).

#![cfg(feature = "ciba")]

mod device;
pub(crate) mod notify;
mod start;

pub use device::{AuthenticationDevice, HintProblem, PendingAuthentication, WebPage};
pub(crate) use start::start;

use crate::Provider;
use crate::model::{self, BackchannelRequest, BackchannelStatus, Decision, Grant, TokenClaims};
use crate::security::{now, random_token, sha256_b64url};
use crate::storage::StorageError;
use std::collections::BTreeSet;
use std::time::Duration;

/// What the user decided on their authentication device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The user approved, having authenticated this way.
    Approved {
        /// The authentication context class reached (absent: the configured `acr`).
        acr: Option<String>,
        /// The authentication methods used (RFC 8176).
        amr: Vec<String>,
    },
    /// The user refused.
    Denied,
}

/// Why an outcome was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum CompleteError {
    /// No pending request has this id: unknown, already decided, or expired.
    #[error("no pending backchannel authentication has this id")]
    NotPending,
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Records the user's decision on the pending request `id` ([`PendingAuthentication::id`]),
/// once: the first decision wins. A ping or push goes to the client where it registered one.
pub async fn complete(op: &Provider, id: &str, outcome: Outcome) -> Result<(), CompleteError> {
    decide(op, id, None, outcome).await
}

/// [`complete`] for the user `account_id` decides only a request naming them (the built-in
/// page's signed-in user); another's is `NotPending` to them.
pub(crate) async fn complete_as(
    op: &Provider,
    id: &str,
    account_id: &str,
    outcome: Outcome,
) -> Result<(), CompleteError> {
    decide(op, id, Some(account_id), outcome).await
}

async fn decide(op: &Provider, id: &str, account_id: Option<&str>, outcome: Outcome) -> Result<(), CompleteError> {
    let Some(found) = model::find::<BackchannelRequest>(op.storage(), id).await? else {
        return Err(CompleteError::NotPending);
    };
    let someone_else = account_id.is_some_and(|account| account != found.model.account_id);
    if someone_else || found.consumed() || !found.model.is_pending() {
        return Err(CompleteError::NotPending);
    }
    let request = found.model;
    let status = match outcome {
        Outcome::Approved { acr, amr } => {
            let grant = grant_for(op, &request).await?;
            let claims = TokenClaims {
                client_id: request.client_id.clone(),
                account_id: request.account_id.clone(),
                scopes: request.scopes.clone(),
                grant_id: grant.id,
                sid: None,
                auth_time: now(),
                acr: acr.unwrap_or_else(|| op.config().acr.clone()),
                amr,
                claims: None,
                resources: request.resources.clone(),
                authorization_details: Vec::new(),
                client_instance: None,
                cnf: None,
            };
            BackchannelStatus::Approved { claims: Box::new(claims) }
        }
        Outcome::Denied => BackchannelStatus::Denied,
    };
    // A compare-and-set: a poll writing its time meanwhile does not undo the decision, and of
    // two decisions the first wins.
    let decided = model::update::<BackchannelRequest, _>(op.storage(), id, BackchannelRequest::remaining, |found| {
        let mut request = found.model;
        if found.consumed_at.is_some() || !request.is_pending() {
            return Decision::Leave(None);
        }
        request.status = status.clone();
        Decision::Write(request.clone(), Some(request))
    })
    .await?;
    let decided = decided.flatten().ok_or(CompleteError::NotPending)?;
    tracing::info!(client_id = %decided.client_id, approved = status != BackchannelStatus::Denied, "backchannel authentication decided");
    notify::queue_outcome(op, &decided).await?;
    Ok(())
}

/// The pending request an `auth_req_id` names, by its id ([`PendingAuthentication::id`]).
pub fn id_of(auth_req_id: &str) -> String {
    sha256_b64url(auth_req_id)
}

/// The consent behind the tokens: a grant of its own per approval, so that revoking it
/// revokes what this approval issued and nothing else.
async fn grant_for(op: &Provider, request: &BackchannelRequest) -> Result<Grant, StorageError> {
    let grant = Grant {
        id: random_token(),
        account_id: request.account_id.clone(),
        client_id: request.client_id.clone(),
        scopes: request.scopes.iter().cloned().collect::<BTreeSet<_>>(),
        claims: BTreeSet::new(),
    };
    model::save(op.storage(), &grant.id, &grant, Duration::from_secs(op.config().ttl.grant)).await?;
    Ok(grant)
}

/// The requests waiting for `account_id`'s decision, oldest first, for the built-in page. It
/// reads the whole queue of pending requests, which lives minutes: fine for a page, not for a
/// hot path.
pub(crate) async fn pending_for(op: &Provider, account_id: &str) -> Result<Vec<PendingAuthentication>, StorageError> {
    let records = op.storage().list(crate::storage::Kind::BackchannelAuthenticationRequest).await?;
    let mut pending: Vec<BackchannelRequest> = records
        .iter()
        .filter(|record| !record.consumed())
        .filter_map(|record| serde_json::from_str::<BackchannelRequest>(&record.payload).ok())
        .filter(|request| request.account_id == account_id && request.is_pending())
        .collect();
    pending.sort_by_key(|request| request.created_at);
    let mut shown = Vec::with_capacity(pending.len());
    for request in pending {
        shown.push(PendingAuthentication::of(op, &request).await);
    }
    Ok(shown)
}
