//! Storage round-trips on the hot paths, counted: each request the load benchmark measures (and
//! the code flow's steps) makes exactly the storage calls listed here, no more. A new lookup on
//! one of these paths is a cost every request pays, so it fails this test until it is listed.

mod common;

use async_trait::async_trait;
use common::local::{AUTHORIZE, ISSUER, RP_BASIC, SVC_BASIC, VERIFIER, location, query_value, sign_in};
use provider::Provider;
use provider::storage::{Adapter, Kind, MemoryAdapter, Record, StorageError};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A memory store that writes down every call it answers, as `"operation Kind"`, and how many
/// upserts were under way at once.
#[derive(Default)]
struct Counting {
    inner: MemoryAdapter,
    calls: Mutex<Vec<String>>,
    upserts_in_flight: AtomicUsize,
    most_upserts_at_once: AtomicUsize,
}

impl Counting {
    fn note(&self, operation: &str, kind: Kind) {
        self.calls.lock().unwrap().push(format!("{operation} {}", kind.as_str()));
    }

    /// The calls since the last time this was asked.
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    /// The most upserts under way at one time since the last time this was asked.
    fn most_upserts_at_once(&self) -> usize {
        self.most_upserts_at_once.swap(0, Ordering::SeqCst)
    }
}

#[async_trait]
impl Adapter for Counting {
    async fn upsert(&self, kind: Kind, id: &str, record: &Record, ttl: Option<Duration>) -> Result<(), StorageError> {
        self.note("upsert", kind);
        let now = self.upserts_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_upserts_at_once.fetch_max(now, Ordering::SeqCst);
        // A backend's write waits for its commit: meanwhile, a concurrent caller's write may start.
        tokio::task::yield_now().await;
        self.upserts_in_flight.fetch_sub(1, Ordering::SeqCst);
        self.inner.upsert(kind, id, record, ttl).await
    }
    async fn insert_new(&self, kind: Kind, id: &str, record: &Record, ttl: Duration) -> Result<bool, StorageError> {
        self.note("insert_new", kind);
        self.inner.insert_new(kind, id, record, ttl).await
    }
    async fn replace_if(
        &self,
        kind: Kind,
        id: &str,
        expected: &str,
        record: &Record,
        ttl: Option<Duration>,
    ) -> Result<bool, StorageError> {
        self.note("replace_if", kind);
        self.inner.replace_if(kind, id, expected, record, ttl).await
    }
    async fn find(&self, kind: Kind, id: &str) -> Result<Option<Record>, StorageError> {
        self.note("find", kind);
        self.inner.find(kind, id).await
    }
    async fn find_by_uid(&self, kind: Kind, uid: &str) -> Result<Option<Record>, StorageError> {
        self.note("find_by_uid", kind);
        self.inner.find_by_uid(kind, uid).await
    }
    async fn find_by_user_code(&self, kind: Kind, user_code: &str) -> Result<Option<Record>, StorageError> {
        self.note("find_by_user_code", kind);
        self.inner.find_by_user_code(kind, user_code).await
    }
    async fn consume(&self, kind: Kind, id: &str) -> Result<bool, StorageError> {
        self.note("consume", kind);
        self.inner.consume(kind, id).await
    }
    async fn list(&self, kind: Kind) -> Result<Vec<Record>, StorageError> {
        self.note("list", kind);
        self.inner.list(kind).await
    }
    async fn destroy(&self, kind: Kind, id: &str) -> Result<(), StorageError> {
        self.note("destroy", kind);
        self.inner.destroy(kind, id).await
    }
    async fn revoke_by_grant_id(&self, grant_id: &str) -> Result<(), StorageError> {
        self.calls.lock().unwrap().push("revoke_by_grant_id".into());
        self.inner.revoke_by_grant_id(grant_id).await
    }
    async fn purge_expired(&self) -> Result<u64, StorageError> {
        self.inner.purge_expired().await
    }
}

/// The provider on a counting store, with the fixture resource servers, behind a local client
/// that keeps cookies as a browser would.
async fn op() -> (Client, Arc<Counting>) {
    let store = Arc::new(Counting::default());
    let config = common::fixture_config(
        ISSUER,
        "memory:",
        Some(common::fixtures().join("provider.toml")),
        figment::value::Dict::new(),
    );
    let op = Provider::builder(config).storage(store.clone()).build().await.expect("provider");
    let client = Client::tracked(op.rocket()).await.expect("rocket");
    store.take();
    (client, store)
}

