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

impl Model for Session {
    const KIND: Kind = Kind::Session;
}
