//! The logout token (Back-Channel Logout 1.0 §2.4): a JWT telling a client that a session of
//! its user ended.

use crate::Provider;
use crate::clients::Client;
use crate::protocol::typ;
use crate::security::{now, random_token};
use serde::Serialize;
use serde_json::{Value, json};

/// How long a logout token is valid: the client's check of `iat` and `exp` must pass after a
/// delivery's retries, so it counts from each delivery attempt, not from the logout.
const LIFETIME_SECONDS: i64 = 120;

/// The claims of a logout token.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub(crate) struct LogoutTokenClaims {
    /// Issuer.
    pub iss: String,
    /// The subject whose session ended, as this client knows it.
    pub sub: String,
    /// The client.
    pub aud: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry (§2.4 allows it; short, as a replay window).
    pub exp: i64,
    /// Unique per token: clients detect replays by it (§2.6).
    pub jti: String,
    /// The session id the client saw in its ID tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Exactly the back-channel logout event (§2.4); never a `nonce` (§2.4: "MUST NOT").
    pub events: Value,
}

impl LogoutTokenClaims {
    /// The claims telling `client` that `sub`'s session `sid` ended, issued now.
    pub(crate) fn new(op: &Provider, client: &Client, sub: String, sid: String) -> Self {
        let iat = now();
        Self {
            iss: op.issuer().to_string(),
            sub,
            aud: client.client_id.clone(),
            iat,
            exp: iat + LIFETIME_SECONDS,
            jti: random_token(),
            // Both `sub` and `sid` are sent: a client that keys its sessions by either finds it.
            sid: Some(sid),
            events: json!({ "http://schemas.openid.net/event/backchannel-logout": {} }),
        }
    }

    /// Signed with the alg the client gets its ID tokens in (§2.4: "the same ... as ID Tokens").
    pub(crate) async fn sign(&self, op: &Provider, client: &Client) -> Result<String, String> {
        super::sealed::sign(op, self, typ::LOGOUT_TOKEN, client.id_token_alg()).await
    }
}
