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
    /// Its resource indicator: an absolute URI without fragment (RFC 8707 §2).
    pub identifier: String,
    /// The scopes it understands; tokens for it carry only these.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Opaque or JWT access tokens.
    #[serde(default = "default_format")]
    pub access_token_format: TokenFormat,
    /// Access token lifetime in seconds (default `ttl.access_token`).
    #[serde(default)]
    pub access_token_ttl: Option<u64>,
    /// JWS alg of JWT access tokens (one of `keys.signing_algs`).
    #[serde(default = "default_rs_alg")]
    pub signing_alg: String,
    /// The resource server's own client, which may introspect the tokens issued for it.
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
