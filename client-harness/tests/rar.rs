//! Rich authorization requests (RFC 9396): `authorization_details` checked against its type's
//! JSON Schema at `/authorize`, `/par` and the token endpoint, shown on the consent page, kept by
//! the code and the tokens, narrowed by a token request, and returned in the token response and
//! introspection.

use client_harness::browser::{Browser, callback_params};
use client_harness::flow::start;
use client_harness::http::{self, answer};
use client_harness::rp::{self, BASIC};
use client_harness::{Options, TestProvider, launch};
use reqwest::StatusCode;
use serde_json::{Value, json};

const REDIRECT: &str = "https://rp.example.com/callback";

/// RFC 9396 §2.1's example: a payment of 123.50 EUR to Merchant A.
fn payment() -> Value {
    json!({
        "type": "payment_initiation", "actions": ["initiate", "status", "cancel"],
        "locations": ["https://example.com/payments"],
        "instructedAmount": {"currency": "EUR", "amount": "123.50"},
        "creditorName": "Merchant A", "creditorAccount": {"iban": "DE02100100109307118603"},
        "remittanceInformationUnstructured": "Ref Number Merchant"
    })
}

fn account_information() -> Value {
    json!({"type": "account_information", "actions": ["list_accounts"]})
}

/// RAR on, with two types: `payment_initiation` under the fixture schema, and
/// `account_information` under a schema that takes any object.
async fn provider(mut settings: Vec<(&'static str, figment::value::Value)>) -> (TestProvider, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let open_schema = dir.path().join("any.json");
    std::fs::write(&open_schema, r#"{"type": "object"}"#).unwrap();
    let mut payment = figment::value::Dict::new();
    payment.insert("type".into(), "payment_initiation".into());
    let schema = client_harness::fixtures().join("rar/payment_initiation.schema.json");
    payment.insert("schema".into(), schema.display().to_string().into());
    let mut accounts = figment::value::Dict::new();
    accounts.insert("type".into(), "account_information".into());
    accounts.insert("schema".into(), open_schema.display().to_string().into());
    settings.push(("rar.enabled", true.into()));
    settings.push(("rar.types", figment::value::Value::from(vec![payment, accounts])));
    (launch(Options { settings, ..Options::default() }).await, dir)
}

/// rp-basic's authorization URL for alice with these details, and its PKCE verifier.
async fn authorization_url(op: &TestProvider, details: &Value) -> (String, String) {
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &["offline_access"], true);
    req.url.query_pairs_mut().append_pair("authorization_details", &details.to_string());
    (req.url.to_string(), req.verifier.unwrap().secret().clone())
}

/// The code exchange, with extra form parameters: status and JSON.
async fn exchange(op: &TestProvider, code: &str, verifier: &str, extra: &[(&str, String)]) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code.to_string()),
        ("redirect_uri", REDIRECT.to_string()),
        ("code_verifier", verifier.to_string()),
    ];
    form.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    let (status, body, _) =
        answer(http::client(false).post(format!("{}/token", op.issuer)).basic_auth(BASIC.id, BASIC.secret).form(&form))
            .await;
    (status, body)
}

async fn introspect(op: &TestProvider, token: &str) -> Value {
    http::json(
        http::client(false)
            .post(format!("{}/introspect", op.issuer))
            .basic_auth(BASIC.id, BASIC.secret)
            .form(&[("token", token)]),
    )
    .await
}

