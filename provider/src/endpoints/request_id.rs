//! Request ids: every response names its request in `X-Request-Id`, and every handler runs with
//! that id in scope, so the audit events it records carry it.

use rocket::http::Header;
use rocket::route::{Handler, Outcome};
use rocket::{Data, Request, Response};

/// The request header a trusted proxy may set, and the response header that names the id.
pub(crate) const REQUEST_ID_HEADER: &str = "X-Request-Id";

/// The id of `request`: the `X-Request-Id` a trusted proxy (`proxy.trust_forwarded_headers`)
/// set when it is a plain token, so that the proxy's log and ours share it; otherwise a fresh
/// random one (a client's own would let it pick the ids of the log lines it causes). Made once
/// per request.
pub(crate) fn request_id<'r>(request: &'r Request<'_>) -> &'r str {
    request
        .local_cache(|| {
            let trusted =
                request.rocket().state::<crate::Provider>().is_some_and(|op| op.config().proxy.trust_forwarded_headers);
            let given = request.headers().get_one(REQUEST_ID_HEADER).filter(|id| trusted && is_plain_id(id));
            RequestId(given.map_or_else(fresh_id, String::from))
        })
        .0
        .as_str()
}

struct RequestId(String);

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

/// Runs a route's handler with its request's id in scope; wraps every route of the provider.
#[derive(Clone)]
pub(crate) struct InRequest(pub Box<dyn Handler>);

#[rocket::async_trait]
impl Handler for InRequest {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        crate::audit::in_request(request_id(request).to_string(), self.0.handle(request, data)).await
    }
}

/// The fairing that names each response's request id.
pub(crate) struct NameRequests;

#[rocket::async_trait]
impl rocket::fairing::Fairing for NameRequests {
    fn info(&self) -> rocket::fairing::Info {
        rocket::fairing::Info { name: "request id", kind: rocket::fairing::Kind::Response }
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        response.set_header(Header::new(REQUEST_ID_HEADER, request_id(request).to_string()));
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
