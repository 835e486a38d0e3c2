//! The client credentials grant (RFC 6749 §4.4): a confidential client acting for itself.

use crate::Provider;
use crate::clients::{AuthMethod, Client};
use crate::model::TokenClaims;
use crate::protocol::{ErrorCode, OAuthError, OAuthResult, grant_type};
use crate::sender::Binding;
use crate::tokens::{self, Issue, TokenResponse};
use super::Asked;

/// Issues an access token to the client itself: no refresh token, no ID token.
pub(super) async fn exchange(
    op: &Provider,
    client: &Client,
    method: AuthMethod,
    scope: Option<&str>,
    asked: Asked,
    binding: &Binding,
) -> OAuthResult<TokenResponse> {
    if method == AuthMethod::None {
        // RFC 6749 §4.4: "MUST only be used by confidential clients".
        return Err(OAuthError::new(ErrorCode::UnauthorizedClient, "client credentials need a confidential client"));
    }
    let audience = match asked.resource.as_slice() {
        [] => None,
        [one] if op.config().resource_server(one).is_some() => Some(one.clone()),
        [_] => return Err(OAuthError::new(ErrorCode::InvalidTarget, "unknown resource")),
        _ => {
            return Err(OAuthError::new(
                ErrorCode::InvalidTarget,
                "an access token has one audience: name one resource",
            ));
        }
    };
    let scopes = check_scope(op, client, scope, audience.as_deref())?;
    let mut claims = TokenClaims::client_credentials(&client.client_id, scopes, audience.iter().cloned().collect());
    // RFC 9396 §6: the client asks for itself; what it asked for (checked) is what it gets.
    claims.authorization_details = asked.details.unwrap_or_default();
    let grant_type = grant_type::CLIENT_CREDENTIALS;
    let issue = Issue { client, claims, nonce: None, refresh: false, audience, binding, access_claims: None, grant_type };
    tokens::issue(op, issue).await
}

/// The scopes asked for must all be ones the client may have and the provider (or the chosen
/// resource server) knows; OpenID scopes mean nothing without an end-user.
fn check_scope(
    op: &Provider,
    client: &Client,
    scope: Option<&str>,
    audience: Option<&str>,
) -> OAuthResult<Vec<String>> {
    let allowed: Option<Vec<&str>> = client.scope.as_deref().map(|s| s.split_whitespace().collect());
    let server = audience.and_then(|a| op.config().resource_server(a));
    let mut scopes = Vec::new();
    for asked in scope.unwrap_or_default().split_whitespace() {
        let known = match server {
            Some(rs) => rs.scopes.iter().any(|s| s == asked),
            None => crate::authorization::known_scope(op, asked) && !["openid", "offline_access"].contains(&asked),
        };
        let permitted = allowed.as_ref().is_none_or(|a| a.contains(&asked));
        if !known || !permitted {
            return Err(OAuthError::new(
                ErrorCode::InvalidScope,
                format!("scope {asked} cannot be granted to this client"),
            ));
        }
        if !scopes.iter().any(|s| s == asked) {
            scopes.push(asked.to_string());
        }
    }
    Ok(scopes)
}
