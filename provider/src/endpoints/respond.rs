//! How domain answers go out over HTTP: every Rocket responder of the provider.
//!
//! The domain hands over plain values (an [`OAuthError`], a [`TokenResponse`], an authorization
//! response or error, a page); this module alone picks their status, headers and body.

use super::interaction::pages;
use crate::protocol::{AuthorizationError, AuthorizationResponse, ErrorCode, OAuthError, ResponseMode};
use crate::tokens::TokenResponse;
use rocket::Request;
use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder, Response};
use serde::Serialize;
use std::io::Cursor;

/// The HTTP status for an error at a JSON endpoint (RFC 6749 §5.2, RFC 6750 §3.1).
pub(crate) fn status_of(code: ErrorCode) -> Status {
    match code {
        // A failed attestation is a failed client authentication (RFC 6749 §5.2).
        ErrorCode::InvalidClient | ErrorCode::InvalidToken | ErrorCode::InvalidClientAttestation => Status::Unauthorized,
        ErrorCode::InsufficientScope => Status::Forbidden,
        ErrorCode::ServerError => Status::InternalServerError,
        ErrorCode::TemporarilyUnavailable => Status::ServiceUnavailable,
        _ => Status::BadRequest,
    }
}

/// An OAuth error answered as JSON, with its HTTP status: the code's own (RFC 6749 §5.2), unless
/// the failure was of HTTP itself (413 for a body over the limit).
#[derive(Debug)]
pub struct ErrorReply {
    /// The error.
    pub error: OAuthError,
    /// The status it is answered with.
    pub status: Status,
    /// Seconds to wait before trying again (`Retry-After`, RFC 9110 §10.2.3), for a 429.
    pub retry_after: Option<u64>,
}

impl ErrorReply {
    /// An error answered with `status` rather than its code's own.
    pub fn with_status(error: OAuthError, status: Status) -> Self {
        Self { error, status, retry_after: None }
    }
}

impl From<OAuthError> for ErrorReply {
    fn from(error: OAuthError) -> Self {
        // RFC 9449 §7.1: a resource refuses a DPoP problem with 401 and a DPoP challenge.
        let status = match error.challenge {
            crate::protocol::Challenge::DPoP(_) => Status::Unauthorized,
            _ => status_of(error.code),
        };
        Self { error, status, retry_after: None }
    }
}

impl From<crate::storage::StorageError> for ErrorReply {
    fn from(err: crate::storage::StorageError) -> Self {
        OAuthError::from(err).into()
    }
}

/// What a JSON endpoint answers.
pub(crate) type Reply<T> = Result<T, ErrorReply>;

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    error_description: &'a str,
}

impl<'r> Responder<'r, 'static> for ErrorReply {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let error = &self.error;
        let body =
            serde_json::to_string(&ErrorBody { error: error.code.as_str(), error_description: &error.description })
                .unwrap_or_default();
        let mut response = Response::build();
        response
            .status(self.status)
            .header(ContentType::JSON)
            // RFC 6749 §5.1: token endpoint answers must not be cached; errors neither.
            .header(Header::new("Cache-Control", "no-store"))
            .sized_body(body.len(), Cursor::new(body));
        if let Some(challenge) = error.challenge_header() {
            response.header(Header::new("WWW-Authenticate", challenge));
        }
        if let Some(seconds) = self.retry_after {
            response.header(Header::new("Retry-After", seconds.to_string()));
        }
        // RFC 9449 §8.1, §9: the nonce the client is to use next comes with the error.
        #[cfg(feature = "dpop")]
        if error.code == ErrorCode::UseDpopNonce
            && let Some(op) = req.rocket().state::<crate::Provider>()
        {
            response.header(Header::new("DPoP-Nonce", crate::sender::dpop::current_nonce(op)));
        }
        // Attestation-based client auth §8.1: the challenge to use next comes with the error.
        #[cfg(feature = "attestation")]
        if error.code == ErrorCode::UseAttestationChallenge
            && let Some(op) = req.rocket().state::<crate::Provider>()
        {
            response.header(Header::new("OAuth-Client-Attestation-Challenge", op.attestation_challenges().current()));
        }
        #[cfg(not(any(feature = "dpop", feature = "attestation")))]
        let _ = req;
        response.ok()
    }
}

