//! JWT client authentication (RFC 7523, OIDC Core §9): private_key_jwt with inline keys and with
//! a jwks_uri whose keys roll, client_secret_jwt, and the assertion rules (aud, exp, jti replay).

use client_harness::assertion::{self, claims, rp_jwt_key, sign_with_key, sign_with_secret};
use client_harness::browser::{Browser, callback_params};
use client_harness::flow::{self, start};
use client_harness::rp::{self, FixtureClient, HMAC, JWT};
use client_harness::{Options, TestProvider, launch};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A code for `client` through the pages, with the PKCE verifier.
async fn code_for(op: &TestProvider, client: FixtureClient) -> (rp::Rp, String, openidconnect::PkceCodeVerifier) {
    let rp = rp::relying_party(&op.issuer, FixtureClient { secret: None, ..client }).await;
    let req = start(&rp, &[], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    (rp, params["code"].clone(), req.verifier.unwrap())
}

#[tokio::test]
async fn private_key_jwt_with_aud_token_endpoint() {
    let op = launch(Options::default()).await;
    let (rp, code, verifier) = code_for(&op, JWT).await;
    let jwt = sign_with_key(&claims("rp-jwt", &format!("{}/token", op.issuer)), &rp_jwt_key());
    flow::exchange_with_assertion(&rp, &code, Some(verifier), &jwt).await.expect("authenticated by its key");
}

#[tokio::test]
async fn client_secret_jwt_with_aud_issuer() {
    let op = launch(Options::default()).await;
    let (rp, code, verifier) = code_for(&op, HMAC).await;
    let jwt = sign_with_secret(&claims("rp-hmac", &op.issuer), HMAC.secret.unwrap());
    flow::exchange_with_assertion(&rp, &code, Some(verifier), &jwt).await.expect("authenticated by its secret");
}

#[tokio::test]
async fn a_client_secret_jwt_with_a_mac_from_another_secret_is_invalid_client() {
    let op = launch(Options::default()).await;
    let (rp, code, verifier) = code_for(&op, HMAC).await;
    let forged = sign_with_secret(&claims("rp-hmac", &op.issuer), "not-the-client-secret-but-as-long-as-one");
    assert_eq!(flow::exchange_with_assertion(&rp, &code, Some(verifier), &forged).await.unwrap_err(), "invalid_client");
}

#[tokio::test]
async fn a_replayed_assertion_is_invalid_client() {
    let op = launch(Options::default()).await;
    let jwt = sign_with_key(&claims("rp-jwt", &op.issuer), &rp_jwt_key());
    let (rp, code, verifier) = code_for(&op, JWT).await;
    flow::exchange_with_assertion(&rp, &code, Some(verifier), &jwt).await.unwrap();
    let (rp, code, verifier) = code_for(&op, JWT).await;
    assert_eq!(flow::exchange_with_assertion(&rp, &code, Some(verifier), &jwt).await.unwrap_err(), "invalid_client");
}

#[rstest::rstest]
#[case::wrong_audience(json!({"aud": "https://elsewhere.example"}))]
#[case::expired(json!({"exp": 1_000_000}))]
#[case::no_exp(json!({"exp": null}))]
#[case::no_jti(json!({"jti": null}))]
#[case::iss_is_not_the_client(json!({"iss": "rp-basic"}))]
#[tokio::test]
async fn bad_assertion_claims_are_invalid_client(#[case] patch: serde_json::Value) {
    let op = launch(Options::default()).await;
    let mut body = claims("rp-jwt", &op.issuer);
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            body.as_object_mut().unwrap().remove(k);
        } else {
            body[k] = v.clone();
        }
    }
    let (rp, code, verifier) = code_for(&op, JWT).await;
    let jwt = sign_with_key(&body, &rp_jwt_key());
    assert_eq!(flow::exchange_with_assertion(&rp, &code, Some(verifier), &jwt).await.unwrap_err(), "invalid_client");
}

#[tokio::test]
async fn an_assertion_signed_by_another_key_or_method_is_invalid_client() {
    let op = launch(Options::default()).await;
    let (other, _) = assertion::fresh_key(rp_jwt_key().key_id().unwrap());
    let (rp, code, verifier) = code_for(&op, JWT).await;
    let forged = sign_with_key(&claims("rp-jwt", &op.issuer), &other);
    assert_eq!(flow::exchange_with_assertion(&rp, &code, Some(verifier), &forged).await.unwrap_err(), "invalid_client");
    // A private_key_jwt client may not switch to an HMAC assertion.
    let (rp, code, verifier) = code_for(&op, JWT).await;
    let hmac = sign_with_secret(&claims("rp-jwt", &op.issuer), "a-secret-of-at-least-thirty-two-bytes!!");
    assert_eq!(flow::exchange_with_assertion(&rp, &code, Some(verifier), &hmac).await.unwrap_err(), "invalid_client");
}

#[tokio::test]
async fn jwks_uri_keys_are_fetched_and_refetched_when_the_client_rolls_its_key() {
    let rp_server = MockServer::start().await;
    let (first, first_public) = assertion::fresh_key("k1");
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("cache-control", "max-age=3600")
                .set_body_json(json!({ "keys": [first_public] })),
        )
        .up_to_n_times(1)
        .mount(&rp_server)
        .await;
    let client = json!({
        "client_id": "rp-jwks-uri", "redirect_uris": ["https://rp.example.com/callback"],
        "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": format!("{}/jwks", rp_server.uri()),
    });
    let op = launch(Options { extra_clients: vec![client], ..Options::default() }).await;
    if op.is_external() {
        return eprintln!("skipped: needs its own client registered with the provider under test");
    }
    let me =
        FixtureClient { id: "rp-jwks-uri", secret: None, auth: rp::AuthStyle::None, redirect_uri: JWT.redirect_uri };
    let (rp, code, verifier) = code_for(&op, me).await;
    let jwt = sign_with_key(&claims("rp-jwks-uri", &op.issuer), &first);
    flow::exchange_with_assertion(&rp, &code, Some(verifier), &jwt).await.expect("first key");

    // The client rolls to a new key; the cached set lacks its kid, so the provider fetches again.
    let (second, second_public) = assertion::fresh_key("k2");
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "keys": [second_public] })))
        .mount(&rp_server)
        .await;
    let (rp, code, verifier) = code_for(&op, me).await;
    let jwt = sign_with_key(&claims("rp-jwks-uri", &op.issuer), &second);
    flow::exchange_with_assertion(&rp, &code, Some(verifier), &jwt).await.expect("rolled key");
    assert_eq!(rp_server.received_requests().await.unwrap().len(), 2, "fetched once, then once more for the new kid");
}
