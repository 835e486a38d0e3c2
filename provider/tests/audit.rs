//! Audit events: one per security-relevant outcome, each naming its request (whose response
//! carried the same `X-Request-Id`), client, subject, grant and session, and never a token,
//! code, secret or password.

mod common;

use common::local::{AUTHORIZE, ISSUER, RP_BASIC, SVC_BASIC, VERIFIER, csrf, location, query_value, sign_in};
use provider::audit::{AuditEvent, AuditKind, AuditSink};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use std::sync::{Arc, Mutex};

/// A host's sink that keeps every event: those not yet looked at, and all.
#[derive(Default)]
struct Kept {
    new: Mutex<Vec<AuditEvent>>,
    all: Mutex<Vec<AuditEvent>>,
}

impl AuditSink for Kept {
    fn record(&self, event: &AuditEvent) {
        self.new.lock().unwrap().push(event.clone());
        self.all.lock().unwrap().push(event.clone());
    }
}

impl Kept {
    /// The events since the last call.
    fn take(&self) -> Vec<AuditEvent> {
        std::mem::take(&mut *self.new.lock().unwrap())
    }
}

/// A provider built from `config`, recording into a new [`Kept`].
async fn audited(config: provider::config::Config) -> (provider::Provider, Arc<Kept>) {
    let kept = Arc::new(Kept::default());
    let op = provider::Provider::builder(config).audit_sink(kept.clone()).build().await.unwrap();
    (op, kept)
}

fn kinds(events: &[AuditEvent]) -> Vec<AuditKind> {
    events.iter().map(|e| e.kind).collect()
}

#[tokio::test]
async fn a_code_flow_a_replay_a_revocation_a_failed_login_and_a_registration_are_audited() {
    let overrides = common::sections(&[("registration", "enabled", true.into())]);
    let (op, kept) = audited(common::fixture_config(ISSUER, "memory:", None, overrides)).await;
    let client = Client::tracked(op.rocket()).await.unwrap();

    // Login, consent and the code, each in the request that did it.
    let callback = sign_in(&client).await;
    let code = query_value(&callback, "code");
    let events = kept.take();
    assert_eq!(kinds(&events), [AuditKind::LoginSucceeded, AuditKind::ConsentGiven, AuditKind::CodeIssued]);
    let (login, consent, issued) = (&events[0], &events[1], &events[2]);
    assert_eq!(login.subject.as_deref(), Some("248289761001"));
    assert_eq!(login.client_id.as_deref(), Some("rp-basic"));
    assert!(login.session_id.is_some() && login.session_id == consent.session_id);
    assert!(consent.grant_id.is_some() && consent.grant_id == issued.grant_id, "{consent:?} {issued:?}");
    assert_ne!(login.request_id, consent.request_id, "two requests, two ids");
    assert_eq!(consent.request_id, issued.request_id, "the consent's request issued the code");

    // The exchange: its event names the grant type and the id the response carried.
    let exchange = || {
        let form = format!(
            "grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback&code_verifier={VERIFIER}"
        );
        client
            .post("/token")
            .header(ContentType::Form)
            .header(Header::new("Authorization", RP_BASIC))
            .body(form)
            .dispatch()
    };
    let response = exchange().await;
    assert_eq!(response.status(), Status::Ok);
    let request_id = response.headers().get_one("X-Request-Id").expect("a request id").to_string();
    let tokens: serde_json::Value = response.into_json().await.unwrap();
    let events = kept.take();
    assert_eq!(kinds(&events), [AuditKind::TokenIssued]);
    assert_eq!(events[0].request_id.as_deref(), Some(request_id.as_str()));
    assert_eq!(events[0].detail.as_deref(), Some("authorization_code"));
    assert_eq!(events[0].grant_id, issued.grant_id);

    // A refresh, then a revocation of the access token it gave.
    let refresh_token = tokens["refresh_token"].as_str().expect("offline_access gives one");
    let post = |path: &'static str, form: String| {
        client.post(path).header(ContentType::Form).header(Header::new("Authorization", RP_BASIC)).body(form).dispatch()
    };
    let refreshed = post("/token", format!("grant_type=refresh_token&refresh_token={refresh_token}")).await;
    assert_eq!(refreshed.status(), Status::Ok);
    let refreshed: serde_json::Value = refreshed.into_json().await.unwrap();
    let access_token = refreshed["access_token"].as_str().unwrap();
    assert_eq!(post("/revoke", format!("token={access_token}")).await.status(), Status::Ok);
    let events = kept.take();
    assert_eq!(kinds(&events), [AuditKind::TokenRefreshed, AuditKind::TokenRevoked]);
    assert_eq!(events[0].grant_id, issued.grant_id);
    assert_eq!(events[1].detail.as_deref(), Some("access_token"));

    // The replay revokes the grant, and says so.
    assert_eq!(exchange().await.status(), Status::BadRequest);
    let events = kept.take();
    assert_eq!(kinds(&events), [AuditKind::ReplayDetected]);
    assert_eq!(events[0].grant_id, issued.grant_id);

    // A failed login names the client, not what was typed.
    let client = Client::tracked(op.rocket()).await.unwrap();
    let login_page = location(&client.get(AUTHORIZE).dispatch().await);
    let token = csrf(&client, &login_page).await;
    let form = format!("csrf={token}&login=alice&password=not-alices-password");
    let refused = client.post(login_page).header(ContentType::Form).body(form).dispatch().await;
    assert_eq!(refused.status(), Status::Unauthorized);
    let events = kept.take();
    assert_eq!(kinds(&events), [AuditKind::LoginFailed]);
    assert_eq!(events[0].client_id.as_deref(), Some("rp-basic"));
    assert_eq!(events[0].subject, None);

    // A registration.
    let registered = client
        .post("/register")
        .header(ContentType::JSON)
        .body(r#"{"redirect_uris": ["https://rp.example.com/cb"]}"#)
        .dispatch()
        .await;
    assert_eq!(registered.status(), Status::Created);
    let registration: serde_json::Value = registered.into_json().await.unwrap();
    let events = kept.take();
    assert_eq!(kinds(&events), [AuditKind::ClientRegistered]);
    assert_eq!(events[0].client_id.as_deref(), registration["client_id"].as_str());

    // No value a client could use again is anywhere in an event.
    let secrets = [
        code.as_str(),
        tokens["access_token"].as_str().unwrap(),
        refresh_token,
        access_token,
        refreshed["refresh_token"].as_str().unwrap_or("-"),
        registration["client_secret"].as_str().unwrap(),
        registration["registration_access_token"].as_str().unwrap(),
        "not-alices-password",
        "alice-password",
    ];
    let all = kept.all.lock().unwrap().clone();
    assert_eq!(all.len(), 9);
    for event in all {
        let shown = format!("{event:?}");
        assert!(!secrets.iter().any(|secret| shown.contains(secret)), "{shown}");
    }
}

