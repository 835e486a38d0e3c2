//! The FAPI profiles as a client meets them: for each of FAPI 2.0 Security Profile, FAPI 2.0
//! Message Signing and FAPI 1.0 Advanced, one happy path with the fixture clients
//! (`fixtures/fapi2-clients.json`, `fapi1-clients.json`) and the profile's main rejections, each
//! with the error its spec names; and the start refused for clients or settings that break the
//! policy.

use client_harness::assertion::{self, sign_with_key};
use client_harness::browser::{Browser, callback_params};
use client_harness::dpop::DpopKey;
use client_harness::flow::payload_of;
use client_harness::http::{self, answer};
use client_harness::{Options, TestProvider, launch, try_launch};
use josekit::jwk::Jwk;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const CALLBACK: &str = "https://localhost.emobix.co.uk:8443/test/a";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn fapi(profile: &str, clients: &'static str) -> Options {
    Options { clients_fixture: clients, config_fixture: None, ..Options::profile(profile) }
}

/// FAPI 1.0 Advanced over the provider's own TLS, asking for the fixture CA's client certificates.
fn fapi1() -> Options {
    let ca = client_harness::fixtures().join("tls/ca.pem").display().to_string();
    Options { tls: true, settings: vec![("tls.client_ca", ca.into())], ..fapi("fapi1-advanced", "fapi1-clients.json") }
}

/// The private key of the fixture FAPI client `n` (1 or 2), PS256.
fn key(n: u8) -> Jwk {
    let path = client_harness::fixtures().join(format!("fapi/client-{n}.private.jwks.json"));
    let set: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Jwk::from_map(set["keys"][0].as_object().unwrap().clone()).unwrap()
}

/// A `private_key_jwt` assertion of `client_id` (key 1) for `audience`.
fn assertion_for(client_id: &str, audience: Value) -> String {
    let mut claims = assertion::claims(client_id, "");
    claims["aud"] = audience;
    sign_with_key(&claims, &key(1))
}

/// The client authentication parameters of `client_id` (its `client_id` is the request's own).
fn authenticated(client_id: &str, op: &TestProvider) -> Vec<(String, String)> {
    vec![
        ("client_assertion_type".into(), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into()),
        ("client_assertion".into(), assertion_for(client_id, json!(op.issuer))),
    ]
}

fn redirect_uri(client: &str) -> String {
    let prefix = client.rsplit_once('-').map(|(p, _)| p).unwrap_or(client);
    format!("{CALLBACK}/{prefix}/callback")
}

