//! FAPI profiles as policy over the core: FAPI 1.0 Advanced, and the FAPI 2.0 Security Profile
//! and Message Signing. A profile forks nothing. The core decides as it always does; the policy
//! adds rules at the points where the core already decides:
//!
//! - the configuration, where the profile's TOML turns on the building blocks and the rules
//!   refuse a configuration that weakens them ([`check_config`]);
//! - client metadata, static or registered ([`check_client`]);
//! - an authorization request, pushed or not, once its parameters are known
//!   ([`check_authorization_request`]);
//! - the algorithms a client's JWTs may use ([`client_algs`]);
//! - a client assertion's `aud` ([`assertion_audience`]);
//! - the token endpoint's binding: tokens must be sender-constrained ([`check_binding`]).
//!
//! Each family's rules are a list in its own module ([`fapi1`], [`fapi2`]), each named and citing
//! its clause.

mod fapi1;
mod fapi2;

use crate::clients::Client;
use crate::config::{Config, ConfigError, FapiProfile};
use crate::protocol::{ErrorCode, OAuthError, ResponseMode, ResponseType};
use crate::sender::Binding;

/// What an authorization request asks, as the rules read it (after its request object, if any).
#[derive(Debug, Clone)]
pub(crate) struct AuthorizationView {
    /// Arriving at `/par` (RFC 9126 §2.1).
    pub pushed: bool,
    /// The response type asked for.
    pub response_type: ResponseType,
    /// The response mode the answer will use.
    pub response_mode: ResponseMode,
    /// The scopes asked for, as given.
    pub scope: Option<String>,
    /// `nonce` is present.
    pub nonce: bool,
    /// `state` is present.
    pub state: bool,
    /// `redirect_uri` is present (not defaulted from the registration).
    pub redirect_uri: bool,
    /// A PKCE `code_challenge` is present.
    pub code_challenge: bool,
}

impl AuthorizationView {
    /// Whether the `openid` scope is asked for.
    pub fn openid(&self) -> bool {
        self.scope.as_deref().is_some_and(|s| s.split_whitespace().any(|s| s == "openid"))
    }
}

/// A broken rule: the error the spec names, and why.
pub(crate) type Violation = (ErrorCode, String);

/// A named rule over `T`.
pub(crate) struct Rule<T: ?Sized> {
    /// The rule, and where its spec says so.
    pub name: &'static str,
    /// The check.
    pub check: fn(&T) -> Result<(), String>,
    /// The error a request that breaks it gets.
    pub error: ErrorCode,
}

/// Runs `rules` in order; the first broken one answers.
fn first_broken<T: ?Sized>(rules: &[Rule<T>], subject: &T) -> Result<(), Violation> {
    for rule in rules {
        (rule.check)(subject).map_err(|why| (rule.error, format!("{why} ({})", rule.name)))?;
    }
    Ok(())
}

/// The FAPI 2.0 profiles.
fn is_fapi2(profile: FapiProfile) -> bool {
    matches!(profile, FapiProfile::Fapi2SecurityProfile | FapiProfile::Fapi2MessageSigning)
}

/// The JWS algorithms the profile allows (FAPI 1.0 Advanced §8.6: PS256 and ES256; FAPI 2.0
/// Security Profile §5.4.1: also EdDSA), or `None` without a profile.
pub(crate) fn allowed_algs(profile: FapiProfile) -> Option<&'static [&'static str]> {
    match profile {
        FapiProfile::None => None,
        FapiProfile::Fapi1Advanced => Some(fapi1::ALGS),
        FapiProfile::Fapi2SecurityProfile | FapiProfile::Fapi2MessageSigning => Some(fapi2::ALGS),
    }
}

/// The algorithms a client's JWTs (assertions, request objects, DPoP proofs) may be signed
/// with: `all` as the core offers them, narrowed by the profile.
pub(crate) fn client_algs<'a>(profile: FapiProfile, all: &[&'a str]) -> Vec<&'a str> {
    all.iter().copied().filter(|alg| allowed_algs(profile).is_none_or(|allowed| allowed.contains(alg))).collect()
}

