//! Grant type names, as the token endpoint's `grant_type` and client metadata's `grant_types`
//! spell them.

/// RFC 6749 §4.1.3.
pub const AUTHORIZATION_CODE: &str = "authorization_code";
/// RFC 6749 §6.
pub const REFRESH_TOKEN: &str = "refresh_token";
/// RFC 6749 §4.4.2.
pub const CLIENT_CREDENTIALS: &str = "client_credentials";
/// RFC 6749 §4.2 (a response type that returns tokens from the authorization endpoint).
pub const IMPLICIT: &str = "implicit";
/// RFC 8628 §3.4.
pub const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// CIBA Core §10.1: the token request of a backchannel authentication.
pub const CIBA: &str = "urn:openid:params:grant-type:ciba";