/// An authorization request of `client`, as form pairs.
fn request(client: &str) -> Vec<(String, String)> {
    [
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", &redirect_uri(client)),
        ("scope", "openid offline_access email"),
        ("state", "fapi-state"),
        ("nonce", "fapi-nonce"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A request object of `client` (key 1) holding `params`, valid for five minutes.
fn request_object(op: &TestProvider, client: &str, params: &[(String, String)]) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let mut claims = json!({"iss": client, "aud": op.issuer, "nbf": now, "exp": now + 300, "iat": now});
    for (name, value) in params {
        claims[name] = value.clone().into();
    }
    sign_with_key(&claims, &key(1))
}

/// A FAPI 1.0 request of `client` for `response_type`, without PKCE (by value, it is optional).
fn fapi1_request(client: &str, response_type: &str) -> Vec<(String, String)> {
    let mut params = request(client);
    params.retain(|(k, _)| !k.starts_with("code_challenge"));
    params[0].1 = response_type.into();
    params
}

/// Opens `/authorize` with a request object of `client` holding `params`, by value (its
/// `response_type` repeated outside, as OIDC Core §6.1 asks), logs alice in: the callback.
async fn authorize_by_value(op: &TestProvider, client: &str, params: &[(String, String)]) -> reqwest::Url {
    let object = request_object(op, client, params);
    let response_type = &params.iter().find(|(k, _)| k == "response_type").expect("a response_type").1;
    authorize(op, &[("client_id", client), ("response_type", response_type), ("scope", "openid"), ("request", &object)])
        .await
}

async fn push(op: &TestProvider, client: &str, form: &[(String, String)]) -> (StatusCode, Value) {
    let mut body = form.to_vec();
    body.extend(authenticated(client, op));
    let (status, json, _) = answer(http::client(false).post(format!("{}/par", op.issuer)).form(&body)).await;
    (status, json)
}

/// Opens `/authorize` with `client_id` and `request_uri`, logs alice in, consents: the callback.
async fn authorize(op: &TestProvider, query: &[(&str, &str)]) -> reqwest::Url {
    let url = reqwest::Url::parse_with_params(&format!("{}/authorize", op.issuer), query).unwrap();
    Browser::new(&op.issuer).authorize(url.as_str(), "alice", "alice-password").await.callback()
}

async fn token(
    op: &TestProvider,
    client: &reqwest::Client,
    form: &[(String, String)],
    dpop: Option<String>,
) -> (StatusCode, Value) {
    let mut request = client.post(format!("{}/token", op.issuer)).form(form);
    if let Some(proof) = dpop {
        request = request.header("DPoP", proof);
    }
    let (status, json, _) = answer(request).await;
    (status, json)
}

fn code_grant(op: &TestProvider, client: &str, code: &str) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", &redirect_uri(client)),
        ("code_verifier", VERIFIER),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    form.extend(authenticated(client, op));
    form
}

fn header_of(jwt: &str) -> Value {
    use base64::Engine as _;
    let part = jwt.split('.').next().unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn fapi2_security_profile_pushed_request_dpop_bound_tokens_and_a_refresh_that_keeps_its_token() {
    let op = launch(fapi("fapi2-security-profile", "fapi2-clients.json")).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert_eq!(
        discovery["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"])
    );
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        json!(["PS256", "ES256", "EdDSA"]),
        "§5.4.1: no RS256"
    );
    assert_eq!(discovery["dpop_signing_alg_values_supported"], json!(["PS256", "ES256", "EdDSA"]));
    assert_eq!(discovery["require_pushed_authorization_requests"], json!(true));
    assert_eq!(discovery["authorization_response_iss_parameter_supported"], json!(true));

    let client = "fapi2-pkjwt-dpop-1";
    let (status, pushed) = push(&op, client, &request(client)).await;
    assert_eq!(status, StatusCode::CREATED, "{pushed}");
    let callback =
        authorize(&op, &[("client_id", client), ("request_uri", pushed["request_uri"].as_str().unwrap())]).await;
    let params = callback_params(&callback);
    assert_eq!(params.get("iss"), Some(&op.issuer), "§5.3.2.2 (7), RFC 9207");
    let key = DpopKey::new();
    let token_url = format!("{}/token", op.issuer);
    let (status, tokens) = token(
        &op,
        &http::client(false),
        &code_grant(&op, client, &params["code"]),
        Some(key.proof("POST", &token_url, None, None)),
    )
    .await;
    assert_eq!((status, &tokens["token_type"]), (StatusCode::OK, &json!("DPoP")), "{tokens}");
    assert_eq!(header_of(tokens["id_token"].as_str().unwrap())["alg"], "PS256");

    // §5.3.2.1 (9): the refresh token stays the same, so a client that lost a response retries.
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let mut form = vec![
            ("grant_type".to_string(), "refresh_token".to_string()),
            ("refresh_token".into(), refresh_token.clone()),
        ];
        form.extend(authenticated(client, &op));
        let (status, refreshed) =
            token(&op, &http::client(false), &form, Some(key.proof("POST", &token_url, None, None))).await;
        assert_eq!(status, StatusCode::OK, "{refreshed}");
        assert_eq!(refreshed["refresh_token"], json!(refresh_token));
        assert_ne!(refreshed["access_token"], tokens["access_token"]);
    }
}

