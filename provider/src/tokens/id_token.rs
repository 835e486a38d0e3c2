//! The ID token (OIDC Core §2).

use crate::Provider;
use crate::clients::Client;
use crate::model::TokenClaims;
use crate::protocol::typ;
use serde::Serialize;

/// The claims of an ID token.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// Subject.
    pub sub: String,
    /// Audience: the client.
    pub aud: String,
    /// Expiry.
    pub exp: i64,
    /// Issued at.
    pub iat: i64,
    /// When the end-user authenticated; always present, which OIDC Core §2 allows.
    pub auth_time: i64,
    /// The request's nonce, echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Authentication context class.
    pub acr: String,
    /// Authentication methods (RFC 8176).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// Authorized party: the client.
    pub azp: String,
    /// Session id (Front- / Back-Channel Logout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Access token hash (OIDC Core §3.1.3.6, §3.3.2.11).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// Code hash (OIDC Core §3.3.2.11).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub c_hash: Option<String>,
    /// State hash (FAPI 1.0 Advanced §5.2.2.1 (5); the detached signature's protection of `state`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s_hash: Option<String>,
    /// End-user claims released into the ID token.
    #[serde(flatten)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl IdTokenClaims {
    /// The claims for an authorization, issued now.
    pub fn new(op: &Provider, client: &Client, claims: &TokenClaims, nonce: Option<&str>, iat: i64) -> Self {
        Self {
            iss: op.issuer().to_string(),
            sub: op.subject(client, &claims.account_id),
            aud: client.client_id.clone(),
            exp: iat + op.config().ttl.id_token as i64,
            iat,
            auth_time: claims.auth_time,
            nonce: nonce.map(String::from),
            acr: claims.acr.clone(),
            amr: claims.amr.clone(),
            azp: client.client_id.clone(),
            // Front-Channel Logout §3, Back-Channel Logout §2.1: `sid` names the session for
            // logout, so it is issued where logout is served.
            sid: claims.sid.clone().filter(|_| op.config().logout.enabled),
            at_hash: None,
            c_hash: None,
            s_hash: None,
            claims: serde_json::Map::new(),
        }
    }

    /// Adds the end-user claims requested for the ID token with the `claims` parameter, and with
    /// `scope_claims` those the granted scopes release (for ID tokens issued without an access
    /// token, OIDC Core §5.4).
    pub(crate) async fn add_end_user_claims(&mut self, op: &Provider, claims: &TokenClaims, scope_claims: bool) {
        let requested: Vec<&str> = claims.claims.iter().flat_map(|c| c.id_token_names()).collect();
        if requested.is_empty() && !scope_claims {
            return;
        }
        if let Some(account) = op.accounts().find(&claims.account_id).await {
            let scopes = claims.scopes.iter().map(String::as_str).filter(|_| scope_claims);
            let mut released = account.released(scopes, requested);
            released.remove("sub");
            self.claims.extend(released);
        }
    }

    /// Signs with the client's `id_token_signed_response_alg`, then encrypts if the client
    /// registered `id_token_encrypted_response_alg` (OIDC Core §10).
    pub async fn seal(&self, op: &Provider, client: &Client) -> Result<String, String> {
        let signed = super::sealed::sign(op, self, typ::ID_TOKEN, client.id_token_alg()).await?;
        let (alg, enc) = (&client.id_token_encrypted_response_alg, &client.id_token_encrypted_response_enc);
        super::sealed::encrypt_for(op, client, signed, alg.as_deref(), enc.as_deref(), true).await
    }
}

/// The claims of `hint`, if it is an ID token this provider issued: expired ones are still hints
/// (OIDC Core §3.1.2.1, RP-Initiated Logout 1.0 §2). Other JWTs signed with the same keys are not
/// ID tokens: an RFC 9068 access token has `typ` `at+jwt`, and a signed userinfo response, `typ`
/// `JWT` like an ID token, lacks the ID token's `exp`, `iat` and `auth_time` (OIDC Core §2; ours
/// always carry `auth_time`).
pub(crate) fn verify_hint(op: &Provider, hint: &str) -> Result<serde_json::Value, String> {
    let not_ours = || "id_token_hint is not an ID token issued here".to_string();
    let claims = op.keys().verify_own_typed(hint, typ::ID_TOKEN).map_err(|_| not_ours())?;
    if ["exp", "iat", "auth_time"].iter().any(|claim| !claims[claim].is_i64()) || !claims["aud"].is_string() {
        return Err(not_ours());
    }
    if claims["iss"] != op.issuer() {
        return Err("id_token_hint was issued by another issuer".into());
    }
    Ok(claims)
}
