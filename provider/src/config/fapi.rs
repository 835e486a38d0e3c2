//! The `[fapi]` section: which FAPI profile's policy restricts the core.

use serde::{Deserialize, Serialize};

/// A FAPI security profile, each a policy over the building blocks (see the `fapi` module).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
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

/// The FAPI policy in force.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FapiConfig {
    /// `none`, `1.0-advanced`, `2.0-security-profile` or `2.0-message-signing`. The profiles of
    /// the same names set it; a configuration that weakens what it needs refuses to start.
    pub profile: FapiProfile,
}
