//! The `[jar]` section: request objects (OIDC Core §6, RFC 9101).

use serde::{Deserialize, Serialize};

/// What a request object must be, beyond a JWT from its client for this server.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct JarConfig {
    /// Every authorization request must be a signed request object (`request` or `request_uri`; RFC 9101 §10.5),
    /// published in discovery when on. A client may require it of itself with the metadata
    /// `require_signed_request_object`. A request without one gets `invalid_request`; an unsigned one
    /// `invalid_request_object`.
    pub require_signed_request_object: bool,
    /// The most seconds between `nbf` and `exp`; set, both are required (FAPI allows 3600).
    pub max_lifetime: Option<u64>,
    /// How old `nbf` may be, in seconds; set, `nbf` is required (FAPI: 3600).
    pub max_nbf_age: Option<u64>,
    /// Off, only the request object's parameters count, besides the `client_id` that names the client (RFC 9101 §6.3):
    /// a `state` or `scope` sent beside the object is ignored. On, the request's own parameters are merged in under the
    /// object's (OIDC Core §6.3.3), for RPs that put only some parameters in the object.
    pub merge_outside_parameters: bool,
    /// Each request object must carry `jti` and `exp`, and a `jti` is accepted once per client until the object expires
    /// (RFC 7519 §4.1.7), by every instance sharing the storage; a replay gets `invalid_request_object`.
    pub single_use_jti: bool,
}
