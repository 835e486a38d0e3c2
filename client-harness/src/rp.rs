//! Relying parties built on the `openidconnect` crate for the fixture clients.

use openidconnect::core::{CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthType, ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, RedirectUrl,
};

/// An `openidconnect` client configured from discovery.
pub type Rp =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// A fixture client: its id, secret and how it authenticates.
#[derive(Debug, Clone, Copy)]
pub struct FixtureClient {
    /// `client_id`.
    pub id: &'static str,
    /// `client_secret`, for confidential clients.
    pub secret: Option<&'static str>,
    /// Basic or body authentication.
    pub auth: AuthStyle,
    /// The redirect URI the harness uses.
    pub redirect_uri: &'static str,
}

/// How a fixture client sends its credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStyle {
    /// `client_secret_basic`.
    Basic,
    /// `client_secret_post`.
    Post,
    /// `none` (public client).
    None,
}

/// `rp-basic`: confidential, `client_secret_basic`, RS256 ID tokens.
pub const BASIC: FixtureClient = FixtureClient {
    id: "rp-basic",
    secret: Some("rp-basic-secret-0123456789"),
    auth: AuthStyle::Basic,
    redirect_uri: "https://rp.example.com/callback",
};
/// `rp-post`: confidential, `client_secret_post`, ES256 ID tokens.
pub const POST: FixtureClient = FixtureClient {
    id: "rp-post",
    secret: Some("rp-post-secret-0123456789"),
    auth: AuthStyle::Post,
    redirect_uri: "https://rp.example.com/callback",
};
/// `rp-native`: public, PKCE required, EdDSA ID tokens.
pub const NATIVE: FixtureClient = FixtureClient {
    id: "rp-native",
    secret: None,
    auth: AuthStyle::None,
    redirect_uri: "http://127.0.0.1:8080/callback",
};

/// `rp-implicit`: `id_token` and `id_token token`, PS256 ID tokens.
pub const IMPLICIT: FixtureClient = FixtureClient {
    id: "rp-implicit",
    secret: Some("rp-implicit-secret-0123456789"),
    auth: AuthStyle::Basic,
    redirect_uri: "https://rp.example.com/callback",
};
/// `rp-hybrid`: `code` and the three hybrid response types, ES256 ID tokens.
pub const HYBRID: FixtureClient = FixtureClient {
    id: "rp-hybrid",
    secret: Some("rp-hybrid-secret-0123456789"),
    auth: AuthStyle::Basic,
    redirect_uri: "https://rp.example.com/callback",
};

/// `rp-jwt`: `private_key_jwt` with an inline ES256 key (private half in `fixtures/keys`).
pub const JWT: FixtureClient = FixtureClient {
    id: "rp-jwt",
    secret: None,
    auth: AuthStyle::None,
    redirect_uri: "https://rp.example.com/callback",
};
/// `rp-hmac`: `client_secret_jwt`.
pub const HMAC: FixtureClient = FixtureClient {
    id: "rp-hmac",
    secret: Some("rp-hmac-secret-that-is-at-least-32-bytes-long"),
    auth: AuthStyle::None,
    redirect_uri: "https://rp.example.com/callback",
};

/// `rp-pairwise`: pairwise subject identifiers for the sector `rp.example.com`.
pub const PAIRWISE: FixtureClient = FixtureClient {
    id: "rp-pairwise",
    secret: Some("rp-pairwise-secret-0123456789"),
    auth: AuthStyle::Basic,
    redirect_uri: "https://rp.example.com/callback",
};

/// Discovers the provider's metadata.
pub async fn discover(issuer: &str) -> CoreProviderMetadata {
    let http = crate::http::oidc(crate::http::client(false));
    CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.to_string()).expect("issuer URL"), &http)
        .await
        .expect("discovery")
}

/// A relying party for a fixture client, configured from discovery.
pub async fn relying_party(issuer: &str, client: FixtureClient) -> Rp {
    let metadata = discover(issuer).await;
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client.id.to_string()),
        client.secret.map(|s| ClientSecret::new(s.to_string())),
    )
    .set_redirect_uri(RedirectUrl::new(client.redirect_uri.to_string()).expect("redirect URI"));
    match client.auth {
        AuthStyle::Post | AuthStyle::None => rp.set_auth_type(AuthType::RequestBody),
        AuthStyle::Basic => rp.set_auth_type(AuthType::BasicAuth),
    }
}

/// A relying party for a client registered at run time (id and secret known only then).
pub async fn registered_party(issuer: &str, client_id: &str, secret: Option<&str>, redirect_uri: &str) -> Rp {
    let metadata = discover(issuer).await;
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(client_id.to_string()),
        secret.map(|s| ClientSecret::new(s.to_string())),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string()).expect("redirect URI"))
    .set_auth_type(AuthType::BasicAuth)
}
