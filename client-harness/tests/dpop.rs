//! DPoP (RFC 9449): tokens bound to the client's key at the token endpoint, used at userinfo
//! only with a proof by that key, and every proof rule enforced, each with its rejection.

use client_harness::browser::{Browser, callback_params};
use client_harness::dpop::DpopKey;
use client_harness::flow::start;
use client_harness::http::{self, answer};
use client_harness::rp::{self, BASIC};
use client_harness::{Options, TestProvider, launch};
use reqwest::StatusCode;
use serde_json::{Value, json};

const REDIRECT: &str = "https://rp.example.com/callback";

fn dpop(mut settings: Vec<(&'static str, figment::value::Value)>) -> Options {
    settings.push(("dpop.enabled", true.into()));
    Options { settings, ..Options::default() }
}

/// A code for rp-basic (alice), with `extra` authorization parameters; and its PKCE verifier.
async fn authorized(op: &TestProvider, extra: &[(&str, &str)]) -> (String, String) {
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &["offline_access"], true);
    for (name, value) in extra {
        req.url.query_pairs_mut().append_pair(name, value);
    }
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    (params["code"].clone(), req.verifier.unwrap().secret().clone())
}

/// The token request exchanging `code`, with these `DPoP` headers: status, JSON, headers.
async fn exchange(
    op: &TestProvider,
    code: &str,
    verifier: &str,
    proofs: &[String],
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request =
        http::client(false).post(format!("{}/token", op.issuer)).basic_auth(BASIC.id, BASIC.secret).form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ]);
    for proof in proofs {
        request = request.header("DPoP", proof);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, response.json().await.unwrap_or(Value::Null), headers)
}

/// GET /userinfo with `scheme token` and these proofs: status, JSON, `WWW-Authenticate`, `DPoP-Nonce`.
async fn userinfo(
    op: &TestProvider,
    scheme: &str,
    token: &str,
    proofs: &[String],
) -> (StatusCode, Value, Option<String>, Option<String>) {
    let mut request =
        http::client(false).get(format!("{}/userinfo", op.issuer)).header("Authorization", format!("{scheme} {token}"));
    for proof in proofs {
        request = request.header("DPoP", proof);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_string());
    let (status, challenge, nonce) = (response.status(), header("www-authenticate"), header("dpop-nonce"));
    (status, response.json().await.unwrap_or(Value::Null), challenge, nonce)
}

#[tokio::test]
async fn a_dpop_bound_token_works_only_with_proofs_by_its_key() {
    let op = launch(dpop(vec![])).await;
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert_eq!(discovery["dpop_signing_alg_values_supported"], json!(["RS256", "PS256", "ES256", "EdDSA"]));
    let key = DpopKey::new();
    let (code, verifier) = authorized(&op, &[]).await;
    let token_url = format!("{}/token", op.issuer);
    let (status, tokens, _) = exchange(&op, &code, &verifier, &[key.proof("POST", &token_url, None, None)]).await;
    assert_eq!((status, &tokens["token_type"]), (StatusCode::OK, &json!("DPoP")), "RFC 9449 §5: {tokens}");
    let access = tokens["access_token"].as_str().unwrap();

    let introspection = http::client(false)
        .post(format!("{}/introspect", op.issuer))
        .basic_auth(BASIC.id, BASIC.secret)
        .form(&[("token", access)]);
    let introspected = answer(introspection).await.1;
    assert_eq!((&introspected["token_type"], &introspected["cnf"]["jkt"]), (&json!("DPoP"), &json!(key.jkt())), "§6.2");

    let at = format!("{}/userinfo", op.issuer);
    let (status, claims, _, _) = userinfo(&op, "DPoP", access, &[key.proof("GET", &at, Some(access), None)]).await;
    assert_eq!((status, claims["sub"].is_string()), (StatusCode::OK, true), "{claims}");
    let other = DpopKey::new();
    let refused = [
        ("as a bearer token", "Bearer", vec![]),
        ("without a proof", "DPoP", vec![]),
        ("with another key's proof", "DPoP", vec![other.proof("GET", &at, Some(access), None)]),
        ("without ath", "DPoP", vec![key.proof("GET", &at, None, None)]),
        ("with another token's ath", "DPoP", vec![key.proof("GET", &at, Some("another token"), None)]),
    ];
    for (case, scheme, proofs) in refused {
        let (status, _, challenge, _) = userinfo(&op, scheme, access, &proofs).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{case}");
        if scheme == "DPoP" {
            assert!(challenge.as_deref().is_some_and(|c| c.starts_with("DPoP algs=")), "§7.1, {case}: {challenge:?}");
        }
    }

    // The refresh token of a confidential client is bound by its authentication; its next
    // access token is DPoP-bound again when the refresh request carries a proof.
    let refresh = http::client(false)
        .post(&token_url)
        .basic_auth(BASIC.id, BASIC.secret)
        .header("DPoP", key.proof("POST", &token_url, None, None))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())]);
    let (status, refreshed, _) = answer(refresh).await;
    assert_eq!((status, &refreshed["token_type"]), (StatusCode::OK, &json!("DPoP")), "{refreshed}");
}

