//! Access token types (RFC 6749 §7.1): how a client presents a token, and what a resource
//! checks besides the token itself.

use serde::{Deserialize, Serialize};

/// An access token type, as `token_type` names it and as the `Authorization` scheme spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenType {
    /// Whoever holds the token may use it (RFC 6750).
    Bearer,
}

impl TokenType {
    /// The `token_type` value and `Authorization` scheme (RFC 6750 §2.1, §4).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
        }
    }

    /// The type an `Authorization` scheme names; schemes are case-insensitive (RFC 9110 §11.1).
    pub fn from_scheme(scheme: &str) -> Option<Self> {
        scheme.eq_ignore_ascii_case(Self::Bearer.as_str()).then_some(Self::Bearer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_case_insensitive() {
        assert_eq!(TokenType::from_scheme("bearer"), Some(TokenType::Bearer));
        assert_eq!(TokenType::from_scheme("BEARER"), Some(TokenType::Bearer));
        assert_eq!(TokenType::from_scheme("Basic"), None);
    }
}
