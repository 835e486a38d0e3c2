//! Dynamic client registration (OIDC Registration 1.0, RFC 7591) and its management (RFC 7592):
//! a client registers itself with the `openidconnect` crate, signs a user in, is read, updated
//! and deleted; every validation rule has its bad case.

use client_harness::browser::{Browser, callback_params};
use client_harness::flow::{self, start};
use client_harness::http::answer;
use client_harness::{Options, Storage, TestProvider, http, launch, rp};
use openidconnect::core::{CoreClientRegistrationRequest, CoreProviderMetadata};
use openidconnect::registration::EmptyAdditionalClientMetadata;
use openidconnect::{ClientName, LogoUrl, PolicyUrl, RedirectUrl, ToSUrl};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

const REDIRECT: &str = "https://rp.example.com/callback";

fn dynamic() -> Options {
    Options { profile: "dynamic".into(), ..Options::default() }
}

fn with(settings: Vec<(&'static str, figment::value::Value)>) -> Options {
    Options { settings, ..dynamic() }
}

/// POSTs metadata to the registration endpoint: the status, the JSON body and the challenge.
async fn post(op: &TestProvider, metadata: &Value, token: Option<&str>) -> (StatusCode, Value, Option<String>) {
    http::register(&op.issuer, metadata, token).await
}

fn web_client() -> Value {
    json!({ "redirect_uris": [REDIRECT], "client_name": "Registered RP" })
}

#[tokio::test]
async fn a_client_registers_itself_and_signs_a_user_in() {
    let op = launch(dynamic()).await;
    let metadata: CoreProviderMetadata = rp::discover(&op.issuer).await;
    let endpoint = metadata.registration_endpoint().expect("discovery publishes registration_endpoint").clone();
    let http = http::oidc(http::client(false));
    let registered = CoreClientRegistrationRequest::new(
        vec![RedirectUrl::new(REDIRECT.into()).unwrap()],
        EmptyAdditionalClientMetadata::default(),
    )
    .set_client_name(Some(ClientName::new("Registered RP".into()).into()))
    .set_logo_uri(Some(LogoUrl::new("https://rp.example.com/logo.png".into()).unwrap().into()))
    .set_policy_uri(Some(PolicyUrl::new("https://rp.example.com/privacy".into()).unwrap().into()))
    .set_tos_uri(Some(ToSUrl::new("https://rp.example.com/terms".into()).unwrap().into()))
    .register_async(&endpoint, &http)
    .await
    .expect("registered");
    let client_id = registered.client_id().as_str();
    let secret = registered.client_secret().expect("a secret for client_secret_basic").secret();
    assert!(registered.registration_access_token().is_some());
    assert!(registered.registration_client_uri().unwrap().as_str().ends_with(client_id));

    let rp = rp::registered_party(&op.issuer, client_id, Some(secret), REDIRECT).await;
    let browser = Browser::new(&op.issuer);
    let req = start(&rp, &["email"], true);
    // The login page shows what the client registered to be shown (OIDC Registration §2).
    let page = browser.open(req.url.as_str()).await.page();
    for shown in [
        "Registered RP",
        "https://rp.example.com/logo.png",
        "https://rp.example.com/privacy",
        "https://rp.example.com/terms",
    ] {
        assert!(page.html.contains(shown), "the login page shows {shown}");
    }
    let params = callback_params(&browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback());
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.expect("code exchange");
    flow::verify_id_token(&rp, &tokens, &req.nonce);
    let info = flow::userinfo(&rp, openidconnect::OAuth2TokenResponse::access_token(&tokens)).await.expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));
}