#[tokio::test]
async fn every_proof_rule_has_its_rejection_at_the_token_endpoint() {
    let op = launch(dpop(vec![])).await;
    let key = DpopKey::new();
    let url = format!("{}/token", op.issuer);
    let signed = |claims: Value| key.sign(&claims, &key.header());
    let with_header = |change: &dyn Fn(&mut Value)| {
        let mut header = key.header();
        change(&mut header);
        key.sign(&key.claims("POST", &url), &header)
    };
    let old = {
        let mut claims = key.claims("POST", &url);
        claims["iat"] = (claims["iat"].as_u64().unwrap() - 3600).into();
        claims
    };
    let replayed = key.proof("POST", &url, None, None);
    let (code, verifier) = authorized(&op, &[]).await;
    assert_eq!(exchange(&op, &code, &verifier, std::slice::from_ref(&replayed)).await.0, StatusCode::OK);
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("two DPoP headers (§4.3 (1))", vec![key.proof("POST", &url, None, None), key.proof("POST", &url, None, None)]),
        ("not a JWT (§4.3 (2))", vec!["not-a-jwt".into()]),
        ("typ JWT (§4.3 (4))", vec![with_header(&|h| h["typ"] = "JWT".into())]),
        ("alg HS256 (§4.3 (5))", vec![key.sign_hs256(&key.claims("POST", &url))]),
        ("a private jwk (§4.3 (7))", vec![with_header(&|h| h["jwk"] = key.private_jwk())]),
        ("another key in jwk (§4.3 (6))", vec![with_header(&|h| h["jwk"] = DpopKey::new().public)]),
        ("htm GET (§4.3 (8))", vec![key.proof("GET", &url, None, None)]),
        ("htu elsewhere (§4.3 (9))", vec![key.proof("POST", &format!("{}/userinfo", op.issuer), None, None)]),
        ("an hour old (§4.3 (11))", vec![signed(old)]),
        ("replayed (§11.1)", vec![replayed]),
    ];
    for (case, proofs) in cases {
        let (code, verifier) = authorized(&op, &[]).await;
        let (status, body, _) = exchange(&op, &code, &verifier, &proofs).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")),
            "{case}: {body}"
        );
    }
}

