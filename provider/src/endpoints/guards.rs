//! Request guards: how the provider reads what a request carries (form parameters, an
//! authenticated client) before a handler sees it.

use super::respond::ErrorReply;
use crate::Provider;
use crate::clients::{ClientRequest, authenticate};
use crate::protocol::{OAuthError, Params};
use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::Status;
use rocket::request::Request;

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
                ErrorReply {
                    error: OAuthError::invalid_request("the request body is too large"),
                    status: Status::PayloadTooLarge,
                },
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
        match authenticate(provider, authorization, &mut params).await {
            Ok((client, method)) => data::Outcome::Success(ClientRequest { client, method, params }),
            Err(e) => {
                let reply = ErrorReply::from(e);
                data::Outcome::Error((reply.status, reply))
            }
        }
    }
}
