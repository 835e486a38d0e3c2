//! The relying party's side of the code flow, step by step, with the `openidconnect` crate.

use crate::rp::Rp;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreIdTokenClaims, CoreJwsSigningAlgorithm, CoreTokenResponse, CoreUserInfoClaims,
};
use openidconnect::{
    AccessToken, AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RefreshToken, RequestTokenError, Scope, TokenResponse,
};
use url::Url;

/// An authorization request the RP has started.
pub struct Started {
    /// The URL to send the browser to.
    pub url: Url,
    /// The `state` it must get back.
    pub state: CsrfToken,
    /// The `nonce` the ID token must carry.
    pub nonce: Nonce,
    /// The PKCE verifier, if PKCE is used.
    pub verifier: Option<PkceCodeVerifier>,
}

/// Builds a code flow request for `scopes` (besides `openid`), with PKCE if asked.
pub fn start(rp: &Rp, scopes: &[&str], pkce: bool) -> Started {
    start_flow(rp, CoreAuthenticationFlow::AuthorizationCode, scopes, pkce)
}

/// Builds a request for any flow: code, implicit (`Implicit(with_token)`) or hybrid
/// (`Hybrid(response types)`).
pub fn start_flow(rp: &Rp, flow: CoreAuthenticationFlow, scopes: &[&str], pkce: bool) -> Started {
    let mut request = rp.authorize_url(flow, CsrfToken::new_random, Nonce::new_random);
    for scope in scopes {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    let mut verifier = None;
    if pkce {
        let (challenge, v) = PkceCodeChallenge::new_random_sha256();
        request = request.set_pkce_challenge(challenge);
        verifier = Some(v);
    }
    let (url, state, nonce) = request.url();
    Started { url, state, nonce, verifier }
}

/// The OAuth error code of a failed token request, or a description of the transport failure.
pub type TokenError = String;

fn describe<E: std::error::Error>(
    err: RequestTokenError<E, openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>>,
) -> TokenError {
    match err {
        RequestTokenError::ServerResponse(response) => response.error().as_ref().to_string(),
        other => format!("transport: {other:?}"),
    }
}

/// Exchanges a code at the token endpoint.
pub async fn exchange(
    rp: &Rp,
    code: &str,
    verifier: Option<PkceCodeVerifier>,
) -> Result<CoreTokenResponse, TokenError> {
    let http = crate::http::oidc(crate::http::client(false));
    let mut request = rp.exchange_code(AuthorizationCode::new(code.to_string())).expect("token endpoint known");
    if let Some(verifier) = verifier {
        request = request.set_pkce_verifier(verifier);
    }
    request.request_async(&http).await.map_err(describe)
}

/// Exchanges a code authenticating with a client assertion (RFC 7523), which the RP crate sends
/// as extra parameters.
pub async fn exchange_with_assertion(
    rp: &Rp,
    code: &str,
    verifier: Option<PkceCodeVerifier>,
    assertion: &str,
) -> Result<CoreTokenResponse, TokenError> {
    let http = crate::http::oidc(crate::http::client(false));
    let mut request = rp
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .expect("token endpoint known")
        .add_extra_param("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        .add_extra_param("client_assertion", assertion);
    if let Some(verifier) = verifier {
        request = request.set_pkce_verifier(verifier);
    }
    request.request_async(&http).await.map_err(describe)
}

/// Uses a refresh token.
pub async fn refresh(rp: &Rp, refresh_token: &RefreshToken) -> Result<CoreTokenResponse, TokenError> {
    let http = crate::http::oidc(crate::http::client(false));
    rp.exchange_refresh_token(refresh_token).expect("token endpoint known").request_async(&http).await.map_err(describe)
}

/// The RP's ID token verifier, accepting every algorithm the provider offers.
fn id_token_verifier(rp: &Rp) -> openidconnect::core::CoreIdTokenVerifier<'_> {
    rp.id_token_verifier().set_allowed_algs(vec![
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        CoreJwsSigningAlgorithm::RsaSsaPssSha256,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        CoreJwsSigningAlgorithm::EdDsa,
    ])
}

/// Validates the ID token in a token response as an RP must (signature with the provider's
/// JWKS, `iss`, `aud`, `exp`, `nonce`, `at_hash`), accepting the algorithms the provider offers.
pub fn verify_id_token(rp: &Rp, response: &CoreTokenResponse, nonce: &Nonce) -> CoreIdTokenClaims {
    let id_token = response.id_token().expect("an ID token");
    let verifier = id_token_verifier(rp);
    let claims = id_token.claims(&verifier, nonce).expect("a valid ID token").clone();
    if let Some(expected) = claims.access_token_hash() {
        let alg = id_token.signing_alg().expect("signing alg");
        let key = id_token.signing_key(&verifier).expect("signing key");
        let actual =
            openidconnect::AccessTokenHash::from_token(response.access_token(), alg, key).expect("at_hash computes");
        assert_eq!(&actual, expected, "at_hash does not match the access token");
    }
    claims
}

/// Validates an ID token from the authorization response, with its `c_hash` and `at_hash`
/// checked against the code and access token that came with it (OIDC Core §3.3.2.12).
pub fn verify_front_channel_id_token(
    rp: &Rp,
    id_token: &str,
    nonce: &Nonce,
    code: Option<&str>,
    access_token: Option<&str>,
) -> CoreIdTokenClaims {
    let id_token: openidconnect::core::CoreIdToken = id_token.parse().expect("an ID token");
    let verifier = id_token_verifier(rp);
    let claims = id_token.claims(&verifier, nonce).expect("a valid ID token").clone();
    let alg = id_token.signing_alg().expect("signing alg");
    let key = id_token.signing_key(&verifier).expect("signing key");
    match code {
        Some(code) => {
            let expected =
                openidconnect::AuthorizationCodeHash::from_code(&AuthorizationCode::new(code.into()), alg, key)
                    .expect("c_hash computes");
            assert_eq!(claims.code_hash(), Some(&expected), "c_hash must match the code");
        }
        None => assert!(claims.code_hash().is_none(), "no c_hash without a code"),
    }
    match access_token {
        Some(token) => {
            let expected = openidconnect::AccessTokenHash::from_token(&AccessToken::new(token.into()), alg, key)
                .expect("at_hash computes");
            assert_eq!(claims.access_token_hash(), Some(&expected), "at_hash must match the access token");
        }
        None => assert!(claims.access_token_hash().is_none(), "no at_hash without an access token"),
    }
    claims
}

/// Fetches userinfo with an access token.
pub async fn userinfo(rp: &Rp, token: &AccessToken) -> Result<CoreUserInfoClaims, String> {
    let http = crate::http::oidc(crate::http::client(false));
    rp.user_info(token.clone(), None)
        .expect("userinfo endpoint known")
        .request_async(&http)
        .await
        .map_err(|e| format!("{e:?}"))
}

/// The payload of a compact JWS, decoded without verification (for snapshots and forgeries).
pub fn payload_of(jwt: &str) -> serde_json::Value {
    use base64::Engine as _;
    let part = jwt.split('.').nth(1).expect("a compact JWS");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).expect("base64url"))
        .expect("JSON")
}
