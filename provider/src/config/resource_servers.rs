//! The `[[resource_servers]]` sections: the audiences of access tokens (RFC 8707, RFC 9068).

use super::ConfigError;
use serde::{Deserialize, Serialize};

/// The format of access tokens.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TokenFormat {
    /// 256 random bits; the resource server introspects them.
    Opaque,
    /// An RFC 9068 JWT the resource server validates itself.
    Jwt,
}

/// A resource server: an audience of access tokens (RFC 8707).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceServer {
    /// the resource indicator: an absolute URI without fragment
    pub identifier: String,
    /// the scopes it understands (published in `scopes_supported`)
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `opaque` (256 random bits, stored as a hash; its introspected `jti` is that SHA-256, base64url) or `jwt` (RFC
    /// 9068, `typ: at+jwt`). A user's JWT is stored as a hash too, so revoking its grant ends it. A client credentials
    /// JWT is self-contained and not stored: introspection verifies its signature, and revoking it stores its `jti`
    /// until it expires
    #[serde(default = "default_format")]
    pub access_token_format: TokenFormat,
    /// its tokens' lifetime
    #[serde(default)]
    pub access_token_ttl: Option<u64>,
    /// the alg of its JWT tokens, one of `keys.signing_algs`
    #[serde(default = "default_rs_alg")]
    pub signing_alg: String,
    /// the resource server's own client, which may introspect the tokens issued for it
    #[serde(default)]
    pub client_id: Option<String>,
}

fn default_format() -> TokenFormat {
    TokenFormat::Opaque
}

fn default_rs_alg() -> String {
    "RS256".into()
}

impl ResourceServer {
    /// Each identifier an absolute URI, once; JWTs signed with an offered algorithm.
    pub(super) fn check_all(servers: &[ResourceServer], signing_algs: &[String], errors: &mut Vec<ConfigError>) {
        for (i, rs) in servers.iter().enumerate() {
            let key = format!("resource_servers[{i}]");
            let url = url::Url::parse(&rs.identifier);
            if url.is_err() || rs.identifier.contains('#') {
                errors.push(ConfigError::new(
                    format!("{key}.identifier"),
                    "must be an absolute URI without fragment (RFC 8707 §2)",
                ));
            }
            if servers.iter().filter(|other| other.identifier == rs.identifier).count() > 1 {
                errors.push(ConfigError::new(format!("{key}.identifier"), "is configured twice"));
            }
            if !signing_algs.contains(&rs.signing_alg) {
                errors.push(ConfigError::new(format!("{key}.signing_alg"), "must be one of keys.signing_algs"));
            }
            if rs.access_token_ttl == Some(0) {
                errors.push(ConfigError::new(format!("{key}.access_token_ttl"), "must be at least 1 (seconds)"));
            }
        }
    }
}