#[tokio::test]
async fn a_required_nonce_is_handed_out_and_then_accepted() {
    let op = launch(dpop(vec![("dpop.require_nonce", true.into())])).await;
    let key = DpopKey::new();
    let url = format!("{}/token", op.issuer);
    let (code, verifier) = authorized(&op, &[]).await;
    let (status, body, headers) = exchange(&op, &code, &verifier, &[key.proof("POST", &url, None, None)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("use_dpop_nonce")), "§8");
    let nonce = headers["dpop-nonce"].to_str().unwrap().to_string();
    let (status, tokens, _) = exchange(&op, &code, &verifier, &[key.proof("POST", &url, None, Some(&nonce))]).await;
    assert_eq!(status, StatusCode::OK, "the retry with the nonce: {tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    let at = format!("{}/userinfo", op.issuer);
    let (status, _, challenge, resource_nonce) =
        userinfo(&op, "DPoP", access, &[key.proof("GET", &at, Some(access), Some("stale"))]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(challenge.unwrap().contains("error=\"use_dpop_nonce\""), "§9");
    let nonce = resource_nonce.expect("a DPoP-Nonce header at the resource");
    let (status, _, _, _) = userinfo(&op, "DPoP", access, &[key.proof("GET", &at, Some(access), Some(&nonce))]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_code_bound_with_dpop_jkt_needs_a_proof_by_that_key() {
    let op = launch(dpop(vec![])).await;
    let (key, other) = (DpopKey::new(), DpopKey::new());
    let url = format!("{}/token", op.issuer);
    let (code, verifier) = authorized(&op, &[("dpop_jkt", &key.jkt())]).await;
    let (status, body, _) = exchange(&op, &code, &verifier, &[other.proof("POST", &url, None, None)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "§10: {body}");
    let (code, verifier) = authorized(&op, &[("dpop_jkt", &key.jkt())]).await;
    let (status, body, _) = exchange(&op, &code, &verifier, &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "no proof: {body}");
    let (code, verifier) = authorized(&op, &[("dpop_jkt", &key.jkt())]).await;
    assert_eq!(exchange(&op, &code, &verifier, &[key.proof("POST", &url, None, None)]).await.0, StatusCode::OK);
}

#[tokio::test]
async fn without_dpop_enabled_a_proof_is_ignored_and_tokens_are_bearer() {
    let op = launch(Options::default()).await;
    let key = DpopKey::new();
    let (code, verifier) = authorized(&op, &[]).await;
    let url = format!("{}/token", op.issuer);
    let (status, tokens, _) = exchange(&op, &code, &verifier, &[key.proof("POST", &url, None, None)]).await;
    assert_eq!((status, &tokens["token_type"]), (StatusCode::OK, &json!("Bearer")));
    let discovery =
        http::json(http::client(false).get(format!("{}/.well-known/openid-configuration", op.issuer))).await;
    assert!(discovery.get("dpop_signing_alg_values_supported").is_none());
}

#[tokio::test]
async fn a_public_clients_refresh_token_is_bound_to_its_dpop_key() {
    use client_harness::rp::NATIVE;
    let op = launch(dpop(vec![])).await;
    let (key, other) = (DpopKey::new(), DpopKey::new());
    let rp = rp::relying_party(&op.issuer, NATIVE).await;
    let req = start(&rp, &["offline_access"], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    let url = format!("{}/token", op.issuer);
    let verifier = req.verifier.unwrap().secret().clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", params["code"].as_str()),
        ("redirect_uri", NATIVE.redirect_uri),
        ("code_verifier", verifier.as_str()),
        ("client_id", NATIVE.id),
    ];
    let request = http::client(false).post(&url).header("DPoP", key.proof("POST", &url, None, None)).form(&form);
    let (status, tokens, _) = answer(request).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let refresh_token = tokens["refresh_token"].as_str().expect("a refresh token with offline_access");
    let refresh = |proof: Option<String>| {
        let mut request = http::client(false).post(&url).form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", NATIVE.id),
        ]);
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        answer(request)
    };
    for (case, proof) in [("without a proof", None), ("with another key", Some(other.proof("POST", &url, None, None)))]
    {
        let (status, body, _) = refresh(proof).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant")),
            "§5, {case}: {body}"
        );
    }
    let (status, body, _) = refresh(Some(key.proof("POST", &url, None, None))).await;
    assert_eq!((status, &body["token_type"]), (StatusCode::OK, &json!("DPoP")), "{body}");
}

#[tokio::test]
async fn a_proof_sent_with_a_pushed_request_binds_its_code() {
    let op = launch(dpop(vec![("par.enabled", true.into())])).await;
    let (key, other) = (DpopKey::new(), DpopKey::new());
    let (par, token) = (format!("{}/par", op.issuer), format!("{}/token", op.issuer));
    // RFC 7636 Appendix B.
    let (challenge, verifier) =
        ("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    let form = [
        ("response_type", "code"),
        ("client_id", BASIC.id),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    let push = |proof: String, jkt: Option<String>| {
        let mut form: Vec<(&str, String)> = form.iter().map(|(k, v)| (*k, v.to_string())).collect();
        if let Some(jkt) = jkt {
            form.push(("dpop_jkt", jkt));
        }
        answer(http::client(false).post(&par).basic_auth(BASIC.id, BASIC.secret).header("DPoP", proof).form(&form))
    };
    let (status, body, _) = push(key.proof("POST", &par, None, None), Some(other.jkt())).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")),
        "§10.1: {body}"
    );
    let (status, pushed, _) = push(key.proof("POST", &par, None, None), None).await;
    assert_eq!(status, StatusCode::CREATED, "{pushed}");
    let url = reqwest::Url::parse_with_params(
        &format!("{}/authorize", op.issuer),
        [("client_id", BASIC.id), ("request_uri", pushed["request_uri"].as_str().unwrap())],
    )
    .unwrap();
    let params =
        callback_params(&Browser::new(&op.issuer).authorize(url.as_str(), "alice", "alice-password").await.callback());
    let (status, body, _) = exchange(&op, &params["code"], verifier, &[other.proof("POST", &token, None, None)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{body}");
}

#[tokio::test]
async fn a_proof_sent_to_introspection_is_checked_too() {
    let op = launch(dpop(vec![])).await;
    let key = DpopKey::new();
    let (code, verifier) = authorized(&op, &[]).await;
    let token_url = format!("{}/token", op.issuer);
    let (_, tokens, _) = exchange(&op, &code, &verifier, &[key.proof("POST", &token_url, None, None)]).await;
    let access = tokens["access_token"].as_str().unwrap();
    let url = format!("{}/introspect", op.issuer);
    let introspect = |proofs: Vec<String>| {
        let mut request = http::client(false).post(&url).basic_auth(BASIC.id, BASIC.secret).form(&[("token", access)]);
        for proof in proofs {
            request = request.header("DPoP", proof);
        }
        answer(request)
    };
    let (status, body, _) = introspect(vec![key.proof("POST", &url, None, None)]).await;
    assert_eq!((status, &body["active"]), (StatusCode::OK, &json!(true)), "a good proof: {body}");
    let bad = [
        ("a proof for another URL (§4.3 (9))", vec![key.proof("POST", &token_url, None, None)]),
        ("two proofs (§4.3 (1))", vec![key.proof("POST", &url, None, None), key.proof("POST", &url, None, None)]),
    ];
    for (case, proofs) in bad {
        let (status, body, _) = introspect(proofs).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")),
            "{case}: {body}"
        );
    }
    let replayed = key.proof("POST", &url, None, None);
    assert_eq!(introspect(vec![replayed.clone()]).await.0, StatusCode::OK);
    assert_eq!(introspect(vec![replayed]).await.1["error"], "invalid_dpop_proof", "§11.1: a replayed jti");
}

#[tokio::test]
async fn a_proof_whose_jwk_carries_kid_alg_and_use_is_accepted() {
    // RFC 9449 §4.2: the header's `jwk` is the key; the members a JWK may carry besides (as the
    // conformance suite's proofs do) change nothing, and the thumbprint ignores them.
    let op = launch(dpop(vec![])).await;
    let key = DpopKey::new();
    let (code, verifier) = authorized(&op, &[]).await;
    let token_url = format!("{}/token", op.issuer);
    let mut header = key.header();
    header["jwk"]["kid"] = "the-clients-dpop-key".into();
    header["jwk"]["alg"] = "ES256".into();
    header["jwk"]["use"] = "sig".into();
    let proof = key.sign(&key.claims("POST", &token_url), &header);
    let (status, tokens, _) = exchange(&op, &code, &verifier, &[proof]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let introspected = answer(
        http::client(false)
            .post(format!("{}/introspect", op.issuer))
            .basic_auth(BASIC.id, BASIC.secret)
            .form(&[("token", tokens["access_token"].as_str().unwrap())]),
    )
    .await
    .1;
    assert_eq!(introspected["cnf"]["jkt"], json!(key.jkt()));
}
