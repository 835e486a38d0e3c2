//! An issuer with a path (`https://id.example/tenant`): every endpoint lives under the path, and
//! the metadata is where OpenID Connect Discovery §4 and RFC 8414 §3.1 each put it.

mod common;

use rocket::http::{Header, Status};
use rocket::local::asynchronous::Client;

const ISSUER: &str = "https://id.example/tenant";

async fn client() -> Client {
    Client::untracked(common::provider(ISSUER).await.rocket()).await.unwrap()
}

async fn issuer_of(client: &Client, path: &str) -> Option<String> {
    let response = client.get(path.to_string()).header(Header::new("Origin", "https://app.example")).dispatch().await;
    if response.status() != Status::Ok {
        return None;
    }
    let cors = response.headers().get_one("Access-Control-Allow-Origin").map(String::from);
    let metadata: serde_json::Value = response.into_json().await?;
    assert_eq!(cors.as_deref(), Some("*"), "{path}: browser clients may fetch it");
    metadata["issuer"].as_str().map(String::from)
}

#[tokio::test]
async fn metadata_is_served_where_each_spec_puts_it() {
    let client = client().await;
    // OIDC Discovery §4: the issuer, then the well-known suffix.
    assert_eq!(issuer_of(&client, "/tenant/.well-known/openid-configuration").await.as_deref(), Some(ISSUER));
    // RFC 8414 §3.1: the well-known suffix between the host and the issuer's path.
    assert_eq!(issuer_of(&client, "/.well-known/oauth-authorization-server/tenant").await.as_deref(), Some(ISSUER));
    // Not at the root without the path: that would be the metadata of an issuer without one.
    assert_eq!(issuer_of(&client, "/.well-known/oauth-authorization-server").await, None);
    assert_eq!(issuer_of(&client, "/.well-known/openid-configuration").await, None);
}

#[tokio::test]
async fn endpoints_are_under_the_path() {
    let client = client().await;
    assert_eq!(client.get("/tenant/jwks").dispatch().await.status(), Status::Ok);
    assert_eq!(client.get("/jwks").dispatch().await.status(), Status::NotFound);
}
