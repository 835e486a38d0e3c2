//! Mutual TLS (RFC 8705): clients authenticate with their certificate (`tls_client_auth` by
//! subject or SAN, `self_signed_tls_client_auth` by a registered `x5c`), tokens are bound to it,
//! and a resource accepts a bound token only with that certificate. The certificate comes from
//! the provider's own TLS handshake, or from a trusted proxy's header.

use base64::Engine as _;
use client_harness::http::{self, answer, certificate_der, client_with_certificate};
use client_harness::{Options, TestProvider, launch};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The header a TLS-terminating proxy forwards the client certificate in, in these tests.
const PROXY_HEADER: &str = "X-SSL-Client-Cert";

/// A client of the client credentials grant, with `metadata` on top.
fn client(id: &str, metadata: Value) -> Value {
    let mut client =
        json!({"client_id": id, "grant_types": ["client_credentials"], "redirect_uris": [], "response_types": []});
    for (name, value) in metadata.as_object().unwrap() {
        client[name] = value.clone();
    }
    client
}

/// The provider serving TLS itself, asking for (not requiring) a certificate from the fixture CA.
async fn over_tls(clients: Vec<Value>, mut settings: Vec<(&'static str, figment::value::Value)>) -> TestProvider {
    let ca = client_harness::fixtures().join("tls/ca.pem").display().to_string();
    settings.extend([
        ("mtls.enabled", true.into()),
        ("tls.client_ca", ca.into()),
        ("test_resource.enabled", true.into()),
    ]);
    launch(Options { tls: true, extra_clients: clients, settings, ..Options::default() }).await
}

/// The provider on plain HTTP behind a TLS-terminating proxy whose certificate header it trusts.
async fn behind_proxy(clients: Vec<Value>) -> TestProvider {
    let settings = vec![
        ("mtls.enabled", true.into()),
        ("proxy.trust_forwarded_headers", true.into()),
        ("proxy.client_certificate_header", PROXY_HEADER.into()),
        ("test_resource.enabled", true.into()),
    ];
    launch(Options { extra_clients: clients, settings, ..Options::default() }).await
}

/// A client credentials token request from `client_id` (no secret) over `http`: the answer.
async fn token(op: &TestProvider, http: &reqwest::Client, client_id: &str) -> (StatusCode, Value, Option<String>) {
    answer(
        http.post(format!("{}/token", op.issuer))
            .form(&[("grant_type", "client_credentials"), ("client_id", client_id)]),
    )
    .await
}

/// The fixture certificate `name` as a proxy forwards it: PEM, URL-encoded (nginx's
/// `$ssl_client_escaped_cert`).
fn forwarded(name: &str) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(certificate_der(name));
    let pem = format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n");
    url::form_urlencoded::byte_serialize(pem.as_bytes()).collect::<String>().replace('+', "%20")
}

fn thumbprint(name: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(certificate_der(name)))
}

#[tokio::test]
async fn tls_client_auth_matches_the_registered_subject_dn() {
    let op = over_tls(
        vec![client(
            "mtls-dn",
            json!({"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_subject_dn": "CN=rp-mtls"}),
        )],
        vec![],
    )
    .await;
    let (status, body, _) = token(&op, &client_with_certificate("client"), "mtls-dn").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    // RFC 8705 §2.1.2: another certificate of the same CA does not carry the name.
    let (status, body, challenge) = token(&op, &client_with_certificate("client-san"), "mtls-dn").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "{body}");
    assert!(challenge.is_some(), "RFC 6749 §5.2: a 401 carries WWW-Authenticate");
    let (status, body, _) = token(&op, &http::client(false), "mtls-dn").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "no certificate");
}

#[rstest::rstest]
#[case::subject_in_rfc_4514_order("tls_client_auth_subject_dn", "CN=rp-mtls-san,O=RP Ltd,C=GB")]
#[case::subject_in_certificate_order("tls_client_auth_subject_dn", "C=GB, O=RP Ltd, CN=rp-mtls-san")]
#[case::dns("tls_client_auth_san_dns", "rp.example.com")]
#[case::uri("tls_client_auth_san_uri", "https://rp.example.com/app")]
#[case::ip("tls_client_auth_san_ip", "192.0.2.7")]
#[case::email("tls_client_auth_san_email", "ops@rp.example.com")]
#[tokio::test]
async fn tls_client_auth_matches_each_kind_of_registered_name(#[case] member: &str, #[case] value: &str) {
    let right = client("mtls-right", json!({"token_endpoint_auth_method": "tls_client_auth", member: value}));
    let wrong_value = if member.ends_with("_ip") { "192.0.2.8".to_string() } else { format!("{value}x") };
    let wrong = client("mtls-wrong", json!({"token_endpoint_auth_method": "tls_client_auth", member: wrong_value}));
    let op = over_tls(vec![right, wrong], vec![]).await;
    let http = client_with_certificate("client-san");
    let (status, body, _) = token(&op, &http, "mtls-right").await;
    assert_eq!(status, StatusCode::OK, "{member}={value}: {body}");
    let (status, body, _) = token(&op, &http, "mtls-wrong").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "{member}");
}

