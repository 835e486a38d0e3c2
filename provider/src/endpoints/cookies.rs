//! The provider's cookies: the browser session and the interaction binding.
//!
//! Both are `HttpOnly` (no script reads them), `SameSite=Lax` (sent on the top-level navigation back
//! from an RP, not on cross-site subrequests) and `Secure` when the issuer is https.

use rocket::http::{Cookie, CookieJar, SameSite};

/// The session cookie: holds a random secret whose SHA-256 is the session's `uid` in storage.
pub(crate) const SESSION: &str = "op_session";
/// The interaction cookie: binds an interaction to the browser that started it.
pub(crate) const INTERACTION: &str = "op_interaction";
/// The logout cookie: binds a logout confirmation to the browser that asked for it.
#[cfg(feature = "logout")]
pub(crate) const LOGOUT: &str = "op_logout";

/// Builds a hardened cookie.
pub(crate) fn hardened(name: &'static str, value: String, path: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value)).http_only(true).same_site(SameSite::Lax).secure(secure).path(path).build()
}

/// Reads a cookie's value.
pub(crate) fn value(jar: &CookieJar<'_>, name: &str) -> Option<String> {
    jar.get(name).map(|c| c.value().to_string())
}
