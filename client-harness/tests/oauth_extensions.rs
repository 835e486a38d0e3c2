//! OAuth 2.0 extensions over HTTP with the `oauth2` crate: client credentials, JWT access tokens
//! (RFC 9068), resource indicators (RFC 8707), introspection (RFC 7662, RFC 9701) and revocation
//! (RFC 7009).

use client_harness::assertion::{claims as assertion_claims, rp_jwt_key, sign_with_key};
use client_harness::browser::{Browser, callback_params};
use client_harness::flow::{self, payload_of, start};
use client_harness::oauth::{self, OAuthClient};
use client_harness::rp::{self, BASIC};
use client_harness::{Options, TestProvider, http, launch};
use oauth2::{AccessToken, RequestTokenError, Scope, TokenIntrospectionResponse, TokenResponse};
use rstest::rstest;
use serde_json::Value;

const API: &str = "https://api.example.com";
const OPAQUE_API: &str = "https://opaque.example.com";

async fn svc(op: &TestProvider) -> OAuthClient {
    oauth::client(&op.issuer, "svc-basic", Some("svc-basic-secret-0123456789"), true).await
}

/// Client credentials for `client` with `scope` and an optional resource.
async fn cc(
    client: &OAuthClient,
    scope: &str,
    resource: Option<&str>,
) -> Result<oauth2::basic::BasicTokenResponse, String> {
    let http = http::oidc(http::client(false));
    let mut request = client.exchange_client_credentials();
    for s in scope.split_whitespace() {
        request = request.add_scope(Scope::new(s.to_string()));
    }
    if let Some(resource) = resource {
        request = request.add_extra_param("resource", resource);
    }
    request.request_async(&http).await.map_err(|e| match e {
        RequestTokenError::ServerResponse(r) => r.error().as_ref().to_string(),
        other => format!("{other:?}"),
    })
}

async fn introspect(client: &OAuthClient, token: &str) -> oauth2::basic::BasicTokenIntrospectionResponse {
    let http = http::oidc(http::client(false));
    client.introspect(&AccessToken::new(token.to_string())).request_async(&http).await.expect("introspection")
}

#[rstest]
#[case::client_secret_basic("svc-basic", Some("svc-basic-secret-0123456789"), true)]
#[case::client_secret_post("svc-post", Some("svc-post-secret-0123456789"), false)]
#[tokio::test]
async fn client_credentials_gives_only_an_access_token(
    #[case] id: &str,
    #[case] secret: Option<&str>,
    #[case] basic: bool,
) {
    let op = launch(Options::default()).await;
    let client = oauth::client(&op.issuer, id, secret, basic).await;
    let tokens = cc(&client, "read", None).await.expect("client credentials");
    assert!(tokens.refresh_token().is_none(), "RFC 6749 §4.4.3: no refresh token");
    let raw = serde_json::to_value(&tokens).unwrap();
    assert!(raw.get("id_token").is_none(), "no ID token without an end-user");
    let info = introspect(&client, tokens.access_token().secret()).await;
    assert!(info.active());
    assert_eq!(info.client_id().map(|c| c.as_str()), Some(id));
    assert_eq!(info.sub(), Some(id), "RFC 9068 §2.2: sub is the client for client credentials");
    assert_eq!(info.scopes().unwrap()[0].as_str(), "read");
}

