//! What an account has consented to for one client.

use super::Model;
use crate::storage::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A consent grant. Every code and token issued under it carries its id, so revoking the grant
/// (`revoke_by_grant_id`) revokes them all.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Grant {
    /// The grant id (also the storage id).
    pub id: String,
    /// The account (`sub`).
    pub account_id: String,
    /// The client.
    pub client_id: String,
    /// The scopes consented to.
    pub scopes: BTreeSet<String>,
    /// Individual claims consented to (requested with the `claims` parameter).
    #[serde(default)]
    pub claims: BTreeSet<String>,
}

impl Grant {
    /// Whether every scope and claim asked for has been consented to.
    pub(crate) fn covers<'a>(&self, mut scopes: impl Iterator<Item = &'a String>, claims: &BTreeSet<String>) -> bool {
        scopes.all(|s| self.scopes.contains(s)) && claims.is_subset(&self.claims)
    }
}

impl Model for Grant {
    const KIND: Kind = Kind::Grant;

    fn grant_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}
