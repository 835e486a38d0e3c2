//! The browser session.

use super::Model;
use crate::storage::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A signed-in browser. Stored under its `sid`; found by the SHA-256 of the cookie secret (`uid`),
/// so neither the database nor an ID token's `sid` reveals the cookie.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Session {
    /// The session id, published as the ID token's `sid` (OIDC Front/Back-Channel Logout).
    pub sid: String,
    /// The signed-in account (`sub`).
    pub account_id: String,
    /// When the user authenticated (seconds since the epoch).
    pub auth_time: i64,
    /// The authentication context class reached.
    pub acr: String,
    /// The authentication methods used (RFC 8176).
    pub amr: Vec<String>,
    /// The consent grant per client id.
    pub grants: BTreeMap<String, String>,
}

impl Session {
    /// The session id `client_id` sees in its ID and logout tokens (OIDC Back-Channel Logout
    /// §2.1, Front-Channel Logout §3): one per client, derived from the session's own, so that
    /// two clients cannot tell they share a session, and the provider needs no record of it.
    pub fn sid_for(&self, client_id: &str) -> String {
        crate::security::sha256_b64url(&format!("{}\n{client_id}", self.sid))
    }

    /// The clients this session authorized.
    pub fn clients(&self) -> impl Iterator<Item = &str> {
        self.grants.keys().map(String::as_str)
    }
}

impl Model for Session {
    const KIND: Kind = Kind::Session;
}