#[tokio::test]
async fn client_credentials_with_private_key_jwt() {
    let op = launch(Options::default()).await;
    let client = oauth::client(&op.issuer, "rp-jwt", None, false).await;
    let jwt = sign_with_key(&assertion_claims("rp-jwt", &op.issuer), &rp_jwt_key());
    let http = http::oidc(http::client(false));
    let tokens = client
        .exchange_client_credentials()
        .add_extra_param("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        .add_extra_param("client_assertion", jwt)
        .request_async(&http)
        .await
        .expect("authenticated by its key");
    assert!(!tokens.access_token().secret().is_empty());
}

#[rstest]
#[case::scope_the_client_may_not_have("svc-post", "admin", None, "invalid_scope")]
#[case::scope_the_resource_does_not_know("svc-basic", "admin", Some(API), "invalid_scope")]
#[case::openid_without_an_end_user("svc-basic", "openid", None, "invalid_scope")]
#[case::unknown_resource("svc-basic", "read", Some("https://unknown.example"), "invalid_target")]
#[tokio::test]
async fn client_credentials_errors(
    #[case] id: &str,
    #[case] scope: &str,
    #[case] resource: Option<&str>,
    #[case] error: &str,
) {
    let op = launch(Options::default()).await;
    let secret = if id == "svc-post" { "svc-post-secret-0123456789" } else { "svc-basic-secret-0123456789" };
    let client = oauth::client(&op.issuer, id, Some(secret), id == "svc-basic").await;
    assert_eq!(cc(&client, scope, resource).await.unwrap_err(), error);
}

#[tokio::test]
async fn a_resource_with_jwt_format_gets_an_rfc9068_access_token() {
    let op = launch(Options::default()).await;
    let tokens = cc(&svc(&op).await, "read write admin", Some(OPAQUE_API)).await;
    assert_eq!(tokens.unwrap_err(), "invalid_scope", "write is not the opaque API's");
    let tokens = cc(&svc(&op).await, "read write", Some(API)).await.unwrap();
    let jwt = tokens.access_token().secret();
    let header = payload_of(&format!("x.{}.x", jwt.split('.').next().unwrap()));
    assert_eq!(header["typ"], "at+jwt", "RFC 9068 §2.1");
    assert_eq!(header["alg"], "ES256", "the resource server's configured alg");
    let mut claims = payload_of(jwt);
    assert_eq!(claims["aud"], API);
    // Verify the signature with the provider's published key.
    let jwks: Value = http::json(http::client(false).get(format!("{}/jwks", op.issuer))).await;
    let key = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header["kid"]).unwrap();
    let verifier = josekit::jws::ES256
        .verifier_from_jwk(&josekit::jwk::Jwk::from_map(key.as_object().unwrap().clone()).unwrap())
        .unwrap();
    josekit::jws::deserialize_compact(jwt, &verifier).expect("signed by the provider");
    claims["iss"] = "[issuer]".into();
    insta::assert_json_snapshot!("jwt_access_token_client_credentials", claims, {
        ".exp" => "[exp]", ".iat" => "[iat]", ".jti" => "[jti]",
    });
}

#[tokio::test]
async fn resource_indicators_in_the_code_flow_and_refresh_narrowing() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let mut req = start(&rp, &["read", "offline_access"], true);
    req.url.query_pairs_mut().append_pair("resource", API).append_pair("resource", OPAQUE_API);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    // Two resources granted: the token request must pick one.
    let code = params["code"].clone();
    let token_url = format!("{}/token", op.issuer);
    let response = http::client(false)
        .post(&token_url)
        .basic_auth("rp-basic", BASIC.secret)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", BASIC.redirect_uri),
            ("code_verifier", req.verifier.as_ref().unwrap().secret().as_str()),
            ("resource", API),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(payload_of(access)["aud"], API);
    assert_eq!(body["scope"], "read", "only the API's scopes are in its token");
    // Resource-bound tokens are not for userinfo.
    assert!(flow::userinfo(&rp, &openidconnect::AccessToken::new(access.into())).await.is_err());
    // Nor an ID token: signed with the same keys, with alice's sub and our iss, but `typ`
    // at+jwt (RFC 9068 §2.1). As an id_token_hint it is refused (OIDC Core §3.1.2.1).
    let mut hinted = start(&rp, &[], true);
    hinted.url.query_pairs_mut().append_pair("id_token_hint", access);
    let refused = callback_params(&Browser::new(&op.issuer).open(hinted.url.as_str()).await.callback());
    assert_eq!(refused["error"], "invalid_request", "an access token is no id_token_hint: {refused:?}");
    // Refresh for the other granted resource: an opaque token for it.
    let refresh = body["refresh_token"].as_str().unwrap();
    let refreshed: Value =
        http::json(http::client(false).post(&token_url).basic_auth("rp-basic", BASIC.secret).form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("resource", OPAQUE_API),
        ]))
        .await;
    let opaque = refreshed["access_token"].as_str().expect("narrowed refresh");
    assert_eq!(opaque.split('.').count(), 1, "the opaque API gets opaque tokens");
    assert_eq!(refreshed["expires_in"], 600, "with its own lifetime");
    // A resource not granted at all is invalid_target.
    let refused: Value = http::json(http::client(false).post(&token_url).basic_auth("rp-basic", BASIC.secret).form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refreshed["refresh_token"].as_str().unwrap()),
        ("resource", "https://rs256.example.com"),
    ]))
    .await;
    assert_eq!(refused["error"], "invalid_target");
}

