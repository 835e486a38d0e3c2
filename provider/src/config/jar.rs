//! The `[jar]` section: request objects (OIDC Core §6, RFC 9101).

use serde::{Deserialize, Serialize};

/// What a request object must be, beyond a JWT from its client for this server.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct JarConfig {
    /// Every authorization request must come as a signed request object (RFC 9101 §10.5
    /// `require_signed_request_object`); a client may also require it of itself.
    pub require_signed_request_object: bool,
    /// The most seconds between a request object's `nbf` and `exp`; set, both are required
    /// (FAPI 1.0 Advanced §5.2.2 (13) and FAPI 2.0 Message Signing allow 3600).
    pub max_lifetime: Option<u64>,
    /// How old a request object's `nbf` may be, in seconds; set, `nbf` is required (FAPI: 3600).
    pub max_nbf_age: Option<u64>,
    /// Merge the authorization request's own parameters with the request object's, the object's
    /// winning (OIDC Core §6.3.3), for RPs that put only some parameters in the object. Off (the
    /// default), only the object's parameters count, besides `client_id` (RFC 9101 §6.3).
    pub merge_outside_parameters: bool,
    /// Each request object must have a `jti` and `exp`, and a `jti` is accepted once per client
    /// until the object expires (RFC 7519 §4.1.7: `jti` prevents replay; remembered in storage, so by
    /// every instance). Off, `jti` is not read.
    pub single_use_jti: bool,
}
