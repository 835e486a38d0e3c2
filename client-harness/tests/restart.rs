//! Durability: what the provider acknowledged survives a restart on SQLite.

use client_harness::browser::{Browser, callback_params};
use client_harness::flow::{self, start};
use client_harness::rp::{self, BASIC};
use client_harness::{Options, Storage, http, launch};
use openidconnect::OAuth2TokenResponse;

#[tokio::test]
async fn refresh_and_sessions_survive_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("provider.db");
    let options = Options { storage: Storage::Sqlite(db.clone()), ..Options::default() };
    let op = launch(options.clone()).await;
    if op.is_external() {
        eprintln!("skipped: HARNESS_ISSUER points at an external provider, which the harness cannot restart");
        return;
    }
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let browser = Browser::new(&op.issuer);
    let req = start(&rp, &["offline_access", "email"], true);
    let params = callback_params(&browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();

    // The opaque tokens are in the database only as hashes.
    let raw = std::fs::read(&db).unwrap_or_default();
    let wal = std::fs::read(db.with_extension("db-wal")).unwrap_or_default();
    for token in [tokens.access_token().secret(), tokens.refresh_token().unwrap().secret(), &params["code"]] {
        for bytes in [&raw, &wal] {
            assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "a token value is stored in clear");
        }
    }

    let port = op.port;
    op.stop().await;
    let op = launch(Options { port: Some(port), ..options }).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;

    let refreshed = flow::refresh(&rp, tokens.refresh_token().unwrap()).await.expect("refresh after restart");
    flow::userinfo(&rp, refreshed.access_token()).await.expect("userinfo after restart");
    flow::userinfo(&rp, tokens.access_token()).await.expect("the access token issued before the restart still works");

    // The browser session survived too: prompt=none signs in without a page.
    let mut again = start(&rp, &["email"], true);
    again.url.query_pairs_mut().append_pair("prompt", "none");
    let params = callback_params(&browser.open(again.url.as_str()).await.callback());
    assert!(params.contains_key("code"), "{params:?}");
}

#[tokio::test]
async fn a_revoked_client_credentials_jwt_stays_revoked_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let options = Options { storage: Storage::Sqlite(dir.path().join("provider.db")), ..Options::default() };
    let op = launch(options.clone()).await;
    if op.is_external() {
        eprintln!("skipped: HARNESS_ISSUER points at an external provider, which the harness cannot restart");
        return;
    }
    let (id, secret) = ("svc-basic", "svc-basic-secret-0123456789");
    let token = |op: &client_harness::TestProvider| {
        let request = http::client(false).post(format!("{}/token", op.issuer)).basic_auth(id, Some(secret)).form(&[
            ("grant_type", "client_credentials"),
            ("scope", "read"),
            ("resource", "https://api.example.com"),
        ]);
        async move { http::json(request).await["access_token"].as_str().unwrap().to_string() }
    };
    let (revoked, kept) = (token(&op).await, token(&op).await);
    let response = http::client(false)
        .post(format!("{}/revoke", op.issuer))
        .basic_auth(id, Some(secret))
        .form(&[("token", revoked.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let port = op.port;
    op.stop().await;
    let op = launch(Options { port: Some(port), ..options }).await;
    let active = |token: String| {
        let request = http::client(false)
            .post(format!("{}/introspect", op.issuer))
            .basic_auth(id, Some(secret))
            .form(&[("token", token)]);
        async move { http::json(request).await["active"].as_bool() }
    };
    assert_eq!(active(revoked).await, Some(false), "the revocation was durable");
    assert_eq!(active(kept).await, Some(true), "a self-contained token outlives the process");
}
