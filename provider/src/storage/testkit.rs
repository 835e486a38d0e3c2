//! The storage contract as tests: every backend runs all of them through
//! [`adapter_contract_tests!`](crate::adapter_contract_tests), so no backend can drift.
//!
//! Each check takes a fresh adapter and panics with a message naming the broken rule.

use super::{Adapter, Kind, Record};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn record(grant: Option<&str>) -> Record {
    Record { grant_id: grant.map(String::from), ..Record::new(&json!({"n": 1})) }
}

/// upsert then find returns the payload; a second upsert replaces it.
pub async fn upsert_then_find(store: Arc<dyn Adapter>) {
    store.upsert(Kind::AccessToken, "a", &record(Some("g")), None).await.unwrap();
    let found = store.find(Kind::AccessToken, "a").await.unwrap().expect("record found");
    assert_eq!(found.json(), json!({"n": 1}));
    assert_eq!(found.grant_id.as_deref(), Some("g"));
    assert!(!found.consumed());
    let replaced = Record::new(&json!({"n": 2}));
    store.upsert(Kind::AccessToken, "a", &replaced, None).await.unwrap();
    assert_eq!(store.find(Kind::AccessToken, "a").await.unwrap().unwrap().json(), json!({"n": 2}));
    assert!(store.find(Kind::RefreshToken, "a").await.unwrap().is_none(), "kinds are separate namespaces");
}

/// Expired records are never returned by any lookup, nor consumable.
pub async fn expired_records_are_never_returned(store: Arc<dyn Adapter>) {
    let rec = Record { uid: Some("u".into()), user_code: Some("WDJB-MJHT".into()), ..record(None) };
    store.upsert(Kind::Session, "s", &rec, Some(Duration::from_millis(50))).await.unwrap();
    store.upsert(Kind::DeviceCode, "d", &rec, Some(Duration::from_millis(50))).await.unwrap();
    assert!(store.find(Kind::Session, "s").await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(store.find(Kind::Session, "s").await.unwrap().is_none(), "find returned an expired record");
    assert!(store.find_by_uid(Kind::Session, "u").await.unwrap().is_none(), "find_by_uid returned an expired record");
    assert!(
        store.find_by_user_code(Kind::DeviceCode, "WDJB-MJHT").await.unwrap().is_none(),
        "find_by_user_code returned an expired record"
    );
    assert!(!store.consume(Kind::Session, "s").await.unwrap(), "an expired record was consumed");
}

/// Of concurrent consumers exactly one wins; later finds see the record consumed.
pub async fn consume_is_atomic(store: Arc<dyn Adapter>) {
    store.upsert(Kind::AuthorizationCode, "c", &record(None), Some(Duration::from_secs(60))).await.unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.consume(Kind::AuthorizationCode, "c").await.unwrap() })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    assert_eq!(winners, 1, "exactly one concurrent consumer must win");
    let found = store.find(Kind::AuthorizationCode, "c").await.unwrap().expect("consumed records are still found");
    assert!(found.consumed());
    let at = found.consumed_at.unwrap();
    assert!((super::now_ms() - at).abs() < 5_000, "consumed_at is when it was consumed");
    assert!(!store.consume(Kind::AuthorizationCode, "c").await.unwrap());
    assert!(!store.consume(Kind::AuthorizationCode, "absent").await.unwrap());
}

/// list returns every live record of the kind, consumed ones too, and nothing expired or of
/// another kind.
pub async fn list_returns_every_live_record_of_a_kind(store: Arc<dyn Adapter>) {
    let numbered = |n: u32| Record::new(&json!({ "n": n }));
    for n in 0..40 {
        store.upsert(Kind::Client, &format!("client-{n}"), &numbered(n), None).await.unwrap();
    }
    store.upsert(Kind::Client, "expiring", &numbered(99), Some(Duration::from_millis(30))).await.unwrap();
    store.upsert(Kind::Grant, "other-kind", &numbered(100), None).await.unwrap();
    store.upsert(Kind::Client, "consumed", &numbered(40), Some(Duration::from_secs(60))).await.unwrap();
    assert!(store.consume(Kind::Client, "consumed").await.unwrap());
    store.destroy(Kind::Client, "client-7").await.unwrap();
    tokio::time::sleep(Duration::from_millis(60)).await;
    let mut listed: Vec<u64> =
        store.list(Kind::Client).await.unwrap().iter().map(|r| r.json()["n"].as_u64().unwrap()).collect();
    listed.sort_unstable();
    let expected: Vec<u64> = (0..=40).filter(|n| *n != 7).collect();
    assert_eq!(listed, expected, "list returns every live record of the kind and nothing else");
    assert!(store.list(Kind::DeviceCode).await.unwrap().is_empty(), "an empty kind lists nothing");
}

