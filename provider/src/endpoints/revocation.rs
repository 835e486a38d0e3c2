//! Token revocation (RFC 7009).

use crate::audit::AuditKind;
use crate::Provider;
use crate::clients::ClientRequest;
use crate::endpoints::respond::{ErrorReply, Reply};
use crate::model::{self, AccessToken, Presented};
use crate::protocol::OAuthError;
use crate::tokens::self_contained;
use rocket::http::Status;
use rocket::{Route, State, post, routes as rocket_routes};

/// The route.
pub(crate) fn routes() -> Vec<Route> {
    rocket_routes![revoke]
}

#[post("/revoke", data = "<request>")]
async fn revoke(op: &State<Provider>, request: Result<ClientRequest, ErrorReply>) -> Reply<Status> {
    let request = request?;
    let token = request.params.require("token")?;
    let hint = request.params.get("token_type_hint");
    // RFC 7009 §2.2: unknown and already revoked tokens are answered 200 as well.
    let Some(presented) = self_contained::find_presented(op, token, hint).await? else { return Ok(Status::Ok) };
    if presented.claims().client_id != request.client.client_id {
        // RFC 7009 §2.1: a token of another client is refused.
        return Err(OAuthError::invalid_request("the token was not issued to this client").into());
    }
    let event = presented.claims().audit(AuditKind::TokenRevoked);
    let kind = match presented {
        Presented::Access(_) | Presented::SelfContained(_) => "access_token",
        Presented::Refresh(_) => "refresh_token",
    };
    match presented {
        Presented::Access(_) => model::destroy::<AccessToken>(op.storage(), token).await?,
        Presented::SelfContained(at) => self_contained::revoke(op, &at).await?,
        // Revoking a refresh token revokes its grant: every access and refresh token issued under it.
        Presented::Refresh(found) => op.storage().revoke_by_grant_id(&found.model.claims.grant_id).await?,
    }
    op.audit(event.detail(kind));
    Ok(Status::Ok)
}
