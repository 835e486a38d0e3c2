//! Liveness and readiness: ready while the storage can keep what the provider acknowledges;
//! not once the SQLite file was deleted under the running provider, whose writes are refused
//! from then on rather than acknowledged and lost.

mod common;

use common::local::{ISSUER, SVC_BASIC};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;

#[tokio::test]
async fn a_deleted_database_fails_readiness_and_refuses_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let storage = format!("sqlite:{}", dir.path().join("data/op.db").display());
    let op = common::provider_on(ISSUER, &storage).await;
    let client = Client::untracked(op.rocket()).await.unwrap();
    let token = || {
        client
            .post("/token")
            .header(ContentType::Form)
            .header(Header::new("Authorization", SVC_BASIC))
            .body("grant_type=client_credentials")
            .dispatch()
    };
    assert_eq!(client.get("/health/live").dispatch().await.status(), Status::Ok);
    assert_eq!(client.get("/health/ready").dispatch().await.status(), Status::Ok);
    assert_eq!(token().await.status(), Status::Ok);

    std::fs::remove_dir_all(dir.path().join("data")).unwrap();
    assert_eq!(client.get("/health/ready").dispatch().await.status(), Status::ServiceUnavailable);
    assert_eq!(client.get("/health/live").dispatch().await.status(), Status::Ok, "still answering");
    let refused = token().await;
    assert_eq!(refused.status(), Status::InternalServerError, "not acknowledged: it would be lost");
    let body: serde_json::Value = refused.into_json().await.unwrap();
    assert_eq!(body["error"], "server_error");
}