/// revoke_by_grant_id removes every record of the grant, of every kind, and nothing else.
pub async fn revoke_by_grant_id_removes_the_whole_grant(store: Arc<dyn Adapter>) {
    for (kind, id) in
        [(Kind::AccessToken, "at1"), (Kind::AccessToken, "at2"), (Kind::RefreshToken, "rt"), (Kind::Grant, "g1")]
    {
        store.upsert(kind, id, &record(Some("g1")), Some(Duration::from_secs(60))).await.unwrap();
    }
    store.upsert(Kind::AccessToken, "other", &record(Some("g2")), None).await.unwrap();
    store.revoke_by_grant_id("g1").await.unwrap();
    for (kind, id) in
        [(Kind::AccessToken, "at1"), (Kind::AccessToken, "at2"), (Kind::RefreshToken, "rt"), (Kind::Grant, "g1")]
    {
        assert!(store.find(kind, id).await.unwrap().is_none(), "{kind:?} {id} survived its grant's revocation");
    }
    assert!(store.find(Kind::AccessToken, "other").await.unwrap().is_some(), "another grant's token was revoked");
}

/// Sessions are found by uid and device codes by user code; a replaced record drops its old keys.
pub async fn secondary_lookups(store: Arc<dyn Adapter>) {
    let session = Record { uid: Some("uid-1".into()), ..record(None) };
    store.upsert(Kind::Session, "sid", &session, None).await.unwrap();
    assert!(store.find_by_uid(Kind::Session, "uid-1").await.unwrap().is_some());
    assert!(store.find_by_uid(Kind::Interaction, "uid-1").await.unwrap().is_none());
    let moved = Record { uid: Some("uid-2".into()), ..record(None) };
    store.upsert(Kind::Session, "sid", &moved, None).await.unwrap();
    assert!(store.find_by_uid(Kind::Session, "uid-1").await.unwrap().is_none(), "old uid still finds the session");
    assert!(store.find_by_uid(Kind::Session, "uid-2").await.unwrap().is_some());
    let device = Record { user_code: Some("BDWP-HQPK".into()), ..record(None) };
    store.upsert(Kind::DeviceCode, "dc", &device, None).await.unwrap();
    assert!(store.find_by_user_code(Kind::DeviceCode, "BDWP-HQPK").await.unwrap().is_some());
}

/// destroy removes the record and its secondary keys; upsert after consume resets it.
pub async fn destroy_and_reset(store: Arc<dyn Adapter>) {
    let rec = Record { uid: Some("u".into()), ..record(None) };
    store.upsert(Kind::Session, "s", &rec, None).await.unwrap();
    store.destroy(Kind::Session, "s").await.unwrap();
    assert!(store.find(Kind::Session, "s").await.unwrap().is_none());
    assert!(store.find_by_uid(Kind::Session, "u").await.unwrap().is_none());
    store.destroy(Kind::Session, "never-existed").await.unwrap();
    store.upsert(Kind::Interaction, "i", &record(None), None).await.unwrap();
    assert!(store.consume(Kind::Interaction, "i").await.unwrap());
    store.upsert(Kind::Interaction, "i", &record(None), None).await.unwrap();
    assert!(!store.find(Kind::Interaction, "i").await.unwrap().unwrap().consumed(), "upsert must reset consumed");
}