#[tokio::test]
async fn a_registration_is_read_updated_and_deleted_with_its_access_token() {
    let op = launch(dynamic()).await;
    let (status, registered, _) = post(&op, &web_client(), None).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    let (uri, token) = (
        registered["registration_client_uri"].as_str().unwrap(),
        registered["registration_access_token"].as_str().unwrap(),
    );
    let client_id = registered["client_id"].as_str().unwrap();
    assert_eq!(registered["client_secret_expires_at"], 0);
    assert_eq!(registered["response_types"], json!(["code"]), "RFC 7591 §2: the default, answered");

    // RFC 7592 §2.1: read with the token; without it, or with another, 401.
    let (status, read, _) = answer(http::client(false).get(uri).bearer_auth(token)).await;
    assert_eq!(
        (status, &read["client_id"], &read["client_name"]),
        (StatusCode::OK, &json!(client_id), &json!("Registered RP"))
    );
    let (status, body, challenge) = answer(http::client(false).get(uri).bearer_auth("not-the-token")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
    assert!(challenge.unwrap().starts_with("Bearer"), "RFC 6750 §3: a bearer challenge");
    let (status, _, _) = answer(http::client(false).get(uri)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // RFC 7592 §2.2: a replacement, validated like a registration; the secret stays.
    let mut replaced = web_client();
    replaced["client_id"] = client_id.into();
    replaced["client_name"] = "Renamed RP".into();
    let (status, updated, _) = answer(http::client(false).put(uri).bearer_auth(token).json(&replaced)).await;
    assert_eq!((status, &updated["client_name"]), (StatusCode::OK, &json!("Renamed RP")), "{updated}");
    assert_eq!(updated["client_secret"], registered["client_secret"]);
    replaced["client_id"] = "another".into();
    let (status, body, _) = answer(http::client(false).put(uri).bearer_auth(token).json(&replaced)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    replaced["client_id"] = client_id.into();
    replaced["redirect_uris"] = json!(["http://rp.example.com/callback"]);
    let (status, body, _) = answer(http::client(false).put(uri).bearer_auth(token).json(&replaced)).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_redirect_uri")));

    // RFC 7592 §2.3: deleted, the client is gone, and so is its token endpoint access.
    let secret = registered["client_secret"].as_str().unwrap();
    let response = http::client(false).delete(uri).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _, _) = answer(http::client(false).get(uri).bearer_auth(token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let token_request = http::client(false)
        .post(format!("{}/token", op.issuer))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "anything")]);
    let (status, body, _) = answer(token_request).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
}

#[rstest]
#[case::web_over_http(json!({"redirect_uris": ["http://rp.example.com/cb"]}), "invalid_redirect_uri", "redirect_uris")]
#[case::fragment(json!({"redirect_uris": ["https://rp.example.com/cb#x"]}), "invalid_redirect_uri", "redirect_uris")]
#[case::no_redirect_uri(json!({"client_name": "x"}), "invalid_redirect_uri", "redirect_uris")]
#[case::native_http_off_loopback(json!({"application_type": "native", "redirect_uris": ["http://rp.example.com/cb"]}), "invalid_redirect_uri", "redirect_uris")]
#[case::implicit_on_localhost(json!({"redirect_uris": ["https://localhost/cb"], "response_types": ["id_token"], "grant_types": ["implicit"]}), "invalid_redirect_uri", "redirect_uris")]
#[case::jwks_and_jwks_uri(json!({"redirect_uris": [REDIRECT], "jwks": {"keys": []}, "jwks_uri": "https://rp.example.com/jwks"}), "invalid_client_metadata", "jwks")]
#[case::response_type_without_grant(json!({"redirect_uris": [REDIRECT], "response_types": ["code id_token token"]}), "invalid_client_metadata", "grant_types")]
#[case::auth_method(json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "tls_client_auth"}), "invalid_client_metadata", "token_endpoint_auth_method")]
#[case::auth_signing_alg(json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": "https://rp.example.com/jwks", "token_endpoint_auth_signing_alg": "none"}), "invalid_client_metadata", "token_endpoint_auth_signing_alg")]
#[case::private_key_jwt_without_keys(json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt"}), "invalid_client_metadata", "jwks_uri")]
#[case::id_token_alg(json!({"redirect_uris": [REDIRECT], "id_token_signed_response_alg": "HS256"}), "invalid_client_metadata", "id_token_signed_response_alg")]
#[case::userinfo_enc_without_alg(json!({"redirect_uris": [REDIRECT], "userinfo_encrypted_response_enc": "A128GCM"}), "invalid_client_metadata", "userinfo_encrypted_response")]
#[case::request_object_alg(json!({"redirect_uris": [REDIRECT], "request_object_signing_alg": "HS1"}), "invalid_client_metadata", "request_object_signing_alg")]
#[case::subject_type(json!({"redirect_uris": [REDIRECT], "subject_type": "secret"}), "invalid_client_metadata", "subject_type")]
#[case::sector_unreachable(json!({"redirect_uris": [REDIRECT], "subject_type": "pairwise", "sector_identifier_uri": "https://127.0.0.1:9/sector"}), "invalid_client_metadata", "sector_identifier_uri")]
#[case::initiate_login_uri(json!({"redirect_uris": [REDIRECT], "initiate_login_uri": "http://rp.example.com/start"}), "invalid_client_metadata", "initiate_login_uri")]
#[case::default_max_age(json!({"redirect_uris": [REDIRECT], "default_max_age": -1}), "invalid_client_metadata", "default_max_age")]
#[case::logo_uri(json!({"redirect_uris": [REDIRECT], "logo_uri": "not a url"}), "invalid_client_metadata", "logo_uri")]
#[case::localized_policy_uri(json!({"redirect_uris": [REDIRECT], "policy_uri#fr": 7}), "invalid_client_metadata", "policy_uri#fr")]
#[case::client_name(json!({"redirect_uris": [REDIRECT], "client_name": ["x"]}), "invalid_client_metadata", "client_name")]
#[case::contacts(json!({"redirect_uris": [REDIRECT], "contacts": "ops@rp.example.com"}), "invalid_client_metadata", "contacts")]
#[case::application_type(json!({"redirect_uris": [REDIRECT], "application_type": "desktop"}), "invalid_client_metadata", "application_type")]
#[case::client_id_chosen(json!({"redirect_uris": [REDIRECT], "client_id": "mine"}), "invalid_client_metadata", "client_id")]
#[case::not_an_object(json!([REDIRECT]), "invalid_client_metadata", "JSON object")]
#[tokio::test]
async fn bad_metadata_is_refused_naming_the_field(#[case] metadata: Value, #[case] error: &str, #[case] field: &str) {
    let op = launch(dynamic()).await;
    let (status, body, _) = post(&op, &metadata, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], error, "{body}");
    let description = body["error_description"].as_str().unwrap_or_default();
    assert!(description.contains(field), "the description names {field}: {description}");
}

