//! JWT-secured authorization responses (JARM): the response, success or error, as one signed
//! (and, when the client asks, encrypted) JWT in the query, the fragment or a form.

use client_harness::browser::{Browser, callback_params};
use client_harness::flow::start;
use client_harness::http;
use client_harness::rp::{self, BASIC};
use client_harness::{Options, TestProvider, launch};
use josekit::jwk::Jwk;
use serde_json::{Value, json};

fn jarm(extra_clients: Vec<Value>) -> Options {
    Options { settings: vec![("jarm.enabled", true.into())], extra_clients, ..Options::default() }
}

/// An authorization URL of rp-basic (or `client_id`) with `response_mode`.
async fn url(op: &TestProvider, client_id: &str, response_mode: &str) -> String {
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &[], true);
    let query: Vec<(String, String)> = req.url.query_pairs().into_owned().filter(|(k, _)| k != "client_id").collect();
    req.url.query_pairs_mut().clear().extend_pairs(query).append_pair("client_id", client_id);
    req.url.query_pairs_mut().append_pair("response_mode", response_mode).append_pair("prompt", "consent");
    req.url.to_string()
}

/// The claims of a response JWT signed with one of the provider's keys, verified.
async fn verified(op: &TestProvider, jwt: &str) -> Value {
    let jwks = http::json(http::client(false).get(format!("{}/jwks", op.issuer))).await;
    let header = client_harness::flow::payload_of(&format!("x.{}", jwt.split('.').next().unwrap()));
    let key = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header["kid"]).expect("a published key");
    let verifier =
        josekit::jws::RS256.verifier_from_jwk(&Jwk::from_map(key.as_object().unwrap().clone()).unwrap()).unwrap();
    let (payload, _) = josekit::jws::deserialize_compact(jwt, &verifier).expect("the response JWT verifies");
    serde_json::from_slice(&payload).unwrap()
}

#[tokio::test]
async fn a_code_comes_back_as_one_signed_response_jwt() {
    let op = launch(jarm(vec![])).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    for mode in ["jwt", "query.jwt", "fragment.jwt", "form_post.jwt"] {
        assert!(discovery["response_modes_supported"].as_array().unwrap().contains(&json!(mode)), "{mode}");
    }
    assert!(
        discovery["authorization_signing_alg_values_supported"].as_array().is_some_and(|a| a.contains(&json!("RS256")))
    );

    let callback = Browser::new(&op.issuer)
        .authorize(&url(&op, "rp-basic", "jwt").await, "alice", "alice-password")
        .await
        .callback();
    let params = callback_params(&callback);
    assert_eq!(params.keys().collect::<Vec<_>>(), ["response"], "JARM §2.3.1: the one parameter, in the query");
    let claims = verified(&op, &params["response"]).await;
    assert_eq!((&claims["iss"], &claims["aud"]), (&json!(op.issuer), &json!("rp-basic")), "§2.1");
    assert!(claims["code"].is_string() && claims["state"].is_string(), "{claims}");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!(claims["exp"].as_i64().is_some_and(|exp| exp > now && exp <= now + 600), "short-lived: {claims}");
}

#[tokio::test]
async fn an_error_comes_back_secured_too_and_form_post_jwt_posts_it() {
    let op = launch(jarm(vec![])).await;
    let browser = Browser::new(&op.issuer);
    let mut landing = browser.open(&url(&op, "rp-basic", "query.jwt").await).await;
    let login = landing.clone().page();
    let mut form = login.form("/login").unwrap();
    form.set("login", "alice").set("password", "alice-password");
    landing = browser.submit(&form, None).await;
    let consent = landing.page().form("/consent").unwrap();
    let denied = callback_params(&browser.submit(&consent, Some(("decision", "deny"))).await.callback());
    let claims = verified(&op, &denied["response"]).await;
    assert_eq!((&claims["error"], &claims["aud"]), (&json!("access_denied"), &json!("rp-basic")), "{claims}");

    let page = browser.open(&url(&op, "rp-basic", "form_post.jwt").await).await.page();
    let consent = page.form("/consent").unwrap();
    let posted = browser.submit(&consent, Some(("decision", "allow"))).await.page();
    let form = posted.form("/callback").expect("an auto-submitted form to the client");
    assert_eq!(form.fields.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(), ["response"], "§2.3.3");
    assert!(verified(&op, form.get("response").unwrap()).await["code"].is_string());
}

#[tokio::test]
async fn a_client_that_asks_gets_its_response_encrypted() {
    let keys: Value = serde_json::from_str(
        &std::fs::read_to_string(client_harness::fixtures().join("keys/rp-encrypted.private.json")).unwrap(),
    )
    .unwrap();
    let private = Jwk::from_map(keys["keys"][0].as_object().unwrap().clone()).unwrap();
    // The fixture rp-encrypted's registered public key (with its kid), the private one's pair.
    let clients: Value =
        serde_json::from_str(&std::fs::read_to_string(client_harness::fixtures().join("clients.json")).unwrap())
            .unwrap();
    let fixture = clients.as_array().unwrap().iter().find(|c| c["client_id"] == "rp-encrypted").unwrap();
    let public = fixture["jwks"]["keys"][0].clone();
    let client = json!({
        "client_id": "rp-jarm-encrypted", "client_secret": "rp-jarm-encrypted-secret-0123",
        "redirect_uris": ["https://rp.example.com/callback"], "jwks": { "keys": [public] },
        "authorization_signed_response_alg": "ES256",
        "authorization_encrypted_response_alg": "RSA-OAEP-256", "authorization_encrypted_response_enc": "A256GCM",
    });
    let op = launch(jarm(vec![client])).await;
    let url = url(&op, "rp-jarm-encrypted", "jwt").await;
    let params = callback_params(&Browser::new(&op.issuer).authorize(&url, "alice", "alice-password").await.callback());
    let response = &params["response"];
    assert_eq!(response.split('.').count(), 5, "a compact JWE");
    let decrypter = josekit::jwe::RSA_OAEP_256.decrypter_from_jwk(&private).unwrap();
    let (inner, header) = josekit::jwe::deserialize_compact(response, &decrypter).unwrap();
    assert_eq!((header.content_encryption(), header.content_type()), (Some("A256GCM"), Some("JWT")));
    let inner = String::from_utf8(inner).unwrap();
    let signed_with = client_harness::flow::payload_of(&format!("x.{}", inner.split('.').next().unwrap()));
    assert_eq!(signed_with["alg"], "ES256", "signed with the client's authorization_signed_response_alg");
    assert!(client_harness::flow::payload_of(&inner)["code"].is_string());
}

#[tokio::test]
async fn without_jarm_the_jwt_modes_are_unsupported() {
    let op = launch(Options::default()).await;
    let params = callback_params(&Browser::new(&op.issuer).open(&url(&op, "rp-basic", "jwt").await).await.callback());
    assert_eq!(params["error"], "invalid_request", "{params:?}");
    assert!(params["error_description"].contains("response_mode"));
}
