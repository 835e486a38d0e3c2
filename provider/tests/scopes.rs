//! Scope filtering at the authorization endpoint (RFC 6749 §3.3): unknown scopes, and
//! offline_access for a client that cannot refresh, are dropped rather than refused.

mod common;

use provider::authorization::{Decision, authorize};
use provider::protocol::Params;

const CHALLENGE: &str = "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";

async fn scopes_asked(client_id: &str, scope: &str) -> Vec<String> {
    let op = common::provider("https://op.example").await;
    let query = format!(
        "response_type=code&client_id={client_id}&redirect_uri=https%3A%2F%2Frp.example.com%2Fcallback&scope={scope}&{CHALLENGE}"
    );
    match authorize(&op, Params::parse(&query), None).await {
        Ok(Decision::Interact(interaction)) => interaction.request.scopes,
        other => panic!("expected an interaction, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_and_repeated_scopes_are_dropped() {
    let scopes = scopes_asked("rp-basic", "openid+email+bogus+email+offline_access").await;
    assert_eq!(scopes, ["openid", "email", "offline_access"]);
}

#[tokio::test]
async fn offline_access_needs_the_refresh_token_grant() {
    // rp-hmac is registered for authorization_code and client_credentials only.
    let scopes = scopes_asked("rp-hmac", "openid+offline_access+profile").await;
    assert_eq!(scopes, ["openid", "profile"]);
}

#[tokio::test]
async fn resource_server_scopes_are_unknown_without_resource_servers() {
    // Without fixtures/provider.toml, "read" belongs to no resource server: it is dropped.
    let scopes = scopes_asked("rp-basic", "openid+read").await;
    assert_eq!(scopes, ["openid"]);
}

#[tokio::test]
async fn the_device_flow_filters_scopes_by_the_same_rules() {
    // RFC 8628 §3.1: a device asks for scopes like any client; offline_access still needs the
    // refresh_token grant, and unknown scopes are dropped.
    let op = common::provider("https://op.example").await;
    let tv: provider::clients::Client = serde_json::from_value(serde_json::json!({
        "client_id": "tv-without-refresh",
        "token_endpoint_auth_method": "none",
        "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"],
    }))
    .unwrap();
    let params = Params::parse("scope=openid+offline_access+bogus+email");
    let (scopes, resources) =
        provider::authorization::device_request(&op, std::sync::Arc::new(tv), params).await.unwrap();
    assert_eq!(scopes, ["openid", "email"]);
    assert!(resources.is_empty());
}