#[tokio::test]
async fn fapi2_security_profile_refuses_what_it_forbids() {
    let lenient = json!({
        "client_id": "fapi2-any-alg", "redirect_uris": [redirect_uri("fapi2-any-alg")],
        "token_endpoint_auth_method": "private_key_jwt", "id_token_signed_response_alg": "PS256",
        "grant_types": ["authorization_code", "refresh_token"],
        "jwks": {"keys": [{"kty": "RSA", "kid": "fapi-client-1", "n": key(1).parameter("n").unwrap(), "e": "AQAB"}]},
    });
    let op =
        launch(Options { extra_clients: vec![lenient], ..fapi("fapi2-security-profile", "fapi2-clients.json") }).await;
    let client = "fapi2-pkjwt-dpop-1";

    // §5.3.2.2 (2): only pushed requests.
    let query: Vec<(String, String)> = request(client);
    let url = reqwest::Url::parse_with_params(&format!("{}/authorize", op.issuer), &query).unwrap();
    let landing = Browser::new(&op.issuer).open(url.as_str()).await.callback();
    assert_eq!(callback_params(&landing).get("error").map(String::as_str), Some("invalid_request"), "{landing}");

    // §5.3.2.2 (4): PKCE.
    let without_pkce: Vec<(String, String)> =
        request(client).into_iter().filter(|(k, _)| !k.starts_with("code_challenge")).collect();
    let (status, error) = push(&op, client, &without_pkce).await;
    assert_eq!((status, &error["error"]), (StatusCode::BAD_REQUEST, &json!("invalid_request")), "{error}");

    // The client assertion's aud is the issuer, as a string, and nothing else.
    for audience in [json!(format!("{}/token", op.issuer)), json!(format!("{}/par", op.issuer)), json!([op.issuer])] {
        let mut form = request(client);
        form.extend([
            ("client_assertion_type".to_string(), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string()),
            ("client_assertion".into(), assertion_for(client, audience.clone())),
        ]);
        let (status, error, _) = answer(http::client(false).post(format!("{}/par", op.issuer)).form(&form)).await;
        assert_eq!(
            (status, &error["error"]),
            (StatusCode::UNAUTHORIZED, &json!("invalid_client")),
            "aud {audience}: {error}"
        );
    }

    // §5.4.1: RS256 is refused, even from a client that registered no alg.
    let mut rs256 = key(1);
    rs256.set_algorithm("RS256");
    let mut claims = assertion::claims("fapi2-any-alg", &op.issuer);
    claims["aud"] = json!(op.issuer);
    let mut form = request("fapi2-any-alg");
    form.extend([
        ("client_assertion_type".to_string(), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string()),
        ("client_assertion".into(), sign_with_key(&claims, &rs256)),
    ]);
    let (status, error, _) = answer(http::client(false).post(format!("{}/par", op.issuer)).form(&form)).await;
    assert_eq!((status, &error["error"]), (StatusCode::UNAUTHORIZED, &json!("invalid_client")), "{error}");

    // §5.3.2.1 (6): no bearer tokens: a token request without a DPoP proof (or certificate).
    let (_, pushed) = push(&op, client, &request(client)).await;
    let callback =
        authorize(&op, &[("client_id", client), ("request_uri", pushed["request_uri"].as_str().unwrap())]).await;
    let code = callback_params(&callback)["code"].clone();
    let (status, error) = token(&op, &http::client(false), &code_grant(&op, client, &code), None).await;
    assert_eq!((status, &error["error"]), (StatusCode::BAD_REQUEST, &json!("invalid_request")), "{error}");
}

#[tokio::test]
async fn a_fapi_profile_refuses_to_start_with_clients_or_settings_that_break_its_policy() {
    let with_secret_clients = Options { config_fixture: None, ..Options::profile("fapi2-security-profile") };
    let refused = try_launch(with_secret_clients).await.err().expect("a client_secret_basic client is refused");
    assert!(refused.contains("rp-basic"), "{refused}");

    let weakened = Options {
        settings: vec![("par.required", false.into()), ("keys.signing_algs", vec!["RS256"].into())],
        ..fapi("fapi2-security-profile", "fapi2-clients.json")
    };
    let refused = try_launch(weakened).await.err().expect("a weakened configuration is refused");
    assert!(refused.contains("par.required") && refused.contains("keys.signing_algs"), "{refused}");

    let fapi2_clients_under_fapi1 = fapi("fapi1-advanced", "fapi2-clients.json");
    let refused =
        try_launch(fapi2_clients_under_fapi1).await.err().expect("DPoP-bound clients are refused by FAPI 1.0");
    assert!(refused.contains("tls_client_certificate_bound_access_tokens"), "{refused}");
}

