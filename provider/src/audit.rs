//! Audit events: one structured event per security-relevant outcome, for a SIEM or an
//! investigation. Each names who and what by id (client, subject, grant, session, and the
//! request's id, which the client also received in `X-Request-Id`) and never carries a token,
//! a code, a secret or a password.
//!
//! A request's id is drawn when its first event is recorded: most requests record none, and
//! their answers carry no id (a header costs every response; the id is for finding the events).
//!
//! Events go to an [`AuditSink`]: by default [`LogSink`], which writes each as a tracing event
//! with target `audit` (one JSON object per line with `log.format = "json"`); a host supplies its
//! own with [`ProviderBuilder::audit_sink`](crate::ProviderBuilder::audit_sink).

use std::cell::{Cell, OnceCell};
use std::sync::Arc;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditKind {
    /// A user signed in.
    LoginSucceeded,
    /// A sign-in failed (unknown login or wrong password).
    LoginFailed,
    /// A user consented to a client's request.
    ConsentGiven,
    /// An authorization code was issued.
    CodeIssued,
    /// Tokens were issued (`detail`: the grant type, or `implicit`).
    TokenIssued,
    /// A refresh token was exchanged for new tokens.
    TokenRefreshed,
    /// A token was revoked at the revocation endpoint.
    TokenRevoked,
    /// A spent code or a rotated refresh token came back: the grant behind it is revoked.
    ReplayDetected,
    /// A client registered (dynamically, or by an operator).
    ClientRegistered,
    /// A browser session ended by logout.
    Logout,
    /// The signing keys changed (a rotation picked up from the keys file).
    KeyRotated,
}

impl AuditKind {
    /// The event's name, as logged.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFailed => "login_failed",
            Self::ConsentGiven => "consent_given",
            Self::CodeIssued => "code_issued",
            Self::TokenIssued => "token_issued",
            Self::TokenRefreshed => "token_refreshed",
            Self::TokenRevoked => "token_revoked",
            Self::ReplayDetected => "replay_detected",
            Self::ClientRegistered => "client_registered",
            Self::Logout => "logout",
            Self::KeyRotated => "key_rotated",
        }
    }
}

/// One audit event. Only ids: never a token, code, secret or password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// What happened.
    pub kind: AuditKind,
    /// The id of the request it happened in (also its `X-Request-Id` response header), set
    /// when the event is recorded.
    pub request_id: Option<String>,
    /// The client.
    pub client_id: Option<String>,
    /// The user's account id (the local `sub`, before any pairwise mapping).
    pub subject: Option<String>,
    /// The consent grant the tokens or code belong to.
    pub grant_id: Option<String>,
    /// The browser session.
    pub session_id: Option<String>,
    /// What else identifies the event: a grant type, a token type hint, `kid`s, a reason.
    pub detail: Option<String>,
    /// The client's address, where it matters (a failed login): the proxy's word only when
    /// `proxy.trust_forwarded_headers` is set.
    pub address: Option<std::net::IpAddr>,
}

impl AuditEvent {
    /// An event of `kind`, naming nothing yet.
    pub fn new(kind: AuditKind) -> Self {
        Self {
            kind,
            request_id: None,
            client_id: None,
            subject: None,
            grant_id: None,
            session_id: None,
            detail: None,
            address: None,
        }
    }

    /// Names the client's address.
    pub fn address(mut self, address: Option<std::net::IpAddr>) -> Self {
        self.address = address;
        self
    }

    /// Names the client.
    pub fn client(mut self, client_id: &str) -> Self {
        self.client_id = Some(client_id.to_string());
        self
    }

    /// Names the subject (an empty one, as of client credentials, is left out).
    pub fn subject(mut self, account_id: &str) -> Self {
        self.subject = Some(account_id.to_string()).filter(|s| !s.is_empty());
        self
    }

    /// Names the grant (an empty one is left out).
    pub fn grant(mut self, grant_id: &str) -> Self {
        self.grant_id = Some(grant_id.to_string()).filter(|g| !g.is_empty());
        self
    }

    /// Names the session.
    pub fn session(mut self, sid: Option<&str>) -> Self {
        self.session_id = sid.map(String::from);
        self
    }

    /// Adds a detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Where audit events go.
pub trait AuditSink: Send + Sync {
    /// Records one event. Called on the request's task: hand slow work to a task of your own.
    fn record(&self, event: &AuditEvent);