#[tokio::test]
async fn introspection_rules() {
    let op = launch(Options::default()).await;
    let svc = svc(&op).await;
    let token = cc(&svc, "read", Some(API)).await.unwrap().access_token().secret().clone();
    // The API's own client may introspect tokens issued for it; an unrelated client sees nothing.
    let rs = oauth::client(&op.issuer, "rs-api", Some("rs-api-secret-0123456789"), true).await;
    let response = http::client(false)
        .post(format!("{}/introspect", op.issuer))
        .basic_auth("rs-api", Some("rs-api-secret-0123456789"))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/token-introspection+jwt",
        "rs-api registered a signed alg"
    );
    let answer = payload_of(&response.text().await.unwrap());
    assert_eq!(answer["token_introspection"]["active"], true, "the API may introspect its tokens");
    assert_eq!(answer["token_introspection"]["aud"], API);
    drop(rs);
    let other = oauth::client(&op.issuer, "svc-post", Some("svc-post-secret-0123456789"), false).await;
    assert!(!introspect(&other, &token).await.active(), "a foreign token is inactive to others");
    assert!(!introspect(&svc, "not-a-token").await.active());
    // Public clients may not introspect.
    let response = http::client(false)
        .post(format!("{}/introspect", op.issuer))
        .form(&[("client_id", "rp-native"), ("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn jwt_introspection_responses_are_signed_by_the_provider() {
    let op = launch(Options::default()).await;
    let token = cc(&svc(&op).await, "read", None).await.unwrap().access_token().secret().clone();
    let response = http::client(false)
        .post(format!("{}/introspect", op.issuer))
        .basic_auth("svc-basic", Some("svc-basic-secret-0123456789"))
        .header("accept", "application/token-introspection+jwt")
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/token-introspection+jwt");
    let jwt = response.text().await.unwrap();
    let header = payload_of(&format!("x.{}.x", jwt.split('.').next().unwrap()));
    assert_eq!(header["typ"], "token-introspection+jwt", "RFC 9701 §5");
    let mut claims = payload_of(&jwt);
    assert_eq!(claims["aud"], "svc-basic");
    assert_eq!(claims["token_introspection"]["active"], true);
    claims["iss"] = "[issuer]".into();
    claims["token_introspection"]["iss"] = "[issuer]".into();
    insta::assert_json_snapshot!("introspection_jwt", claims, {
        ".iat" => "[iat]", ".token_introspection.exp" => "[exp]", ".token_introspection.iat" => "[iat]",
        ".token_introspection.jti" => "[jti]",
    });
}

#[tokio::test]
async fn introspection_of_a_refresh_token_and_after_rotation() {
    let op = launch(Options::default()).await;
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, &["offline_access"], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&tokens).unwrap().clone();
    let basic = oauth::client(&op.issuer, "rp-basic", BASIC.secret, true).await;
    let info = introspect(&basic, refresh.secret()).await;
    assert!(info.active());
    assert_eq!(serde_json::to_value(&info).unwrap()["token_type"], "refresh_token");
    assert_eq!(info.sub(), Some("248289761001"));
    let access = openidconnect::OAuth2TokenResponse::access_token(&tokens).secret();
    let mut raw = serde_json::to_value(&introspect(&basic, access).await).unwrap();
    // An opaque token's jti is its SHA-256, base64url (derived, not stored).
    let sha256 = <sha2::Sha256 as sha2::Digest>::digest(access.as_bytes());
    assert_eq!(raw["jti"], base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, sha256));
    raw["iss"] = "[issuer]".into();
    insta::assert_json_snapshot!("introspection_access_token", raw, { ".exp" => "[exp]", ".iat" => "[iat]", ".jti" => "[jti]" });
    flow::refresh(&rp, &refresh).await.unwrap();
    assert!(!introspect(&basic, refresh.secret()).await.active(), "a rotated refresh token is inactive");
}