#[tokio::test]
async fn approved_details_reach_the_token_response_and_introspection() {
    let (op, _schemas) = provider(vec![]).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert_eq!(
        discovery["authorization_details_types_supported"],
        json!(["payment_initiation", "account_information"])
    );
    let details = json!([payment(), account_information()]);
    let (url, verifier) = authorization_url(&op, &details).await;

    // RFC 9396 §3: the user sees what they approve.
    let browser = Browser::new(&op.issuer);
    let page = browser.open(&url).await.page();
    let mut login = page.form("/login").unwrap();
    login.set("login", "alice").set("password", "alice-password");
    let consent = browser.submit(&login, None).await.page();
    assert!(consent.html.contains("payment_initiation") && consent.html.contains("Merchant A"), "{}", consent.html);
    assert!(consent.html.contains("123.50"));
    let form = consent.form("/consent").unwrap();
    let params = callback_params(&browser.submit(&form, Some(("decision", "allow"))).await.callback());

    // §6.1: a token request for details that were not granted fails, and spends nothing.
    let mut other = payment();
    other["instructedAmount"]["amount"] = json!("9999.00");
    let (status, body) =
        exchange(&op, &params["code"], &verifier, &[("authorization_details", json!([other]).to_string())]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_authorization_details")),
        "{body}"
    );
    // §6.1: a part of them is what the access token gets.
    let only_payment = json!([payment()]).to_string();
    let (status, tokens) = exchange(&op, &params["code"], &verifier, &[("authorization_details", only_payment)]).await;
    assert_eq!(status, StatusCode::OK, "the code still works: {tokens}");
    assert_eq!(tokens["authorization_details"], json!([payment()]), "§7");
    let introspected = introspect(&op, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(introspected["authorization_details"], json!([payment()]), "§9.2");

    // The refresh token keeps the whole grant.
    let (_, refreshed, _) = answer(
        http::client(false)
            .post(format!("{}/token", op.issuer))
            .basic_auth(BASIC.id, BASIC.secret)
            .form(&[("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())]),
    )
    .await;
    assert_eq!(refreshed["authorization_details"], details, "{refreshed}");
}

#[tokio::test]
async fn details_that_break_their_schema_or_name_an_unknown_type_are_refused() {
    let (op, _schemas) = provider(vec![]).await;
    let mut no_iban = payment();
    no_iban["creditorAccount"] = json!({});
    for (case, details) in [
        ("against the schema", json!([no_iban])),
        ("unknown type", json!([{"type": "wire_transfer"}])),
        ("not an array", json!({"type": "payment_initiation"})),
        ("no type", json!([{"actions": ["read"]}])),
    ] {
        let (url, _) = authorization_url(&op, &details).await;
        let params = callback_params(&Browser::new(&op.issuer).open(&url).await.callback());
        assert_eq!(params["error"], "invalid_authorization_details", "{case}: {params:?}");
    }
}

#[tokio::test]
async fn details_may_be_pushed_and_asked_for_with_client_credentials() {
    let (op, _schemas) = provider(vec![("par.enabled", true.into())]).await;
    let form = |details: &Value| {
        vec![
            ("response_type", "code".to_string()),
            ("client_id", BASIC.id.to_string()),
            ("redirect_uri", REDIRECT.to_string()),
            ("scope", "openid".to_string()),
            ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_string()),
            ("code_challenge_method", "S256".to_string()),
            ("authorization_details", details.to_string()),
        ]
    };
    let par = |details: Value| {
        answer(
            http::client(false)
                .post(format!("{}/par", op.issuer))
                .basic_auth(BASIC.id, BASIC.secret)
                .form(&form(&details)),
        )
    };
    let (status, body, _) = par(json!([payment()])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let url =
        format!("{}/authorize?client_id={}&request_uri={}", op.issuer, BASIC.id, body["request_uri"].as_str().unwrap());
    let params = callback_params(&Browser::new(&op.issuer).authorize(&url, "alice", "alice-password").await.callback());
    let (status, tokens) = exchange(&op, &params["code"], "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", &[]).await;
    assert_eq!((status, &tokens["authorization_details"]), (StatusCode::OK, &json!([payment()])), "{tokens}");
    // RFC 9126 §2.3: a PAR error is JSON.
    let (status, body, _) = par(json!([{"type": "wire_transfer"}])).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_authorization_details")));

    let credentials = |details: Value| {
        answer(
            http::client(false)
                .post(format!("{}/token", op.issuer))
                .basic_auth("svc-basic", Some("svc-basic-secret-0123456789"))
                .form(&[
                    ("grant_type", "client_credentials".to_string()),
                    ("authorization_details", details.to_string()),
                ]),
        )
    };
    let (status, body, _) = credentials(json!([account_information()])).await;
    assert_eq!((status, &body["authorization_details"]), (StatusCode::OK, &json!([account_information()])), "{body}");
    let (status, body, _) = credentials(json!([{"type": "payment_initiation"}])).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_authorization_details")));
}

#[tokio::test]
async fn without_rar_the_parameter_is_ignored_and_nothing_is_published() {
    let op = launch(Options::default()).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert!(discovery.get("authorization_details_types_supported").is_none());
    let (url, verifier) = authorization_url(&op, &json!([payment()])).await;
    let params = callback_params(&Browser::new(&op.issuer).authorize(&url, "alice", "alice-password").await.callback());
    let (status, tokens) = exchange(&op, &params["code"], &verifier, &[]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert!(tokens.get("authorization_details").is_none());
}
