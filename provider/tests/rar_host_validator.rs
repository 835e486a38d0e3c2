//! RAR types checked by the host's own validator (RFC 9396): a host declares a type in `[rar]`
//! without a schema and registers a `DetailsValidator` for it through the builder.

mod common;

use common::local::{ISSUER, SVC_BASIC};
use provider::Provider;
use provider::rar::DetailsValidator;
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::Client;
use serde_json::{Value, json};
use std::sync::Arc;

/// Allows foreign-exchange requests in euros only.
struct EurosOnly;

impl DetailsValidator for EurosOnly {
    fn validate(&self, detail: &Value) -> Result<(), String> {
        match detail["currency"].as_str() {
            Some("EUR") => Ok(()),
            _ => Err("only EUR is offered".into()),
        }
    }
}

fn config() -> provider::config::Config {
    let mut fx = figment::value::Dict::new();
    fx.insert("type".into(), "fx".into());
    let settings = [("rar", "enabled", true.into()), ("rar", "types", figment::value::Value::from(vec![fx]))];
    common::fixture_config(ISSUER, "memory:", None, common::sections(&settings))
}

#[tokio::test]
async fn a_type_without_a_schema_is_checked_by_the_hosts_validator() {
    let op = Provider::builder(config()).authorization_details_type("fx", Arc::new(EurosOnly)).build().await.unwrap();
    let client = Client::untracked(op.rocket()).await.unwrap();
    let token = |details: Value| {
        client
            .post("/token")
            .header(ContentType::Form)
            .header(Header::new("Authorization", SVC_BASIC))
            .body(format!(
                "grant_type=client_credentials&authorization_details={}",
                url::form_urlencoded::byte_serialize(details.to_string().as_bytes()).collect::<String>()
            ))
            .dispatch()
    };
    let euros = json!([{"type": "fx", "currency": "EUR"}]);
    let response = token(euros.clone()).await;
    assert_eq!(response.status(), Status::Ok);
    let body: Value = response.into_json().await.unwrap();
    assert_eq!(body["authorization_details"], euros);
    let response = token(json!([{"type": "fx", "currency": "USD"}])).await;
    assert_eq!(response.status(), Status::BadRequest);
    let body: Value = response.into_json().await.unwrap();
    assert_eq!(body["error"], "invalid_authorization_details");
    assert!(body["error_description"].as_str().unwrap().contains("only EUR is offered"), "{body}");
}

#[tokio::test]
async fn a_type_with_neither_a_schema_nor_a_validator_stops_the_start() {
    let error = Provider::builder(config()).build().await.err().expect("no validator for fx");
    assert!(error.to_string().contains("\"fx\""), "{error}");
}
