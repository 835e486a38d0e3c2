//! What is measured: one scenario per row of the list, and how each server is asked.

use crate::load::Request;
use crate::session::{CLIENT_ID, CLIENT_SECRET, Endpoints};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A scenario of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    Discovery,
    Jwks,
    /// client_credentials, client_secret_basic, for the resource server named.
    ClientCredentials(TokenFormat),
    Introspection,
    Userinfo,
    CodeFlow,
}

/// The access token formats, one resource server each (`bench/provider.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenFormat {
    Opaque,
    JwtEs256,
    JwtRs256,
}

impl TokenFormat {
    /// The resource indicator (RFC 8707) of the resource server with this format.
    pub fn resource(self) -> &'static str {
        match self {
            Self::Opaque => "https://opaque.bench",
            Self::JwtEs256 => "https://es256.bench",
            Self::JwtRs256 => "https://rs256.bench",
        }
    }
}

/// Every scenario, in report order.
pub const ALL: [Scenario; 8] = [
    Scenario::Discovery,
    Scenario::Jwks,
    Scenario::ClientCredentials(TokenFormat::Opaque),
    Scenario::ClientCredentials(TokenFormat::JwtEs256),
    Scenario::ClientCredentials(TokenFormat::JwtRs256),
    Scenario::Introspection,
    Scenario::Userinfo,
    Scenario::CodeFlow,
];

/// What a server needs issued before the runs: tokens to introspect and to present.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// An opaque client_credentials token of the bench client.
    pub opaque: String,
    /// An access token for alice, from a code flow.
    pub userinfo: String,
}

impl Scenario {
    /// Its row label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Discovery => "GET discovery",
            Self::Jwks => "GET jwks",
            Self::ClientCredentials(TokenFormat::Opaque) => "client_credentials, opaque",
            Self::ClientCredentials(TokenFormat::JwtEs256) => "client_credentials, JWT ES256",
            Self::ClientCredentials(TokenFormat::JwtRs256) => "client_credentials, JWT RS256",
            Self::Introspection => "introspection (opaque)",
            Self::Userinfo => "GET userinfo",
            Self::CodeFlow => "code flow + PKCE (flows/s)",
        }
    }

    /// A short name for `--only`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Discovery => "discovery",
            Self::Jwks => "jwks",
            Self::ClientCredentials(TokenFormat::Opaque) => "cc-opaque",
            Self::ClientCredentials(TokenFormat::JwtEs256) => "cc-es256",
            Self::ClientCredentials(TokenFormat::JwtRs256) => "cc-rs256",
            Self::Introspection => "introspection",
            Self::Userinfo => "userinfo",
            Self::CodeFlow => "code-flow",
        }
    }

    /// The request wrk repeats against a provider (`None` for the code flow, driven from here).
    pub fn request(self, endpoints: &Endpoints, tokens: &Tokens) -> Option<Request> {
        let basic = Some(format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))));
        let get = |url: &str, authorization: Option<String>| Request {
            method: "GET",
            url: url.into(),
            body: None,
            authorization,
        };
        Some(match self {
            Self::Discovery => get(&endpoints.discovery, None),
            Self::Jwks => get(&endpoints.jwks, None),
            Self::Userinfo => get(&endpoints.userinfo, Some(format!("Bearer {}", tokens.userinfo))),
            Self::ClientCredentials(_) | Self::Introspection => Request {
                method: "POST",
                url: if self == Self::Introspection { &endpoints.introspection } else { &endpoints.token }.clone(),
                body: self.form(tokens),
                authorization: basic,
            },
            Self::CodeFlow => return None,
        })
    }

    /// The same shape of request against the bare Rocket ceiling at `base`.
    pub fn ceiling_request(self, base: &str, tokens: &Tokens) -> Option<Request> {
        match self {
            Self::CodeFlow => None,
            Self::ClientCredentials(_) | Self::Introspection => Some(Request {
                method: "POST",
                url: format!("{base}/form"),
                body: self.form(tokens),
                authorization: None,
            }),
            _ => Some(Request { method: "GET", url: format!("{base}/get"), body: None, authorization: None }),
        }
    }

    fn form(self, tokens: &Tokens) -> Option<String> {
        let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        match self {
            Self::ClientCredentials(format) => {
                Some(format!("grant_type=client_credentials&scope=read&resource={}", encode(format.resource())))
            }
            Self::Introspection => Some(format!("token={}", encode(&tokens.opaque))),
            _ => None,
        }
    }
}
