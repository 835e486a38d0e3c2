//! Client credentials JWT access tokens are self-contained: issued without a write, yet
//! introspected and revoked like stored ones (RFC 9068, RFC 7662, RFC 7009).

mod common;

use provider::Provider;
use provider::jose::{self, SigningAlg};
use provider::model::{self, AccessToken, Presented, TokenClaims};
use provider::security::now;
use provider::tokens::{access_token, self_contained};
use serde_json::json;

const ISSUER: &str = "https://op.example";
/// A resource server of `fixtures/provider.toml` with JWT access tokens (ES256).
const JWT_API: &str = "https://api.example.com";
/// One with opaque access tokens.
const OPAQUE_API: &str = "https://opaque.example.com";

async fn op() -> Provider {
    common::provider_with_resource_servers(ISSUER).await
}

async fn issue(op: &Provider, claims: &TokenClaims, audience: &str) -> String {
    let client = op.clients().find(&claims.client_id).await.unwrap().expect("fixture client");
    access_token::issue(op, &client, claims, Some(audience), None).await.expect("issued").value
}

fn client_credentials(client_id: &str, audience: &str) -> TokenClaims {
    TokenClaims::client_credentials(client_id, vec!["read".into()], vec![audience.into()])
}

/// A JWS signed with the provider's ES256 key.
fn signed(op: &Provider, claims: &serde_json::Value, typ: &str) -> String {
    let keys = op.keys();
    jose::sign(claims, typ, keys.signing_key(SigningAlg::ES256).expect("ES256 key").signer()).unwrap()
}

#[tokio::test]
async fn a_client_credentials_jwt_is_not_stored_but_verifies() {
    let op = op().await;
    let jwt = issue(&op, &client_credentials("svc-basic", JWT_API), JWT_API).await;
    assert!(model::find::<AccessToken>(op.storage(), &jwt).await.unwrap().is_none(), "no record was written");
    let opaque = issue(&op, &client_credentials("svc-basic", OPAQUE_API), OPAQUE_API).await;
    assert!(model::find::<AccessToken>(op.storage(), &opaque).await.unwrap().is_some(), "opaque ones are stored");

    let found = self_contained::verify(&op, &jwt).await.unwrap().expect("a live self-contained token");
    assert_eq!(found.claims.client_id, "svc-basic");
    assert_eq!(found.claims.scopes, ["read"]);
    assert_eq!(found.claims.resources, [JWT_API]);
    assert!(found.claims.is_client_credentials());
    assert_eq!(found.jti, jose::peek(&jwt).unwrap().1["jti"]);
    assert!(self_contained::verify(&op, &opaque).await.unwrap().is_none(), "an opaque token is not a JWT");
}

#[tokio::test]
async fn revoking_one_records_its_jti_until_it_expires() {
    let op = op().await;
    let (first, second) = (
        issue(&op, &client_credentials("svc-basic", JWT_API), JWT_API).await,
        issue(&op, &client_credentials("svc-basic", JWT_API), JWT_API).await,
    );
    let token = self_contained::verify(&op, &first).await.unwrap().unwrap();
    self_contained::revoke(&op, &token).await.unwrap();
    assert!(self_contained::verify(&op, &first).await.unwrap().is_none(), "revoked");
    assert!(self_contained::verify(&op, &second).await.unwrap().is_some(), "only that one");
    let record = model::find::<model::RevokedAccessToken>(op.storage(), &token.jti).await.unwrap().unwrap();
    assert_eq!(record.model.exp, token.exp);
}

#[tokio::test]
async fn a_user_jwt_whose_record_is_gone_does_not_stand_on_its_own() {
    let op = op().await;
    let claims = TokenClaims {
        client_id: "rp-basic".into(),
        account_id: "alice".into(),
        scopes: vec!["read".into()],
        grant_id: "g1".into(),
        sid: None,
        auth_time: now(),
        acr: "0".into(),
        amr: vec!["pwd".into()],
        resources: vec![JWT_API.into()],
        authorization_details: vec![],
        client_instance: None,
        claims: None,
        cnf: None,
    };
    let jwt = issue(&op, &claims, JWT_API).await;
    assert!(model::find::<AccessToken>(op.storage(), &jwt).await.unwrap().is_some(), "a user's JWT is stored");
    let presented = self_contained::find_presented(&op, &jwt, None).await.unwrap();
    assert!(matches!(presented, Some(Presented::Access(_))), "and found in storage when presented");
    // Revoking its grant removes the record; the JWT still verifies, but is no longer active.
    op.storage().revoke_by_grant_id("g1").await.unwrap();
    assert!(self_contained::verify(&op, &jwt).await.unwrap().is_none());
    assert!(self_contained::find_presented(&op, &jwt, None).await.unwrap().is_none(), "nor found when presented");
}

#[tokio::test]
async fn only_live_access_tokens_of_this_issuer_verify() {
    let op = op().await;
    let claims = |iss: &str, exp: i64| {
        json!({ "iss": iss, "exp": exp, "iat": now(), "aud": JWT_API, "sub": "svc-basic",
                "client_id": "svc-basic", "jti": "j1", "scope": "read" })
    };
    let live = signed(&op, &claims(ISSUER, now() + 60), "at+jwt");
    assert!(self_contained::verify(&op, &live).await.unwrap().is_some(), "the control case verifies");
    let expired = signed(&op, &claims(ISSUER, now() - 1), "at+jwt");
    assert!(self_contained::verify(&op, &expired).await.unwrap().is_none(), "expired");
    let foreign = signed(&op, &claims("https://other.example", now() + 60), "at+jwt");
    assert!(self_contained::verify(&op, &foreign).await.unwrap().is_none(), "another issuer's");
    // RFC 9068 §4: a JWT of another type (an ID token, say) is no access token.
    let other_type = signed(&op, &claims(ISSUER, now() + 60), "JWT");
    assert!(self_contained::verify(&op, &other_type).await.unwrap().is_none(), "typ JWT");
    let mut tampered: Vec<String> = live.split('.').map(String::from).collect();
    tampered[2] = tampered[2].chars().rev().collect();
    assert!(self_contained::verify(&op, &tampered.join(".")).await.unwrap().is_none(), "bad signature");
    // Claims that say self-contained choose where to look, nothing more: the signature still decides.
    assert!(self_contained::find_presented(&op, &tampered.join("."), None).await.unwrap().is_none());
    assert!(self_contained::find_presented(&op, &live, None).await.unwrap().is_some());
    for odd in ["", "a.b.c", "..", "é.é.é"] {
        assert!(self_contained::verify(&op, odd).await.unwrap().is_none(), "{odd:?}");
    }
}
