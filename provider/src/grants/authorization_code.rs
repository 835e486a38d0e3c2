//! The authorization code grant (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.6).

use super::{Asked, credential};
use crate::Provider;
use crate::clients::Client;
use crate::model::AuthorizationCode;
use crate::protocol::{OAuthError, OAuthResult, grant_type};
use crate::sender::Binding;
use crate::security::{constant_time_eq, sha256_b64url};
use crate::tokens::{self, Issue, TokenResponse, access_token};

/// Exchanges a code for tokens.
pub(super) async fn exchange(
    op: &Provider,
    client: &Client,
    code: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
    mut asked: Asked,
    binding: &Binding,
) -> OAuthResult<TokenResponse> {
    let found = credential::load::<AuthorizationCode>(op, code, client).await?;
    let record = found.model;
    if found.consumed_at.is_some() {
        return Err(credential::replayed(op, code, &record).await);
    }
    check_redirect_uri(client, &record, redirect_uri)?;
    check_pkce(&record, code_verifier)?;
    check_dpop_binding(&record, binding)?;
    let audience = access_token::audience(&record.claims, &asked.resource)?;
    let access_claims = asked.narrow(&record.claims)?;
    // Atomic: of two concurrent exchanges exactly one spends the code; the other is a replay.
    if !credential::spend::<AuthorizationCode>(op, code).await? {
        return Err(credential::replayed(op, code, &record).await);
    }
    let refresh = tokens::refresh_wanted(client, &record.claims);
    let claims = record.claims.clone();
    let grant_type = grant_type::AUTHORIZATION_CODE;
    let issue = Issue { client, claims, nonce: record.nonce.clone(), refresh, audience, binding, access_claims, grant_type };
    let response = tokens::issue(op, issue).await?;
    // RFC 6749 §4.1.2: a replay that raced this exchange revokes what it issued too.
    credential::confirm_not_replayed(op, code, &record).await?;
    Ok(response)
}

/// RFC 9449 §10.1: a code bound to a DPoP key is exchanged only with a proof by that key.
fn check_dpop_binding(record: &AuthorizationCode, binding: &Binding) -> OAuthResult<()> {
    let Some(bound) = &record.dpop_jkt else { return Ok(()) };
    match binding.cnf.as_ref().and_then(|cnf| cnf.jkt.as_ref()) {
        Some(jkt) if jkt == bound => Ok(()),
        _ => Err(OAuthError::invalid_grant("the code is bound to a DPoP key (dpop_jkt) this request does not prove")),
    }
}

/// RFC 6749 §4.1.3: the redirect URI must be the one the code was sent to.
fn check_redirect_uri(client: &Client, record: &AuthorizationCode, given: Option<&str>) -> OAuthResult<()> {
    match given {
        Some(uri) if uri == record.redirect_uri => Ok(()),
        Some(_) => Err(OAuthError::invalid_grant("redirect_uri does not match the authorization request")),
        None if client.redirect_uris.len() == 1 => Ok(()),
        None => Err(OAuthError::invalid_request("missing parameter redirect_uri")),
    }
}

/// RFC 7636 §4.6 (S256); RFC 9700 §2.1.1: a verifier without a challenge is refused (downgrade).
fn check_pkce(record: &AuthorizationCode, verifier: Option<&str>) -> OAuthResult<()> {
    match (&record.code_challenge, verifier) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(OAuthError::invalid_grant("code_verifier given but no code_challenge was sent")),
        (Some(_), None) => Err(OAuthError::invalid_grant("missing code_verifier")),
        (Some(challenge), Some(verifier)) => {
            // RFC 7636 §4.1: 43 to 128 unreserved characters.
            let well_formed = (43..=128).contains(&verifier.len())
                && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            if well_formed && constant_time_eq(&sha256_b64url(verifier), challenge) {
                Ok(())
            } else {
                Err(OAuthError::invalid_grant("code_verifier does not match the code_challenge"))
            }
        }
    }
}