#[tokio::test]
async fn self_signed_tls_client_auth_matches_a_registered_x5c_behind_a_proxy() {
    let jwks = json!({"keys": [self_signed_jwk()]});
    let op = behind_proxy(vec![client(
        "mtls-self",
        json!({"token_endpoint_auth_method": "self_signed_tls_client_auth", "jwks": jwks}),
    )])
    .await;
    let request = |certificate: Option<&str>| {
        let mut request = http::client(false)
            .post(format!("{}/token", op.issuer))
            .form(&[("grant_type", "client_credentials"), ("client_id", "mtls-self")]);
        if let Some(name) = certificate {
            request = request.header(PROXY_HEADER, forwarded(name));
        }
        request
    };
    let (status, body, _) = answer(request(Some("self-signed"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (certificate, why) in [(Some("client"), "a CA-issued certificate not registered"), (None, "no certificate")] {
        let (status, body, _) = answer(request(certificate)).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "{why}");
    }
}

/// The JWK of the fixture self-signed certificate's key, with the certificate as `x5c`.
fn self_signed_jwk() -> Value {
    let key = std::fs::read(client_harness::fixtures().join("tls/self-signed.key")).unwrap();
    let pair = josekit::jws::ES256.key_pair_from_pem(&key).expect("the fixture key");
    let mut jwk: Value = serde_json::from_str(&pair.to_jwk_public_key().to_string()).unwrap();
    jwk["x5c"] = json!([base64::engine::general_purpose::STANDARD.encode(certificate_der("self-signed"))]);
    jwk
}

#[tokio::test]
async fn a_certificate_header_is_ignored_unless_the_proxy_is_trusted() {
    let settings = vec![("mtls.enabled", true.into()), ("proxy.client_certificate_header", PROXY_HEADER.into())];
    let clients = vec![client(
        "mtls-dn",
        json!({"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_subject_dn": "CN=rp-mtls"}),
    )];
    let op = launch(Options { extra_clients: clients, settings, ..Options::default() }).await;
    let (status, body, _) = answer(
        http::client(false)
            .post(format!("{}/token", op.issuer))
            .header(PROXY_HEADER, forwarded("client"))
            .form(&[("grant_type", "client_credentials"), ("client_id", "mtls-dn")]),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "{body}");
}

#[tokio::test]
async fn bound_tokens_carry_the_thumbprint_and_need_the_certificate_at_the_resource() {
    let bound = json!({"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_subject_dn": "CN=rp-mtls",
        "tls_client_certificate_bound_access_tokens": true});
    let op = over_tls(vec![client("mtls-bound", bound)], vec![]).await;
    let with_certificate = client_with_certificate("client");
    let (status, body, _) = token(&op, &with_certificate, "mtls-bound").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer", "RFC 8705 §3: still a bearer token by type");
    let access_token = body["access_token"].as_str().unwrap().to_string();
    // RFC 8705 §3.2: introspection shows the binding.
    let (_, introspected, _) = answer(
        with_certificate
            .post(format!("{}/introspect", op.issuer))
            .form(&[("token", access_token.as_str()), ("client_id", "mtls-bound")]),
    )
    .await;
    assert_eq!(introspected["active"], true, "{introspected}");
    assert_eq!(introspected["cnf"], json!({"x5t#S256": thumbprint("client")}));
    // RFC 8705 §3: the resource checks the connection's certificate against the thumbprint.
    let resource = |http: &reqwest::Client| http.get(format!("{}/resource", op.issuer)).bearer_auth(&access_token);
    let (status, body, _) = answer(resource(&with_certificate)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (http, why) in
        [(http::client(false), "no certificate"), (client_with_certificate("client-san"), "another certificate")]
    {
        let (status, body, challenge) = answer(resource(&http)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_token")),
            "{why}: {body}"
        );
        assert!(challenge.unwrap_or_default().contains("invalid_token"), "{why}");
    }
    // A client registered for bound tokens that presents no certificate gets none (here it
    // authenticates with a secret, so only the binding is missing).
    let bound_secret = client(
        "secret-bound",
        json!({"client_secret": "0123456789abcdef0123456789abcdef",
        "tls_client_certificate_bound_access_tokens": true}),
    );
    let op = over_tls(vec![bound_secret], vec![]).await;
    let (status, body, _) = answer(
        http::client(false)
            .post(format!("{}/token", op.issuer))
            .basic_auth("secret-bound", Some("0123456789abcdef0123456789abcdef"))
            .form(&[("grant_type", "client_credentials")]),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
}

#[tokio::test]
async fn discovery_lists_the_mtls_methods_binding_and_aliases_only_when_enabled() {
    let op = over_tls(vec![], vec![("mtls.endpoint_aliases", "https://mtls.op.test:8443".into())]).await;
    let doc = http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    let methods = doc["token_endpoint_auth_methods_supported"].as_array().unwrap();
    assert!(methods.contains(&json!("tls_client_auth")) && methods.contains(&json!("self_signed_tls_client_auth")));
    assert_eq!(doc["tls_client_certificate_bound_access_tokens"], true);
    assert_eq!(doc["mtls_endpoint_aliases"]["token_endpoint"], "https://mtls.op.test:8443/token");
    assert_eq!(doc["mtls_endpoint_aliases"]["introspection_endpoint"], "https://mtls.op.test:8443/introspect");
    assert!(doc["mtls_endpoint_aliases"].get("authorization_endpoint").is_none(), "a browser presents no certificate");

    let plain = launch(Options::default()).await;
    let doc = http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", plain.issuer))).await;
    let methods = doc["token_endpoint_auth_methods_supported"].as_array().unwrap();
    assert!(!methods.contains(&json!("tls_client_auth")), "{methods:?}");
    assert!(doc.get("tls_client_certificate_bound_access_tokens").is_none());
    assert!(doc.get("mtls_endpoint_aliases").is_none());
}

#[tokio::test]
async fn registration_takes_the_mtls_methods_only_when_enabled() {
    let metadata = json!({"redirect_uris": ["https://rp.example.com/cb"], "token_endpoint_auth_method": "tls_client_auth",
        "tls_client_auth_san_dns": "rp.example.com"});
    let off = launch(Options::with("registration.enabled", true)).await;
    let (status, body, _) = http::register(&off.issuer, &metadata, None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_client_metadata")), "{body}");
    let on = over_tls(vec![], vec![("registration.enabled", true.into())]).await;
    let (status, body, _) = http::register(&on.issuer, &metadata, None).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let client_id = body["client_id"].as_str().unwrap();
    assert!(body.get("client_secret").is_none(), "an mTLS client has no secret");
    let (status, body, _) = token(&on, &client_with_certificate("client-san"), client_id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unauthorized_client")),
        "authenticated; not registered for this grant"
    );
}

#[tokio::test]
async fn a_public_clients_refresh_token_is_bound_to_its_certificate() {
    use client_harness::browser::{Browser, callback_params};
    use client_harness::flow::start;
    use client_harness::rp::{self, FixtureClient, NATIVE};
    const BOUND: FixtureClient = FixtureClient { id: "rp-native-bound", ..NATIVE };
    let fixtures: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(client_harness::fixtures().join("clients.json")).unwrap())
            .unwrap();
    let mut bound = fixtures.into_iter().find(|c| c["client_id"] == NATIVE.id).unwrap();
    bound["client_id"] = BOUND.id.into();
    bound["tls_client_certificate_bound_access_tokens"] = true.into();
    let op = over_tls(vec![bound], vec![]).await;
    let rp = rp::relying_party(&op.issuer, BOUND).await;
    let req = start(&rp, &["offline_access"], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    let (url, verifier) = (format!("{}/token", op.issuer), req.verifier.unwrap().secret().clone());
    let with_certificate = client_with_certificate("client");
    let (status, tokens, _) = answer(with_certificate.post(&url).form(&[
        ("grant_type", "authorization_code"),
        ("code", params["code"].as_str()),
        ("redirect_uri", BOUND.redirect_uri),
        ("code_verifier", verifier.as_str()),
        ("client_id", BOUND.id),
    ]))
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token with offline_access");
    let refresh = |http: reqwest::Client| {
        answer(http.post(&url).form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", BOUND.id),
        ]))
    };
    // RFC 8705 §4: a public client's refresh token needs the certificate it was bound to (with
    // none, the new access token could not be bound either); a refusal does not use it up.
    let cases = [
        (http::client(false), "invalid_request", "no certificate"),
        (client_with_certificate("client-san"), "invalid_grant", "another certificate"),
    ];
    for (http, error, case) in cases {
        let (status, body, _) = refresh(http).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some(error)), "{case}: {body}");
    }
    let (status, body, _) = refresh(with_certificate).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
