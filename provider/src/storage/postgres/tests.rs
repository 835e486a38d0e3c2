//! The PostgreSQL backend against a real server (`OP_TEST_POSTGRES_URL`; each test in a schema
//! of its own). Without one, each test reports itself skipped.

use super::*;
use crate::storage::schema::Migration;
use crate::storage::testkit::{postgres_schema_url, with_params};
use crate::storage::{SqliteAdapter, Upgrade};
use std::sync::Arc;

async fn open(url: &str) -> PostgresAdapter {
    PostgresAdapter::open(url, &StorageOptions::default()).await.unwrap()
}

/// A fresh adapter on a schema of its own, or a return from the test when there is no server.
macro_rules! fresh {
    () => {
        match postgres_schema_url(module_path!()).await {
            Some(url) => Arc::new(open(&url).await),
            None => return,
        }
    };
}

crate::adapter_contract_tests!(fresh!());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_from_sqlite_to_postgres_and_back_keeps_every_record() {
    let Some(url) = postgres_schema_url("copy").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Arc::new(SqliteAdapter::open(&dir.path().join("a.db"), Upgrade::Refuse).await.unwrap());
    let postgres = Arc::new(open(&url).await);
    crate::storage::testkit::copy_keeps_every_record_as_kept(sqlite, postgres.clone()).await;
    let back = Arc::new(SqliteAdapter::open(&dir.path().join("b.db"), Upgrade::Refuse).await.unwrap());
    let Some(other) = postgres_schema_url("copy").await else { return };
    crate::storage::testkit::copy_keeps_every_record_as_kept(Arc::new(open(&other).await), back).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_let_exactly_one_of_100_consumers_win() {
    let Some(url) = postgres_schema_url("two instances").await else { return };
    // Two pools, as two provider processes have; each caller picks one.
    let instances = [Arc::new(open(&url).await), Arc::new(open(&url).await)];
    for round in 0..20 {
        let id = format!("code-{round}");
        let record = Record::new(&serde_json::json!({ "round": round }));
        instances[0].upsert(Kind::AuthorizationCode, &id, &record, Some(Duration::from_secs(60))).await.unwrap();
        let tasks: Vec<_> = (0..100)
            .map(|n| {
                let (store, id) = (instances[n % 2].clone(), id.clone());
                tokio::spawn(async move { store.consume(Kind::AuthorizationCode, &id).await.unwrap() })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            winners += usize::from(task.await.unwrap());
        }
        assert_eq!(winners, 1, "round {round}: {winners} of 100 consumers won");
        let seen_by_other = instances[1].find(Kind::AuthorizationCode, &id).await.unwrap().unwrap();
        assert!(seen_by_other.consumed(), "the other instance sees it consumed");
    }
}

#[tokio::test]
async fn every_connection_runs_with_the_statement_timeout() {
    let Some(url) = postgres_schema_url("statement timeout").await else { return };
    let options = StorageOptions { statement_timeout: Duration::from_millis(1500), ..StorageOptions::default() };
    let adapter = PostgresAdapter::open(&url, &options).await.unwrap();
    let client = get(&adapter.pool).await.unwrap();
    let shown: String = client.query_one("SHOW statement_timeout", &[]).await.unwrap().get(0);
    assert_eq!(shown, "1500ms");
    // The search_path the URL's own options set is kept beside it.
    let path: String = client.query_one("SHOW search_path", &[]).await.unwrap().get(0);
    assert!(path.starts_with("t_"), "{path}");
    let slow = client.simple_query("SELECT pg_sleep(3)").await.unwrap_err();
    assert_eq!(slow.as_db_error().map(|e| e.code().code()), Some("57014"), "query_canceled: {slow}");
}

#[tokio::test]
async fn migrations_are_recorded_and_a_newer_schema_is_refused() {
    let Some(url) = postgres_schema_url("migrations").await else { return };
    let adapter = open(&url).await;
    let client = get(&adapter.pool).await.unwrap();
    let versions: Vec<i32> = client
        .query("SELECT version FROM schema_migrations ORDER BY version", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(versions, [1]);
    // Opening again changes nothing.
    open(&url).await;
    client.execute("INSERT INTO schema_migrations VALUES (2, 'later', 0)", &[]).await.unwrap();
    let refused = PostgresAdapter::open(&url, &StorageOptions::default()).await.err().expect("refused");
    assert!(refused.0.contains("newer than this provider knows (1)"), "{}", refused.0);
}

#[tokio::test]
async fn an_older_schema_is_migrated_only_when_asked_and_instances_starting_together_apply_it_once() {
    const TWO: &[Migration] =
        &[schema::POSTGRES[0], Migration { version: 2, name: "notes", sql: "CREATE TABLE notes (note TEXT)" }];
    let Some(url) = postgres_schema_url("older schema").await else { return };
    let adapter = open(&url).await;
    let pool = adapter.pool.clone();
    let mut client = get(&pool).await.unwrap();
    let refused = migrate::migrate(&mut client, TWO, Upgrade::Refuse).await.unwrap_err();
    assert!(refused.0.contains("provider storage migrate"), "{}", refused.0);
    // Four at once, as instances starting together: the advisory lock lets one apply it.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { migrate::migrate(&mut get(&pool).await.unwrap(), TWO, Upgrade::Apply).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 2);
    }
    let applied: i64 = client.query_one("SELECT count(*) FROM schema_migrations", &[]).await.unwrap().get(0);
    assert_eq!(applied, 2);
    client.execute("INSERT INTO notes VALUES ('x')", &[]).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_an_error_that_keeps_the_password_out() {
    // Port 1 on loopback: nothing listens. The pool reports the failure when first used.
    let url = "postgres://op:hunter2@127.0.0.1:1/op";
    let err = PostgresAdapter::open(url, &StorageOptions::default()).await.err().expect("no server");
    assert!(!err.0.contains("hunter2"), "{}", err.0);
}

/// Whether the test server serves TLS (ci/postgres.sh turns it on with the fixture certificate).
async fn serves_tls(url: &str) -> bool {
    let adapter = open(url).await;
    let client = get(&adapter.pool).await.unwrap();
    let on = client.query_one("SHOW ssl", &[]).await.unwrap().get::<_, String>(0) == "on";
    if !on {
        eprintln!("skipped: the test server does not serve TLS (ci/postgres.sh starts one that does)");
    }
    on
}

#[tokio::test]
async fn sslmode_require_connects_over_tls_and_verifies_the_server_certificate() {
    let Some(url) = postgres_schema_url("tls").await else { return };
    if !serves_tls(&url).await {
        return;
    }
    // The fixture CA issued the test server's certificate (for 127.0.0.1 and localhost).
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/tls/ca.pem");
    let adapter = open(&with_params(&url, &format!("sslmode=require&sslrootcert={ca}"))).await;
    let client = get(&adapter.pool).await.unwrap();
    let row = client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.unwrap();
    assert!(row.get::<_, bool>(0), "the connection is encrypted");
    adapter.upsert(Kind::Grant, "g", &Record::new(&serde_json::json!({})), None).await.unwrap();

    // Without the CA, the system's roots do not vouch for it: refused, unlike libpq's `require`.
    let refused = PostgresAdapter::open(&with_params(&url, "sslmode=require"), &StorageOptions::default()).await;
    let message = refused.err().expect("an unverified server is refused").0;
    assert!(message.to_lowercase().contains("certificate"), "{message}");

    // Without sslmode, plain TCP.
    let plain = get(&open(&url).await.pool).await.unwrap();
    let row = plain.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).await.unwrap();
    assert!(!row.get::<_, bool>(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_upserts_of_the_same_records_are_grouped_and_all_land() {
    let Some(url) = postgres_schema_url("grouped upserts").await else { return };
    let adapter = Arc::new(open(&url).await);
    // 400 writers over 5 records, each in its own order: groups hold one record several times,
    // and two groups the same records (sorted, so they never deadlock).
    let tasks: Vec<_> = (0..400)
        .map(|n| {
            let adapter = adapter.clone();
            tokio::spawn(async move {
                for step in 0..5 {
                    let id = format!("r{}", (n + step * (1 + n % 3)) % 5);
                    let record = Record::new(&serde_json::json!({ "by": n }));
                    adapter.upsert(Kind::Grant, &id, &record, None).await?;
                }
                Ok::<_, StorageError>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every upsert lands");
    }
    for id in 0..5 {
        let found = adapter.find(Kind::Grant, &format!("r{id}")).await.unwrap().expect("written");
        assert!(found.json()["by"].as_u64().unwrap() < 400);
    }
}

#[tokio::test]
async fn a_migration_may_outlast_the_statement_timeout() {
    const SLOW: &[Migration] =
        &[schema::POSTGRES[0], Migration { version: 2, name: "slow", sql: "SELECT pg_sleep(0.5)" }];
    let Some(url) = postgres_schema_url("slow migration").await else { return };
    let options = StorageOptions { statement_timeout: Duration::from_millis(100), ..StorageOptions::default() };
    let adapter = PostgresAdapter::open(&url, &options).await.unwrap();
    let mut client = get(&adapter.pool).await.unwrap();
    assert_eq!(migrate::migrate(&mut client, SLOW, Upgrade::Apply).await.unwrap(), 2);
    // Requests' statements keep their timeout.
    assert!(client.simple_query("SELECT pg_sleep(0.5)").await.is_err());
}

#[tokio::test]
async fn a_purge_of_more_than_a_batch_deletes_every_expired_record_and_nothing_else() {
    let Some(url) = postgres_schema_url("purge").await else { return };
    let adapter = open(&url).await;
    let client = get(&adapter.pool).await.unwrap();
    // 25,000 expired at once, as after a long outage, and one live record.
    client
        .execute(
            "INSERT INTO records (kind, id, payload, expires_at) \
             SELECT 'AccessToken', 't' || n, '{}', 1 FROM generate_series(1, 25000) AS n",
            &[],
        )
        .await
        .unwrap();
    adapter.upsert(Kind::AccessToken, "live", &Record::new(&serde_json::json!({})), None).await.unwrap();
    assert_eq!(adapter.purge_expired().await.unwrap(), 25_000);
    let left: i64 = client.query_one("SELECT count(*) FROM records", &[]).await.unwrap().get(0);
    assert_eq!(left, 1);
}
