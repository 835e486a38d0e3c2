//! CORS for the endpoints browser-based clients call directly (discovery, JWKS, token, userinfo).
//! Interaction pages and the authorization endpoint are navigations and get no CORS headers.
//! No cookies are involved on these endpoints, so any origin may call them.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Method, Status};
use rocket::{Request, Response};

/// Adds CORS headers to responses from the listed paths and answers their preflights.
pub(crate) struct Cors {
    paths: Vec<String>,
}

impl Cors {
    /// CORS on these exact paths.
    pub(crate) fn new(paths: Vec<String>) -> Self {
        Self { paths }
    }
}

#[rocket::async_trait]
impl Fairing for Cors {
    fn info(&self) -> Info {
        Info { name: "CORS for browser-called endpoints", kind: Kind::Response }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        if req.headers().get_one("Origin").is_none() || !self.paths.iter().any(|p| p == req.uri().path().as_str()) {
            return;
        }
        res.set_header(Header::new("Access-Control-Allow-Origin", "*"));
        res.set_header(Header::new("Access-Control-Expose-Headers", "WWW-Authenticate"));
        if req.method() == Method::Options {
            res.set_status(Status::NoContent);
            res.set_header(Header::new("Access-Control-Allow-Methods", "GET, POST"));
            res.set_header(Header::new("Access-Control-Allow-Headers", "Authorization, Content-Type"));
            res.set_header(Header::new("Access-Control-Max-Age", "3600"));
            res.set_sized_body(0, std::io::Cursor::new(""));
        }
    }
}
