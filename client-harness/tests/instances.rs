//! The provider as separate processes: two on one PostgreSQL database behind a round-robin
//! balancer, and one killed outright under load, on SQLite and on PostgreSQL.
//!
//! These start the `provider` binary (built by `cargo test --workspace`; ci/test.sh builds it
//! first) and use the PostgreSQL server of `OP_TEST_POSTGRES_URL` (ci/test.sh starts one);
//! without either, they report themselves skipped.

use client_harness::balancer::Balancer;
use client_harness::browser::{Browser, callback_params};
use client_harness::flow::{self, start};
use client_harness::launch::free_port;
use client_harness::process::{self, Instance};
use client_harness::rp::{self, BASIC};
use openidconnect::{OAuth2TokenResponse, PkceCodeVerifier};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn binary() -> Option<PathBuf> {
    let found = process::binary();
    if found.is_none() {
        eprintln!("skipped: no provider binary beside the test (cargo build -p provider, or cargo test --workspace)");
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_database_carry_flows_from_one_to_the_other() {
    let Some(binary) = binary() else { return };
    let Some(storage) = provider::storage::testkit::postgres_schema_url("two processes").await else { return };
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let a = Instance::start(&binary, free_port(), &issuer, &storage).await;
    let b = Instance::start(&binary, free_port(), &issuer, &storage).await;
    let balancer = Balancer::start(port, vec![a.url.clone(), b.url.clone()]).await;

    // The code flow: discovery, the login and consent pages, the code and the tokens each
    // reach whichever process the balancer picks.
    let rp = rp::relying_party(&issuer, BASIC).await;
    let browser = Browser::new(&issuer);
    let req = start(&rp, &["offline_access", "email"], true);
    let params = callback_params(&browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback());
    let verifier = req.verifier.as_ref().map(|v| v.secret().clone());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.expect("the code is redeemed");
    for _ in 0..2 {
        flow::userinfo(&rp, tokens.access_token()).await.expect("the access token works at both processes");
    }

    // The code replayed, at the other process this time or the next: refused, and what it
    // issued is revoked everywhere.
    let replay = flow::exchange(&rp, &params["code"], verifier.map(PkceCodeVerifier::new)).await;
    assert_eq!(replay.err().as_deref(), Some("invalid_grant"));
    for _ in 0..2 {
        assert!(flow::userinfo(&rp, tokens.access_token()).await.is_err(), "revoked at both processes");
    }
    assert_eq!(flow::refresh(&rp, tokens.refresh_token().unwrap()).await.unwrap_err(), "invalid_grant");

    // Refresh rotation across processes, and reuse detection: the browser's session carries on.
    let req = start(&rp, &["offline_access"], true);
    let params = callback_params(&browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.expect("a second code");
    let old = tokens.refresh_token().unwrap().clone();
    let refreshed = flow::refresh(&rp, &old).await.expect("the refresh token works at the other process");
    let rotated = refreshed.refresh_token().expect("rotated").clone();
    flow::refresh(&rp, &rotated).await.map(drop).expect("and the rotated one");
    assert_eq!(flow::refresh(&rp, &old).await.unwrap_err(), "invalid_grant", "a spent refresh token is refused");
    assert_eq!(flow::refresh(&rp, &rotated).await.unwrap_err(), "invalid_grant", "reuse revoked the grant");

    let served = balancer.served();
    assert!(served.iter().all(|n| *n >= 5), "each process served part of the flows: {served:?}");
}

/// The `kid`s the JWK set at `url` publishes.
async fn kids(url: &str) -> Vec<String> {
    let jwks: serde_json::Value =
        client_harness::http::client(false).get(format!("{url}/jwks")).send().await.unwrap().json().await.unwrap();
    let mut kids: Vec<String> =
        jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_string()).collect();
    kids.sort();
    kids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_sharing_a_keys_file_both_publish_a_rotation() {
    let Some(binary) = binary() else { return };
    let Some(storage) = provider::storage::testkit::postgres_schema_url("rotation").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("jwks.json");
    std::fs::copy(client_harness::fixtures().join("keys/jwks.json"), &keys).unwrap();
    let keys_file = keys.display().to_string();
    let env = [("OP_KEYS__FILE", keys_file.as_str()), ("OP_KEYS__RELOAD_INTERVAL", "1")];
    let issuer = format!("http://127.0.0.1:{}", free_port());
    let a = Instance::start_with(&binary, free_port(), &issuer, &storage, &env).await;
    let b = Instance::start_with(&binary, free_port(), &issuer, &storage, &env).await;
    let before = kids(&a.url).await;
    assert_eq!(kids(&b.url).await, before);

    let rotated = std::process::Command::new(&binary).args(["keys", "rotate", "--keys", &keys_file]).output().unwrap();
    assert!(rotated.status.success(), "{}", String::from_utf8_lossy(&rotated.stderr));
    let mut published = Vec::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        published = vec![kids(&a.url).await, kids(&b.url).await];
        if published.iter().all(|kids| kids.len() > before.len()) {
            break;
        }
    }
    assert!(published[0].len() > before.len(), "the first process publishes the new keys: {published:?}");
    assert_eq!(published[0], published[1], "both publish the same set");
}

/// Eight clients ask for client credentials tokens as fast as they are answered; the process is
/// killed outright among them. Returns every token whose response arrived.
async fn tokens_until_killed(instance: Instance) -> Vec<String> {
    let received = Arc::new(Mutex::new(Vec::new()));
    let url = format!("{}/token", instance.url);
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (received, url) = (received.clone(), url.clone());
            tokio::spawn(async move {
                let http = client_harness::http::client(false);
                loop {
                    let sent = http
                        .post(&url)
                        .basic_auth("svc-basic", Some("svc-basic-secret-0123456789"))
                        .form(&[("grant_type", "client_credentials")])
                        .send()
                        .await;
                    let Ok(answer) = sent else { return };
                    let Ok(body) = answer.json::<serde_json::Value>().await else { return };
                    if let Some(token) = body["access_token"].as_str() {
                        received.lock().unwrap().push(token.to_string());
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    instance.kill();
    for client in clients {
        client.await.unwrap();
    }
    let tokens = received.lock().unwrap().clone();
    assert!(tokens.len() >= 50, "the load reached the provider: {} tokens", tokens.len());
    eprintln!("{} tokens received before the kill", tokens.len());
    tokens
}

/// Every token in `tokens` is active at the provider at `url`.
async fn all_active(url: &str, tokens: Vec<String>) {
    let http = client_harness::http::client(false);
    let count = tokens.len();
    for (i, token) in tokens.into_iter().enumerate() {
        let answer: serde_json::Value = http
            .post(format!("{url}/introspect"))
            .basic_auth("svc-basic", Some("svc-basic-secret-0123456789"))
            .form(&[("token", token.as_str())])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["active"], true, "token {i} of {count}, received before the kill, is lost: {answer}");
    }
}

/// Starts a process on `storage`, kills it under load, starts it again on the same port.
async fn kill_under_load_and_restart(binary: &std::path::Path, storage: &str) {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let tokens = tokens_until_killed(Instance::start(binary, port, &issuer, storage).await).await;
    let again = Instance::start(binary, port, &issuer, storage).await;
    all_active(&again.url, tokens).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_every_token_received_before_a_kill_survives_it() {
    let Some(binary) = binary() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("op.db");
    kill_under_load_and_restart(&binary, &format!("sqlite:{}", file.display())).await;
    let connection = rusqlite::Connection::open(&file).unwrap();
    let check: String = connection.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_every_token_received_before_a_kill_survives_it() {
    let Some(binary) = binary() else { return };
    let Some(storage) = provider::storage::testkit::postgres_schema_url("kill").await else { return };
    kill_under_load_and_restart(&binary, &storage).await;
    // amcheck verifies the B-tree invariants of the table's indexes.
    let (client, connection) = tokio_postgres::connect(&storage, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute("CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA public").await.unwrap();
    // Where an earlier test put it: an extension lives in one schema of the database.
    let schema: String = client
        .query_one("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'amcheck'", &[])
        .await
        .unwrap()
        .get(0);
    let check = format!("SELECT {schema}.bt_index_check($1::text::regclass, true)");
    let indexes = client
        .query("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'records'::regclass", &[])
        .await
        .unwrap();
    assert!(indexes.len() >= 5, "the records table's indexes: {}", indexes.len());
    for index in indexes {
        let name: String = index.get(0);
        client.execute(&check, &[&name]).await.unwrap();
    }
}
