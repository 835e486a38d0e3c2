//! The rules, one by one: each broken in turn is refused, and a request that keeps them passes.

use super::*;
use crate::config::FapiProfile::*;
use crate::protocol::ResponseMode;
use serde_json::json;

fn view(response_type: &str) -> AuthorizationView {
    AuthorizationView {
        pushed: true,
        response_type: ResponseType::parse(response_type).unwrap(),
        response_mode: ResponseMode::Fragment,
        scope: Some("openid accounts".into()),
        nonce: true,
        state: true,
        redirect_uri: true,
        code_challenge: true,
    }
}

#[test]
fn fapi1_wants_code_id_token_or_code_with_jarm() {
    assert!(check_authorization_request(Fapi1Advanced, &view("code id_token")).is_ok());
    let plain_code = check_authorization_request(Fapi1Advanced, &view("code")).unwrap_err();
    assert_eq!(plain_code.0, ErrorCode::UnsupportedResponseType);
    let jarm = AuthorizationView { response_mode: ResponseMode::QueryJwt, ..view("code") };
    assert!(check_authorization_request(Fapi1Advanced, &jarm).is_ok());
}

#[test]
fn fapi1_rules_each_refuse_what_they_name() {
    let broken = [
        AuthorizationView { scope: Option::None, ..view("code id_token") },
        AuthorizationView { redirect_uri: false, ..view("code id_token") },
        AuthorizationView { nonce: false, ..view("code id_token") },
        AuthorizationView { scope: Some("accounts".into()), state: false, ..view("code id_token") },
        AuthorizationView { code_challenge: false, ..view("code id_token") },
    ];
    for request in broken {
        let (code, why) = check_authorization_request(Fapi1Advanced, &request).unwrap_err();
        assert_eq!(code, ErrorCode::InvalidRequest, "{why}");
        assert!(why.contains("FAPI 1.0"), "the rule names its clause: {why}");
    }
    // PKCE is required only of pushed requests; nonce only with openid.
    assert!(check_authorization_request(Fapi1Advanced, &AuthorizationView { pushed: false, code_challenge: false, ..view("code id_token") }).is_ok());
    assert!(check_authorization_request(Fapi1Advanced, &AuthorizationView { scope: Some("accounts".into()), nonce: false, ..view("code id_token") }).is_ok());
}

#[test]
fn fapi2_wants_a_redirect_uri_in_the_pushed_request() {
    assert!(check_authorization_request(Fapi2SecurityProfile, &view("code")).is_ok());
    let without = AuthorizationView { redirect_uri: false, ..view("code") };
    assert_eq!(check_authorization_request(Fapi2MessageSigning, &without).unwrap_err().0, ErrorCode::InvalidRequest);
    assert!(check_authorization_request(None, &without).is_ok());
}

#[test]
fn client_assertion_audiences_follow_the_profile() {
    let issuer = "https://op.example";
    let endpoints = ["https://op.example/token".to_string(), "https://op.example/par".to_string()];
    let fapi2 = |aud| assertion_audience(Fapi2SecurityProfile, &aud, issuer, &endpoints);
    assert_eq!(fapi2(json!(issuer)), Some(true));
    assert_eq!(fapi2(json!([issuer])), Some(false), "FAPI 2.0: the issuer as a string only");
    assert_eq!(fapi2(json!("https://op.example/token")), Some(false));
    let fapi1 = |aud| assertion_audience(Fapi1Advanced, &aud, issuer, &endpoints);
    for aud in [json!(issuer), json!("https://op.example/par"), json!("https://op.example/token"), json!(["x", issuer])] {
        assert_eq!(fapi1(aud.clone()), Some(true), "{aud}");
    }
    assert_eq!(fapi1(json!("https://op.example/userinfo")), Some(false));
    assert_eq!(assertion_audience(None, &json!("x"), issuer, &endpoints), Option::None);
}

#[test]
fn algorithms_narrow_to_the_profiles() {
    let all = crate::jose::CLIENT_ALGS;
    assert_eq!(client_algs(Fapi1Advanced, &all), ["PS256", "ES256"]);
    assert_eq!(client_algs(Fapi2MessageSigning, &all), ["PS256", "ES256", "EdDSA"]);
    assert_eq!(client_algs(None, &all), all);
}

#[test]
fn tokens_must_be_sender_constrained() {
    assert!(check_binding(Fapi2SecurityProfile, &Binding::BEARER).is_err());
    assert!(check_binding(None, &Binding::BEARER).is_ok());
    let bound = Binding {
        cnf: Some(crate::sender::Confirmation { jkt: Some("k".into()), x5t_s256: Option::None }),
        ..Binding::BEARER
    };
    assert!(check_binding(Fapi1Advanced, &bound).is_ok());
}

fn client(metadata: serde_json::Value) -> Client {
    serde_json::from_value::<Client>(metadata).unwrap().validated(&crate::jose::SigningAlg::ALL).unwrap()
}

#[test]
fn clients_keep_the_profile() {
    let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", "kid": "k"}]});
    let good = json!({"client_id": "f", "redirect_uris": ["https://rp.example/cb"], "token_endpoint_auth_method": "private_key_jwt",
        "jwks": jwks, "id_token_signed_response_alg": "PS256", "tls_client_certificate_bound_access_tokens": true});
    assert_eq!(check_client(Fapi2SecurityProfile, &client(good.clone())), Ok(()));
    assert_eq!(check_client(Fapi1Advanced, &client(good.clone())), Ok(()));
    let mut rs256 = good.clone();
    rs256["id_token_signed_response_alg"] = json!("RS256");
    assert_eq!(check_client(Fapi2SecurityProfile, &client(rs256)).unwrap_err().0, "id_token_signed_response_alg");
    let mut secret = good.clone();
    secret["token_endpoint_auth_method"] = json!("client_secret_basic");
    secret["client_secret"] = json!("a-secret-of-sixteen-or-more");
    assert_eq!(check_client(Fapi1Advanced, &client(secret)).unwrap_err().0, "token_endpoint_auth_method");
    let mut unbound = good.clone();
    unbound["tls_client_certificate_bound_access_tokens"] = json!(false);
    assert_eq!(check_client(Fapi1Advanced, &client(unbound.clone())).unwrap_err().0, "tls_client_certificate_bound_access_tokens");
    assert_eq!(check_client(Fapi2SecurityProfile, &client(unbound)), Ok(()), "FAPI 2.0 may bind by DPoP");
    let mut hybrid = good;
    hybrid["response_types"] = json!(["code id_token"]);
    hybrid["grant_types"] = json!(["authorization_code", "implicit"]);
    assert!(check_client(Fapi1Advanced, &client(hybrid.clone())).is_ok());
    assert_eq!(check_client(Fapi2SecurityProfile, &client(hybrid)).unwrap_err().0, "response_types");
}

#[test]
fn a_configuration_that_weakens_the_profile_is_refused() {
    let mut config = Config::default();
    config.fapi.profile = Fapi2SecurityProfile;
    let mut errors = Vec::new();
    check_config(&config, &mut errors);
    let named: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    for key in ["par.required", "pkce.required", "response_types", "dpop.enabled", "refresh_token_rotation", "strict_client_auth_method", "keys.signing_algs"] {
        assert!(named.contains(&key), "{key} not named in {named:?}");
    }
    config.fapi.profile = None;
    let mut errors = Vec::new();
    check_config(&config, &mut errors);
    assert!(errors.is_empty());
}
