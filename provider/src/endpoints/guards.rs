//! Request guards: how the provider reads what a request carries (form parameters, an
//! authenticated client, a presented token, and the context sender constraints check) before a
//! handler sees it.

use super::respond::ErrorReply;
use crate::Provider;
use crate::clients::{ClientRequest, authenticate};
use crate::protocol::{OAuthError, Params, TokenType};
use crate::sender::{self, Presentation, RequestContext};
use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::Status;
use rocket::mtls::Certificate;
use rocket::request::{FromRequest, Outcome, Request};

/// Request bodies larger than this are refused: no OAuth form needs more.
const FORM_LIMIT_KIB: u64 = 64;

#[rocket::async_trait]
impl<'r> FromData<'r> for Params {
    type Error = ErrorReply;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let is_form = req.content_type().is_some_and(|ct| ct.is_form());
        if !is_form {
            let err = OAuthError::invalid_request("the body must be application/x-www-form-urlencoded");
            return data::Outcome::Error((Status::BadRequest, err.into()));
        }
        match data.open(FORM_LIMIT_KIB.kibibytes()).into_string().await {
            Ok(body) if body.is_complete() => data::Outcome::Success(Params::parse(&body)),
            Ok(_) => data::Outcome::Error((
                Status::PayloadTooLarge,
                ErrorReply::with_status(
                    OAuthError::invalid_request("the request body is too large"),
                    Status::PayloadTooLarge,
                ),
            )),
            Err(_) => data::Outcome::Error((
                Status::BadRequest,
                OAuthError::invalid_request("the request body is not valid UTF-8").into(),
            )),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for ClientRequest {
    type Error = ErrorReply;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let mut params = match Params::from_data(req, data).await {
            data::Outcome::Success(params) => params,
            data::Outcome::Error(e) => return data::Outcome::Error(e),
            data::Outcome::Forward(f) => return data::Outcome::Forward(f),
        };
        let Some(provider) = req.rocket().state::<Provider>() else {
            return data::Outcome::Error((
                Status::InternalServerError,
                OAuthError::server_error("provider state missing").into(),
            ));
        };
        let authorization = req.headers().get_one("Authorization");
        let context = request_context(req, provider).await;
        let presented = presented_method(authorization, &params, &context);
        match authenticate(provider, authorization, &mut params, &context).await {
            Ok((client, method)) => data::Outcome::Success(ClientRequest { client, method, params, context }),
            Err(e) => {
                if e.code == crate::protocol::ErrorCode::InvalidClient {
                    provider.metrics().client_auth_failed(presented);
                }
                let reply = ErrorReply::from(e);
                data::Outcome::Error((reply.status, reply))
            }
        }
    }
}

/// The client authentication method a request presents, before it is checked: for the metrics
/// of failures, where the client (and so its registered method) may be unknown.
fn presented_method(authorization: Option<&str>, params: &Params, context: &RequestContext) -> &'static str {
    if !context.client_attestation.is_empty() {
        "attest_jwt_client_auth"
    } else if params.get("client_assertion").is_some() {
        // private_key_jwt or client_secret_jwt: which one, only the assertion's alg tells.
        "client_assertion"
    } else if authorization.and_then(|a| a.get(..6)).is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic ")) {
        // `get`, not slicing: a header of non-ASCII text may have no character boundary at 6.
        "client_secret_basic"
    } else if params.get("client_secret").is_some() {
        "client_secret_post"
    } else if context.client_certificate.is_some() {
        "tls_client_auth"
    } else {
        "none"
    }
}

/// What a request carries for the sender-constraint checks.
pub(crate) async fn request_context(req: &Request<'_>, op: &Provider) -> RequestContext {
    RequestContext {
        method: req.method().as_str().to_string(),
        url: format!("{}{}", request_origin(req, op), req.uri().path()),
        dpop: req.headers().get("DPoP").map(String::from).collect(),
        client_certificate: client_certificate(req, op).await,
        client_attestation: req.headers().get("OAuth-Client-Attestation").map(String::from).collect(),
        client_attestation_pop: req.headers().get("OAuth-Client-Attestation-PoP").map(String::from).collect(),
    }
}

