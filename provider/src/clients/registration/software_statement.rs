//! Software statements (RFC 7591 §2.3): a JWT, signed by an issuer the operator trusts, that
//! asserts metadata about the client software. Its claims take precedence over the members of
//! the registration, and the statement itself is kept and answered unmodified (§3.2.1).

use super::super::key_sets::ClientKeySet;
use super::super::keys::try_keys;
use crate::Provider;
use crate::config::RegistrationConfig;
use crate::jose::{self, SigningAlg};
use crate::protocol::{ErrorCode, OAuthError, OAuthResult};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Claims of the JWT itself, not metadata: they are not copied into the registration.
const JWT_CLAIMS: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// The trusted issuers' key sets, parsed once at start.
#[derive(Default)]
pub(crate) struct TrustedIssuers(HashMap<String, ClientKeySet>);

impl TrustedIssuers {
    /// Reads each configured issuer's JWK set file; an unreadable or empty one stops the start.
    pub(crate) async fn load(config: &RegistrationConfig) -> Result<Self, String> {
        let mut issuers = HashMap::new();
        for (issuer, path) in &config.software_statement_issuers {
            let named = |why: String| format!("registration.software_statement_issuers.{issuer}: {}: {why}", path.display());
            let text = tokio::fs::read_to_string(path).await.map_err(|e| named(e.to_string()))?;
            let document: Value = serde_json::from_str(&text).map_err(|e| named(e.to_string()))?;
            let set = ClientKeySet::parse(&document).map_err(named)?;
            if set.keys.is_empty() {
                return Err(named("the JWK set has no usable key".into()));
            }
            issuers.insert(issuer.clone(), set);
        }
        Ok(Self(issuers))
    }

    /// The statement's claims, if a trusted issuer signed it with an asymmetric key and it has
    /// not expired.
    fn verify(&self, statement: &str) -> OAuthResult<Map<String, Value>> {
        let invalid = |why: &str| OAuthError::new(ErrorCode::InvalidSoftwareStatement, format!("software_statement: {why}"));
        let (header, claims) = jose::peek(statement).map_err(|_| invalid("is not a signed JWT"))?;
        let issuer = claims["iss"].as_str().ok_or_else(|| invalid("has no iss"))?;
        let Some(keys) = self.0.get(issuer) else {
            let description = format!("software_statement: the issuer {issuer:?} is not trusted here");
            return Err(OAuthError::new(ErrorCode::UnapprovedSoftwareStatement, description));
        };
        // Only the issuer's own keys: never `none`, never an HMAC that anyone holding a secret could make.
        let alg: SigningAlg = header["alg"].as_str().and_then(|a| a.parse().ok()).ok_or_else(|| invalid("alg is not allowed"))?;
        let verified = try_keys(keys, alg, header["kid"].as_str(), statement)
            .map_err(|_| invalid("the signature does not verify with the issuer's keys"))?;
        if verified["exp"].as_i64().is_some_and(|exp| exp <= crate::security::now()) {
            return Err(invalid("has expired"));
        }
        match verified {
            Value::Object(claims) => Ok(claims),
            _ => Err(invalid("its claims are not a JSON object")),
        }
    }
}

/// RFC 7591 §2.3, §3.1.1: with a `software_statement`, its verified claims replace the members
/// of the same name. Without one, registration goes on unless the configuration requires one.
pub(super) fn apply(op: &Provider, metadata: &mut Map<String, Value>) -> OAuthResult<()> {
    let statement = match metadata.get("software_statement") {
        None if op.config().registration.require_software_statement => {
            let description = "software_statement: a statement from a trusted issuer is required";
            return Err(OAuthError::new(ErrorCode::InvalidSoftwareStatement, description));
        }
        None => return Ok(()),
        Some(Value::String(statement)) => statement,
        Some(_) => return Err(OAuthError::new(ErrorCode::InvalidSoftwareStatement, "software_statement: must be a JWT")),
    };
    let claims = op.software_statement_issuers().verify(statement)?;
    // What the server assigns stays the server's, whatever a statement claims.
    // And the statement itself stays as sent (RFC 7591 §3.2.1: returned unmodified).
    let assigned = |name: &str| {
        super::SERVER_ASSIGNED.contains(&name) || matches!(name, "client_id" | "client_secret" | "software_statement")
    };
    for (name, value) in claims {
        if !JWT_CLAIMS.contains(&name.as_str()) && !assigned(&name) {
            metadata.insert(name, value);
        }
    }
    Ok(())
}
