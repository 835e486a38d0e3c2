//! Every route's handler runs inside [`InRequest`]: in its request's scope (so the audit events
//! it records carry the request's id), that id put on its answer as `X-Request-Id` when an event
//! took it, and, with metrics on, the answer counted and timed. [`InCatcher`] does the same for
//! the provider's catchers: it names the answer to a route that failed after recording an
//! event, and counts what no route answered. Rocket's per-request cache is used only on a
//! route's error path: its first use costs an allocation and a hash-map insert.

use crate::audit::RequestScope;
use crate::metrics::{Endpoint, RouteMetrics};
use rocket::http::{Header, Status};
use rocket::route::{Handler, Outcome};
use rocket::{Catcher, Data, Request, Response};
use std::sync::Arc;
use std::time::Instant;

/// The request header a trusted proxy may set, and the response header that names the id.
pub(crate) const REQUEST_ID_HEADER: &str = "X-Request-Id";

/// The scope of `request`, named by the `X-Request-Id` a trusted proxy
/// (`proxy.trust_forwarded_headers`) set when it is a plain token, so that the proxy's log and
/// ours share it; otherwise its id is drawn when an event asks (a client's own would let it pick
/// the ids of the log lines it causes).
fn scope_of(request: &Request<'_>, op: Option<&crate::Provider>) -> RequestScope {
    let trusted = op.is_some_and(|op| op.config().proxy.trust_forwarded_headers);
    // Looked up only when it counts: a header lookup hashes the name.
    let given = trusted.then(|| request.headers().get_one(REQUEST_ID_HEADER)).flatten().filter(|id| is_plain_id(id));
    RequestScope::new(given.map(String::from))
}

/// Up to 128 characters of `A-Z a-z 0-9 . _ -`: safe in a log line and a header.
fn is_plain_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// For the catcher: whether a route failed (it has counted the answer), and the id its events
/// took, if any.
enum Failed {
    NoRoute,
    Route(Option<String>),
}

/// A route's handler, run in its request's scope; wraps every route of the provider.
#[derive(Clone)]
pub(crate) struct InRequest {
    handler: Box<dyn Handler>,
    /// The route's template, the label of its metrics.
    endpoint: Endpoint,
    /// The route's series, once used.
    metrics: Arc<RouteMetrics>,
}

impl InRequest {
    /// `route` with its handler wrapped.
    pub(crate) fn wrap(mut route: rocket::Route) -> rocket::Route {
        let endpoint = Endpoint(Arc::from(route.uri.origin.path().as_str()));
        route.handler = Box::new(Self { handler: route.handler.clone(), endpoint, metrics: Arc::default() });
        route
    }
}

#[rocket::async_trait]
impl Handler for InRequest {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        let op = request.rocket().state::<crate::Provider>();
        let metrics = op.filter(|op| op.config().metrics.enabled).map(|op| (op.metrics().http(), Instant::now()));
        let mut handling = std::pin::pin!(crate::audit::in_request(scope_of(request, op), self.handler.handle(request, data)));
        let mut outcome = handling.as_mut().await;
        let id = handling.as_mut().take_value().and_then(RequestScope::into_id);
        let status = match &mut outcome {
            Outcome::Success(response) => {
                if let Some(id) = id {
                    response.set_header(Header::new(REQUEST_ID_HEADER, id));
                }
                Some(response.status())
            }
            Outcome::Error(status) => {
                // The catcher answers; it counts nothing more, and names its answer as the
                // handler's events were named.
                request.local_cache(|| Failed::Route(id));
                Some(*status)
            }
            // Another route may still answer; it counts itself, or the catcher does.
            Outcome::Forward(_) => None,
        };
        if let (Some((http, started)), Some(status)) = (metrics, status) {
            http.route_answered(&self.metrics, &self.endpoint, status.code, started.elapsed());
        }
        outcome
    }
}

/// A catcher of the provider: its answer to a failed route named as the route's events were,
/// and (with metrics on) what no route answered counted as `unmatched`.
#[derive(Clone)]
pub(crate) struct InCatcher {
    handler: Box<dyn rocket::catcher::Handler>,
}

impl InCatcher {
    /// `catcher` with its handler wrapped.
    pub(crate) fn wrap(mut catcher: Catcher) -> Catcher {
        catcher.handler = Box::new(Self { handler: catcher.handler.clone() });
        catcher
    }
}

#[rocket::async_trait]
impl rocket::catcher::Handler for InCatcher {
    async fn handle<'r>(&self, status: Status, request: &'r Request<'_>) -> rocket::catcher::Result<'r> {
        let mut response: Response<'r> = self.handler.handle(status, request).await?;
        match request.local_cache(|| Failed::NoRoute) {
            Failed::Route(Some(id)) => {
                response.set_header(Header::new(REQUEST_ID_HEADER, id.clone()));
            }
            Failed::Route(None) => {}
            Failed::NoRoute => {
                let op = request.rocket().state::<crate::Provider>();
                if let Some(op) = op.filter(|op| op.config().metrics.enabled) {
                    static UNMATCHED: std::sync::OnceLock<Endpoint> = std::sync::OnceLock::new();
                    let unmatched = UNMATCHED.get_or_init(|| Endpoint(Arc::from("unmatched")));
                    op.metrics().http().answered(unmatched, response.status().code);
                }
            }
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocket::local::asynchronous::Client;

    /// The id the last handler that asked for one got (one test uses it).
    static SEEN: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

    fn ask() {
        *SEEN.lock().unwrap() = crate::audit::current_request_id();
    }

    #[rocket::get("/quiet")]
    fn quiet() -> &'static str {
        "ok"
    }

    #[rocket::get("/asks")]
    fn asks() -> &'static str {
        ask();
        "ok"
    }

    #[rocket::get("/fails")]
    fn fails() -> Result<&'static str, Status> {
        ask();
        Err(Status::BadRequest)
    }

    async fn client() -> Client {
        let routes = rocket::routes![quiet, asks, fails].into_iter().map(InRequest::wrap).collect::<Vec<_>>();
        Client::untracked(rocket::build().mount("/", routes).register("/", crate::endpoints::catchers())).await.unwrap()
    }

    fn seen() -> String {
        SEEN.lock().unwrap().clone().expect("the handler got an id")
    }

    #[rocket::async_test]
    async fn an_answer_carries_the_id_its_handler_took_and_only_then() {
        let client = client().await;
        let quiet = client.get("/quiet").dispatch().await;
        assert_eq!(quiet.headers().get_one(REQUEST_ID_HEADER), None, "no event, no id");
        let unmatched = client.get("/nowhere").dispatch().await;
        assert_eq!(unmatched.headers().get_one(REQUEST_ID_HEADER), None);
        let asks = client.get("/asks").dispatch().await;
        assert_eq!(asks.headers().get_one(REQUEST_ID_HEADER), Some(seen().as_str()));
        let again = client.get("/asks").dispatch().await;
        let (first, second) = (asks.headers().get_one(REQUEST_ID_HEADER), again.headers().get_one(REQUEST_ID_HEADER));
        assert!(second.is_some_and(is_plain_id) && first != second, "{first:?} {second:?}");
        // A failed route's answer comes from the catcher, named as the route's events were.
        let failed = client.get("/fails").dispatch().await;
        assert_eq!(failed.status(), Status::BadRequest);
        assert_eq!(failed.headers().get_one(REQUEST_ID_HEADER), Some(seen().as_str()));
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
