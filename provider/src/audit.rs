//! Audit events: one structured event per security-relevant outcome, for a SIEM or an
//! investigation. Each names who and what by id (client, subject, grant, session, and the
//! request's id, which the client also received in `X-Request-Id`) and never carries a token,
//! a code, a secret or a password.
//!
//! Events go to an [`AuditSink`]: by default [`LogSink`], which writes each as a tracing event
//! with target `audit` (one JSON object per line with `log.format = "json"`); a host supplies its
//! own with [`ProviderBuilder::audit_sink`](crate::ProviderBuilder::audit_sink).

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
    /// The id of the request it happened in (also its `X-Request-Id` response header).
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
    /// An event of `kind`, in the current request (if any), naming nothing yet.
    pub fn new(kind: AuditKind) -> Self {
        Self {
            kind,
            request_id: current_request_id(),
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
    /// The id of the request whose handler runs on this task.
    static REQUEST_ID: String;
}

/// The id of the request being handled, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `handling` with `request_id` as the current request's id: the events it records carry it.
pub(crate) async fn in_request<F: std::future::Future>(request_id: String, handling: F) -> F::Output {
    REQUEST_ID.scope(request_id, handling).await
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
    async fn an_event_carries_the_request_id_in_scope_and_none_outside() {
        assert_eq!(AuditEvent::new(AuditKind::Logout).request_id, None);
        let inside = in_request("r-1".into(), async { AuditEvent::new(AuditKind::Logout) }).await;
        assert_eq!(inside.request_id.as_deref(), Some("r-1"));
    }
}
