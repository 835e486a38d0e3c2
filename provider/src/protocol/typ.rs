//! The JOSE `typ` header values of the tokens the provider signs.

/// ID tokens: plain `JWT` (OIDC Core §2 does not register a type of its own).
pub const ID_TOKEN: &str = "JWT";
/// JWT access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN: &str = "at+jwt";
/// Logout tokens (Back-Channel Logout 1.0 §2.4).
pub const LOGOUT_TOKEN: &str = "logout+jwt";