/// purge_expired deletes expired records, secondary keys included, and nothing live.
pub async fn purge_removes_only_expired_records(store: Arc<dyn Adapter>) {
    let old = Record { uid: Some("old-uid".into()), grant_id: Some("g".into()), ..record(None) };
    store.upsert(Kind::Session, "old", &old, Some(Duration::from_millis(1))).await.unwrap();
    store.upsert(Kind::Session, "new", &record(None), Some(Duration::from_secs(60))).await.unwrap();
    store.upsert(Kind::Grant, "forever", &record(None), None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(store.purge_expired().await.unwrap(), 1);
    assert!(store.find(Kind::Session, "new").await.unwrap().is_some());
    assert!(store.find(Kind::Grant, "forever").await.unwrap().is_some());
    // A new record may reuse the purged uid without colliding with leftovers.
    let reuse = Record { uid: Some("old-uid".into()), ..record(None) };
    store.upsert(Kind::Session, "fresh", &reuse, None).await.unwrap();
    assert!(store.find_by_uid(Kind::Session, "old-uid").await.unwrap().is_some());
    assert_eq!(store.purge_expired().await.unwrap(), 0);
}

/// insert_new: of concurrent inserters exactly one wins; an expired record may be replaced.
pub async fn insert_new_is_atomic(store: Arc<dyn Adapter>) {
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store.insert_new(Kind::ReplayDetection, "jti", &record(None), Duration::from_secs(60)).await.unwrap()
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    assert_eq!(winners, 1, "exactly one concurrent insert_new must win");
    store.insert_new(Kind::ReplayDetection, "short", &record(None), Duration::from_millis(20)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(40)).await;
    assert!(
        store.insert_new(Kind::ReplayDetection, "short", &record(None), Duration::from_secs(60)).await.unwrap(),
        "an expired record does not block a new one"
    );
    assert!(!store.insert_new(Kind::ReplayDetection, "short", &record(None), Duration::from_secs(60)).await.unwrap());
}

/// replace_if is a compare-and-set: of concurrent writers that read the same payload exactly
/// one replaces it; a stale, consumed, expired or missing record is never replaced.
pub async fn replace_if_is_a_compare_and_set(store: Arc<dyn Adapter>) {
    let read = record(None);
    store.upsert(Kind::DeviceCode, "d", &read, Some(Duration::from_secs(60))).await.unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let (store, expected) = (store.clone(), read.payload.clone());
            tokio::spawn(async move {
                let next = Record { user_code: Some(format!("CODE-{n}")), ..Record::new(&json!({"n": 2, "by": n})) };
                let ttl = Some(Duration::from_secs(60));
                store.replace_if(Kind::DeviceCode, "d", &expected, &next, ttl).await.unwrap().then_some(n)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        winners.extend(task.await.unwrap());
    }
    assert_eq!(winners.len(), 1, "exactly one concurrent replace_if of one read must win: {winners:?}");
    let found = store.find(Kind::DeviceCode, "d").await.unwrap().unwrap();
    assert_eq!(found.json(), json!({"n": 2, "by": winners[0]}), "the winner's write is what is stored");
    let code = format!("CODE-{}", winners[0]);
    assert!(store.find_by_user_code(Kind::DeviceCode, &code).await.unwrap().is_some(), "its secondary keys too");
    // A stale read loses.
    assert!(!store.replace_if(Kind::DeviceCode, "d", &read.payload, &record(None), None).await.unwrap());
    // A consumed, expired or missing record is never replaced.
    assert!(store.consume(Kind::DeviceCode, "d").await.unwrap());
    assert!(!store.replace_if(Kind::DeviceCode, "d", &found.payload, &record(None), None).await.unwrap());
    store.upsert(Kind::DeviceCode, "short", &read, Some(Duration::from_millis(20))).await.unwrap();
    tokio::time::sleep(Duration::from_millis(40)).await;
    assert!(!store.replace_if(Kind::DeviceCode, "short", &read.payload, &record(None), None).await.unwrap());
    assert!(!store.replace_if(Kind::DeviceCode, "none", &read.payload, &record(None), None).await.unwrap());
}

/// `copy` moves every live record of every kind as kept: ids, payloads, secondary keys, expiry
/// and consumption, across pages; expired records stay behind. For backends that can be copied
/// (not memory), as source and target.
pub async fn copy_keeps_every_record_as_kept(from: Arc<dyn Adapter>, to: Arc<dyn Adapter>) {
    let keys = Record { uid: Some("u1".into()), user_code: Some("WDJB-MJHT".into()), ..record(Some("g1")) };
    from.upsert(Kind::Session, "s1", &keys, Some(Duration::from_secs(600))).await.unwrap();
    from.upsert(Kind::DeviceCode, "d1", &keys, Some(Duration::from_secs(600))).await.unwrap();
    from.upsert(Kind::AuthorizationCode, "c1", &record(Some("g1")), Some(Duration::from_secs(600))).await.unwrap();
    assert!(from.consume(Kind::AuthorizationCode, "c1").await.unwrap());
    from.upsert(Kind::ProviderSecret, "salt", &record(None), None).await.unwrap();
    from.upsert(Kind::Interaction, "gone", &record(None), Some(Duration::from_millis(10))).await.unwrap();
    // More than a page of one kind.
    let tasks: Vec<_> = (0..1203)
        .map(|i| {
            let from = from.clone();
            tokio::spawn(async move {
                let token = Record::new(&json!({ "i": i }));
                from.upsert(Kind::AccessToken, &format!("t{i:05}"), &token, Some(Duration::from_secs(600))).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    tokio::time::sleep(Duration::from_millis(20)).await;

    let copied = super::copy(&*from, &*to).await.unwrap();
    let count = |kind| copied.iter().find(|(k, _)| *k == kind).map(|(_, n)| *n);
    assert_eq!(count(Kind::AccessToken), Some(1203));
    assert_eq!(count(Kind::Interaction), Some(0), "an expired record is not copied");
    assert_eq!(copied.iter().map(|(_, n)| n).sum::<usize>(), 1203 + 4);

    for i in [0, 499, 500, 1202] {
        let token = to.find(Kind::AccessToken, &format!("t{i:05}")).await.unwrap().expect("every page copied");
        assert_eq!(token.json(), json!({ "i": i }));
    }
    let code = to.find(Kind::AuthorizationCode, "c1").await.unwrap().unwrap();
    assert_eq!(code.consumed_at, from.find(Kind::AuthorizationCode, "c1").await.unwrap().unwrap().consumed_at);
    assert!(!to.consume(Kind::AuthorizationCode, "c1").await.unwrap(), "a consumed code stays consumed");
    assert_eq!(to.find_by_uid(Kind::Session, "u1").await.unwrap().unwrap().grant_id.as_deref(), Some("g1"));
    assert!(to.find_by_user_code(Kind::DeviceCode, "WDJB-MJHT").await.unwrap().is_some());
    assert!(to.find(Kind::ProviderSecret, "salt").await.unwrap().is_some(), "a record that never expires");
    let exported = |store: Arc<dyn Adapter>| async move { store.export(Kind::Session, "", 10).await.unwrap() };
    assert_eq!(exported(to.clone()).await, exported(from.clone()).await, "expiry is kept to the millisecond");
    to.revoke_by_grant_id("g1").await.unwrap();
    assert!(to.find(Kind::Session, "s1").await.unwrap().is_none(), "grant ids are kept");
}

/// A URL to a new, empty schema of the PostgreSQL database named by `OP_TEST_POSTGRES_URL`
/// (`ci/test.sh` starts a throwaway server and sets it), or `None` when it is unset, reported
/// as a skip.
pub async fn postgres_schema_url(test: &str) -> Option<String> {
    let Ok(base) = std::env::var("OP_TEST_POSTGRES_URL") else {
        eprintln!("skipped {test}: OP_TEST_POSTGRES_URL is not set (ci/test.sh starts a throwaway PostgreSQL)");
        return None;
    };
    let schema = format!("t_{}", crate::security::random_token().to_lowercase().replace(['-', '_'], ""));
    let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls).await.expect("the test database");
    tokio::spawn(connection);
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.unwrap();
    Some(with_params(&base, &format!("options=-c%20search_path%3D{schema}")))
}

/// `url` with more query parameters (`params` already encoded).
pub fn with_params(url: &str, params: &str) -> String {
    format!("{url}{}{params}", if url.contains('?') { '&' } else { '?' })
}

/// Generates one `#[tokio::test]` per contract check for a backend.
/// The argument is an expression (evaluated in an async context) giving an `Arc<dyn Adapter>`.
#[macro_export]
macro_rules! adapter_contract_tests {
    ($make:expr) => {
        $crate::adapter_contract_tests!(@each $make;
            upsert_then_find, expired_records_are_never_returned, consume_is_atomic,
            revoke_by_grant_id_removes_the_whole_grant, secondary_lookups, destroy_and_reset,
            purge_removes_only_expired_records, insert_new_is_atomic, replace_if_is_a_compare_and_set,
            list_returns_every_live_record_of_a_kind);
    };
    (@each $make:expr; $($check:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let store: std::sync::Arc<dyn $crate::storage::Adapter> = $make;
                $crate::storage::testkit::$check(store).await;
            }
        )*
    };
}
