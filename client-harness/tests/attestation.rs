//! Attestation-Based Client Authentication (draft-ietf-oauth-attestation-based-client-auth-06):
//! a client instance authenticates with a Client Attestation from a trusted attester and a PoP
//! signed by the attested key, at the token and PAR endpoints; every §9 check with its
//! rejection; server challenges; refresh tokens bound to the client instance.

use client_harness::browser::{Browser, callback_params};
use client_harness::dpop::DpopKey;
use client_harness::http::{self, answer};
use client_harness::{Options, TestProvider, launch};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ATTESTER: &str = "https://attester.example.com";
const CLIENT: &str = "rp-attested";
const CALLBACK: &str = "https://rp.example.com/callback";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// The attester's key, published to the provider in a JWK set file, and the provider.
struct Setup {
    op: TestProvider,
    attester: DpopKey,
    _jwks: tempfile::NamedTempFile,
}

async fn setup(mut settings: Vec<(&'static str, figment::value::Value)>) -> Setup {
    let attester = DpopKey::new();
    let jwks = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(jwks.path(), json!({"keys": [attester.public]}).to_string()).unwrap();
    let mut attesters = figment::value::Dict::new();
    attesters.insert(ATTESTER.into(), jwks.path().display().to_string().into());
    settings.extend([
        ("attestation.enabled", true.into()),
        ("attestation.attesters", attesters.into()),
        ("par.enabled", true.into()),
    ]);
    let client = json!({"client_id": CLIENT, "token_endpoint_auth_method": "attest_jwt_client_auth",
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"], "redirect_uris": [CALLBACK]});
    let op = launch(Options { settings, extra_clients: vec![client], ..Options::default() }).await;
    Setup { op, attester, _jwks: jwks }
}

/// A client instance: its key, and a Client Attestation for it.
struct Instance {
    key: DpopKey,
    attestation: String,
}

impl Setup {
    fn instance(&self) -> Instance {
        let key = DpopKey::new();
        let attestation = self
            .attest(&self.attestation_claims(&key), &json!({"typ": "oauth-client-attestation+jwt", "alg": "ES256"}));
        Instance { key, attestation }
    }

    fn attestation_claims(&self, key: &DpopKey) -> Value {
        json!({"iss": ATTESTER, "sub": CLIENT, "iat": now(), "exp": now() + 3600, "cnf": {"jwk": key.public}})
    }

    fn attest(&self, claims: &Value, header: &Value) -> String {
        self.attester.sign(claims, header)
    }

    fn pop_claims(&self) -> Value {
        let jti: [u8; 12] = rand::random();
        json!({"iss": CLIENT, "aud": self.op.issuer, "jti": format!("{jti:?}"), "iat": now()})
    }
}

impl Instance {
    fn pop(&self, claims: &Value) -> String {
        self.key.sign(claims, &json!({"typ": "oauth-client-attestation-pop+jwt", "alg": "ES256"}))
    }
}

/// POSTs `form` to `path` with these attestation headers: status, JSON, and the challenge header.
async fn post(
    op: &TestProvider,
    path: &str,
    attestation: &str,
    pop: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value, Option<String>) {
    let response = http::client(false)
        .post(format!("{}{path}", op.issuer))
        .header("OAuth-Client-Attestation", attestation)
        .header("OAuth-Client-Attestation-PoP", pop)
        .form(form)
        .send()
        .await
        .unwrap();
    let (status, challenge) = (
        response.status(),
        response.headers().get("OAuth-Client-Attestation-Challenge").map(|v| v.to_str().unwrap().to_string()),
    );
    (status, response.json().await.unwrap_or(Value::Null), challenge)
}

const CLIENT_CREDENTIALS: &[(&str, &str)] = &[("grant_type", "client_credentials")];

#[tokio::test]
async fn an_attested_instance_gets_tokens_and_every_broken_check_is_refused() {
    let s = setup(vec![]).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", s.op.issuer))).await;
    assert!(
        discovery["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("attest_jwt_client_auth"))
    );
    let instance = s.instance();
    let (status, body, _) =
        post(&s.op, "/token", &instance.attestation, &instance.pop(&s.pop_claims()), CLIENT_CREDENTIALS).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let stranger = DpopKey::new();
    let attestation_with =
        |claims: Value| s.attest(&claims, &json!({"typ": "oauth-client-attestation+jwt", "alg": "ES256"}));
    let mut untrusted = s.attestation_claims(&instance.key);
    untrusted["iss"] = json!("https://rogue.example.com");
    let mut expired = s.attestation_claims(&instance.key);
    expired["exp"] = json!(now() - 60);
    let mut private_cnf = s.attestation_claims(&instance.key);
    private_cnf["cnf"]["jwk"]["d"] = json!("AAAA");
    let mut other_client = s.attestation_claims(&instance.key);
    other_client["sub"] = json!("rp-basic");
    let cases: Vec<(&str, String, Value)> = vec![
        (
            "§5.1 typ",
            s.attest(&s.attestation_claims(&instance.key), &json!({"typ": "JWT", "alg": "ES256"})),
            s.pop_claims(),
        ),
        ("§9 (5) an untrusted attester", attestation_with(untrusted), s.pop_claims()),
        (
            "§9 (5) signed by another key",
            stranger.sign(
                &s.attestation_claims(&instance.key),
                &json!({"typ": "oauth-client-attestation+jwt", "alg": "ES256"}),
            ),
            s.pop_claims(),
        ),
        ("§5.1 expired", attestation_with(expired), s.pop_claims()),
        ("§9 (6) a private cnf key", attestation_with(private_cnf), s.pop_claims()),
        ("§5.2 rule 4: PoP iss is not the attested client", attestation_with(other_client), s.pop_claims()),
    ];
    for (case, attestation, pop_claims) in cases {
        let (status, body, _) =
            post(&s.op, "/token", &attestation, &instance.pop(&pop_claims), CLIENT_CREDENTIALS).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_client_attestation")),
            "{case}: {body}"
        );
    }

    let pop_with = |edit: &dyn Fn(&mut Value)| {
        let mut claims = s.pop_claims();
        edit(&mut claims);
        instance.pop(&claims)
    };
    let pops: Vec<(&str, String)> = vec![
        ("§5.2 typ", instance.key.sign(&s.pop_claims(), &json!({"typ": "JWT", "alg": "ES256"}))),
        (
            "§9 (7) signed by a key other than the attested one",
            stranger.sign(&s.pop_claims(), &json!({"typ": "oauth-client-attestation-pop+jwt", "alg": "ES256"})),
        ),
        ("§9 (10) aud", pop_with(&|c| c["aud"] = json!("https://other.example.com"))),
        ("§5.2 iss", pop_with(&|c| c["iss"] = json!("rp-basic"))),
        (
            "§5.2 no jti",
            pop_with(&|c| {
                c.as_object_mut().unwrap().remove("jti");
            }),
        ),
        ("§9 (9) too old", pop_with(&|c| c["iat"] = json!(now() - 3600))),
        ("§9 (9) from the future", pop_with(&|c| c["iat"] = json!(now() + 3600))),
    ];
    for (case, pop) in pops {
        let (status, body, _) = post(&s.op, "/token", &instance.attestation, &pop, CLIENT_CREDENTIALS).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_client_attestation")),
            "{case}: {body}"
        );
    }

    // §9 (12): a PoP is used once.
    let pop = instance.pop(&s.pop_claims());
    assert_eq!(post(&s.op, "/token", &instance.attestation, &pop, CLIENT_CREDENTIALS).await.0, StatusCode::OK);
    let (status, body, _) = post(&s.op, "/token", &instance.attestation, &pop, CLIENT_CREDENTIALS).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client_attestation")),
        "replayed: {body}"
    );
    // §9 (13): a client_id in the body names the attested client.
    let form = [("grant_type", "client_credentials"), ("client_id", "rp-basic")];
    let (status, _, _) = post(&s.op, "/token", &instance.attestation, &instance.pop(&s.pop_claims()), &form).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // RFC 6749 §2.3: one authentication method per request.
    let form = [("grant_type", "client_credentials"), ("client_secret", "a secret")];
    let (status, body, _) = post(&s.op, "/token", &instance.attestation, &instance.pop(&s.pop_claims()), &form).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
}

#[tokio::test]
async fn a_required_challenge_comes_from_the_challenge_endpoint_or_the_error() {
    let s = setup(vec![("attestation.require_challenge", true.into())]).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", s.op.issuer))).await;
    assert_eq!(discovery["challenge_endpoint"], format!("{}/challenge", s.op.issuer));
    let response = http::client(false).post(format!("{}/challenge", s.op.issuer)).send().await.unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store", "§8");
    let challenge = response.json::<Value>().await.unwrap()["attestation_challenge"].as_str().unwrap().to_string();

    let instance = s.instance();
    let (status, body, fresh) =
        post(&s.op, "/token", &instance.attestation, &instance.pop(&s.pop_claims()), CLIENT_CREDENTIALS).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("use_attestation_challenge")),
        "{body}"
    );
    assert!(fresh.is_some(), "§8.1: the challenge to use comes with the error");
    let mut claims = s.pop_claims();
    claims["challenge"] = json!("not-ours");
    assert_eq!(
        post(&s.op, "/token", &instance.attestation, &instance.pop(&claims), CLIENT_CREDENTIALS).await.1["error"],
        "use_attestation_challenge"
    );
    for challenge in [challenge, fresh.unwrap()] {
        let mut claims = s.pop_claims();
        claims["challenge"] = json!(challenge);
        let (status, body, _) =
            post(&s.op, "/token", &instance.attestation, &instance.pop(&claims), CLIENT_CREDENTIALS).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test]
