//! Ending sessions and telling their clients: RP-Initiated Logout 1.0 (the request, checked,
//! then confirmed by the end-user), Back-Channel Logout 1.0 (logout tokens POSTed durably) and
//! Front-Channel Logout 1.0 (the URLs the signed-out page loads in iframes).
//!
//! Ending a session removes it, revokes what its grants without `offline_access` issued, queues
//! a logout token for each of its clients with a `backchannel_logout_uri`, and returns the
//! `frontchannel_logout_uri` of each of its clients that registered one.

#![cfg(feature = "logout")]

pub mod backchannel;
pub(crate) mod external;
mod request;

pub(crate) use request::{LogoutRequest, check};

use crate::audit::{AuditEvent, AuditKind};
use crate::Provider;
use crate::clients::Client;
use crate::model::{self, Grant, Session};
use crate::storage::{Kind, StorageError};

/// Ends `session`: see the module. Returns the front-channel logout URLs to load. Waits for the
/// back-channel deliveries at most `[logout] backchannel_wait_ms`; the rest go on in the
/// background.
pub(crate) async fn end_session(op: &Provider, session: &Session) -> Result<Vec<String>, StorageError> {
    op.storage().destroy(Kind::Session, &session.sid).await?;
    let mut frontchannel = Vec::new();
    let mut queued = Vec::new();
    for (client_id, grant_id) in &session.grants {
        revoke_unless_offline(op, grant_id).await?;
        let Some(client) = op.clients().find(client_id).await? else { continue };
        let sid = session.sid_for(client_id);
        if client.backchannel_logout_uri.is_some() {
            queued.push(backchannel::queue(op, &client, &session.account_id, &sid).await?);
        }
        if let Some(url) = frontchannel_url(op, &client, &sid) {
            frontchannel.push(url);
        }
    }
    let event = AuditEvent::new(AuditKind::Logout).subject(&session.account_id).session(Some(&session.sid));
    op.audit(event.detail(format!("{} clients, {} told over the back channel", session.grants.len(), queued.len())));
    backchannel::deliver_now(op, queued).await;
    Ok(frontchannel)
}

/// Back-Channel Logout 1.0 §2.7: the refresh tokens of a session end with it, unless they were
/// granted `offline_access`, which outlives the session by design; its access tokens too.
async fn revoke_unless_offline(op: &Provider, grant_id: &str) -> Result<(), StorageError> {
    let offline = model::find::<Grant>(op.storage(), grant_id)
        .await?
        .is_some_and(|found| found.model.scopes.contains("offline_access"));
    if !offline {
        op.storage().revoke_by_grant_id(grant_id).await?;
    }
    Ok(())
}

/// Front-Channel Logout 1.0 §2: the client's URL, with `iss` and `sid` when it registered
/// `frontchannel_logout_session_required`.
fn frontchannel_url(op: &Provider, client: &Client, sid: &str) -> Option<String> {
    let uri = client.frontchannel_logout_uri.as_deref()?;
    if !client.frontchannel_logout_session_required {
        return Some(uri.to_string());
    }
    let mut url = url::Url::parse(uri).ok()?;
    url.query_pairs_mut().append_pair("iss", op.issuer()).append_pair("sid", sid);
    Some(url.to_string())
}
