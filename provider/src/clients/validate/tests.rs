//! Client metadata validation, check by check: each problem names its field.

use super::*;
use crate::protocol::ResponseType;
use serde_json::json;

fn parse(v: serde_json::Value) -> Result<Client, ClientError> {
    serde_json::from_value::<Client>(v).unwrap().validated(&[SigningAlg::RS256])
}

fn base() -> serde_json::Value {
    json!({"client_id": "c", "client_secret": "0123456789abcdef", "redirect_uris": ["https://rp.example/cb"]})
}

#[test]
fn defaults_apply_and_unknown_fields_are_kept() {
    let mut v = base();
    v["logo_uri"] = json!("https://rp.example/logo.png");
    let client = parse(v).unwrap();
    assert_eq!(client.token_endpoint_auth_method, "client_secret_basic");
    assert_eq!(client.extra["logo_uri"], "https://rp.example/logo.png");
}

#[rstest::rstest]
#[case::fragment(json!({"redirect_uris": ["https://rp.example/cb#x"]}), "redirect_uris")]
#[case::relative(json!({"redirect_uris": ["/cb"]}), "redirect_uris")]
#[case::no_redirects(json!({"redirect_uris": []}), "redirect_uris")]
#[case::auth_method(json!({"token_endpoint_auth_method": "kerberos"}), "token_endpoint_auth_method")]
#[case::tls_without_a_name(json!({"token_endpoint_auth_method": "tls_client_auth"}), "tls_client_auth_subject_dn")]
#[case::tls_with_two_names(json!({"token_endpoint_auth_method": "tls_client_auth",
    "tls_client_auth_subject_dn": "CN=rp", "tls_client_auth_san_dns": "rp.example"}), "tls_client_auth_subject_dn")]
#[case::tls_bad_ip(json!({"token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_san_ip": "10.0.0"}), "tls_client_auth_san_ip")]
#[case::self_signed_without_keys(json!({"token_endpoint_auth_method": "self_signed_tls_client_auth"}), "jwks_uri")]
#[case::no_secret(json!({"client_secret": null}), "client_secret")]
#[case::inconsistent(json!({"grant_types": ["refresh_token"], "response_types": ["code"]}), "grant_types")]
#[case::alg_without_key(json!({"id_token_signed_response_alg": "ES256"}), "id_token_signed_response_alg")]
#[case::unknown_alg(json!({"id_token_signed_response_alg": "none"}), "id_token_signed_response_alg")]
#[case::http_initiate_login(json!({"initiate_login_uri": "http://rp.example/start"}), "initiate_login_uri")]
#[case::unusable_jwks(json!({"jwks": {"keys": [{"kty": "EC"}]}}), "jwks")]
#[case::jwks_without_keys(json!({"jwks": {"kes": []}}), "jwks")]
fn invalid_metadata_names_the_field(#[case] patch: serde_json::Value, #[case] field: &str) {
    let mut v = base();
    for (k, val) in patch.as_object().unwrap() {
        v[k] = val.clone();
    }
    assert_eq!(parse(v).unwrap_err().field, field);
}

#[test]
fn implicit_web_clients_need_https_redirects() {
    let implicit = json!({"client_id": "i", "client_secret": "0123456789abcdef",
        "grant_types": ["implicit"], "response_types": ["id_token token"],
        "redirect_uris": ["https://rp.example/cb"]});
    assert!(parse(implicit.clone()).is_ok());
    let mut local = implicit.clone();
    local["redirect_uris"] = json!(["http://localhost/cb"]);
    assert_eq!(parse(local).unwrap_err().field, "redirect_uris");
    let mut no_grant = implicit;
    no_grant["grant_types"] = json!(["authorization_code"]);
    assert_eq!(parse(no_grant).unwrap_err().field, "grant_types");
}

#[test]
fn hybrid_needs_both_grant_types() {
    let hybrid = json!({"client_id": "h", "client_secret": "0123456789abcdef",
        "grant_types": ["authorization_code", "implicit"], "response_types": ["code id_token", "code"],
        "redirect_uris": ["https://rp.example/cb"]});
    let client = parse(hybrid).unwrap();
    assert!(client.allows_response_type(ResponseType::parse("id_token code").unwrap()));
    assert!(!client.allows_response_type(ResponseType::parse("id_token").unwrap()));
}

#[test]
fn a_service_registering_only_client_credentials_needs_no_response_types() {
    let client = parse(json!({"client_id": "svc", "client_secret": "0123456789abcdef",
        "grant_types": ["client_credentials"]}))
    .unwrap();
    assert!(client.response_types.is_empty(), "the RFC 7591 default applies only to code clients");
    let defaulted = parse(base()).unwrap();
    assert_eq!(defaulted.response_types, ["code"]);
}

#[test]
fn public_clients_need_no_secret() {
    let client = parse(json!({"client_id": "p", "token_endpoint_auth_method": "none",
        "redirect_uris": ["http://127.0.0.1/cb"]}))
    .unwrap();
    assert!(client.is_public());
}

#[test]
fn a_ciba_client_names_its_mode_and_where_to_notify() {
    let ciba = |patch: serde_json::Value| {
        let mut client = base();
        client["grant_types"] = json!(["urn:openid:params:grant-type:ciba"]);
        client["response_types"] = json!([]);
        client.as_object_mut().unwrap().extend(patch.as_object().unwrap().clone());
        parse(client)
    };
    assert_eq!(ciba(json!({})).unwrap_err().field, "backchannel_token_delivery_mode");
    assert!(ciba(json!({"backchannel_token_delivery_mode": "poll"})).is_ok());
    assert_eq!(ciba(json!({"backchannel_token_delivery_mode": "fax"})).unwrap_err().field, "backchannel_token_delivery_mode");
    let ping = json!({"backchannel_token_delivery_mode": "ping"});
    assert_eq!(ciba(ping).unwrap_err().field, "backchannel_client_notification_endpoint");
    let ping = json!({"backchannel_token_delivery_mode": "push", "backchannel_client_notification_endpoint": "https://rp.example/ciba"});
    assert!(ciba(ping).is_ok());
    let bound = json!({"backchannel_token_delivery_mode": "push", "backchannel_client_notification_endpoint": "https://rp.example/ciba",
        "tls_client_certificate_bound_access_tokens": true});
    assert_eq!(ciba(bound).unwrap_err().field, "backchannel_token_delivery_mode", "a push is no TLS connection of the client's");
    let unsigned = json!({"backchannel_token_delivery_mode": "poll", "backchannel_authentication_request_signing_alg": "none"});
    assert_eq!(ciba(unsigned).unwrap_err().field, "backchannel_authentication_request_signing_alg");
}
