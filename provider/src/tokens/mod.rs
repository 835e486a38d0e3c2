//! Issuing tokens: opaque access and refresh tokens (stored as hashes) and ID tokens.

pub mod access_token;
mod id_token;
#[cfg(feature = "jarm")]
pub(crate) mod jarm;
#[cfg(feature = "logout")]
pub(crate) mod logout_token;
pub(crate) mod resource;
pub(crate) mod sealed;
pub mod self_contained;

pub use id_token::IdTokenClaims;
pub(crate) use id_token::verify_hint as verify_id_token_hint;

use crate::Provider;
use crate::clients::Client;
use crate::model::{self, RefreshToken, TokenClaims};
use crate::protocol::{OAuthError, OAuthResult};
use crate::sender::Binding;
use crate::security::{now, time_ordered_token};
use serde::Serialize;
use std::time::Duration;

/// A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Debug, Serialize)]
pub(crate) struct TokenResponse {
    /// The access token.
    pub access_token: String,
    /// How the access token is presented (RFC 6749 §7.1).
    pub token_type: &'static str,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// The rotated or newly issued refresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The ID token for OpenID requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The granted scopes (RFC 6749 §5.1).
    pub scope: String,
    /// The `authorization_details` the access token carries (RFC 9396 §7).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<Vec<serde_json::Value>>,
}

/// What to issue at the token endpoint.
pub(crate) struct Issue<'a> {
    /// The client the tokens are for.
    pub client: &'a Client,
    /// The authorization behind them.
    pub claims: TokenClaims,
    /// The `nonce` for the ID token (code exchange only).
    pub nonce: Option<String>,
    /// Whether to issue a refresh token.
    pub refresh: bool,
    /// The access token's audience (RFC 8707).
    pub audience: Option<String>,
    /// How the access token is bound to its sender.
    pub binding: &'a Binding,
    /// The access token's claims where they are narrower than the grant's (`claims`): fewer
    /// `authorization_details`, as the token request asked (RFC 9396 §6.1, checked by the grant
    /// before anything was spent). A refresh token keeps the grant's.
    pub access_claims: Option<TokenClaims>,
    /// The grant the tokens come from, for the audit event (`refresh_token`: a refresh).
    pub grant_type: &'static str,
}

impl<'a> Issue<'a> {
    /// The tokens of an approval the user gave away from the client (a device's, or a
    /// backchannel authentication's): the approval's own claims, for its one resource if it
    /// names one (RFC 8707), no nonce.
    #[cfg(any(feature = "device-flow", feature = "ciba"))]
    pub(crate) fn of_approval(
        client: &'a Client,
        claims: TokenClaims,
        binding: &'a Binding,
        grant_type: &'static str,
    ) -> OAuthResult<Self> {
        let audience = access_token::audience(&claims, &[])?;
        let refresh = refresh_wanted(client, &claims);
        Ok(Self { client, claims, nonce: None, refresh, audience, binding, access_claims: None, grant_type })
    }
}

/// Whether a refresh token goes with the access token: asked for with `offline_access` (OIDC
/// Core §11), by a client registered for the grant.
pub(crate) fn refresh_wanted(client: &Client, claims: &TokenClaims) -> bool {
    claims.has_scope("offline_access") && client.allows_grant("refresh_token")
}

/// Stores the tokens, then answers: nothing is acknowledged to the client before it is durable.
pub(crate) async fn issue(op: &Provider, what: Issue<'_>) -> OAuthResult<TokenResponse> {
    issue_with(op, what, None).await
}

/// The tokens of a CIBA push (CIBA Core §10.3.1): their ID token also names the `auth_req_id`
/// and, with a refresh token, carries its hash.
#[cfg(feature = "ciba")]
pub(crate) async fn issue_pushed(op: &Provider, what: Issue<'_>, auth_req_id: &str) -> OAuthResult<TokenResponse> {
    issue_with(op, what, Some(auth_req_id)).await
}

async fn issue_with(op: &Provider, what: Issue<'_>, pushed_for: Option<&str>) -> OAuthResult<TokenResponse> {
    // Written concurrently, the access and refresh tokens share one commit where the backend
    // groups concurrent writes (SQLite's writer does), rather than waiting for two in turn.
    let access_claims = what.access_claims.as_ref().unwrap_or(&what.claims);
    let (access, refresh_token) = tokio::try_join!(
        access_token::issue(op, what.client, access_claims, what.audience.as_deref(), what.binding.cnf.as_ref()),
        refresh_token_if_asked(op, &what),
    )?;
    let id_token = if what.claims.has_scope("openid") {
        let alg = what.client.id_token_alg();
        let mut claims = IdTokenClaims::new(op, what.client, &what.claims, what.nonce.as_deref(), now());
        claims.at_hash = Some(alg.half_hash(&access.value));
        if let Some(auth_req_id) = pushed_for {
            claims.claims.insert("urn:openid:params:jwt:claim:auth_req_id".into(), auth_req_id.into());
            if let Some(refresh) = &refresh_token {
                claims.claims.insert("urn:openid:params:jwt:claim:rt_hash".into(), alg.half_hash(refresh).into());
            }
        }
        claims.add_end_user_claims(op, &what.claims, false).await;
        Some(claims.seal(op, what.client).await.map_err(OAuthError::server_error)?)
    } else {
        None
    };
    let kind = match what.grant_type {
        crate::protocol::grant_type::REFRESH_TOKEN => crate::audit::AuditKind::TokenRefreshed,
        _ => crate::audit::AuditKind::TokenIssued,
    };
    op.audit_with(kind, |kind| what.claims.audit(kind).detail(what.grant_type));
    Ok(TokenResponse {
        access_token: access.value,
        token_type: what.binding.token_type.as_str(),
        expires_in: access.expires_in,
        refresh_token,
        id_token,
        scope: access.scopes.join(" "),
        // RFC 9396 §7: the details the access token carries.
        authorization_details: Some(access_claims.authorization_details.clone()).filter(|d| !d.is_empty()),
    })
}

/// A stored refresh token, if one is to be issued.
async fn refresh_token_if_asked(op: &Provider, what: &Issue<'_>) -> OAuthResult<Option<String>> {
    if !what.refresh {
        return Ok(None);
    }
    let mut claims = std::borrow::Cow::Borrowed(&what.claims);
    if what.client.token_endpoint_auth_method == "none" && what.binding.cnf.is_some() {
        // RFC 9449 §5: a public client's refresh token is bound to the key its access token is
        // (a confidential client's is bound to the client by its authentication).
        claims.to_mut().cnf = what.binding.cnf.clone();
    }
    if let Some(instance) = &what.binding.instance {
        // Attestation-based client auth §10.2: to the client instance, not just the client.
        claims.to_mut().client_instance = Some(instance.clone());
    }
    Ok(Some(store_refresh_token(op, &claims).await?))
}

/// A new refresh token for `claims`, stored for the configured lifetime.
pub(crate) async fn store_refresh_token(op: &Provider, claims: &TokenClaims) -> OAuthResult<String> {
    let value = time_ordered_token();
    let record = RefreshToken { claims: claims.clone(), iat: now() };
    model::save(op.storage(), &value, &record, Duration::from_secs(op.config().ttl.refresh_token)).await?;
    Ok(value)
}
