//! Access token types (RFC 6749 §7.1): how a client presents a token, and what a resource
//! checks besides the token itself.

use serde::{Deserialize, Serialize};

/// An access token type, as `token_type` names it and as the `Authorization` scheme spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenType {
    /// Whoever holds the token may use it (RFC 6750).
    Bearer,
    /// Only the holder of the key it is bound to, proving it with each use (RFC 9449 §7).
    DPoP,
}

impl TokenType {
    /// The `token_type` value and `Authorization` scheme (RFC 6750 §2.1, §4).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::DPoP => "DPoP",
        }
    }

    /// The type an `Authorization` scheme names; schemes are case-insensitive (RFC 9110 §11.1).
    pub fn from_scheme(scheme: &str) -> Option<Self> {
        [Self::Bearer, Self::DPoP].into_iter().find(|t| scheme.eq_ignore_ascii_case(t.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_case_insensitive() {
        assert_eq!(TokenType::from_scheme("bearer"), Some(TokenType::Bearer));
        assert_eq!(TokenType::from_scheme("BEARER"), Some(TokenType::Bearer));
        assert_eq!(TokenType::from_scheme("dpop"), Some(TokenType::DPoP));
        assert_eq!(TokenType::from_scheme("Basic"), None);
    }
}