/// A form POST with client authentication, answered 200.
async fn send<'c>(client: &'c Client, path: &str, authorization: &str, form: String) -> LocalResponse<'c> {
    let response = client
        .post(path.to_string())
        .header(ContentType::Form)
        .header(Header::new("Authorization", authorization.to_string()))
        .body(form)
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Ok, "{path}");
    response
}

/// The same, returning the JSON answer.
async fn post(client: &Client, path: &str, authorization: &str, form: String) -> serde_json::Value {
    send(client, path, authorization, form).await.into_json().await.expect("JSON")
}

#[tokio::test]
async fn client_credentials_introspection_and_revocation() {
    let (client, store) = op().await;
    let token = |resource: &str| format!("grant_type=client_credentials&scope=read&resource={resource}");

    let opaque = post(&client, "/token", SVC_BASIC, token("https%3A%2F%2Fopaque.example.com")).await;
    assert_eq!(store.take(), ["upsert AccessToken"], "an opaque token is one write");
    let jwt = post(&client, "/token", SVC_BASIC, token("https%3A%2F%2Fapi.example.com")).await;
    assert_eq!(store.take(), [] as [&str; 0], "a client credentials JWT is self-contained: no call");

    // The form of an introspection or revocation request.
    let token_form = |token: &serde_json::Value| format!("token={}", token["access_token"].as_str().unwrap());
    let answer = post(&client, "/introspect", SVC_BASIC, token_form(&opaque)).await;
    assert_eq!(answer["active"], true);
    assert_eq!(store.take(), ["find AccessToken"], "an opaque token is one read");
    let answer = post(&client, "/introspect", SVC_BASIC, token_form(&jwt)).await;
    assert_eq!(answer["active"], true);
    assert_eq!(store.take(), ["find RevokedAccessToken"], "a self-contained one: is it revoked?");

    send(&client, "/revoke", SVC_BASIC, token_form(&jwt)).await;
    assert_eq!(store.take(), ["find RevokedAccessToken", "upsert RevokedAccessToken"]);
    send(&client, "/revoke", SVC_BASIC, token_form(&opaque)).await;
    assert_eq!(store.take(), ["find AccessToken", "destroy AccessToken"]);
}

#[tokio::test]
async fn the_code_flow_with_a_session_and_consent() {
    let (client, store) = op().await;
    sign_in(&client).await;
    store.take();
    store.most_upserts_at_once();

    // The benchmark's flow: the user has a session and has consented.
    let authorize = AUTHORIZE.replace("&prompt=consent", "");
    let callback = location(&client.get(authorize).dispatch().await);
    let code = query_value(&callback, "code");
    assert_eq!(store.take(), ["find_by_uid Session", "find Grant", "upsert AuthorizationCode"]);

    let exchange = format!(
        "grant_type=authorization_code&code={code}&code_verifier={VERIFIER}\
         &redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback"
    );
    let tokens = post(&client, "/token", RP_BASIC, exchange).await;
    assert_eq!(
        store.take(),
        [
            "find AuthorizationCode",
            "consume AuthorizationCode",
            "upsert AccessToken",
            "upsert RefreshToken",
            "find ReplayDetection"
        ],
        "the code is read, then spent; the two tokens are written; then, was the code replayed meanwhile?"
    );
    assert_eq!(store.most_upserts_at_once(), 2, "at once, so that they can share a commit");

    let access_token = tokens["access_token"].as_str().expect("an access token");
    let userinfo =
        client.get("/userinfo").header(Header::new("Authorization", format!("Bearer {access_token}"))).dispatch().await;
    assert_eq!(userinfo.status(), Status::Ok);
    assert_eq!(store.take(), ["find AccessToken"]);

    let refresh = format!("grant_type=refresh_token&refresh_token={}", tokens["refresh_token"].as_str().unwrap());
    post(&client, "/token", RP_BASIC, refresh).await;
    assert_eq!(
        store.take(),
        [
            "find RefreshToken",
            "find Grant",
            "consume RefreshToken",
            "upsert AccessToken",
            "upsert RefreshToken",
            "find ReplayDetection"
        ],
        "the refresh token is read, its grant checked, the token spent, the two new ones written, \
         and a replay meanwhile looked for"
    );
    assert_eq!(store.most_upserts_at_once(), 2, "at once, so that they can share a commit");
}
