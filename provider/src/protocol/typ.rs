//! The JOSE `typ` header values of the tokens the provider signs.

/// ID tokens: plain `JWT` (OIDC Core §2 does not register a type of its own).
pub const ID_TOKEN: &str = "JWT";
/// JWT access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN: &str = "at+jwt";
