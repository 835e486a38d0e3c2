//! Logs: the binary's tracing subscriber, and a layer that keeps HTTP traffic out of them.
//!
//! Rocket 0.5 writes a few messages with the whole request line, query included: a 404 is
//! logged at ERROR as `No matching routes for GET /x?access_token=…`. A client that sends a
//! token or a code to a wrong path would put it in the log, and a scanner fills the log with
//! ERROR lines. At DEBUG and TRACE, Rocket also shows each request's and response's headers
//! (`Authorization`, `Cookie`, `Set-Cookie`, a `Location` with a code) and form fields.
//! [`HideTraffic`] drops those messages; the error catcher logs the method and path alone, at
//! DEBUG (`endpoints::catchers`). [`QuietConnectionFailures`] lets through one of Rocket's
//! warnings about broken connections a second. A host application mounting the library can add
//! the same layers to its own subscriber.

use crate::config::LogConfig;
use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The beginnings of Rocket's messages that go on with a request, its URI, headers or form
/// fields, or a response with its headers (rocket 0.5: `server.rs`, `request/request.rs`,
/// `router/collider.rs`, `form/parser.rs`).
const SHOWS_TRAFFIC: [&str; 10] = [
    "No matching routes for ",
    "Dispatching salvaged request to catcher: ",
    "Error: invalid origin URI: ",
    "received request: ",
    "sending response: ",
    "Hyper/Rocket URI validity discord: ",
    "request ",
    "query-less request ",
    "url-encoded field: ",
    "multipart field: ",
];

/// A layer that vetoes Rocket's log messages showing HTTP traffic: a query, a header or a
/// form field can hold a token, a code, a client secret or a password, and logs never hold
/// those.
#[derive(Debug, Clone, Copy, Default)]
pub struct HideTraffic;

impl<S: Subscriber> Layer<S> for HideTraffic {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        match rocket_message(event) {
            Some((target, message)) => !shows_traffic(&target, *event.metadata().level(), &message),
            None => true,
        }
    }
}

/// The target and message of one of Rocket's events; `None` for anyone else's. Rocket logs
/// through the `log` crate: such a record arrives with the target `log` and its own target in
/// a field. Only Rocket's messages are read; ours never show a request.
fn rocket_message(event: &Event<'_>) -> Option<(String, String)> {
    let metadata = event.metadata();
    if metadata.target() != "log" && !metadata.target().starts_with("rocket") {
        return None;
    }
    let mut fields = Fields::default();
    event.record(&mut fields);
    let target = fields.log_target.unwrap_or_else(|| metadata.target().to_string());
    target.starts_with("rocket").then_some((target, fields.message))
}

/// A layer that lets through at most one of Rocket's `Connection failed: …` warnings a second.
/// Rocket writes one for every connection that closes mid-request or sends what is not HTTP, and
/// a client can open such connections as fast as it likes: unthrottled, a flood of them floods
/// the log. One a second still says it is happening.
#[derive(Debug, Default)]
pub struct QuietConnectionFailures {
    /// When the last one was let through, in milliseconds since the epoch.
    last_ms: std::sync::atomic::AtomicI64,
}

impl<S: Subscriber> Layer<S> for QuietConnectionFailures {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        match rocket_message(event) {
            Some((_, message)) if message.starts_with("Connection failed") => {}
            _ => return true,
        }
        let now = crate::storage::now_ms();
        let last = self.last_ms.load(std::sync::atomic::Ordering::Relaxed);
        // Of concurrent failures, the one that moves the mark is the one let through.
        now - last >= 1000
            && self
                .last_ms
                .compare_exchange(last, now, std::sync::atomic::Ordering::Relaxed, std::sync::atomic::Ordering::Relaxed)
                .is_ok()
    }
}

/// Whether Rocket's `message`, logged at `level` for `target`, shows traffic.
fn shows_traffic(target: &str, level: Level, message: &str) -> bool {
    // `{request}:`, the line that opens each request's log at INFO.
    let opens_a_request = target == "rocket::server" && level == Level::INFO && message.ends_with(':');
    opens_a_request || SHOWS_TRAFFIC.iter().any(|start| message.starts_with(start))
}

/// The fields of an event this layer reads: its message, and the target of a `log` record.
#[derive(Default)]
struct Fields {
    message: String,
    log_target: Option<String>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message.push_str(value),
            "log.target" => self.log_target = Some(value.to_string()),
            _ => {}
        }
    }
}

/// The subscriber the binary logs through: `log.level` as a filter, `log.format` as the
/// layout, written to `writer`, with Rocket's traffic hidden, and lines that cannot be written
/// dropped. A level that does not parse (refused earlier by the configuration check) falls
/// back to `info`. The text layout has ANSI colours only with `ansi`: give it where `writer` is
/// a terminal, since in a file or a log collector the escape codes are noise.
pub fn subscriber<W>(log: &LogConfig, writer: W, ansi: bool) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_new(&log.level).unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi)
        // A log that cannot be written (its pipe closed) is dropped. Reported, it would go to
        // stderr with `eprintln!`, which panics when stderr is that closed pipe: the task that
        // logged would die, be it a request's or the one that stops the server on SIGTERM.
        .log_internal_errors(false);
    let quiet = QuietConnectionFailures::default();
    if log.format == "json" {
        Box::new(builder.json().finish().with(HideTraffic).with(quiet))
    } else {
        Box::new(builder.finish().with(HideTraffic).with(quiet))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::no_route("rocket::server::_", Level::ERROR, "No matching routes for GET /x?access_token=t.")]
    #[case::salvaged("rocket::server::_", Level::WARN, "Dispatching salvaged request to catcher: GET /x?code=c.")]
    #[case::opening_line("rocket::server", Level::INFO, "GET /userinfo?access_token=t:")]
    #[case::route_matching("rocket::router::collider::_", Level::TRACE, "request GET /x?code=c missing static query")]
    #[case::request_headers(
        "rocket::server",
        Level::DEBUG,
        "received request: Request { headers: {\"authorization\": \"Basic eA==\"} }"
    )]
    #[case::response_headers(
        "rocket::server",
        Level::DEBUG,
        "sending response: Response { headers: {\"location\": \"https://rp/cb?code=c\"} }"
    )]
    #[case::form_field("rocket::form::parser::_", Level::TRACE, "url-encoded field: (\"password\", \"p\")")]
    fn traffic_is_recognised(#[case] target: &str, #[case] level: Level, #[case] message: &str) {
        assert!(shows_traffic(target, level, message));
    }

    #[rstest]
    #[case::launch("rocket::launch", Level::WARN, "Rocket has launched from http://127.0.0.1:3000")]
    #[case::catcher("rocket::server::_", Level::WARN, "Responding with registered (default_catcher) default catcher.")]
    #[case::panic("rocket::server::_", Level::ERROR, "A handler panicked.")]
    #[case::shutdown("rocket::server", Level::WARN, "Received SIGTERM. Requesting shutdown.")]
    #[case::outcome("rocket::server::_", Level::INFO, "Outcome: Success(200 OK)")]
    fn other_messages_are_kept(#[case] target: &str, #[case] level: Level, #[case] message: &str) {
        assert!(!shows_traffic(target, level, message));
    }
}