/// The configuration keeps what the profile needs; each problem names its setting.
pub(crate) fn check_config(config: &Config, errors: &mut Vec<ConfigError>) {
    let rules = match config.fapi.profile {
        FapiProfile::None => return,
        FapiProfile::Fapi1Advanced => fapi1::CONFIG,
        FapiProfile::Fapi2SecurityProfile => fapi2::CONFIG_SECURITY_PROFILE,
        FapiProfile::Fapi2MessageSigning => fapi2::CONFIG_MESSAGE_SIGNING,
    };
    for rule in rules {
        if let Err(why) = (rule.check)(config) {
            errors.push(ConfigError::new(rule.name, format!("{why} (fapi.profile {})", config.fapi.profile.name())));
        }
    }
}

/// A configuration rule: the setting it reads, and its check.
pub(crate) struct ConfigRule {
    /// The setting, as `check-config` names it.
    pub name: &'static str,
    /// The check, saying what the profile needs.
    pub check: fn(&Config) -> Result<(), String>,
}

/// Whether the profile allows clients to authenticate by `method` (FAPI 1.0 Advanced §5.2.2
/// (14), FAPI 2.0 Security Profile §5.3.2.1 (4)).
pub(crate) fn allows_auth_method(profile: FapiProfile, method: &str) -> bool {
    profile == FapiProfile::None || matches!(method, "private_key_jwt" | "tls_client_auth" | "self_signed_tls_client_auth")
}

/// The client's metadata fits the profile: the field and the problem if not.
pub(crate) fn check_client(profile: FapiProfile, client: &Client) -> Result<(), (String, String)> {
    let rules = match profile {
        FapiProfile::None => return Ok(()),
        FapiProfile::Fapi1Advanced => fapi1::CLIENT,
        FapiProfile::Fapi2SecurityProfile | FapiProfile::Fapi2MessageSigning => fapi2::CLIENT,
    };
    for rule in rules {
        (rule.check)(client).map_err(|why| (rule.name.to_string(), why))?;
    }
    Ok(())
}

/// The authorization request fits the profile.
pub(crate) fn check_authorization_request(profile: FapiProfile, request: &AuthorizationView) -> Result<(), Violation> {
    match profile {
        FapiProfile::None => Ok(()),
        FapiProfile::Fapi1Advanced => first_broken(fapi1::AUTHORIZATION, request),
        FapiProfile::Fapi2SecurityProfile | FapiProfile::Fapi2MessageSigning => {
            first_broken(fapi2::AUTHORIZATION, request)
        }
    }
}

/// Whether a client assertion's `aud` names this server as the profile wants, or `None` where
/// the core's rule applies (the issuer or the token endpoint, as a string or in an array).
pub(crate) fn assertion_audience(
    profile: FapiProfile,
    aud: &serde_json::Value,
    issuer: &str,
    endpoints: &[String],
) -> Option<bool> {
    match profile {
        FapiProfile::None => None,
        FapiProfile::Fapi1Advanced => Some(fapi1::assertion_audience(aud, issuer, endpoints)),
        FapiProfile::Fapi2SecurityProfile | FapiProfile::Fapi2MessageSigning => {
            Some(fapi2::assertion_audience(aud, issuer))
        }
    }
}

/// The token endpoint's binding: every access token sender-constrained (FAPI 1.0 Advanced §5.2.2
/// (5); FAPI 2.0 Security Profile §5.3.2.1 (6), by DPoP or mTLS).
pub(crate) fn check_binding(profile: FapiProfile, binding: &Binding) -> Result<(), OAuthError> {
    if profile == FapiProfile::None || binding.cnf.is_some() {
        return Ok(());
    }
    let how = if is_fapi2(profile) { "a DPoP proof or a client certificate" } else { "a client certificate" };
    Err(OAuthError::invalid_request(format!(
        "FAPI requires sender-constrained access tokens: the request needs {how}"
    )))
}

#[cfg(test)]
mod tests;