    /// Whether events of `kind` are wanted at all; when not, the provider does not even make
    /// them (their ids are copied strings, on the token path).
    fn wants(&self, kind: AuditKind) -> bool {
        let _ = kind;
        true
    }
}

/// The default sink: a tracing event with target `audit`, the event's name as `event` and each
/// id as a field of its own; at WARN for a failed login and a replay, at INFO otherwise.
/// `log.level = "info,audit=warn"` keeps the warnings only, `audit=off` none.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogSink;

impl AuditSink for LogSink {
    fn wants(&self, kind: AuditKind) -> bool {
        match kind {
            AuditKind::LoginFailed | AuditKind::ReplayDetected => {
                tracing::enabled!(target: "audit", tracing::Level::WARN)
            }
            _ => tracing::enabled!(target: "audit", tracing::Level::INFO),
        }
    }

    fn record(&self, event: &AuditEvent) {
        macro_rules! log_at {
            ($level:expr) => {
                tracing::event!(
                    target: "audit",
                    $level,
                    event = event.kind.as_str(),
                    request_id = event.request_id.as_deref(),
                    client_id = event.client_id.as_deref(),
                    subject = event.subject.as_deref(),
                    grant_id = event.grant_id.as_deref(),
                    session_id = event.session_id.as_deref(),
                    detail = event.detail.as_deref(),
                    address = event.address.map(tracing::field::display),
                    "audit"
                )
            };
        }
        match event.kind {
            AuditKind::LoginFailed | AuditKind::ReplayDetected => log_at!(tracing::Level::WARN),
            _ => log_at!(tracing::Level::INFO),
        }
    }
}

/// A shared sink.
pub(crate) type SharedSink = Arc<dyn AuditSink>;

tokio::task_local! {
    /// The request whose handler runs on this task.
    static REQUEST: RequestScope;
}

/// The id of the request a handler runs for: a trusted proxy's, or a fresh one, taken only when
/// an event asks for it.
pub(crate) struct RequestScope {
    /// The proxy's id, until it is taken.
    given: Cell<Option<String>>,
    id: OnceCell<String>,
}

impl RequestScope {
    /// A request named `given` by a trusted proxy, or by nobody.
    pub(crate) fn new(given: Option<String>) -> Self {
        Self { given: Cell::new(given), id: OnceCell::new() }
    }

    /// The id, if an event of the request took it.
    pub(crate) fn into_id(self) -> Option<String> {
        self.id.into_inner()
    }
}

/// The id of the request being handled, if any; the first call takes it, and the request's
/// answer then carries it in `X-Request-Id`.
pub fn current_request_id() -> Option<String> {
    REQUEST.try_with(|scope| scope.id.get_or_init(|| scope.given.take().unwrap_or_else(fresh_id)).clone()).ok()
}

/// A fresh id: this process's random prefix and a counter, unique across instances and restarts
/// without a random draw per request (it names a request; it proves nothing).
fn fresh_id() -> String {
    use base64::Engine;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix =
        PREFIX.get_or_init(|| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 9]>()));
    format!("{prefix}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// `handling`, run in `request`: the events it records carry its id. The scope can be taken
/// back when it is done (`take_value`), to learn whether an event took the id.
pub(crate) fn in_request<F: std::future::Future>(
    request: RequestScope,
    handling: F,
) -> tokio::task::futures::TaskLocalFuture<RequestScope, F> {
    REQUEST.scope(request, handling)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_sink_wants_what_the_log_level_lets_through() {
        let at = |level: &str| tracing_subscriber::fmt().with_env_filter(level).with_writer(std::io::sink).finish();
        tracing::subscriber::with_default(at("info"), || {
            assert!(LogSink.wants(AuditKind::TokenIssued) && LogSink.wants(AuditKind::ReplayDetected));
        });
        tracing::subscriber::with_default(at("info,audit=warn"), || {
            assert!(!LogSink.wants(AuditKind::TokenIssued) && LogSink.wants(AuditKind::ReplayDetected));
        });
        tracing::subscriber::with_default(at("error"), || assert!(!LogSink.wants(AuditKind::LoginFailed)));
    }

    #[tokio::test]
    async fn a_request_id_is_taken_only_when_asked_for_and_then_kept() {
        assert_eq!(current_request_id(), None, "no request outside a scope");
        let mut quiet = std::pin::pin!(in_request(RequestScope::new(None), async {}));
        quiet.as_mut().await;
        assert_eq!(quiet.as_mut().take_value().and_then(RequestScope::into_id), None);
        let mut asked =
            std::pin::pin!(in_request(RequestScope::new(None), async { (current_request_id(), current_request_id()) }));
        let (first, second) = asked.as_mut().await;
        assert!(first.is_some() && first == second, "{first:?} {second:?}");
        assert_eq!(asked.as_mut().take_value().and_then(RequestScope::into_id), first);
        let given = in_request(RequestScope::new(Some("lb-1".into())), async { current_request_id() }).await;
        assert_eq!(given.as_deref(), Some("lb-1"));
    }

    #[test]
    fn fresh_ids_are_distinct() {
        assert_ne!(fresh_id(), fresh_id());
    }
}
