//! `response_type` values (OAuth 2.0 Multiple Response Type Encoding Practices §3, OIDC Core §3).

use super::grant_type;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A response type: which of code, ID token and access token the authorization endpoint returns.
/// The value is a space-separated set, so order does not matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResponseType {
    /// An authorization code.
    pub code: bool,
    /// An ID token.
    pub id_token: bool,
    /// An access token.
    pub token: bool,
}

impl ResponseType {
    /// Every response type OIDC defines, in canonical spelling, for discovery.
    pub const SUPPORTED: [&'static str; 6] =
        ["code", "id_token", "id_token token", "code id_token", "code token", "code id_token token"];

    /// Parses a value; `None` for unknown or repeated members, or for `token` alone (pure OAuth
    /// implicit, which returns no ID token and is not offered).
    pub fn parse(value: &str) -> Option<Self> {
        let mut rt = Self { code: false, id_token: false, token: false };
        for member in value.split(' ') {
            let slot = match member {
                "code" => &mut rt.code,
                "id_token" => &mut rt.id_token,
                "token" => &mut rt.token,
                _ => return None,
            };
            if std::mem::replace(slot, true) {
                return None;
            }
        }
        let token_alone = rt.token && !rt.code && !rt.id_token;
        (!token_alone).then_some(rt)
    }

    /// Whether the front channel carries a token (ID token or access token); such responses
    /// must not use the query (Multiple Response Types §5).
    pub fn returns_tokens(self) -> bool {
        self.id_token || self.token
    }

    /// The grant type a client must register for this response type (RFC 7591 §2.1).
    pub fn grant_type(self) -> &'static str {
        if self.code && !self.returns_tokens() { grant_type::AUTHORIZATION_CODE } else { grant_type::IMPLICIT }
    }
}

impl fmt::Display for ResponseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let members: Vec<&str> = [(self.code, "code"), (self.id_token, "id_token"), (self.token, "token")]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
        f.write_str(&members.join(" "))
    }
}

impl TryFrom<String> for ResponseType {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| format!("unsupported response_type {value:?}"))
    }
}

impl From<ResponseType> for String {
    fn from(rt: ResponseType) -> Self {
        rt.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_does_not_matter_and_output_is_canonical() {
        let rt = ResponseType::parse("token id_token code").unwrap();
        assert_eq!(rt.to_string(), "code id_token token");
        assert_eq!(rt, ResponseType::parse("code id_token token").unwrap());
        for value in ResponseType::SUPPORTED {
            assert_eq!(ResponseType::parse(value).unwrap().to_string(), value);
        }
    }

    #[test]
    fn unknown_repeated_and_bare_token_are_refused() {
        for bad in ["", "code code", "code  token", "none", "token", "code bogus"] {
            assert_eq!(ResponseType::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn grant_types_per_rfc7591() {
        assert_eq!(ResponseType::parse("code").unwrap().grant_type(), "authorization_code");
        assert_eq!(ResponseType::parse("code id_token").unwrap().grant_type(), "implicit");
        assert_eq!(ResponseType::parse("id_token").unwrap().grant_type(), "implicit");
    }
}
