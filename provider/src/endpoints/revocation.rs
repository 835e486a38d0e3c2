//! Token revocation (RFC 7009).

use crate::Provider;
use crate::clients::ClientRequest;
use crate::error::{OAuthError, OAuthResult};
use crate::model::{self, AccessToken, RefreshToken};
use rocket::http::Status;
use rocket::{Route, State, post, routes as rocket_routes};

/// The route.
pub fn routes() -> Vec<Route> {
    rocket_routes![revoke]
}

#[post("/revoke", data = "<request>")]
async fn revoke(op: &State<Provider>, request: Result<ClientRequest, OAuthError>) -> OAuthResult<Status> {
    let request = request?;
    let token = request.params.require("token")?;
    // RFC 7009 §2.1: the hint only orders the lookups.
    let refresh_first = request.params.get("token_type_hint") == Some("refresh_token");
    for refresh in [refresh_first, !refresh_first] {
        let done = if refresh {
            revoke_refresh(op, token, &request.client.client_id).await?
        } else {
            revoke_access(op, token, &request.client.client_id).await?
        };
        if done {
            break;
        }
    }
    // RFC 7009 §2.2: unknown and already revoked tokens are answered 200 as well.
    Ok(Status::Ok)
}

fn not_yours() -> OAuthError {
    // RFC 7009 §2.1: a token of another client is refused.
    OAuthError::invalid_request("the token was not issued to this client")
}

async fn revoke_access(op: &Provider, token: &str, client_id: &str) -> OAuthResult<bool> {
    let Some(found) = model::find::<AccessToken>(op.storage(), token).await? else { return Ok(false) };
    if found.model.claims.client_id != client_id {
        return Err(not_yours());
    }
    model::destroy::<AccessToken>(op.storage(), token).await?;
    Ok(true)
}

/// Revoking a refresh token revokes its grant: every access and refresh token issued under it.
async fn revoke_refresh(op: &Provider, token: &str, client_id: &str) -> OAuthResult<bool> {
    let Some(found) = model::find::<RefreshToken>(op.storage(), token).await? else { return Ok(false) };
    if found.model.claims.client_id != client_id {
        return Err(not_yours());
    }
    op.storage().revoke_by_grant_id(&found.model.claims.grant_id).await?;
    Ok(true)
}
