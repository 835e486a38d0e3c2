//! Authorization responses and errors, and the response modes that carry them
//! (OAuth 2.0 Multiple Response Types §2, Form Post Response Mode, RFC 9207).

use super::errors::{ErrorCode, OAuthError};
use serde::{Deserialize, Serialize};

/// How response parameters reach the client.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// In the redirect URI's query.
    Query,
    /// In the redirect URI's fragment.
    Fragment,
    /// In an auto-submitted HTML form POSTed to the redirect URI.
    FormPost,
    /// JARM §2.3.1: one `response` JWT in the query.
    QueryJwt,
    /// JARM §2.3.2: one `response` JWT in the fragment.
    FragmentJwt,
    /// JARM §2.3.3: one `response` JWT in an auto-submitted form.
    FormPostJwt,
}

impl ResponseMode {
    /// The plain modes (OAuth 2.0 Multiple Response Types, Form Post Response Mode).
    pub const PLAIN: [ResponseMode; 3] = [Self::Query, Self::Fragment, Self::FormPost];
    /// The JWT-secured modes (JARM §2.3), `jwt` itself being a shorthand.
    pub const JWT: [ResponseMode; 3] = [Self::QueryJwt, Self::FragmentJwt, Self::FormPostJwt];

    /// The default for a response type (Multiple Response Types §5): query for `code`,
    /// fragment for anything that returns a token.
    pub fn default_for(response_type: &str) -> Self {
        if response_type == "code" || response_type == "none" { Self::Query } else { Self::Fragment }
    }

    /// Parses a `response_mode` value for `response_type`; `jwt` is JARM's default for it
    /// (§2.3.4: `query.jwt` for `code`, `fragment.jwt` for a type that returns tokens).
    pub fn parse(value: &str, response_type: &str) -> Option<Self> {
        match value {
            "query" => Some(Self::Query),
            "fragment" => Some(Self::Fragment),
            "form_post" => Some(Self::FormPost),
            "query.jwt" => Some(Self::QueryJwt),
            "fragment.jwt" => Some(Self::FragmentJwt),
            "form_post.jwt" => Some(Self::FormPostJwt),
            "jwt" => Some(Self::default_for(response_type).secured()),
            _ => None,
        }
    }

    /// The JWT-secured mode that carries its response the same way.
    pub fn secured(self) -> Self {
        match self {
            Self::Query | Self::QueryJwt => Self::QueryJwt,
            Self::Fragment | Self::FragmentJwt => Self::FragmentJwt,
            Self::FormPost | Self::FormPostJwt => Self::FormPostJwt,
        }
    }

    /// Whether the response is one JWT (JARM).
    pub fn is_jwt(self) -> bool {
        Self::JWT.contains(&self)
    }

    /// How the response travels: in the query, in the fragment, or in a form.
    pub fn carrier(self) -> Self {
        match self {
            Self::Query | Self::QueryJwt => Self::Query,
            Self::Fragment | Self::FragmentJwt => Self::Fragment,
            Self::FormPost | Self::FormPostJwt => Self::FormPost,
        }
    }

    /// The `response_mode` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Fragment => "fragment",
            Self::FormPost => "form_post",
            Self::QueryJwt => "query.jwt",
            Self::FragmentJwt => "fragment.jwt",
            Self::FormPostJwt => "form_post.jwt",
        }
    }
}

/// Where and how an authorization response is delivered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResponseTarget {
    /// The registered redirect URI.
    pub redirect_uri: String,
    /// The response mode.
    pub mode: ResponseMode,
    /// The client's `state`, echoed.
    pub state: Option<String>,
    /// The issuer, sent as `iss` (RFC 9207 §2).
    pub issuer: String,
    /// The client the response is for (the `aud` of a JWT-secured one, JARM §2.1).
    #[serde(default)]
    pub client_id: String,
}

impl ResponseTarget {
    /// An error response to this target.
    pub fn error(&self, code: ErrorCode, description: impl Into<String>) -> AuthorizationError {
        AuthorizationError::Redirect { target: Box::new(self.clone()), code, description: description.into() }
    }

    /// The error response `code` with `description`, plus `state` and `iss`.
    pub fn error_response(&self, code: ErrorCode, description: &str) -> AuthorizationResponse {
        let description = super::description_chars(description);
        self.respond(vec![("error".into(), code.as_str().into()), ("error_description".into(), description)])
    }

