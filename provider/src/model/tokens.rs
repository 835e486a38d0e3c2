//! Authorization codes, access tokens and refresh tokens: stored under the SHA-256 of their value.

use super::Model;
use crate::storage::Kind;
use serde::{Deserialize, Serialize};

/// The `amr` marker of client credentials tokens (no end-user authenticated).
const CLIENT_CREDENTIALS: &str = "client_credentials";

/// What every artefact of one authorization carries: who, for whom, what, and how they logged in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenClaims {
    /// The client.
    pub client_id: String,
    /// The account (`sub`).
    pub account_id: String,
    /// The granted scopes.
    pub scopes: Vec<String>,
    /// The consent grant (revoking it revokes this); empty for client credentials.
    // Empty values are left out of the stored form: every stored token carries these claims.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub grant_id: String,
    /// The session id at issue time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// When the user authenticated.
    pub auth_time: i64,
    /// The authentication context class.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub acr: String,
    /// The authentication methods.
    pub amr: Vec<String>,
    /// Resource indicators granted (RFC 8707); an access token carries at most one, its audience.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// `authorization_details` granted (RFC 9396); an access token carries those its token
    /// request kept (§6.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_details: Vec<serde_json::Value>,
    /// Individual claims the RP asked for (OIDC Core §5.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claims: Option<crate::protocol::ClaimsRequest>,
    /// The client instance key (thumbprint) a refresh token is bound to, for a client that
    /// authenticated by attestation (attestation-based client auth §10.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_instance: Option<String>,
    /// The binding of a sender-constrained token (RFC 7800 §3.1); none for a bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<crate::sender::Confirmation>,
}

impl TokenClaims {
    /// The claims of a client credentials grant (RFC 6749 §4.4): the client acts for itself.
    pub fn client_credentials(client_id: &str, scopes: Vec<String>, resources: Vec<String>) -> Self {
        Self {
            client_id: client_id.to_string(),
            account_id: client_id.to_string(),
            scopes,
            // No grant record: a client credentials grant is never revoked as a whole.
            grant_id: String::new(),
            sid: None,
            auth_time: crate::security::now(),
            acr: String::new(),
            amr: vec![CLIENT_CREDENTIALS.into()],
            resources,
            authorization_details: Vec::new(),
            claims: None,
            client_instance: None,
            cnf: None,
        }
    }

    /// Whether these are a client credentials grant's (no end-user).
    pub fn is_client_credentials(&self) -> bool {
        self.amr.len() == 1 && self.amr[0] == CLIENT_CREDENTIALS && self.account_id == self.client_id
    }

    /// These claims with the `authorization_details` a token request asked for (RFC 9396 §6.1):
    /// each must have been granted as it is; `invalid_authorization_details` otherwise.
    pub(crate) fn with_details(
        &self,
        asked: Vec<serde_json::Value>,
    ) -> Result<Self, crate::protocol::OAuthError> {
        match asked.iter().position(|detail| !self.authorization_details.contains(detail)) {
            None => Ok(Self { authorization_details: asked, ..self.clone() }),
            Some(index) => Err(crate::protocol::OAuthError::new(
                crate::protocol::ErrorCode::InvalidAuthorizationDetails,
                format!("authorization_details[{index}] was not granted"),
            )),
        }
    }

    /// Whether `scope` was granted.
    pub(crate) fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// An authorization code (RFC 6749 §4.1.2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct AuthorizationCode {
    /// The authorization's claims.
    #[serde(flatten)]
    pub claims: TokenClaims,
    /// The redirect URI the code was sent to (RFC 6749 §4.1.3: must match at the token endpoint).
    pub redirect_uri: String,
    /// The `nonce` to put in the ID token.
    pub nonce: Option<String>,
    /// The PKCE `code_challenge` (S256).
    pub code_challenge: Option<String>,
    /// The DPoP key the code is bound to (RFC 9449 §10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
}

