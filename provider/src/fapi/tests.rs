//! The rules, one by one: each broken in turn is refused, and a request that keeps them passes.

use super::*;
use FapiProfile::*;
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
    assert_eq!(plain_code.0, ErrorCode::InvalidRequest, "the response mode is what is wrong");
    let token = check_authorization_request(Fapi1Advanced, &view("code id_token token")).unwrap_err();
    assert_eq!(token.0, ErrorCode::UnsupportedResponseType);
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
    assert!(check_binding(Fapi2SecurityProfile, false).is_err());
    assert!(check_binding(None, false).is_ok());
    assert!(check_binding(Fapi1Advanced, true).is_ok());
}

fn client<'a>(auth_method: &'a str, certificate_bound: bool, response_types: &'a [String]) -> ClientView<'a> {
    ClientView { auth_method, certificate_bound, response_types, algs: vec![("id_token_signed_response_alg", "PS256")] }
}

#[test]
fn clients_keep_the_profile() {
    let code = ["code".to_string()];
    let good = client("private_key_jwt", true, &code);
    assert_eq!(check_client(Fapi2SecurityProfile, &good), Ok(()));
    assert_eq!(check_client(Fapi1Advanced, &good), Ok(()));
    let rs256 = ClientView { algs: vec![("request_object_signing_alg", "RS256")], ..good.clone() };
    assert_eq!(check_client(Fapi2SecurityProfile, &rs256).unwrap_err().0, "request_object_signing_alg");
    let eddsa = ClientView { algs: vec![("id_token_signed_response_alg", "EdDSA")], ..good.clone() };
    assert_eq!(check_client(Fapi2SecurityProfile, &eddsa), Ok(()), "FAPI 2.0 allows EdDSA");
    assert_eq!(check_client(Fapi1Advanced, &eddsa).unwrap_err().0, "id_token_signed_response_alg", "FAPI 1.0 does not");
    let secret = client("client_secret_basic", true, &code);
    assert_eq!(check_client(Fapi1Advanced, &secret).unwrap_err().0, "token_endpoint_auth_method");
    let unbound = client("tls_client_auth", false, &code);
    assert_eq!(check_client(Fapi1Advanced, &unbound).unwrap_err().0, "tls_client_certificate_bound_access_tokens");
    assert_eq!(check_client(Fapi2SecurityProfile, &unbound), Ok(()), "FAPI 2.0 may bind by DPoP");
    let hybrid_types = ["code id_token".to_string()];
    let hybrid = client("private_key_jwt", true, &hybrid_types);
    assert!(check_client(Fapi1Advanced, &hybrid).is_ok());
    assert_eq!(check_client(Fapi2SecurityProfile, &hybrid).unwrap_err().0, "response_types");
    assert_eq!(check_client(None, &secret), Ok(()));
}

fn settings<'a>(response_types: &'a [String], signing_algs: &'a [String]) -> Settings<'a> {
    Settings {
        par_enabled: false,
        par_required: false,
        pkce_everywhere: false,
        response_types,
        code_lifetime: 60,
        dpop: false,
        certificate_bound_tokens: false,
        refresh_token_rotation: true,
        refresh_token_grace: 0,
        strict_client_auth: false,
        signing_algs,
        tls_ciphers: Option::None,
        signed_request_objects: false,
        unsigned_request_objects: true,
        request_object_max_lifetime: Option::None,
        request_object_max_nbf_age: Option::None,
        jarm: false,
        ciba: Option::None,
    }
}

#[test]
fn a_configuration_that_weakens_the_profile_is_refused() {
    let (all, algs) = (["code".to_string(), "id_token".to_string()], ["RS256".to_string()]);
    let named: Vec<&str> = check_config(Fapi2SecurityProfile, &settings(&all, &algs)).into_iter().map(|(k, _)| k).collect();
    for key in ["par.required", "pkce.required", "response_types", "dpop.enabled", "refresh_token_rotation", "strict_client_auth_method", "keys.signing_algs"] {
        assert!(named.contains(&key), "{key} not named in {named:?}");
    }
    let signing = check_config(Fapi2MessageSigning, &settings(&all, &algs));
    assert!(signing.iter().any(|(k, _)| *k == "jarm.enabled") && signing.len() > named.len());
    assert!(check_config(None, &settings(&all, &algs)).is_empty());

    // What the profile's own TOML sets passes; a TLS cipher outside FAPI's does not.
    let (code, fapi_algs) = (["code".to_string()], ["PS256".to_string(), "ES256".to_string()]);
    let ciphers = ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256".to_string()];
    let kept = Settings {
        par_enabled: true,
        par_required: true,
        pkce_everywhere: true,
        dpop: true,
        refresh_token_rotation: false,
        strict_client_auth: true,
        tls_ciphers: Some(Some(&ciphers)),
        ..settings(&code, &fapi_algs)
    };
    assert_eq!(check_config(Fapi2SecurityProfile, &kept), vec![]);
    let chacha = ["TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256".to_string()];
    let weak = Settings { tls_ciphers: Some(Some(&chacha)), ..kept.clone() };
    assert_eq!(check_config(Fapi2SecurityProfile, &weak).into_iter().map(|(k, _)| k).collect::<Vec<_>>(), ["tls.ciphers"]);
}

#[test]
fn fapi_ciba_refuses_push_and_unsigned_backchannel_requests() {
    let (code, algs) = (["code".to_string()], ["PS256".to_string()]);
    let ciba = |push, signed_requests| Settings {
        ciba: Some(CibaSettings { poll: true, push, signed_requests }),
        ..settings(&code, &algs)
    };
    let named = |s: &Settings<'_>| check_config(Fapi1Advanced, s).into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert!(named(&ciba(true, false)).contains(&"ciba.delivery_modes"));
    assert!(named(&ciba(true, false)).contains(&"ciba.require_signed_request"));
    assert!(!named(&ciba(false, true)).iter().any(|k| k.starts_with("ciba.")), "the fapi-ciba profile's own settings pass");
    assert!(!named(&settings(&code, &algs)).iter().any(|k| k.starts_with("ciba.")), "no CIBA, no CIBA rules");
}

#[cfg(feature = "ciba")]
#[test]
fn fapi_ciba_requests_carry_a_binding_message() {
    assert!(check_backchannel_request(Fapi1Advanced, false).is_err());
    assert!(check_backchannel_request(Fapi1Advanced, true).is_ok() && check_backchannel_request(None, false).is_ok());
}
