//! Authorization responses and errors, and the response modes that carry them
//! (OAuth 2.0 Multiple Response Types §2, Form Post Response Mode, RFC 9207).

use crate::error::ErrorCode;
use crate::interaction::pages;
use rocket::Request;
use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder, Response};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

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
}

impl ResponseMode {
    /// Every supported mode, for discovery.
    pub const ALL: [ResponseMode; 3] = [Self::Query, Self::Fragment, Self::FormPost];

    /// The default for a response type (Multiple Response Types §5): query for `code`,
    /// fragment for anything that returns a token.
    pub fn default_for(response_type: &str) -> Self {
        if response_type == "code" || response_type == "none" { Self::Query } else { Self::Fragment }
    }

    /// Parses a `response_mode` value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "query" => Some(Self::Query),
            "fragment" => Some(Self::Fragment),
            "form_post" => Some(Self::FormPost),
            _ => None,
        }
    }

    /// The `response_mode` name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Fragment => "fragment",
            Self::FormPost => "form_post",
        }
    }
}

/// The `redirect_uri` of device authorizations (RFC 8628), which are answered on pages.
pub const DEVICE_TARGET: &str = "urn:ietf:params:oauth:grant-type:device_code";

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
}

impl ResponseTarget {
    /// An error response to this target.
    pub fn error(&self, code: ErrorCode, description: impl Into<String>) -> AuthorizationError {
        AuthorizationError::Redirect { target: self.clone(), code, description: description.into() }
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
        match self.target.mode {
            ResponseMode::Fragment => format!("{uri}#{encoded}"),
            _ if uri.contains('?') => format!("{uri}&{encoded}"),
            _ => format!("{uri}?{encoded}"),
        }
    }
}

impl<'r> Responder<'r, 'static> for AuthorizationResponse {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        match self.target.mode {
            ResponseMode::FormPost => {
                let html = pages::form_post(&self.target.redirect_uri, &self.params);
                html_response(Status::Ok, html).ok()
            }
            _ => Response::build()
                .status(Status::SeeOther)
                .header(Header::new("Location", self.redirect_url()))
                .header(Header::new("Cache-Control", "no-store"))
                .ok(),
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
    /// Sent to the client's redirect URI.
    Redirect {
        /// Where it goes.
        target: ResponseTarget,
        /// The error code.
        code: ErrorCode,
        /// What went wrong.
        description: String,
    },
}

impl From<crate::storage::StorageError> for AuthorizationError {
    fn from(err: crate::storage::StorageError) -> Self {
        tracing::error!(%err, "storage failure during authorization");
        Self::Page { code: ErrorCode::ServerError, description: "the server could not complete the request".into() }
    }
}

impl<'r> Responder<'r, 'static> for AuthorizationError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        match self {
            Self::Page { code, description } => {
                let status =
                    if code == ErrorCode::ServerError { Status::InternalServerError } else { Status::BadRequest };
                html_response(status, pages::error(code.as_str(), &description)).ok()
            }
            // A device authorization has nowhere to redirect to: its outcome is shown.
            Self::Redirect { target, code, description } if target.redirect_uri == DEVICE_TARGET => {
                let html = if code == ErrorCode::AccessDenied {
                    pages::device_done(false)
                } else {
                    pages::error(code.as_str(), &description)
                };
                html_response(Status::Ok, html).ok()
            }
            Self::Redirect { target, code, description } => {
                let description = crate::error::description_chars(&description);
                let params = vec![("error".into(), code.as_str().into()), ("error_description".into(), description)];
                target.respond(params).respond_to(req)
            }
        }
    }
}

/// An HTML page that must not be cached or framed.
pub fn html_response(status: Status, html: String) -> response::Builder<'static> {
    let mut builder = Response::build();
    builder
        .status(status)
        .header(ContentType::HTML)
        .header(Header::new("Cache-Control", "no-store"))
        // Never framed (clickjacking). CSP rather than X-Frame-Options, which Rocket's Shield owns.
        .header(Header::new("Content-Security-Policy", "frame-ancestors 'none'"))
        .sized_body(html.len(), Cursor::new(html));
    builder
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
    fn default_modes() {
        assert_eq!(ResponseMode::default_for("code"), ResponseMode::Query);
        assert_eq!(ResponseMode::default_for("code id_token"), ResponseMode::Fragment);
    }
}

/// What the authorization and interaction endpoints answer a browser with.
#[derive(Debug)]
pub enum Answer {
    /// The authorization response, to the client.
    Response(AuthorizationResponse),
    /// An error, to the client or on a page.
    Error(AuthorizationError),
    /// Go to an interaction page.
    Interact {
        /// The page's URL.
        location: String,
    },
    /// A page of ours (login, consent, or an interaction error).
    Page(Status, String),
    /// A page of ours refusing an attempt until `retry_after` seconds have passed (429).
    TooManyAttempts {
        /// Seconds to wait (`Retry-After`).
        retry_after: u64,
        /// The page.
        html: String,
    },
}

impl<'r> Responder<'r, 'static> for Answer {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        match self {
            Self::Response(response) => response.respond_to(req),
            Self::Error(error) => error.respond_to(req),
            Self::Interact { location } => Response::build()
                .status(Status::SeeOther)
                .header(Header::new("Location", location))
                .header(Header::new("Cache-Control", "no-store"))
                .ok(),
            Self::Page(status, html) => html_response(status, html).ok(),
            Self::TooManyAttempts { retry_after, html } => html_response(Status::TooManyRequests, html)
                .header(Header::new("Retry-After", retry_after.to_string()))
                .ok(),
        }
    }
}