#[tokio::test]
async fn a_request_id_from_a_trusted_proxy_is_kept_a_clients_own_is_not_and_a_quiet_answer_has_none() {
    for (trusted, expect_kept) in [(false, false), (true, true)] {
        let overrides = common::sections(&[("proxy", "trust_forwarded_headers", trusted.into())]);
        let (op, kept) = audited(common::fixture_config(ISSUER, "memory:", None, overrides)).await;
        let client = Client::untracked(op.rocket()).await.unwrap();
        let token = |id: &'static str| {
            client
                .post("/token")
                .header(ContentType::Form)
                .header(Header::new("Authorization", SVC_BASIC))
                .header(Header::new("X-Request-Id", id))
                .body("grant_type=client_credentials")
                .dispatch()
        };
        let issued = token("lb-4711").await;
        assert_eq!(issued.status(), Status::Ok);
        let id = issued.headers().get_one("X-Request-Id").expect("an audited answer is named").to_string();
        assert_eq!(id == "lb-4711", expect_kept, "trusted: {trusted}: {id}");
        assert_eq!(kept.take()[0].request_id.as_deref(), Some(id.as_str()), "the event and the answer agree");
        let bad = token("a b").await;
        assert_ne!(bad.headers().get_one("X-Request-Id"), Some("a b"));
        // An answer whose request recorded no event carries no id: the header would cost every
        // response, and the id is for finding events.
        let quiet = client.get("/jwks").header(Header::new("X-Request-Id", "lb-4712")).dispatch().await;
        assert_eq!(quiet.headers().get_one("X-Request-Id"), None, "trusted: {trusted}");
        let unrouted = client.get("/nowhere").dispatch().await;
        assert_eq!((unrouted.status(), unrouted.headers().get_one("X-Request-Id")), (Status::NotFound, None));
    }
}

#[tokio::test]
async fn a_picked_up_key_rotation_and_an_ended_session_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let keys_file = dir.path().join("jwks.json");
    let overrides = common::sections(&[("logout", "enabled", true.into())]);
    let mut config = common::fixture_config(ISSUER, "memory:", None, overrides);
    (config.keys.file, config.keys.generate) = (keys_file.clone(), true);
    config.keys.reload_interval = 1;
    let (op, kept) = audited(config).await;
    let client = Client::tracked(op.rocket()).await.unwrap();

    // A session, ended by an operator as a logout.
    sign_in(&client).await;
    let sessions = provider::operator::sessions(&op, Some("248289761001")).await.unwrap();
    kept.take();
    assert!(provider::operator::end_session(&op, &sessions[0].sid).await.unwrap());
    let events = kept.take();
    assert_eq!(kinds(&events), [AuditKind::Logout]);
    assert_eq!(
        (events[0].subject.as_deref(), events[0].session_id.as_deref()),
        (Some("248289761001"), Some(sessions[0].sid.as_str()))
    );

    // A rotation the running provider picks up (the client's Rocket runs its background tasks).
    let rotation =
        provider::keys::rotate(&keys_file, &[provider::jose::SigningAlg::RS256], std::time::Duration::from_secs(3600))
            .unwrap();
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let events = kept.take();
        if let Some(rotated) = events.iter().find(|e| e.kind == AuditKind::KeyRotated) {
            assert!(rotated.detail.as_deref().is_some_and(|kids| kids.contains(&rotation.added[0])), "{rotated:?}");
            return;
        }
    }
    panic!("no key_rotated event");
}