/// An opaque access token (RFC 6750).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccessToken {
    /// The authorization's claims.
    #[serde(flatten)]
    pub claims: TokenClaims,
    /// Issued at.
    pub iat: i64,
    /// Expires at.
    pub exp: i64,
    /// The `jti` of a JWT access token. Empty for an opaque token, whose `jti` is derived from
    /// its value ([`AccessToken::jti`]) rather than stored; older records may still hold one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub jti: String,
}

impl AccessToken {
    /// The token's unique id, given its `value`: the stored `jti` of a JWT, else the SHA-256 of
    /// the opaque value (base64url). Like a random id it is unique and says nothing about the
    /// token to anyone without it, and storing it would cost every token 50 bytes more.
    pub(crate) fn jti(&self, value: &str) -> String {
        if self.jti.is_empty() { crate::security::sha256_b64url(value) } else { self.jti.clone() }
    }
}

/// A revoked self-contained access token (a client credentials JWT, never stored itself),
/// kept under its `jti` until the token expires (RFC 7009 §2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RevokedAccessToken {
    /// When the token expires, and this record may go.
    pub exp: i64,
}

impl Model for RevokedAccessToken {
    const KIND: Kind = Kind::RevokedAccessToken;
}

/// A refresh token (RFC 6749 §6). Rotated on every use.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RefreshToken {
    /// The authorization's claims.
    #[serde(flatten)]
    pub claims: TokenClaims,
    /// Issued at.
    pub iat: i64,
}

macro_rules! hashed_model {
    ($ty:ty, $kind:expr) => {
        impl Model for $ty {
            const KIND: Kind = $kind;
            const HASHED: bool = true;

            fn grant_id(&self) -> Option<&str> {
                // A client credentials grant is never revoked as a whole (it has no refresh
                // token and no code to replay), so its tokens stay out of the grant index.
                (!self.claims.is_client_credentials()).then_some(self.claims.grant_id.as_str())
            }
        }
    };
}

hashed_model!(AuthorizationCode, Kind::AuthorizationCode);
hashed_model!(AccessToken, Kind::AccessToken);
hashed_model!(RefreshToken, Kind::RefreshToken);

impl TokenClaims {
    /// An audit event of `kind` naming these claims' client, subject, grant and session.
    pub(crate) fn audit(&self, kind: crate::audit::AuditKind) -> crate::audit::AuditEvent {
        let event = crate::audit::AuditEvent::new(kind).client(&self.client_id).subject(&self.account_id);
        event.grant(&self.grant_id).session(self.sid.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access_token(jti: &str) -> AccessToken {
        let claims = TokenClaims::client_credentials("svc", vec!["read".into()], vec!["https://api.example".into()]);
        AccessToken { claims, iat: 1, exp: 2, jti: jti.into() }
    }

    #[test]
    fn an_opaque_access_tokens_jti_is_its_hash_and_is_not_stored() {
        let opaque = access_token("");
        assert_eq!(opaque.jti("the-token"), crate::security::sha256_b64url("the-token"));
        assert!(serde_json::to_value(&opaque).unwrap().get("jti").is_none());
        let jwt = access_token("stored-jti");
        assert_eq!(jwt.jti("a.b.c"), "stored-jti");
        assert_eq!(serde_json::to_value(&jwt).unwrap()["jti"], "stored-jti");
    }

    #[test]
    fn a_token_request_keeps_only_granted_authorization_details() {
        use serde_json::json;
        let mut claims = TokenClaims::client_credentials("svc", vec![], vec![]);
        claims.authorization_details = vec![json!({"type": "a", "n": 1}), json!({"type": "b"})];
        let narrowed = claims.with_details(vec![json!({"type": "b"})]).unwrap();
        assert_eq!(narrowed.authorization_details, [json!({"type": "b"})]);
        let wider = claims.with_details(vec![json!({"type": "a", "n": 2})]).unwrap_err();
        assert_eq!(wider.code, crate::protocol::ErrorCode::InvalidAuthorizationDetails);
    }
}
