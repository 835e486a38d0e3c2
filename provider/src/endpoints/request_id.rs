//! Every route's handler runs inside [`InRequest`]: with its request's id in scope (so the audit
//! events it records carry it), the id put on its response as `X-Request-Id`, and, with metrics
//! on, the answer counted and timed. A fairing names the responses no route made (a 404, a
//! catcher's answer). Nothing is kept in Rocket's per-request cache: its first use costs an
//! allocation and a hash-map insert on every request.

use crate::metrics::Endpoint;
use rocket::http::Header;
use rocket::route::{Handler, Outcome};
use rocket::{Data, Request, Response};
use std::sync::Arc;
use std::time::Instant;

/// The request header a trusted proxy may set, and the response header that names the id.
pub(crate) const REQUEST_ID_HEADER: &str = "X-Request-Id";

/// The id of `request`: the `X-Request-Id` a trusted proxy (`proxy.trust_forwarded_headers`)
/// set when it is a plain token, so that the proxy's log and ours share it; otherwise a fresh
/// one (a client's own would let it pick the ids of the log lines it causes).
fn request_id(request: &Request<'_>, op: Option<&crate::Provider>) -> String {
    let trusted = op.is_some_and(|op| op.config().proxy.trust_forwarded_headers);
    let given = request.headers().get_one(REQUEST_ID_HEADER).filter(|id| trusted && is_plain_id(id));
    given.map_or_else(fresh_id, String::from)
}

/// Up to 128 characters of `A-Z a-z 0-9 . _ -`: safe in a log line and a header.
fn is_plain_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A fresh id: this process's random prefix and a counter, unique across instances and restarts
/// without a random draw per request (it names a request; it proves nothing).
fn fresh_id() -> String {
    use base64::Engine;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 9]>()));
    format!("{prefix}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A route's handler, run with its request's id in scope; wraps every route of the provider.
#[derive(Clone)]
pub(crate) struct InRequest {
    handler: Box<dyn Handler>,
    /// The route's template, the label of its metrics.
    endpoint: Endpoint,
}

impl InRequest {
    /// `route` with its handler wrapped.
    pub(crate) fn wrap(mut route: rocket::Route) -> rocket::Route {
        let endpoint = Endpoint(Arc::from(route.uri.origin.path().as_str()));
        route.handler = Box::new(Self { handler: route.handler.clone(), endpoint });
        route
    }
}

#[rocket::async_trait]
impl Handler for InRequest {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        let op = request.rocket().state::<crate::Provider>();
        let metrics = op.filter(|op| op.config().metrics.enabled).map(|op| (op.metrics().http(), Instant::now()));
        let id = request_id(request, op);
        let header = Header::new(REQUEST_ID_HEADER, id.clone());
        let mut outcome = crate::audit::in_request(id, self.handler.handle(request, data)).await;
        let status = match &mut outcome {
            Outcome::Success(response) => {
                response.set_header(header);
                Some(response.status())
            }
            Outcome::Error(status) => Some(*status),
            // Another route may still answer; it counts itself.
            Outcome::Forward(_) => None,
        };
        if let (Some((http, started)), Some(status)) = (metrics, status) {
            http.answered(&self.endpoint, status.code, Some(started.elapsed()));
        }
        outcome
    }
}

/// The fairing that names (and, with metrics on, counts) the responses no route made: an
/// unmatched path, a catcher's answer to a route's error.
pub(crate) struct NameRequests;

#[rocket::async_trait]
impl rocket::fairing::Fairing for NameRequests {
    fn info(&self) -> rocket::fairing::Info {
        rocket::fairing::Info { name: "request id", kind: rocket::fairing::Kind::Response }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        if response.headers().contains(REQUEST_ID_HEADER) {
            return;
        }
        let op = request.rocket().state::<crate::Provider>();
        response.set_header(Header::new(REQUEST_ID_HEADER, request_id(request, op)));
        if let Some(op) = op.filter(|op| op.config().metrics.enabled)
            && request.route().is_none()
        {
            static UNMATCHED: std::sync::OnceLock<Endpoint> = std::sync::OnceLock::new();
            let unmatched = UNMATCHED.get_or_init(|| Endpoint(Arc::from("unmatched")));
            op.metrics().http().answered(unmatched, response.status().code, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_ids_are_plain_and_distinct() {
        let (a, b) = (fresh_id(), fresh_id());
        assert!(is_plain_id(&a) && is_plain_id(&b) && a != b, "{a} {b}");
    }

    #[test]
    fn only_plain_ids_are_taken_from_the_proxy() {
        assert!(is_plain_id("req-1.a_B"));
        assert!(!is_plain_id(""));
        assert!(!is_plain_id("a b"));
        assert!(!is_plain_id("a\r\nSet-Cookie: x"));
        assert!(!is_plain_id(&"a".repeat(129)));
    }
}
