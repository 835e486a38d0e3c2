//! Request object policy (RFC 9101): signed request objects required server-wide or by a
//! client, the `typ` accepted, and the lifetime limits a profile sets.

use client_harness::assertion::{rp_jwt_key, sign_with_key, unsigned};
use client_harness::browser::{Browser, callback_params};
use client_harness::{Options, TestProvider, http, launch};
use serde_json::{Value, json};
use std::collections::HashMap;

const CALLBACK: &str = "https://rp.example.com/callback";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A request object of rp-jwt for this provider, valid for five minutes from now.
fn object(op: &TestProvider) -> Value {
    json!({
        "iss": "rp-jwt", "aud": op.issuer, "client_id": "rp-jwt", "response_type": "code",
        "redirect_uri": CALLBACK, "scope": "openid", "state": "s", "nonce": "n",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256",
        "nbf": now(), "exp": now() + 300,
    })
}

/// `claims` signed with rp-jwt's key under `typ`.
fn signed_as(claims: &Value, typ: &str) -> String {
    let key = rp_jwt_key();
    let mut header = josekit::jws::JwsHeader::new();
    header.set_token_type(typ);
    header.set_key_id(key.key_id().unwrap());
    let signer = josekit::jws::ES256.signer_from_jwk(&key).unwrap();
    josekit::jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer).unwrap()
}

/// Where `/authorize` sends the browser for rp-jwt with `extra` parameters: the callback's.
async fn outcome(op: &TestProvider, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut url = url::Url::parse(&format!("{}/authorize", op.issuer)).unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", "rp-jwt")
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("redirect_uri", CALLBACK)
        .extend_pairs(extra);
    callback_params(&Browser::new(&op.issuer).authorize(url.as_str(), "alice", "alice-password").await.callback())
}

#[tokio::test]
async fn a_signed_request_object_can_be_required_of_every_request() {
    let op = launch(Options::with("jar.require_signed_request_object", true)).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert_eq!(discovery["require_signed_request_object"], true, "RFC 9101 §10.5");
    let params = outcome(&op, &[]).await;
    assert_eq!(params["error"], "invalid_request", "a plain request: {params:?}");
    let unsigned = unsigned(&object(&op));
    assert_eq!(outcome(&op, &[("request", &unsigned)]).await["error"], "invalid_request_object", "alg none");
    let signed = sign_with_key(&object(&op), &rp_jwt_key());
    assert!(outcome(&op, &[("request", &signed)]).await.contains_key("code"));
}

#[tokio::test]
async fn a_client_may_require_signed_request_objects_of_itself() {
    let strict = json!({
        "client_id": "rp-strict", "client_secret": "rp-strict-secret-0123456789",
        "redirect_uris": [CALLBACK], "require_signed_request_object": true,
    });
    let op = launch(Options { extra_clients: vec![strict], ..Options::default() }).await;
    let url = format!(
        "{}/authorize?client_id=rp-strict&response_type=code&scope=openid&redirect_uri={}&state=s",
        op.issuer,
        url::form_urlencoded::byte_serialize(CALLBACK.as_bytes()).collect::<String>()
    );
    let params = callback_params(&Browser::new(&op.issuer).open(&url).await.callback());
    assert_eq!(params["error"], "invalid_request");
    assert!(outcome(&op, &[]).await.contains_key("code"), "other clients are not bound by it");
}

#[tokio::test]
async fn the_request_object_type_is_checked() {
    let op = launch(Options::default()).await;
    let authz = signed_as(&object(&op), "oauth-authz-req+jwt");
    assert!(outcome(&op, &[("request", &authz)]).await.contains_key("code"), "RFC 9101 §10.8: its own type");
    // RFC 7515 §4.1.9: the same media type with `application/` and in other case.
    let spelled = signed_as(&object(&op), "application/OAuth-Authz-Req+JWT");
    assert!(outcome(&op, &[("request", &spelled)]).await.contains_key("code"), "RFC 7515 §4.1.9");
    let dpop = signed_as(&object(&op), "dpop+jwt");
    assert_eq!(outcome(&op, &[("request", &dpop)]).await["error"], "invalid_request_object", "another kind of JWT");
}

#[tokio::test]
async fn the_profiles_lifetime_limits_apply() {
    let settings = vec![("jar.max_lifetime", 3600.into()), ("jar.max_nbf_age", 3600.into())];
    let op = launch(Options { settings, ..Options::default() }).await;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut claims = object(&op);
        change(&mut claims);
        sign_with_key(&claims, &rp_jwt_key())
    };
    let cases = [
        ("exp more than an hour after nbf", with(&|c| c["exp"] = (now() + 3700).into())),
        ("nbf more than an hour old", with(&|c| c["nbf"] = (now() - 3700).into())),
        (
            "no nbf",
            with(&|c| {
                c.as_object_mut().unwrap().remove("nbf");
            }),
        ),
        (
            "no exp",
            with(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
        ),
    ];
    for (case, request) in cases {
        let params = outcome(&op, &[("request", &request)]).await;
        assert_eq!(params["error"], "invalid_request_object", "{case}: {params:?}");
    }
    assert!(outcome(&op, &[("request", &with(&|_| {}))]).await.contains_key("code"), "within the limits");
}

#[tokio::test]
async fn only_the_request_objects_parameters_count_unless_merging_is_configured() {
    // The object has no state; the query has one. RFC 9101 §6.3: the query's is not used.
    let mut without_state = object(&launch(Options::default()).await);
    without_state.as_object_mut().unwrap().remove("state");
    let strict = launch(Options::default()).await;
    without_state["aud"] = json!(strict.issuer);
    let signed = sign_with_key(&without_state, &rp_jwt_key());
    let params = outcome(&strict, &[("request", &signed), ("state", "from-the-query")]).await;
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(params.get("state"), None, "the query's state is ignored: {params:?}");
    // OIDC Core §6.3.3 merging, for RPs that need it: the query fills in what the object lacks.
    let merging = launch(Options::with("jar.merge_outside_parameters", true)).await;
    without_state["aud"] = json!(merging.issuer);
    let signed = sign_with_key(&without_state, &rp_jwt_key());
    let params = outcome(&merging, &[("request", &signed), ("state", "from-the-query")]).await;
    assert_eq!(params.get("state").map(String::as_str), Some("from-the-query"), "{params:?}");
}

#[tokio::test]
async fn an_iat_in_the_future_is_refused_and_a_jti_can_be_made_single_use() {
    let op = launch(Options::with("jar.single_use_jti", true)).await;
    let mut future = object(&op);
    future["iat"] = json!(now() + 3600);
    future["jti"] = json!("j-future");
    let signed = sign_with_key(&future, &rp_jwt_key());
    assert_eq!(outcome(&op, &[("request", &signed)]).await["error"], "invalid_request_object", "iat in the future");

    let mut once = object(&op);
    once["jti"] = json!("j-once");
    let signed = sign_with_key(&once, &rp_jwt_key());
    assert!(outcome(&op, &[("request", &signed)]).await.contains_key("code"), "first use");
    let params = outcome(&op, &[("request", &signed)]).await;
    assert_eq!(params["error"], "invalid_request_object", "RFC 7519 §4.1.7: a replayed jti: {params:?}");
    let without = sign_with_key(&object(&op), &rp_jwt_key());
    assert_eq!(outcome(&op, &[("request", &without)]).await["error"], "invalid_request_object", "no jti");
}