/// The origin the request was sent to: the mTLS alias origin if its `Host` is the alias's (RFC
/// 8705 §5), the issuer's otherwise (DPoP's `htu` names the URL the client used).
fn request_origin<'a>(req: &Request<'_>, op: &'a Provider) -> &'a str {
    #[cfg(feature = "mtls")]
    if let Some(alias) = op.config().mtls.endpoint_aliases.as_deref()
        && let Some(host) = req.host()
        && alias.split_once("://").is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(&host.to_string()))
    {
        return alias;
    }
    let _ = req;
    op.origin()
}

/// The client's certificate: from this server's TLS handshake, or from a trusted proxy's header
/// where one is configured (never from a header a client could set itself).
async fn client_certificate(req: &Request<'_>, op: &Provider) -> Option<Vec<u8>> {
    if let Outcome::Success(certificate) = req.guard::<Certificate<'_>>().await {
        return Some(certificate.as_bytes().to_vec());
    }
    let proxy = &op.config().proxy;
    let header = proxy.client_certificate_header.as_deref().filter(|_| proxy.trust_forwarded_headers)?;
    sender::forwarded_certificate(req.headers().get_one(header)?)
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RequestContext {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        match req.rocket().state::<Provider>() {
            Some(op) => Outcome::Success(request_context(req, op).await),
            None => Outcome::Forward(Status::InternalServerError),
        }
    }
}

/// An access token presented to a protected resource in the `Authorization` header (RFC 6750
/// §2.1), with the scheme it came with; `None` without one.
pub(crate) struct PresentedToken(pub Option<(TokenType, String)>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for PresentedToken {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let token = req
            .headers()
            .get_one("Authorization")
            .and_then(|h| h.split_once(' '))
            .and_then(|(scheme, token)| Some((TokenType::from_scheme(scheme)?, token.trim().to_string())));
        Outcome::Success(PresentedToken(token))
    }
}

impl PresentedToken {
    /// The token of a request that can carry it only in the `Authorization` header (a GET).
    pub(crate) fn in_header(self) -> Option<(Presentation, String)> {
        self.0.map(|(scheme, token)| (Presentation::Header(scheme), token))
    }

    /// The token of a form POST: in the header, or as the body's `access_token` (RFC 6750
    /// §2.2), never both (§2: one method per request). A body too large to read says so (413),
    /// rather than that no token came.
    pub(crate) fn or_in_form(
        self,
        form: Result<Params, ErrorReply>,
    ) -> Result<Option<(Presentation, String)>, ErrorReply> {
        let body_token = match form {
            Ok(mut form) => form.take("access_token"),
            Err(e) if e.status == Status::PayloadTooLarge => return Err(e),
            Err(_) => None,
        };
        match (self.0, body_token) {
            (Some(_), Some(_)) => Err(OAuthError::invalid_request("the access token was sent twice").into()),
            (Some((scheme, token)), None) => Ok(Some((Presentation::Header(scheme), token))),
            (None, body) => Ok(body.map(|token| (Presentation::Body, token))),
        }
    }
}

/// A JSON request body (client metadata, RFC 7591 §3.1), at most `[registration]
/// max_body_bytes`.
#[cfg(feature = "registration")]
pub struct JsonBody(pub serde_json::Value);

#[cfg(feature = "registration")]
#[rocket::async_trait]
impl<'r> FromData<'r> for JsonBody {
    type Error = ErrorReply;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let refuse = |status: Status, description: &str| {
            let error = OAuthError::new(crate::protocol::ErrorCode::InvalidClientMetadata, description);
            data::Outcome::Error((status, ErrorReply::with_status(error, status)))
        };
        if !req.content_type().is_some_and(|ct| ct.is_json()) {
            return refuse(Status::BadRequest, "the body must be application/json");
        }
        let limit = req.rocket().state::<Provider>().map_or(64 * 1024, |op| op.config().registration.max_body_bytes);
        match data.open(limit.bytes()).into_bytes().await {
            Ok(body) if body.is_complete() => match serde_json::from_slice(&body) {
                Ok(value) => data::Outcome::Success(JsonBody(value)),
                Err(_) => refuse(Status::BadRequest, "the body is not JSON"),
            },
            Ok(_) => refuse(Status::PayloadTooLarge, "the request body is too large"),
            Err(_) => refuse(Status::BadRequest, "the request body could not be read"),
        }
    }
}