/// POSTs to the revocation endpoint with HTTP Basic (the `oauth2` crate refuses plain http here,
/// as RFC 7009 §2 requires TLS; the harness runs on loopback http).
async fn revoke(op: &TestProvider, id: &str, secret: &str, token: &str, hint: Option<&str>) -> u16 {
    let mut form = vec![("token", token)];
    if let Some(hint) = hint {
        form.push(("token_type_hint", hint));
    }
    let response = http::client(false)
        .post(format!("{}/revoke", op.issuer))
        .basic_auth(id, Some(secret))
        .form(&form)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn revocation() {
    let op = launch(Options::default()).await;
    let svc = svc(&op).await;
    let secret = "svc-basic-secret-0123456789";
    // An access token: revoked, then inactive; unknown tokens are 200 too (RFC 7009 §2.2).
    let token = cc(&svc, "read", None).await.unwrap().access_token().clone();
    assert_eq!(revoke(&op, "svc-basic", secret, token.secret(), Some("access_token")).await, 200);
    assert!(!introspect(&svc, token.secret()).await.active());
    assert_eq!(revoke(&op, "svc-basic", secret, "unknown", None).await, 200);
    // Another client's token is refused, and stays active.
    let other_token = cc(&svc, "read", None).await.unwrap().access_token().clone();
    assert_eq!(revoke(&op, "svc-post", "svc-post-secret-0123456789", other_token.secret(), None).await, 400);
    assert!(introspect(&svc, other_token.secret()).await.active());
    // A wrong secret is 401.
    assert_eq!(revoke(&op, "svc-basic", "wrong-secret", other_token.secret(), None).await, 401);

    // A refresh token, with a misleading hint: its grant's access tokens go with it.
    let rp = rp::relying_party(&op.issuer, BASIC).await;
    let req = start(&rp, &["offline_access"], true);
    let params = callback_params(
        &Browser::new(&op.issuer).authorize(req.url.as_str(), "alice", "alice-password").await.callback(),
    );
    let tokens = flow::exchange(&rp, &params["code"], req.verifier).await.unwrap();
    let refresh = openidconnect::OAuth2TokenResponse::refresh_token(&tokens).unwrap().secret().clone();
    assert_eq!(revoke(&op, "rp-basic", BASIC.secret.unwrap(), &refresh, Some("access_token")).await, 200);
    assert!(flow::userinfo(&rp, openidconnect::OAuth2TokenResponse::access_token(&tokens)).await.is_err());
    assert!(flow::refresh(&rp, &openidconnect::RefreshToken::new(refresh)).await.is_err());
}

#[tokio::test]
async fn a_client_credentials_jwt_introspects_and_revokes_like_a_stored_token() {
    // Such a token is self-contained (not stored): introspection verifies it and revocation
    // records its jti, and neither shows any difference to the client.
    let op = launch(Options::default()).await;
    let svc = svc(&op).await;
    let secret = "svc-basic-secret-0123456789";
    let jwt = cc(&svc, "read", Some(API)).await.unwrap().access_token().clone();
    let claims = payload_of(jwt.secret());
    let request = http::client(false)
        .post(format!("{}/introspect", op.issuer))
        .basic_auth("svc-basic", Some(secret))
        .form(&[("token", jwt.secret())]);
    let info = http::json(request).await;
    assert_eq!(info["active"], true);
    for member in ["jti", "exp", "iat", "aud", "client_id", "sub", "scope", "iss"] {
        assert_eq!(info[member], claims[member], "RFC 7662 §2.2 {member}");
    }
    assert_eq!(info["token_type"], "Bearer");
    let other = cc(&svc, "read", Some(API)).await.unwrap().access_token().clone();
    assert_eq!(revoke(&op, "svc-post", "svc-post-secret-0123456789", jwt.secret(), None).await, 400);
    assert!(introspect(&svc, jwt.secret()).await.active(), "another client's revocation was refused");
    assert_eq!(revoke(&op, "svc-basic", secret, jwt.secret(), None).await, 200);
    assert!(!introspect(&svc, jwt.secret()).await.active(), "revoked");
    assert!(introspect(&svc, other.secret()).await.active(), "only that token");
    assert_eq!(revoke(&op, "svc-basic", secret, jwt.secret(), None).await, 200, "RFC 7009 §2.2: again, 200");
}

/// Client credentials then introspection of the token, for one client authentication method.
async fn token_form(op: &TestProvider, auth: &str, mut form: Vec<(&'static str, String)>, path: &str) -> Value {
    let request = http::client(false).post(format!("{}{path}", op.issuer));
    let request = match auth {
        "client_secret_basic" => request.basic_auth("svc-basic", Some("svc-basic-secret-0123456789")),
        "client_secret_post" => {
            form.push(("client_id", "svc-post".into()));
            form.push(("client_secret", "svc-post-secret-0123456789".into()));
            request
        }
        "private_key_jwt" => {
            form.push(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into()));
            form.push(("client_assertion", sign_with_key(&assertion_claims("rp-jwt", &op.issuer), &rp_jwt_key())));
            request
        }
        "client_secret_jwt" => {
            let secret = "rp-hmac-secret-that-is-at-least-32-bytes-long";
            let jwt = client_harness::assertion::sign_with_secret(&assertion_claims("rp-hmac", &op.issuer), secret);
            form.push(("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into()));
            form.push(("client_assertion", jwt));
            request
        }
        other => panic!("{other}"),
    };
    request.form(&form).send().await.unwrap().json().await.unwrap()
}

#[rstest]
#[case("client_secret_basic")]
#[case("client_secret_post")]
#[case("private_key_jwt")]
#[case("client_secret_jwt")]
#[tokio::test]
async fn client_credentials_and_introspection_with_every_authentication_method(#[case] auth: &str) {
    let op = launch(Options::default()).await;
    let tokens =
        token_form(&op, auth, vec![("grant_type", "client_credentials".into()), ("scope", "read".into())], "/token")
            .await;
    let token = tokens["access_token"].as_str().unwrap_or_else(|| panic!("{auth}: {tokens}")).to_string();
    let answer = token_form(&op, auth, vec![("token", token)], "/introspect").await;
    assert_eq!(answer["active"], true, "{auth}: {answer}");
    assert_eq!(answer["scope"], "read");
}
