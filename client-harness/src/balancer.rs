//! A round-robin load balancer for tests: one issuer in front of several provider instances,
//! each request to the next instance, as a load balancer without session affinity sends them.
//! So a flow's steps land on different instances, and only what they share (the database)
//! carries it through.

use rocket::data::{Data, ToByteUnit};
use rocket::http::{Header, Method, Status};
use rocket::response::Response;
use rocket::route::{Handler, Outcome, Route};
use rocket::{Request, async_trait};
use std::io::Cursor;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Request and response headers a proxy does not pass on (RFC 9110 §7.6.1), and those the
/// server or the client computes again.
const HOP_BY_HOP: &[&str] =
    &["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length", "host"];

/// A running balancer. Dropping it stops it.
pub struct Balancer {
    /// Its base URL: the issuer the instances are configured with.
    pub url: String,
    /// The port it listens on.
    pub port: u16,
    served: Arc<Vec<AtomicUsize>>,
    shutdown: rocket::Shutdown,
}

impl Balancer {
    /// Starts a balancer on `port` in front of the instances at `backends` (base URLs).
    pub async fn start(port: u16, backends: Vec<String>) -> Self {
        crate::http::install_crypto();
        let served: Arc<Vec<AtomicUsize>> = Arc::new(backends.iter().map(|_| AtomicUsize::new(0)).collect());
        let forward = Forward {
            backends: Arc::new(backends),
            next: Arc::new(AtomicUsize::new(0)),
            served: served.clone(),
            client: crate::http::client(false),
        };
        let methods = [Method::Get, Method::Post, Method::Put, Method::Delete, Method::Head, Method::Options];
        let routes: Vec<Route> =
            methods.into_iter().map(|method| Route::ranked(1, method, "/<path..>", forward.clone())).collect();
        let figment = rocket::Config::figment()
            .merge(("port", port))
            .merge(("address", "127.0.0.1"))
            .merge(("log_level", "off"))
            .merge(("shutdown.grace", 0))
            .merge(("shutdown.mercy", 0))
            .merge(("shutdown.ctrlc", false));
        let rocket = rocket::custom(figment).mount("/", routes).ignite().await.expect("the balancer ignites");
        let shutdown = rocket.shutdown();
        tokio::spawn(async move {
            let _ = rocket.launch().await;
        });
        crate::launch::wait_until_listening(port).await;
        Self { url: format!("http://127.0.0.1:{port}"), port, served, shutdown }
    }

    /// How many requests each instance has been sent, in the order of the backends.
    pub fn served(&self) -> Vec<usize> {
        self.served.iter().map(|n| n.load(Ordering::Relaxed)).collect()
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.shutdown.clone().notify();
    }
}

#[derive(Clone)]
struct Forward {
    backends: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    served: Arc<Vec<AtomicUsize>>,
    client: reqwest::Client,
}

#[async_trait]
impl Handler for Forward {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> Outcome<'r> {
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.backends.len();
        self.served[n].fetch_add(1, Ordering::Relaxed);
        let Ok(body) = data.open(16.mebibytes()).into_bytes().await else {
            return Outcome::Error(Status::PayloadTooLarge);
        };
        let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes()).expect("an HTTP method");
        let mut forwarded = self.client.request(method, format!("{}{}", self.backends[n], request.uri()));
        for header in request.headers().iter().filter(|h| !HOP_BY_HOP.contains(&h.name().as_str())) {
            forwarded = forwarded.header(header.name().as_str(), header.value());
        }
        let Ok(answer) = forwarded.body(body.into_inner()).send().await else {
            return Outcome::Error(Status::BadGateway);
        };
        let status = Status::new(answer.status().as_u16());
        let headers: Vec<Header<'static>> = answer
            .headers()
            .iter()
            .filter(|(name, _)| !HOP_BY_HOP.contains(&name.as_str()))
            .filter_map(|(name, value)| Some(Header::new(name.as_str().to_string(), value.to_str().ok()?.to_string())))
            .collect();
        let body = answer.bytes().await.unwrap_or_default().to_vec();
        let mut response = Response::build();
        response.status(status);
        for header in headers {
            // `adjoin`: several Set-Cookie headers stay several.
            response.header_adjoin(header);
        }
        Outcome::Success(response.sized_body(body.len(), Cursor::new(body)).finalize())
    }
}