    /// A response with `params` plus `state` and `iss`.
    pub fn respond(&self, mut params: Vec<(String, String)>) -> AuthorizationResponse {
        if let Some(state) = &self.state {
            params.push(("state".into(), state.clone()));
        }
        // RFC 9207 §2: iss in every authorization response, success or error.
        params.push(("iss".into(), self.issuer.clone()));
        AuthorizationResponse { target: self.clone(), params }
    }
}

/// A response on its way to the client.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizationResponse {
    /// Where it goes.
    pub target: ResponseTarget,
    /// Its parameters, `state` and `iss` included.
    pub params: Vec<(String, String)>,
}

impl AuthorizationResponse {
    /// The redirect URL for query and fragment modes.
    pub fn redirect_url(&self) -> String {
        let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.params).finish();
        let uri = &self.target.redirect_uri;
        match self.target.mode.carrier() {
            ResponseMode::Fragment => format!("{uri}#{encoded}"),
            _ if uri.contains('?') => format!("{uri}&{encoded}"),
            _ => format!("{uri}?{encoded}"),
        }
    }
}

/// An authorization failure.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizationError {
    /// The client or redirect URI cannot be trusted: shown to the user, never redirected
    /// (RFC 6749 §4.1.2.1).
    Page {
        /// The error code.
        code: ErrorCode,
        /// What went wrong.
        description: String,
    },
    /// The end of a request whose client learns the outcome some other way (a device polls,
    /// RFC 8628 §3.5): shown to the user.
    Shown {
        /// The error code.
        code: ErrorCode,
        /// What went wrong.
        description: String,
    },
    /// Sent to the client's redirect URI.
    Redirect {
        /// Where it goes (boxed: it is most of the error's size, and errors travel in `Result`s).
        target: Box<ResponseTarget>,
        /// The error code.
        code: ErrorCode,
        /// What went wrong.
        description: String,
    },
}

impl AuthorizationError {
    /// `server_error` on a page: the detail goes to the log, never to the user.
    pub fn server_error(detail: impl std::fmt::Display) -> Self {
        let error = OAuthError::server_error(detail);
        Self::Page { code: error.code, description: error.description }
    }
}

/// A door that answers in JSON (a back-channel one: device authorization, and next PAR and
/// CIBA) delivers an authorization error as an OAuth error.
impl From<AuthorizationError> for OAuthError {
    fn from(error: AuthorizationError) -> Self {
        match error {
            AuthorizationError::Page { code, description }
            | AuthorizationError::Shown { code, description }
            | AuthorizationError::Redirect { code, description, .. } => OAuthError::new(code, description),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(uri: &str, mode: ResponseMode) -> ResponseTarget {
        ResponseTarget {
            redirect_uri: uri.into(),
            mode,
            state: Some("s t".into()),
            issuer: "https://op.example".into(),
            client_id: "rp".into(),
        }
    }

    #[test]
    fn query_keeps_existing_query_and_adds_iss() {
        let res = target("https://rp.example/cb?x=1", ResponseMode::Query).respond(vec![("code".into(), "abc".into())]);
        assert_eq!(res.redirect_url(), "https://rp.example/cb?x=1&code=abc&state=s+t&iss=https%3A%2F%2Fop.example");
    }

    #[test]
    fn fragment_mode() {
        let res = target("https://rp.example/cb", ResponseMode::Fragment).respond(vec![]);
        assert_eq!(res.redirect_url(), "https://rp.example/cb#state=s+t&iss=https%3A%2F%2Fop.example");
    }

    #[test]
    fn jwt_is_jarms_default_for_the_response_type() {
        assert_eq!(ResponseMode::parse("jwt", "code"), Some(ResponseMode::QueryJwt));
        assert_eq!(ResponseMode::parse("jwt", "code id_token"), Some(ResponseMode::FragmentJwt));
        assert_eq!(ResponseMode::parse("form_post.jwt", "code"), Some(ResponseMode::FormPostJwt));
        assert_eq!(ResponseMode::parse("query.jwt", "code").map(ResponseMode::carrier), Some(ResponseMode::Query));
        assert!(ResponseMode::parse("jwt.query", "code").is_none());
    }

    #[test]
    fn default_modes() {
        assert_eq!(ResponseMode::default_for("code"), ResponseMode::Query);
        assert_eq!(ResponseMode::default_for("code id_token"), ResponseMode::Fragment);
    }
}