#[tokio::test]
async fn native_clients_use_private_schemes_or_loopback_and_unknown_members_are_kept() {
    let op = launch(dynamic()).await;
    let native = json!({
        "application_type": "native",
        "token_endpoint_auth_method": "none",
        "redirect_uris": ["com.example.app:/callback", "http://127.0.0.1:8080/callback"],
        "software_version": "1.2.3",
        "contacts": ["ops@rp.example.com"],
        "client_name#fr": "Application",
    });
    let (status, body, _) = post(&op, &native, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body.get("client_secret").is_none(), "a public client gets no secret");
    assert_eq!((&body["software_version"], &body["client_name#fr"]), (&json!("1.2.3"), &json!("Application")));
}

#[tokio::test]
async fn an_initial_access_token_is_required_when_configured() {
    let token = "an-initial-access-token-of-forty-characters";
    let op = launch(with(vec![("registration.initial_access_token", token.into())])).await;
    let (status, body, challenge) = post(&op, &web_client(), None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
    assert_eq!(challenge.as_deref(), Some("Bearer"), "RFC 6750 §3.1: no token, a bare challenge");
    let (status, _, _) = post(&op, &web_client(), Some("a-wrong-token-of-the-right-kind-0123456789")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = post(&op, &web_client(), Some(token)).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn registrations_per_address_are_limited() {
    let op = launch(with(vec![("registration.per_address", 2.into())])).await;
    for _ in 0..2 {
        assert_eq!(post(&op, &web_client(), None).await.0, StatusCode::CREATED);
    }
    let response =
        http::client(false).post(format!("{}/register", op.issuer)).json(&web_client()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (1..=60).contains(&retry_after),
        "RFC 9110 §10.2.3: whole seconds to wait, within the window: {retry_after}"
    );
}

#[tokio::test]
async fn registration_is_served_only_where_enabled() {
    let op = launch(Options::default()).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert!(discovery.get("registration_endpoint").is_none(), "the basic profile does not enable it");
    assert_eq!(post(&op, &web_client(), None).await.0, StatusCode::NOT_FOUND);
}

/// Registers a web client, then replaces its metadata with the same (RFC 7592 §2.2): the
/// registration and the update's answer.
async fn registered_then_updated(op: &TestProvider) -> (Value, Value) {
    let (_, registered, _) = post(op, &web_client(), None).await;
    let uri = registered["registration_client_uri"].as_str().unwrap();
    let token = registered["registration_access_token"].as_str().unwrap();
    let mut replaced = web_client();
    replaced["client_id"] = registered["client_id"].clone();
    let (status, updated, _) = answer(http::client(false).put(uri).bearer_auth(token).json(&replaced)).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    (registered, updated)
}

#[tokio::test]
async fn a_rotated_secret_works_and_the_old_one_does_not() {
    let op = launch(with(vec![("registration.rotate_secret_on_update", true.into())])).await;
    let (registered, updated) = registered_then_updated(&op).await;
    let id = registered["client_id"].as_str().unwrap();
    let (old, new) = (registered["client_secret"].as_str().unwrap(), updated["client_secret"].as_str().unwrap());
    assert_ne!(old, new);
    let introspect = |secret: &str| {
        http::client(false)
            .post(format!("{}/introspect", op.issuer))
            .basic_auth(id, Some(secret))
            .form(&[("token", "x")])
    };
    assert_eq!(answer(introspect(new)).await.0, StatusCode::OK, "the new secret authenticates");
    assert_eq!(answer(introspect(old)).await.0, StatusCode::UNAUTHORIZED, "the old one does not");
}

#[tokio::test]
async fn a_registered_client_survives_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let options = Options { storage: Storage::Sqlite(dir.path().join("provider.db")), ..dynamic() };
    let op = launch(options.clone()).await;
    if op.is_external() {
        eprintln!("skipped: HARNESS_ISSUER points at an external provider, which the harness cannot restart");
        return;
    }
    let (_, registered, _) = post(&op, &web_client(), None).await;
    let port = op.port;
    op.stop().await;
    let op = launch(Options { port: Some(port), ..options }).await;
    let uri = registered["registration_client_uri"].as_str().unwrap();
    let token = registered["registration_access_token"].as_str().unwrap();
    let (status, read, _) = answer(http::client(false).get(uri).bearer_auth(token)).await;
    assert_eq!((status, &read["client_id"]), (StatusCode::OK, &registered["client_id"]));
    let rp = rp::registered_party(
        &op.issuer,
        registered["client_id"].as_str().unwrap(),
        registered["client_secret"].as_str(),
        REDIRECT,
    )
    .await;
    let browser = Browser::new(&op.issuer);
    let req = start(&rp, &[], true);
    let params = callback_params(&browser.authorize(req.url.as_str(), "alice", "alice-password").await.callback());
    flow::exchange(&rp, &params["code"], req.verifier).await.expect("the registered client still signs users in");
}

#[tokio::test]
async fn a_rotated_registration_access_token_replaces_the_old_one() {
    let op = launch(with(vec![("registration.rotate_registration_access_token_on_update", true.into())])).await;
    let (registered, updated) = registered_then_updated(&op).await;
    let uri = registered["registration_client_uri"].as_str().unwrap();
    let old = registered["registration_access_token"].as_str().unwrap();
    let new = updated["registration_access_token"].as_str().expect("RFC 7592 §2.2: the new token is answered");
    assert_ne!(new, old);
    assert_eq!(updated["client_secret"], registered["client_secret"], "the secret is not rotated with it");
    assert_eq!(answer(http::client(false).get(uri).bearer_auth(new)).await.0, StatusCode::OK);
    assert_eq!(answer(http::client(false).get(uri).bearer_auth(old)).await.0, StatusCode::UNAUTHORIZED);
}