#[tokio::test]
async fn fapi2_message_signing_signed_pushed_requests_and_jarm_responses() {
    let op = launch(fapi("fapi2-message-signing", "fapi2-clients.json")).await;
    let client = "fapi2-pkjwt-dpop-1";
    // Message Signing §5.3: a pushed request without a request object is refused.
    let (status, error) = push(&op, client, &request(client)).await;
    assert_eq!((status, &error["error"]), (StatusCode::BAD_REQUEST, &json!("invalid_request")), "{error}");

    let mut params = request(client);
    params.push(("response_mode".into(), "jwt".into()));
    let object = request_object(&op, client, &params);
    let form = vec![("request".to_string(), object)];
    let (status, pushed) = push(&op, client, &form).await;
    assert_eq!(status, StatusCode::CREATED, "{pushed}");
    let callback =
        authorize(&op, &[("client_id", client), ("request_uri", pushed["request_uri"].as_str().unwrap())]).await;
    // Message Signing §5.4: the response is a JWT, signed PS256 as the client registered.
    let response = callback_params(&callback)["response"].clone();
    assert_eq!(header_of(&response)["alg"], "PS256");
    let claims = payload_of(&response);
    assert_eq!(
        (&claims["iss"], &claims["aud"], &claims["state"]),
        (&json!(op.issuer), &json!(client), &json!("fapi-state"))
    );
    let key = DpopKey::new();
    let token_url = format!("{}/token", op.issuer);
    let code = claims["code"].as_str().unwrap();
    let (status, tokens) = token(
        &op,
        &http::client(false),
        &code_grant(&op, client, code),
        Some(key.proof("POST", &token_url, None, None)),
    )
    .await;
    assert_eq!((status, &tokens["token_type"]), (StatusCode::OK, &json!("DPoP")), "{tokens}");

    // RFC 9701: a signed introspection response, for a client that registered no alg, signed
    // with one the profile allows (RS256 is the RFC's default, and FAPI has no RS256 key).
    let mut form = authenticated(client, &op);
    form.push(("token".into(), tokens["access_token"].as_str().unwrap().into()));
    let response = http::client(false)
        .post(format!("{}/introspect", op.issuer))
        .header("Accept", "application/token-introspection+jwt")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let jwt = response.text().await.unwrap();
    assert_eq!(header_of(&jwt)["alg"], "PS256", "{jwt}");
    assert_eq!(payload_of(&jwt)["token_introspection"]["active"], json!(true));
}

#[tokio::test]
async fn fapi1_advanced_signed_request_code_id_token_with_s_hash_and_certificate_bound_tokens() {
    let op = launch(fapi1()).await;
    let client = "fapi1-pkjwt-1";
    let params = fapi1_request(client, "code id_token");
    let callback = authorize_by_value(&op, client, &params).await;
    let found = callback_params(&callback);
    let id_token = found.get("id_token").unwrap_or_else(|| panic!("{callback}"));
    assert_eq!(header_of(id_token)["alg"], "PS256");
    // §5.2.2.1 (5): s_hash, the left half of the SHA-256 of state.
    use base64::Engine as _;
    let s_hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&Sha256::digest(b"fapi-state")[..16]);
    assert_eq!(payload_of(id_token)["s_hash"], json!(s_hash));

    // §5.2.2 (5): tokens bound to the certificate the client presents.
    let with_certificate = http::client_with_certificate("client");
    let (status, error) = token(&op, &http::client(false), &code_grant(&op, client, &found["code"]), None).await;
    assert!(status.is_client_error(), "no certificate, no token: {error}");
    let callback = authorize_by_value(&op, client, &params).await;
    let code = callback_params(&callback)["code"].clone();
    let mut form = code_grant(&op, client, &code);
    form.retain(|(k, _)| k != "code_verifier");
    let (status, tokens) = token(&op, &with_certificate, &form, None).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let introspected = answer(with_certificate.post(format!("{}/introspect", op.issuer)).form(&{
        let mut form = authenticated(client, &op);
        form.push(("token".into(), tokens["access_token"].as_str().unwrap().into()));
        form
    }))
    .await
    .1;
    assert!(introspected["cnf"]["x5t#S256"].is_string(), "{introspected}");
}