async fn a_pushed_request_and_its_refresh_token_are_bound_to_the_attested_instance() {
    let s = setup(vec![]).await;
    let instance = s.instance();
    let pushed = [
        ("response_type", "code"),
        ("redirect_uri", CALLBACK),
        ("scope", "openid offline_access"),
        ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        ("code_challenge_method", "S256"),
        ("prompt", "consent"),
    ];
    let (status, body, _) = post(&s.op, "/par", &instance.attestation, &instance.pop(&s.pop_claims()), &pushed).await;
    assert_eq!(status, StatusCode::CREATED, "§7: PAR takes an attestation: {body}");
    let url =
        format!("{}/authorize?client_id={CLIENT}&request_uri={}", s.op.issuer, body["request_uri"].as_str().unwrap());
    let params =
        callback_params(&Browser::new(&s.op.issuer).authorize(&url, "alice", "alice-password").await.callback());
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", params["code"].as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    ];
    let (status, tokens, _) =
        post(&s.op, "/token", &instance.attestation, &instance.pop(&s.pop_claims()), &exchange).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())];
    // §10.2: another instance of the same client, with its own valid attestation, may not use it.
    let other = s.instance();
    let (status, body, _) = post(&s.op, "/token", &other.attestation, &other.pop(&s.pop_claims()), &refresh).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{body}");
    let (status, body, _) =
        post(&s.op, "/token", &instance.attestation, &instance.pop(&s.pop_claims()), &refresh).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn without_the_setting_attestation_is_neither_offered_nor_accepted() {
    let op = launch(Options::default()).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert!(
        !discovery["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("attest_jwt_client_auth"))
    );
    let (status, body, _) = answer(
        http::client(false)
            .post(format!("{}/token", op.issuer))
            .header("OAuth-Client-Attestation", "a.b.c")
            .header("OAuth-Client-Attestation-PoP", "a.b.c")
            .form(CLIENT_CREDENTIALS),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")), "{body}");
}
