//! Backchannel authentication requests (CIBA Core §7): stored under the hash of the
//! `auth_req_id`, which callers compute, so the user's approval can name the record by its id
//! without ever seeing the `auth_req_id`.

use super::{Model, TokenClaims};
use crate::config::DeliveryMode;
use crate::storage::Kind;
use serde::{Deserialize, Serialize};

/// Where a backchannel authentication stands.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", tag = "status")]
pub(crate) enum BackchannelStatus {
    /// Waiting for the user.
    Pending,
    /// The user approved; these are the tokens' claims.
    Approved {
        /// The authorization.
        claims: Box<TokenClaims>,
    },
    /// The user refused.
    Denied,
}

/// A backchannel authentication request in progress.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct BackchannelRequest {
    /// The storage id: SHA-256 of the `auth_req_id`.
    pub id: String,
    /// The client that asked.
    pub client_id: String,
    /// The user the hint named.
    pub account_id: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// Resource indicators asked for (RFC 8707).
    #[serde(default)]
    pub resources: Vec<String>,
    /// `acr_values`, in order of preference.
    #[serde(default)]
    pub acr_values: Vec<String>,
    /// The message shown on both the consumption and the authentication device.
    pub binding_message: Option<String>,
    /// How the client gets the outcome.
    pub mode: DeliveryMode,
    /// Ping and push only: the `auth_req_id`, which the notification must carry (an
    /// `auth_req_id` is worth nothing without the client's own authentication), and the
    /// client's bearer token for its notification endpoint.
    pub notify: Option<NotifyWith>,
    /// When the `auth_req_id` stops working (`expires_in`).
    pub expires_at: i64,
    /// Seconds a polling client must wait between token requests (raised by `slow_down`).
    pub interval: u64,
    /// When the client last polled, in Unix milliseconds.
    pub last_poll_ms: Option<i64>,
    /// When the request was made (Unix seconds).
    pub created_at: i64,
    /// Where it stands.
    #[serde(flatten)]
    pub status: BackchannelStatus,
}

/// What a ping or a push carries back to the client (CIBA Core §10.2, §10.3).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct NotifyWith {
    /// The request's `auth_req_id`.
    pub auth_req_id: String,
    /// The client's `client_notification_token`.
    pub client_notification_token: String,
}

impl Model for BackchannelRequest {
    const KIND: Kind = Kind::BackchannelAuthenticationRequest;
}

impl BackchannelRequest {
    /// How long the record must still be kept: until it expires, plus a minute to answer
    /// `expired_token` rather than `invalid_grant`.
    pub(crate) fn remaining(&self) -> std::time::Duration {
        std::time::Duration::from_secs((self.expires_at - crate::security::now() + 60).max(1) as u64)
    }

    /// Whether the user may still approve or deny it.
    pub(crate) fn is_pending(&self) -> bool {
        self.status == BackchannelStatus::Pending && self.expires_at > crate::security::now()
    }
}