#[tokio::test]
async fn fapi1_advanced_refuses_plain_code_and_unsigned_requests() {
    let op = launch(fapi1()).await;
    let client = "fapi1-pkjwt-1";
    // §5.2.2 (2): response_type=code needs JARM.
    let mut params = fapi1_request(client, "code");
    let callback = authorize_by_value(&op, client, &params).await;
    assert_eq!(callback_params(&callback).get("error").map(String::as_str), Some("invalid_request"), "{callback}");
    // With JARM it is allowed.
    params.push(("response_mode".into(), "jwt".into()));
    let callback = authorize_by_value(&op, client, &params).await;
    assert!(payload_of(&callback_params(&callback)["response"])["code"].is_string(), "{callback}");

    // A request object that fails its checks (here: it names a request_uri, OIDC Core §6.1) gets
    // its error as it asked for answers: a JARM response JWT.
    let mut nested = params.clone();
    nested.push(("request_uri".into(), "https://rp.example.org/other".into()));
    let callback = authorize_by_value(&op, client, &nested).await;
    let error = payload_of(&callback_params(&callback)["response"]);
    assert_eq!((&error["error"], &error["state"]), (&json!("invalid_request_object"), &json!("fapi-state")), "{error}");

    // §5.2.2 (1): only signed request objects.
    let plain: Vec<(&str, &str)> = vec![
        ("client_id", client),
        ("response_type", "code id_token"),
        ("redirect_uri", "https://localhost.emobix.co.uk:8443/test/a/fapi1-pkjwt/callback"),
        ("scope", "openid"),
        ("state", "s"),
        ("nonce", "n"),
    ];
    let url = reqwest::Url::parse_with_params(&format!("{}/authorize", op.issuer), &plain).unwrap();
    let landing = Browser::new(&op.issuer).open(url.as_str()).await.callback();
    assert_eq!(callback_params(&landing).get("error").map(String::as_str), Some("invalid_request"), "{landing}");
    // §5.2.2.2: a nonce with the openid scope.
    let mut without_nonce = fapi1_request(client, "code id_token");
    without_nonce.retain(|(k, _)| k != "nonce");
    let callback = authorize_by_value(&op, client, &without_nonce).await;
    assert_eq!(callback_params(&callback).get("error").map(String::as_str), Some("invalid_request"), "{callback}");
}

#[tokio::test]
async fn a_client_registered_under_fapi_keeps_the_policy_and_gets_its_algorithm() {
    let settings = vec![("registration.enabled", true.into()), ("registration.per_address", 0.into())];
    let op = launch(Options { settings, ..fapi("fapi2-security-profile", "fapi2-clients.json") }).await;
    let public = json!({"kty": "RSA", "kid": "fapi-client-1", "alg": "PS256", "use": "sig",
        "n": key(1).parameter("n").unwrap(), "e": "AQAB"});
    let metadata = json!({
        "redirect_uris": ["https://rp.example.org/cb"], "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [public]}, "response_types": ["code"], "grant_types": ["authorization_code"],
    });
    // OIDC Registration §2's default (RS256) has no key here: the provider's first alg instead.
    let (status, registered, _) = http::register(&op.issuer, &metadata, None).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(registered["id_token_signed_response_alg"], "PS256");

    // What the policy forbids is refused at registration, naming the field.
    let hybrid =
        [("response_types", json!(["code id_token"])), ("grant_types", json!(["authorization_code", "implicit"]))];
    for (field, changes) in [
        ("token_endpoint_auth_method", vec![("token_endpoint_auth_method", json!("client_secret_basic"))]),
        ("id_token_signed_response_alg", vec![("id_token_signed_response_alg", json!("RS256"))]),
        ("response_types", hybrid.to_vec()),
    ] {
        let mut broken = metadata.clone();
        for (name, value) in changes {
            broken[name] = value;
        }
        let (status, error, _) = http::register(&op.issuer, &broken, None).await;
        assert_eq!(
            (status, &error["error"]),
            (StatusCode::BAD_REQUEST, &json!("invalid_client_metadata")),
            "{field}: {error}"
        );
        assert!(error["error_description"].as_str().unwrap().contains(field), "{field}: {error}");
    }
}
