//! Software statements (RFC 7591 §2.3): a JWT, signed by an issuer the operator trusts, that
//! asserts metadata about the client software. Its claims take precedence over the members of
//! the registration, and the statement itself is kept and answered unmodified (§3.2.1).

use super::super::trusted_issuers::IssuerError;
use crate::Provider;
use crate::protocol::{ErrorCode, OAuthError, OAuthResult};
use serde_json::{Map, Value};

/// Claims of the JWT itself, not metadata: they are not copied into the registration.
const JWT_CLAIMS: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// Verifies a statement against the trusted issuers: its claims, or the error RFC 7591 §3.2.2
/// names.
fn verify(op: &Provider, statement: &str) -> OAuthResult<Map<String, Value>> {
    match op.software_statement_issuers().verify(statement) {
        Ok((_, claims)) => Ok(claims),
        Err(IssuerError::Untrusted(issuer)) => {
            let description = format!("software_statement: the issuer {issuer:?} is not trusted here");
            Err(OAuthError::new(ErrorCode::UnapprovedSoftwareStatement, description))
        }
        Err(IssuerError::Invalid(why)) => {
            Err(OAuthError::new(ErrorCode::InvalidSoftwareStatement, format!("software_statement: {why}")))
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
    let claims = verify(op, statement)?;
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
