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
//! its clause. The policy imports only `protocol`: the configuration and clients come to it as
//! views ([`Settings`], [`ClientView`]), so any layer may ask it.

mod fapi1;
mod fapi2;

use crate::protocol::{ErrorCode, OAuthError, ResponseMode, ResponseType};
use serde::{Deserialize, Serialize};

/// A FAPI security profile, each a policy over the building blocks (`[fapi] profile`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub enum FapiProfile {
    /// No FAPI policy: the core's own rules.
    #[default]
    #[serde(rename = "none")]
    None,
    /// FAPI 1.0 Advanced (Final).
    #[serde(rename = "1.0-advanced")]
    Fapi1Advanced,
    /// FAPI 2.0 Security Profile (Final).
    #[serde(rename = "2.0-security-profile")]
    Fapi2SecurityProfile,
    /// FAPI 2.0 Message Signing: the Security Profile with signed requests and responses.
    #[serde(rename = "2.0-message-signing")]
    Fapi2MessageSigning,
}

impl FapiProfile {
    /// The profile as the configuration names it.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Fapi1Advanced => "1.0-advanced",
            Self::Fapi2SecurityProfile => "2.0-security-profile",
            Self::Fapi2MessageSigning => "2.0-message-signing",
        }
    }
}

/// What the rules read of the configuration; `config` fills it in, so the policy needs none of
/// its types.
#[derive(Debug, Clone)]
pub(crate) struct Settings<'a> {
    /// `par.enabled`.
    pub par_enabled: bool,
    /// `par.required`.
    pub par_required: bool,
    /// `pkce.required = "all"`.
    pub pkce_everywhere: bool,
    /// `response_types`.
    pub response_types: &'a [String],
    /// `ttl.authorization_code`.
    pub code_lifetime: u64,
    /// `dpop.enabled`.
    pub dpop: bool,
    /// `mtls.enabled` and `mtls.certificate_bound_access_tokens`.
    pub certificate_bound_tokens: bool,
    /// `refresh_token_rotation`.
    pub refresh_token_rotation: bool,
    /// `ttl.refresh_token_grace`.
    pub refresh_token_grace: u64,
    /// `strict_client_auth_method`.
    pub strict_client_auth: bool,
    /// `keys.signing_algs`.
    pub signing_algs: &'a [String],
    /// `tls.ciphers`, where the provider serves TLS (`[tls]` present).
    pub tls_ciphers: Option<Option<&'a [String]>>,
    /// `jar.require_signed_request_object`.
    pub signed_request_objects: bool,
    /// `allow_unsigned_request_objects`.
    pub unsigned_request_objects: bool,
    /// `jar.max_lifetime`.
    pub request_object_max_lifetime: Option<u64>,
    /// `jar.max_nbf_age`.
    pub request_object_max_nbf_age: Option<u64>,
    /// `jarm.enabled`.
    pub jarm: bool,
    /// `ciba.enabled`, and then `ciba.delivery_modes` and `ciba.require_signed_request`.
    pub ciba: Option<CibaSettings>,
}

/// The CIBA settings the FAPI-CIBA rules read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CibaSettings {
    /// `poll` is offered.
    pub poll: bool,
    /// `push` is offered.
    pub push: bool,
    /// Every backchannel request must be signed.
    pub signed_requests: bool,
}

/// What the rules read of a client's metadata; `clients` fills it in.
#[derive(Debug, Clone)]
pub(crate) struct ClientView<'a> {
    /// `token_endpoint_auth_method`.
    pub auth_method: &'a str,
    /// `tls_client_certificate_bound_access_tokens`.
    pub certificate_bound: bool,
    /// `response_types`.
    pub response_types: &'a [String],
    /// Each alg the client registered, by its field: ID token, request object, assertion,
    /// introspection and JARM response.
    pub algs: Vec<(&'static str, &'a str)>,
}

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

