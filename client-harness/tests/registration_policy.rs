//! What shapes a registration beyond its own members: software statements from trusted issuers
//! (RFC 7591 §2.3) and the RP's metadata choices (OpenID Connect RP Metadata Choices 1.0).

use client_harness::assertion::{fresh_key, sign_with_key, sign_with_secret};
use client_harness::http::{self, answer};
use client_harness::{Options, launch};
use reqwest::StatusCode;
use serde_json::{Value, json};

const REDIRECT: &str = "https://rp.example.com/callback";
const TRUSTED: &str = "https://statements.example.com";

/// The dynamic profile, trusting statements from [`TRUSTED`] signed by `public`'s key (a JWK
/// set file the test keeps), plus `settings`.
fn trusting(
    public: &Value,
    dir: &tempfile::TempDir,
    mut settings: Vec<(&'static str, figment::value::Value)>,
) -> Options {
    let file = dir.path().join("statements.jwks.json");
    std::fs::write(&file, json!({ "keys": [public] }).to_string()).unwrap();
    let mut issuers = figment::value::Dict::new();
    issuers.insert(TRUSTED.into(), file.display().to_string().into());
    settings.push(("registration.software_statement_issuers", issuers.into()));
    Options { profile: "dynamic".into(), settings, ..Options::default() }
}

fn statement_claims(issuer: &str, extra: Value) -> Value {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let mut claims = json!({ "iss": issuer, "iat": now, "exp": now + 300, "software_id": "4NRB1-0XZABZI9E6-5SM3R" });
    claims.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    claims
}

#[tokio::test]
async fn a_trusted_statements_claims_take_precedence_and_it_is_answered_unmodified() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = fresh_key("statements-1");
    let op = launch(trusting(&public, &dir, vec![])).await;
    let statement = sign_with_key(
        &statement_claims(
            TRUSTED,
            json!({ "client_name": "Certified App", "client_id": "mine", "software_statement": "x" }),
        ),
        &key,
    );
    let metadata =
        json!({ "redirect_uris": [REDIRECT], "client_name": "Self-asserted", "software_statement": statement });
    let (status, body, _) = http::register(&op.issuer, &metadata, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["client_name"], "Certified App", "RFC 7591 §2.3: the statement's claims win");
    assert_eq!(body["software_id"], "4NRB1-0XZABZI9E6-5SM3R");
    assert_eq!(body["software_statement"], statement, "RFC 7591 §3.2.1: returned unmodified");
    assert_ne!(body["client_id"], "mine", "a statement does not choose what the server assigns");
    assert!(body.get("iss").is_none() && body.get("exp").is_none(), "the JWT's own claims are not metadata");
}

#[tokio::test]
async fn statements_from_untrusted_issuers_or_badly_signed_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = fresh_key("statements-1");
    let (other_key, _) = fresh_key("statements-1");
    let op = launch(trusting(&public, &dir, vec![])).await;
    let expired = {
        let mut claims = statement_claims(TRUSTED, json!({}));
        claims["exp"] = (claims["iat"].as_u64().unwrap() - 10).into();
        claims
    };
    let cases = [
        (
            sign_with_key(&statement_claims("https://elsewhere.example", json!({})), &key),
            "unapproved_software_statement",
        ),
        (sign_with_key(&statement_claims(TRUSTED, json!({})), &other_key), "invalid_software_statement"),
        (
            sign_with_secret(&statement_claims(TRUSTED, json!({})), "a-shared-secret-of-32-bytes-or-more!"),
            "invalid_software_statement",
        ),
        (sign_with_key(&expired, &key), "invalid_software_statement"),
        ("not.a.jwt".to_string(), "invalid_software_statement"),
    ];
    for (statement, error) in cases {
        let metadata = json!({ "redirect_uris": [REDIRECT], "software_statement": statement });
        let (status, body, _) = http::register(&op.issuer, &metadata, None).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some(error)), "{statement}: {body}");
    }
}

#[tokio::test]
async fn a_required_statement_must_be_present() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = fresh_key("statements-1");
    let op = launch(trusting(&public, &dir, vec![("registration.require_software_statement", true.into())])).await;
    let (status, body, _) = http::register(&op.issuer, &json!({ "redirect_uris": [REDIRECT] }), None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_software_statement")));
    let statement = sign_with_key(&statement_claims(TRUSTED, json!({})), &key);
    let metadata = json!({ "redirect_uris": [REDIRECT], "software_statement": statement });
    assert_eq!(http::register(&op.issuer, &metadata, None).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn the_provider_chooses_from_the_rps_metadata_choices() {
    let op = launch(Options::profile("dynamic")).await;
    let metadata = json!({
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_methods_supported": ["tls_client_auth", "client_secret_post", "client_secret_basic"],
        "id_token_signing_alg_values_supported": ["HS512", "ES256", "RS256"],
        "subject_types_supported": ["pairwise", "public"],
        "userinfo_signing_alg_values_supported": ["PS256", "RS256"],
        "userinfo_signed_response_alg": "RS256",
    });
    let (status, body, _) = http::register(&op.issuer, &metadata, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let chosen = |member: &str| body[member].as_str().map(str::to_string);
    assert_eq!(chosen("token_endpoint_auth_method").as_deref(), Some("client_secret_post"), "the first supported");
    assert_eq!(chosen("id_token_signed_response_alg").as_deref(), Some("ES256"));
    assert_eq!(chosen("subject_type").as_deref(), Some("pairwise"));
    assert_eq!(chosen("userinfo_signed_response_alg").as_deref(), Some("RS256"), "the RP's own value, supported, wins");
    for list in
        ["token_endpoint_auth_methods_supported", "id_token_signing_alg_values_supported", "subject_types_supported"]
    {
        assert!(body.get(list).is_none(), "§2: the lists are input only, not answered: {list}");
    }
    // The chosen method is the one that authenticates: a secret, sent in the form.
    let (client_id, secret) =
        (chosen("client_id").unwrap(), chosen("client_secret").expect("a secret for client_secret_post"));
    let introspect = http::client(false).post(format!("{}/introspect", op.issuer)).form(&[
        ("token", "x"),
        ("client_id", &client_id),
        ("client_secret", &secret),
    ]);
    assert_eq!(answer(introspect).await.0, StatusCode::OK);
}

#[tokio::test]
async fn choices_the_provider_cannot_meet_are_refused_naming_the_list() {
    let op = launch(Options::profile("dynamic")).await;
    let cases = [
        (
            json!({ "id_token_signing_alg_values_supported": ["HS512", "none"] }),
            "id_token_signing_alg_values_supported",
        ),
        (
            json!({ "token_endpoint_auth_methods_supported": "client_secret_basic" }),
            "token_endpoint_auth_methods_supported",
        ),
        (
            json!({ "subject_types_supported": ["public"], "subject_type": "pairwise" }),
            "subject_type: must be one of the values of subject_types_supported",
        ),
    ];
    for (choices, named) in cases {
        let mut metadata = json!({ "redirect_uris": [REDIRECT] });
        metadata.as_object_mut().unwrap().extend(choices.as_object().unwrap().clone());
        let (status, body, _) = http::register(&op.issuer, &metadata, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_client_metadata")),
            "{body}"
        );
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(description.contains(named), "names {named}: {description}");
    }
}
