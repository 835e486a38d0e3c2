//! The `[pkce]` section (RFC 7636).

use serde::{Deserialize, Serialize};

/// Which clients must use PKCE. Only `S256` is ever accepted (RFC 9700 §2.1.1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PkceConfig {
    /// `public`: clients with `token_endpoint_auth_method=none` must send a `code_challenge`; `all`: every client must.
    /// Only `S256` is accepted (`plain` is refused, and so is a challenge without a method, since the RFC 7636 default
    /// would be `plain`).
    pub required: PkceRequired,
}

impl Default for PkceConfig {
    fn default() -> Self {
        Self { required: PkceRequired::Public }
    }
}

/// Which clients must send a `code_challenge`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PkceRequired {
    /// Clients with `token_endpoint_auth_method=none`.
    Public,
    /// Every client.
    All,
}