/// Whether the profile lets a client sign with `alg` (always, without a profile).
pub(crate) fn allows_alg(profile: FapiProfile, alg: &str) -> bool {
    allowed_algs(profile).is_none_or(|allowed| allowed.contains(&alg))
}

/// The algorithms a client's JWTs (assertions, request objects, DPoP proofs) may be signed
/// with: `all` as the core offers them, narrowed by the profile.
pub(crate) fn client_algs<'a>(profile: FapiProfile, all: &[&'a str]) -> Vec<&'a str> {
    all.iter().copied().filter(|alg| allows_alg(profile, alg)).collect()
}

/// The configuration keeps what the profile needs: each problem with the setting it names.
pub(crate) fn check_config(profile: FapiProfile, settings: &Settings<'_>) -> Vec<(&'static str, String)> {
    let rules: &[&[ConfigRule]] = match profile {
        FapiProfile::None => &[],
        FapiProfile::Fapi1Advanced => &[fapi1::CONFIG, fapi1::CONFIG_CIBA],
        FapiProfile::Fapi2SecurityProfile => &[fapi2::CONFIG_SECURITY_PROFILE],
        FapiProfile::Fapi2MessageSigning => &[fapi2::CONFIG_SECURITY_PROFILE, fapi2::CONFIG_MESSAGE_SIGNING],
    };
    let rules = rules.iter().flat_map(|list| list.iter());
    rules.filter_map(|rule| (rule.check)(settings).err().map(|why| (rule.name, why))).collect()
}

/// FAPI-CIBA §5.2.2 (2): without another unique authorization context (this provider has none),
/// a backchannel request carries a `binding_message`.
#[cfg(feature = "ciba")]
pub(crate) fn check_backchannel_request(profile: FapiProfile, binding_message: bool) -> Result<(), OAuthError> {
    if profile == FapiProfile::None || binding_message {
        return Ok(());
    }
    Err(OAuthError::invalid_request("binding_message is required (FAPI-CIBA 5.2.2 (2))"))
}

/// A configuration rule: the setting it reads, and its check.
pub(crate) struct ConfigRule {
    /// The setting, as `check-config` names it.
    pub name: &'static str,
    /// The check, saying what the profile needs.
    pub check: fn(&Settings<'_>) -> Result<(), String>,
}

/// Whether the profile allows clients to authenticate by `method` (FAPI 1.0 Advanced §5.2.2
/// (14), FAPI 2.0 Security Profile §5.3.2.1 (4)).
pub(crate) fn allows_auth_method(profile: FapiProfile, method: &str) -> bool {
    profile == FapiProfile::None || is_fapi_auth_method(method)
}

/// The asymmetric client authentication methods every FAPI profile allows.
fn is_fapi_auth_method(method: &str) -> bool {
    matches!(method, "private_key_jwt" | "tls_client_auth" | "self_signed_tls_client_auth")
}

/// A rule over client metadata: the field at fault and why, if broken.
pub(crate) type ClientRule = fn(&ClientView<'_>) -> Result<(), (&'static str, String)>;

/// The client's metadata fits the profile: the field and the problem if not.
pub(crate) fn check_client(profile: FapiProfile, client: &ClientView<'_>) -> Result<(), (&'static str, String)> {
    let rules = match profile {
        FapiProfile::None => return Ok(()),
        FapiProfile::Fapi1Advanced => fapi1::CLIENT,
        FapiProfile::Fapi2SecurityProfile | FapiProfile::Fapi2MessageSigning => fapi2::CLIENT,
    };
    rules.iter().try_for_each(|rule| rule(client))
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
pub(crate) fn check_binding(profile: FapiProfile, sender_constrained: bool) -> Result<(), OAuthError> {
    if profile == FapiProfile::None || sender_constrained {
        return Ok(());
    }
    let how = if is_fapi2(profile) { "a DPoP proof or a client certificate" } else { "a client certificate" };
    Err(OAuthError::invalid_request(format!(
        "FAPI requires sender-constrained access tokens: the request needs {how}"
    )))
}

#[cfg(test)]
mod tests;