impl<'r> Responder<'r, 'static> for TokenResponse {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let body = serde_json::to_string(&self).map_err(|_| Status::InternalServerError)?;
        Response::build()
            .header(ContentType::JSON)
            // RFC 6749 §5.1: "Cache-Control: no-store" and "Pragma: no-cache".
            .header(Header::new("Cache-Control", "no-store"))
            .header(Header::new("Pragma", "no-cache"))
            .sized_body(body.len(), Cursor::new(body))
            .ok()
    }
}

impl<'r> Responder<'r, 'static> for AuthorizationResponse {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        match self.target.mode.carrier() {
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

impl<'r> Responder<'r, 'static> for AuthorizationError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        match self {
            Self::Page { code, description } => {
                let status =
                    if code == ErrorCode::ServerError { Status::InternalServerError } else { Status::BadRequest };
                html_response(status, pages::error(&look_of(req), code.as_str(), &description)).ok()
            }
            // A device authorization has nowhere to redirect to: its outcome is shown.
            Self::Shown { code, description } => {
                let look = look_of(req);
                let html = if code == ErrorCode::AccessDenied {
                    pages::device_done(&look, false)
                } else {
                    pages::error(&look, code.as_str(), &description)
                };
                html_response(Status::Ok, html).ok()
            }
            Self::Redirect { target, code, description } => target.error_response(code, &description).respond_to(req),
        }
    }
}

/// The look of a page answering `req`, in the language its `Accept-Language` prefers.
pub(crate) fn look_of(req: &Request<'_>) -> pages::Look {
    let accept = req.headers().get_one("Accept-Language");
    match req.rocket().state::<crate::Provider>() {
        Some(op) => op.look(None, accept),
        // Only a host that mounts our routes without our state gets here: the built-in catalogs,
        // parsed once (a unit test parses them on every build).
        None => {
            static BUILT_IN: std::sync::OnceLock<(crate::i18n::Catalog, std::sync::Arc<crate::i18n::Theme>)> =
                std::sync::OnceLock::new();
            let (catalog, theme) = BUILT_IN.get_or_init(|| {
                let catalog = crate::i18n::Catalog::load(&Default::default());
                (catalog.unwrap_or_else(|e| panic!("the built-in catalogs: {e}")), Default::default())
            });
            catalog.look(theme, None, accept)
        }
    }
}

/// The request's `Accept-Language`, for the pages' language.
pub(crate) struct AcceptLanguage(pub Option<String>);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for AcceptLanguage {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        rocket::request::Outcome::Success(Self(req.headers().get_one("Accept-Language").map(String::from)))
    }
}

/// An HTML page that must not be cached or framed.
pub(crate) fn html_response(status: Status, html: String) -> response::Builder<'static> {
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

/// What the authorization and interaction endpoints answer a browser with.
#[derive(Debug)]
pub(crate) enum Answer {
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
    /// An error page, in the language the request prefers.
    Problem {
        /// The page's status.
        status: Status,
        /// The error.
        code: ErrorCode,
        /// Its description (for the developer, in English).
        description: String,
    },
    /// The end of a device authorization, approved or not, in the language the request prefers.
    DeviceDone(bool),
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
            Self::Problem { status, code, description } => {
                html_response(status, pages::error(&look_of(req), code.as_str(), &description)).ok()
            }
            Self::DeviceDone(approved) => html_response(Status::Ok, pages::device_done(&look_of(req), approved)).ok(),
            Self::TooManyAttempts { retry_after, html } => html_response(Status::TooManyRequests, html)
                .header(Header::new("Retry-After", retry_after.to_string()))
                .ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_client_is_answered_with_401() {
        let err = OAuthError::invalid_client("unknown client");
        assert_eq!(status_of(err.code), Status::Unauthorized);
    }
}
