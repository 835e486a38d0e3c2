//! The `[fapi]` section: which FAPI profile's policy restricts the core.

use super::{Config, ConfigError, PkceRequired};
pub use crate::fapi::FapiProfile;
use serde::{Deserialize, Serialize};

/// The FAPI policy in force.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FapiConfig {
    /// The FAPI policy over everything else: `1.0-advanced`, `2.0-security-profile` or `2.0-message-signing`. The
    /// profiles of those names set it, with the settings each needs; see [profiles.md](profiles.md#fapi-profiles).
    pub profile: FapiProfile,
}

impl FapiConfig {
    /// The profile's rules over the rest of the configuration (see the `fapi` module).
    pub(super) fn check(config: &Config, errors: &mut Vec<ConfigError>) {
        let profile = config.fapi.profile;
        for (key, why) in crate::fapi::check_config(profile, &settings(config)) {
            errors.push(ConfigError::new(key, format!("{why} (fapi.profile {})", profile.name())));
        }
    }
}

/// What the FAPI rules read of the configuration.
fn settings(config: &Config) -> crate::fapi::Settings<'_> {
    crate::fapi::Settings {
        par_enabled: config.par.enabled,
        par_required: config.par.required,
        pkce_everywhere: config.pkce.required == PkceRequired::All,
        response_types: &config.response_types,
        code_lifetime: config.ttl.authorization_code,
        dpop: config.dpop.enabled,
        certificate_bound_tokens: config.mtls.enabled && config.mtls.certificate_bound_access_tokens,
        refresh_token_rotation: config.refresh_token_rotation,
        refresh_token_grace: config.ttl.refresh_token_grace,
        strict_client_auth: config.strict_client_auth_method,
        signing_algs: &config.keys.signing_algs,
        tls_ciphers: config.tls.as_ref().map(|tls| tls.ciphers.as_deref()),
        signed_request_objects: config.jar.require_signed_request_object,
        unsigned_request_objects: config.allow_unsigned_request_objects,
        request_object_max_lifetime: config.jar.max_lifetime,
        request_object_max_nbf_age: config.jar.max_nbf_age,
        jarm: config.jarm.enabled,
        ciba: config.ciba.enabled.then(|| crate::fapi::CibaSettings {
            poll: config.ciba.offers(super::DeliveryMode::Poll),
            push: config.ciba.offers(super::DeliveryMode::Push),
            signed_requests: config.ciba.require_signed_request,
        }),
    }
}
