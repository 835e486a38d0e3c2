//! Plain OAuth 2.0 clients built on the `oauth2` crate (client credentials, introspection,
//! revocation), configured from the provider's discovery document.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, IntrospectionUrl, RevocationUrl, TokenUrl,
};

/// An `oauth2` client with the token, introspection and revocation endpoints set.
pub type OAuthClient = BasicClient<EndpointNotSet, EndpointNotSet, EndpointSet, EndpointSet, EndpointSet>;

/// A client for `id` (with `secret`, sent with HTTP Basic or in the body).
pub async fn client(issuer: &str, id: &str, secret: Option<&str>, basic: bool) -> OAuthClient {
    let metadata = crate::rp::discover(issuer).await;
    let doc = serde_json::to_value(&metadata).expect("metadata serialises");
    let url = |name: &str| doc[name].as_str().map(String::from).unwrap_or_else(|| format!("{issuer}/{name}-missing"));
    let mut client = BasicClient::new(ClientId::new(id.to_string()))
        .set_token_uri(TokenUrl::new(url("token_endpoint")).unwrap())
        .set_introspection_url(IntrospectionUrl::new(format!("{issuer}/introspect")).unwrap())
        .set_revocation_url(RevocationUrl::new(format!("{issuer}/revoke")).unwrap())
        .set_auth_type(if basic { AuthType::BasicAuth } else { AuthType::RequestBody });
    if let Some(secret) = secret {
        client = client.set_client_secret(ClientSecret::new(secret.to_string()));
    }
    client
}
